"""The valid-token read: locate, read, check expiry, return; standard library only.

``entry`` (``get_access_token()`` and the console script) asks :func:`valid_access_token`
first; anything it cannot answer (no file, a corrupt one, near expiry, a bad setting) gets
None, and the ordinary code (``flows.refresh``, ``cli``) re-reads the file and says what is
wrong. This module imports only the standard library's cheapest parts and, of the package,
only :mod:`.location` (tests prove both), so every other module may build on its rules: what
a token file must hold, and what a token looks like.
"""

from __future__ import annotations

import json
import os
import stat
import time

from .location import PathArg, token_location

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing costs start-up time; annotations are never evaluated here)
    from typing import Final

DEFAULT_MIN_TTL = 300
#: Strava only issues a new access token in the last hour of the old one's life, so a
#: ``min_ttl`` above this could never be met and would call Strava on every use.
MAX_MIN_TTL = 3600


def min_ttl_in_range(min_ttl: float) -> bool:
    """True for a ``min_ttl`` from 0 to :data:`MAX_MIN_TTL` seconds (NaN is not)."""
    return 0 <= min_ttl <= MAX_MIN_TTL


def valid_access_token(
    token_file: PathArg = None, min_ttl: float = DEFAULT_MIN_TTL, profile: str | None = None
) -> str | None:
    """The stored access token if it stays valid for more than ``min_ttl`` seconds, else None.

    Never raises for a missing, unreadable or odd file, nor for a bad setting: None sends the
    caller to the ordinary code, which explains the problem.
    """
    if not min_ttl_in_range(min_ttl):
        return None
    location = token_location(token_file, profile=profile)
    if location is None:
        return None
    fields = token_fields(_read_json(location))
    if fields is None or fields[2] - time.time() <= min_ttl:
        return None
    return fields[0]


REQUIRED_FIELDS = ("access_token", "refresh_token", "expires_at")
#: ``refresh_token_in`` of a token file whose refresh token lives in the OS keyring: the file
#: then has no ``refresh_token`` (and this module never needs it).
IN_KEYRING: Final = "keyring"
#: No token expires after this (the year 2286): larger values are corruption, not a date.
MAX_EPOCH = 10_000_000_000


#: The longest token taken (Strava's are 40 characters).
MAX_TOKEN = 2048


def looks_like_token(value: object) -> bool:
    """The one rule for what a token can be, wherever it comes from.

    The one rule for what a token (access or refresh) can be, wherever it comes from (a
    token file, Strava's answer, the environment, an import): 1 to :data:`MAX_TOKEN` printable
    ASCII characters without spaces, since it goes into an HTTP header and a form.
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

    (access token, refresh token, expiry) of a parsed token document; None unless both
    tokens :func:`look like tokens <looks_like_token>` (the refresh token is "" where the file
    says it lives in the keyring) and the expiry is an :func:`epoch_seconds`.
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
    """``value`` if it is a JSON number from 0 up to ``limit``, else None.

    ``value`` if it is a JSON number from 0 up to (not including) ``limit``, else None:
    not a bool, a string, NaN or inf.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if 0 <= value < limit else None


def epoch_seconds(value: object) -> int | float | None:
    """``value`` if it is a time a token can expire at (epoch seconds), else None."""
    return number_below(value, MAX_EPOCH)


def _read_json(location: str) -> object:
    try:
        return json.loads(read_token_bytes(location))
    except (OSError, ValueError, RecursionError):
        return None


#: A token file is well under 1 KiB; anything this large is not one.
MAX_TOKEN_FILE = 64 * 1024


class NotATokenFileError(ValueError):
    """The path holds something that cannot be a token file (the message says what)."""


def read_token_bytes(location: str) -> bytes:
    """The file's bytes: a regular file only, at most :data:`MAX_TOKEN_FILE` bytes.

    The file's bytes: a regular file only (a FIFO would block for ever), at most
    :data:`MAX_TOKEN_FILE` bytes.

    Raises:
        OSError: it cannot be opened (FileNotFoundError when it is not there).
        NotATokenFileError: it is not a regular file, or too large.
    """
    try:
        fd = os.open(location, _READ_FLAGS)
    except PermissionError:  # on Windows, maybe only while another process replaces it
        from .sharing import retry_while_in_use  # (imported only then: it costs start-up)

        fd = retry_while_in_use(lambda: os.open(location, _READ_FLAGS))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotATokenFileError("not a regular file")
        chunks = []
        size = 0
        while chunk := os.read(fd, MAX_TOKEN_FILE + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_TOKEN_FILE:
                raise NotATokenFileError(f"larger than {MAX_TOKEN_FILE // 1024} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


# O_NONBLOCK: a FIFO must not block the open (POSIX); O_BINARY: no text mode (Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
