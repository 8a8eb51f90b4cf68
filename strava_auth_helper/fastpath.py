"""Where the token file is, and its valid-token read: stdlib only, a leaf of the package.

``entry`` (``get_access_token()`` and the console script) asks :func:`valid_access_token`
first; anything it cannot answer (no file, a corrupt one, near expiry, a bad setting) gets
None, and the ordinary code (``refresher``, ``cli``) re-reads the file and says what is wrong.
This module imports only the standard library's cheapest parts and nothing from the package
(tests prove both), so every other module may build on its rules.

The default location mirrors platformdirs' ``user_config_dir`` with the standard library on
Linux/BSD and macOS (platformdirs' own rules, checked against it by the tests); elsewhere
platformdirs itself answers.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time

# typing and collections.abc cost start-up time that this module exists to save: the names
# are for the type checker only (annotations are never evaluated here).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

APP_NAME = "strava-auth-helper"
TOKEN_FILE_NAME = "token.json"
ENV_TOKEN_FILE = "STRAVA_TOKEN_FILE"
ENV_CONFIG_DIR = "STRAVA_AUTH_CONFIG_DIR"
ENV_PROFILE = "STRAVA_AUTH_PROFILE"
PROFILES_FOLDER = "profiles"
MAX_PROFILE_NAME = 40

DEFAULT_MIN_TTL = 300
#: Strava only issues a new access token in the last hour of the old one's life, so a
#: ``min_ttl`` above this could never be met and would call Strava on every use.
MAX_MIN_TTL = 3600

PathArg = str | os.PathLike[str] | None
#: Seconds a read, replace or unlink keeps trying while Windows refuses it because another
#: process is replacing or holds the file (readers hold the token file for one read only).
#: Windows says "access denied" then (a replace in progress, or a file open without
#: FILE_SHARE_DELETE, as Python opens files) or "sharing violation": a PermissionError.
SHARING_TIMEOUT = 5.0


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
IN_KEYRING = "keyring"
#: No token expires after this (the year 2286): larger values are corruption, not a date.
MAX_EPOCH = 10_000_000_000


def token_fields(data: object) -> tuple[str, str, int | float] | None:
    """(access token, refresh token, expiry) of a parsed token document; None unless both
    tokens are non-empty strings (the refresh token is "" where the file says it lives in
    the keyring) and the expiry is an :func:`epoch_seconds`."""
    if not isinstance(data, dict):
        return None
    access, refresh, expires_at = (data.get(k) for k in REQUIRED_FIELDS)
    if refresh is None and data.get("refresh_token_in") == IN_KEYRING:
        refresh = ""
    elif not (isinstance(refresh, str) and refresh):
        return None
    if not (isinstance(access, str) and access and isinstance(refresh, str)):
        return None
    expiry = epoch_seconds(expires_at)
    return None if expiry is None else (access, refresh, expiry)


def number_below(value: object, limit: int) -> int | float | None:
    """``value`` if it is a JSON number from 0 up to (not including) ``limit``, else None:
    not a bool, a string, NaN or inf."""
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


class NotATokenFile(ValueError):
    """The path holds something that cannot be a token file (the message says what)."""


def read_token_bytes(location: str) -> bytes:
    """The file's bytes: a regular file only (a FIFO would block for ever), at most
    :data:`MAX_TOKEN_FILE` bytes.

    Raises:
        OSError: it cannot be opened (FileNotFoundError when it is not there).
        NotATokenFile: it is not a regular file, or too large.
    """
    try:
        fd = os.open(location, _READ_FLAGS)
    except PermissionError:  # on Windows, maybe only while another process replaces it
        fd = retry_while_in_use(lambda: os.open(location, _READ_FLAGS))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotATokenFile("not a regular file")
        chunks = []
        size = 0
        while chunk := os.read(fd, MAX_TOKEN_FILE + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_TOKEN_FILE:
                raise NotATokenFile(f"larger than {MAX_TOKEN_FILE // 1024} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


# O_NONBLOCK: a FIFO must not block the open (POSIX); O_BINARY: no text mode (Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def retry_while_in_use(action: Callable[[], T], timeout: float = SHARING_TIMEOUT) -> T:
    """``action()`` (an open, replace or unlink); on Windows, while it fails because another
    process is replacing or holds the file, tried again for up to ``timeout`` seconds.

    Raises:
        OSError: what ``action`` raised, once it is not worth waiting for.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            return action()
        except PermissionError:
            # Elsewhere (and once the time is up) a PermissionError is what it says.
            if os.name != "nt" or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def token_location(
    explicit: PathArg = None, *, profile: str | None = None, default_folder: str | None = None
) -> str | None:
    """Where the token file is: ``explicit``; else the profile's (``profile``, else
    ``$STRAVA_AUTH_PROFILE``: ``profiles/NAME/token.json`` in the config folder); else
    ``$STRAVA_TOKEN_FILE``; else ``token.json`` in the config folder (see
    :func:`config_folder`).

    None when the profile name is not valid, even beside an explicit file (the ordinary code
    refuses it there too), or when no home folder can be found (the ordinary code then says
    which).
    """
    given = os.environ.get(ENV_PROFILE) if profile is None else profile  # "": none at all
    name = profile_folder_name(given) if given else None
    if given and name is None:
        return None
    if explicit:
        return os.path.expanduser(os.fspath(explicit))
    if name:
        folder = config_folder(default_folder)
        return (
            None if folder is None else os.path.join(folder, PROFILES_FOLDER, name, TOKEN_FILE_NAME)
        )
    from_env = os.environ.get(ENV_TOKEN_FILE)
    if from_env:
        return os.path.expanduser(from_env)
    folder = config_folder(default_folder)
    return None if folder is None else os.path.join(folder, TOKEN_FILE_NAME)


