"""What a token file must hold, what a token and a profile name look like; imports nothing."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up time; annotations are never evaluated here)
    from typing import Final

DEFAULT_MIN_TTL = 300
#: Strava only issues a new access token in the last hour of the old one's life, so a
#: ``min_ttl`` above this could never be met and would call Strava on every use.
MAX_MIN_TTL = 3600
REQUIRED_FIELDS = ("access_token", "refresh_token", "expires_at")
#: Where a refresh token lives (a token file's ``refresh_token_in``): the file itself, or the
#: OS keyring (the file then has no ``refresh_token``).
IN_FILE: Final = "file"
IN_KEYRING: Final = "keyring"
#: No token expires after this (the year 2286): larger values are corruption, not a date.
MAX_EPOCH = 10_000_000_000
#: The longest token taken (Strava's are 40 characters).
MAX_TOKEN = 2048
MAX_PROFILE_NAME = 40
#: Names Windows gives to devices in every folder: a profile called so would be no folder.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)


def min_ttl_in_range(min_ttl: float) -> bool:
    """True for a ``min_ttl`` from 0 to :data:`MAX_MIN_TTL` seconds (NaN is not)."""
    return 0 <= min_ttl <= MAX_MIN_TTL


def looks_like_token(value: object) -> bool:
    """The one rule for what a token (access or refresh) can be, wherever it comes from.

    1 to :data:`MAX_TOKEN` printable ASCII characters without spaces, since it goes into an
    HTTP header and a form (a token file, Strava's answer, the environment, an import).
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_TOKEN
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


def token_fields(data: object) -> tuple[str, str, int | float] | None:
    """(access token, refresh token, expiry) of a parsed token document, else None.

    Both tokens must :func:`look like tokens <looks_like_token>` (the refresh token is ""
    where the file says it lives in the keyring) and the expiry be :func:`epoch_seconds`.
    """
    if not isinstance(data, dict):
        return None
    access, refresh, expires_at = (data.get(k) for k in REQUIRED_FIELDS)
    if refresh is None and data.get("refresh_token_in") == IN_KEYRING:
        refresh = ""
    elif not looks_like_token(refresh):
        return None
    if not (looks_like_token(access) and isinstance(refresh, str) and isinstance(access, str)):
        return None
    expiry = epoch_seconds(expires_at)
    return None if expiry is None else (access, refresh, expiry)


def number_below(value: object, limit: int) -> int | float | None:
    """``value`` if it is a JSON number from 0 up to (not including) ``limit``, else None.

    A bool, a string, NaN or inf is none.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if 0 <= value < limit else None


def epoch_seconds(value: object) -> int | float | None:
    """``value`` if it is a time a token can expire at (epoch seconds), else None."""
    return number_below(value, MAX_EPOCH)


def profile_folder_name(name: str) -> str | None:
    """The folder of profile ``name`` (its name in lower case), or None if it is no profile name.

    A name is 1 to 40 ASCII letters, digits, ``-`` and ``_``, starting with a letter or
    digit, and not a Windows device name: it can only ever be one folder inside the profiles
    folder. Lower case, because macOS and Windows do not tell "Club" from "club".
    """
    folder = name.lower()
    plain = folder.replace("-", "").replace("_", "")
    valid = (
        0 < len(folder) <= MAX_PROFILE_NAME
        and folder.isascii()
        and folder[0].isalnum()
        and plain.isalnum()
        and folder not in WINDOWS_DEVICES
    )
    return folder if valid else None