#: Names Windows gives to devices in every folder: a profile called so would be no folder.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)


def profile_folder_name(name: str) -> str | None:
    """The folder of profile ``name``: the name in lower case (macOS and Windows do not tell
    "Club" from "club", so no OS may), or None if it is not a profile name: 1 to 40 ASCII
    letters, digits, ``-`` and ``_``, starting with a letter or digit, and not a Windows
    device name. Such a name can only ever be one folder inside the profiles folder."""
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


def config_folder(default_folder: str | None = None) -> str | None:
    """``$STRAVA_AUTH_CONFIG_DIR``, else ``default_folder`` (the ordinary code passes
    platformdirs' answer), else :func:`default_config_folder`."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return os.path.expanduser(override)
    return default_folder if default_folder is not None else default_config_folder()


def default_config_folder(platform: str = sys.platform) -> str | None:
    """platformdirs' ``user_config_dir(APP_NAME, appauthor=False)``; None if it would raise.

    Linux, the BSDs and macOS follow the XDG rule as platformdirs applies it: an absolute
    ``$XDG_CONFIG_HOME``, else ``~/.config`` (macOS: ``~/Library/Application Support``).
    Windows, iOS and Android are left to platformdirs itself.
    """
    if platform in ("win32", "ios") or _on_android():
        import platformdirs

        return platformdirs.user_config_dir(APP_NAME, appauthor=False)
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if xdg.startswith("/"):
        return os.path.join(xdg, APP_NAME)
    base = "~/Library/Application Support" if platform == "darwin" else "~/.config"
    home_based = _expand_home(base)
    return None if home_based is None else os.path.join(home_based, APP_NAME)


def _expand_home(path: str) -> str | None:
    # platformdirs treats an empty or relative $HOME as unset and asks the password database.
    home = os.environ.get("HOME")
    if home is not None and not home.startswith("/"):
        try:
            import pwd

            expanded = pwd.getpwuid(os.getuid()).pw_dir.rstrip("/") + path[1:] or "/"
        except (ImportError, KeyError):
            expanded = path
    else:
        expanded = os.path.expanduser(path)
    return expanded if expanded.startswith("/") else None


def _on_android() -> bool:
    return hasattr(sys, "getandroidapilevel") or (
        os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"
    )
