"""Where configuration comes from: arguments, then environment, then .env files, then defaults.

Every setting the user chooses is read here (the location rules themselves live in
``store.location``, which the valid-token path reads without this module). Elsewhere only facts
about the surroundings are read from the environment: ``browser`` looks at ``DISPLAY``,
``SSH_*`` and ``WSL_*`` to find where a browser can be opened.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
from dotenv import dotenv_values

from .errors import SETTINGS_URL as SETTINGS_URL  # (where it was: messages name it)
from .errors import ConfigError, MissingCredentialsError
from .safe_text import clean
from .store import location
from .store.location import APP_NAME, MAX_PROFILE_NAME, PROFILES_FOLDER, PathArg
from .store.private_files import make_private_dirs, write_private
from .store.quick_read import MAX_TOKEN, looks_like_token

#: Strava's OAuth (authorize, token, revoke): here today, and after the API moves.
DEFAULT_BASE_URL = "https://www.strava.com"
#: Strava's API from 4 January 2027: its own host, without the ``/api/v3`` prefix (Strava's
#: e-mail also spelled it ``www.api-v3.strava.com``, which does not resolve).
NEW_API_URL = "https://api-v3.strava.com"
#: The API's root when none is set. Still the old one, on purpose: the new host does not
#: answer before 4 January 2027 and no end has been announced for the old one. It becomes
#: NEW_API_URL in the first release after the new host is live; until then StravaAuth puts
#: the token on both, so a user or a stravalib that switches first keeps working.
DEFAULT_API_URL = f"{DEFAULT_BASE_URL}/api/v3"

ENV_CLIENT_ID = "STRAVA_CLIENT_ID"
ENV_CLIENT_SECRET = "STRAVA_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_BASE_URL = "STRAVA_BASE_URL"
ENV_API_URL = "STRAVA_API_URL"
ENV_PORT = "STRAVA_AUTH_PORT"
ENV_REFRESH_TOKEN = "STRAVA_REFRESH_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_ON_ROTATE = "STRAVA_AUTH_ON_ROTATE"

#: The login's port on 127.0.0.1 when none is chosen (any free one if it is busy).
DEFAULT_PORT = 5000
#: Seconds a login waits for the browser's redirect.
DEFAULT_LOGIN_TIMEOUT = 300.0


@dataclass(frozen=True)
class Credentials:
    """The Strava app's client ID and secret; the secret never shows in a repr."""

    client_id: int
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class Profile:
    """A profile resolved once: its folder name, or None for none.

    A profile as resolved once, by :func:`resolve_profile`: its folder name (lower case),
    or None for no profile (the default token).
    """

    name: str | None = None

    def __str__(self) -> str:
        return self.name or "(default)"


#: No profile: the default token, whatever $STRAVA_AUTH_PROFILE says.
NO_PROFILE = Profile()


def resolve_profile(given: str | Profile | None = None) -> Profile:
    """The profile in use, resolved once and in lower case.

    The profile in use, in lower case ("Club" and "club" are one profile): ``given``, else
    ``$STRAVA_AUTH_PROFILE``, else none (also for an explicit ``""``: no profile, whatever the
    environment says). A :class:`Profile` is already resolved and is returned as it is.

    Raises:
        ConfigError: the name is not one (it is never a path, nor a Windows device name).
    """
    if isinstance(given, Profile):
        return given
    text = location.profile_setting(given)
    if not text:
        return NO_PROFILE
    folder = location.profile_folder_name(text)
    if folder is None:
        raise ConfigError(
            f"a profile name is 1 to {MAX_PROFILE_NAME} letters, digits, - and _, starting "
            f"with a letter or digit, and not a Windows device name (CON, NUL, COM1...); "
            f"not {clean(text, 60)!r}"
        )
    return Profile(folder)


def platform_config_dir() -> str:
    """Platformdirs' per-user config folder for this app (``store.location`` mirrors it)."""
    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The folder for the token and the saved credentials.

    The folder for the token and the saved credentials: ``$STRAVA_AUTH_CONFIG_DIR``,
    else the per-user config folder.
    """
    folder = location.config_folder(platform_config_dir())
    assert folder is not None  # given a default, config_folder always answers
    return Path(folder)


def profiles_dir() -> Path:
    """The folder that holds one folder per named profile."""
    return config_dir() / PROFILES_FOLDER


def profile_dir(profile: Profile) -> Path:
    """A named profile's folder (its token and its own ``.env``); the config folder for none."""
    return profiles_dir() / profile.name if profile.name else config_dir()


def token_path(explicit: PathArg, profile: Profile) -> Path:
    """The token file for ``explicit`` and ``profile``.

    The token file: ``explicit``, then the profile's, then ``$STRAVA_TOKEN_FILE``, then
    the config folder's.
    """
    found = location.token_file_in(explicit, profile.name, lambda: str(config_dir()))
    assert found is not None  # a default folder: always an answer
    return Path(found)


def refresh_token_from_env() -> str | None:
    """``$STRAVA_REFRESH_TOKEN`` (a CI runner's or a server's secret), or None if unset.

    Raises:
        ConfigError: it is set but is not a refresh token (the value is never repeated).
    """
    value = os.environ.get(ENV_REFRESH_TOKEN, "").strip()
    if not value:
        return None
    if not looks_like_token(value):
        raise ConfigError(
            f"{ENV_REFRESH_TOKEN} is set but is not a refresh token (1 to {MAX_TOKEN} "
            "printable characters, no spaces): check the secret it comes from"
        )
    return value


def on_rotate_command() -> list[str] | None:
    """``$STRAVA_AUTH_ON_ROTATE`` split into words, to be run without a shell; None if unset.

    Split as a POSIX shell splits (on Windows, as Windows' own ``CommandLineToArgvW`` does).
    Asked before Strava is, so that a hook that cannot be run spends no refresh token.

    Raises:
        ConfigError: it cannot be split (an unclosed quote), or its program is not found.
    """
    text = os.environ.get(ENV_ON_ROTATE, "").strip()
    if not text:
        return None
    try:
        words = _windows_words(text) if os.name == "nt" else shlex.split(text)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_ON_ROTATE} cannot be split into words ({exc}); nothing was refreshed"
        ) from None
    if words and shutil.which(words[0]) is None:
        raise ConfigError(
            f"{ENV_ON_ROTATE}: its program {clean(words[0], 80)!r} is not found or cannot be "
            "run; nothing was refreshed (Strava was not asked)"
        )
    return words or None


def _windows_words(text: str) -> list[str]:
    """``text`` split by ``CommandLineToArgvW``, as every Windows program reads its own.

    Quotes, and backslashes before them, follow Windows' rules, not a POSIX shell's.
    """
    if sys.platform != "win32":  # (the type checker skips the rest elsewhere)
        raise ValueError("Windows' rules are Windows' own")
    import ctypes
    from ctypes import wintypes

    shell32 = ctypes.WinDLL("shell32")
    kernel32 = ctypes.WinDLL("kernel32")
    shell32.CommandLineToArgvW.argtypes = [wintypes.LPCWSTR, ctypes.POINTER(ctypes.c_int)]
    shell32.CommandLineToArgvW.restype = ctypes.POINTER(wintypes.LPWSTR)
    kernel32.LocalFree.argtypes = [wintypes.HLOCAL]
    count = ctypes.c_int()
    words = shell32.CommandLineToArgvW(text, ctypes.byref(count))
    if not words:
        raise ValueError(f"CommandLineToArgvW failed ({ctypes.get_last_error()})")
    try:
        return [words[i] for i in range(count.value)]
    finally:
        kernel32.LocalFree(ctypes.cast(words, wintypes.HLOCAL))


def base_url() -> str:
    """Strava's OAuth base URL: ``$STRAVA_BASE_URL``, else Strava's (tests use a local one).

    Raises:
        ConfigError: it is not an http(s) URL.
    """
    return _url_setting(ENV_BASE_URL) or DEFAULT_BASE_URL


def api_base_url() -> str:
    """The API's root, e.g. ``https://www.strava.com/api/v3``.

    ``$STRAVA_API_URL``; else, where only ``$STRAVA_BASE_URL`` is set (the tests, the demo's
    scripts), the API under it at ``/api/v3``, as Strava serves it today; else
    :data:`DEFAULT_API_URL`.

    Raises:
        ConfigError: a setting is not an http(s) URL.
    """
    explicit = _url_setting(ENV_API_URL)
    if explicit:
        return explicit
    return f"{base_url()}/api/v3" if _url_setting(ENV_BASE_URL) else DEFAULT_API_URL


def api_origins() -> frozenset[str]:
    """The origins Strava's API is at.

    The API root's, the OAuth host's (whose ``/api/v3`` is the API until Strava retires it)
    and, with Strava's own OAuth host, the new API host's. An origin is
    ``scheme://host:port``, written out in full (see :func:`origin`).
    """
    found = {origin(api_base_url()), origin(base_url())}
    if base_url() == DEFAULT_BASE_URL:
        found.add(origin(NEW_API_URL))
    return frozenset(found)


def origin(url: str) -> str:
    """``url``'s scheme, host and port, e.g. ``https://www.strava.com:443``.

    ``""`` for an address that has no such origin (no host, a port that is no number).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:  # not a port number: matches nothing
        return ""
    host = parts.hostname or ""
    return f"{scheme}://{host}:{port}" if host and port else ""


def _url_setting(name: str) -> str:
    url = os.environ.get(name, "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must start with http:// or https:// (got {clean(url, 80)!r})")
    return url.rstrip("/")


def login_port(explicit: int | None = None) -> int | None:
    """The port the login listens on.

    The port the login listens on: ``explicit``, else ``$STRAVA_AUTH_PORT`` (a
    double-click launcher takes no flags), else None: 5000, or any free port if it is busy.

    Raises:
        ConfigError: ``$STRAVA_AUTH_PORT`` is not a port number (0: any free port).
    """
    if explicit is not None:
        return explicit
    text = os.environ.get(ENV_PORT, "").strip()
    return parse_port(text, ENV_PORT) if text else None


def parse_port(text: str, source: str) -> int:
    """A TCP port number from 0 to 65535.

    Raises:
        ConfigError: ``text`` (from ``source``) is not one.
    """
    if text.isascii() and text.isdigit() and int(text) <= 65535:
        return int(text)
    raise ConfigError(f"{source} is not a port number from 0 to 65535: {text[:10]!r}")


def config_env_file(profile: Profile) -> Path:
    """The ``.env`` where saved credentials go: the profile's own, else the config folder's."""
    return profile_dir(profile) / ".env"


def parse_client_id(value: str | int, source: str) -> int:
    """Turn a client ID into an int, or say clearly where the bad value came from."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) <= 0 or len(text) > 18:
        # Not echoed: what was pasted there may well be the client secret.
        raise ConfigError(
            f"the client ID from {source} must be a whole number "
            f"(the 'Client ID' at {SETTINGS_URL}, not the secret)"
        )
    return int(text)


def _lookup(name: str, profile: Profile) -> tuple[str, str] | None:
    """Find ``name`` in the environment and the .env files: (value, where it was found).

    Find ``name`` in the environment, then ./.env, then the profile's .env, then the config
    folder's .env: (value, where it was found).
    """
    found = _lookup_file(name, profile)
    return None if found is None else found[:2]


def _lookup_file(name: str, profile: Profile) -> tuple[str, str, Path | None] | None:
    """:func:`_lookup`, and the file this package saved it to (None for the person's own)."""
    value = os.environ.get(name)
    if value:
        return value, f"${name}", None
    env_files = [Path.cwd() / ".env", config_env_file(profile), config_dir() / ".env"]
    for path in dict.fromkeys(env_files):  # without a profile the last two are one
        label = "./.env" if path == env_files[0] else str(path)
        if path.is_file():
            try:
                found = dotenv_values(path).get(name)
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read {label}: {exc.__class__.__name__}") from None
            if found:
                return found, f"{name} in {label}", None if path == env_files[0] else path
    return None


def load_credentials(
    client_id: int | str | None = None, *, profile: str | Profile | None = None
) -> Credentials:
    """The app's client ID and secret, from wherever they are set.

    Client ID (argument > env > ./.env > profile .env > config .env) and secret (the same
    without the argument: a secret is never a command-line argument).

    Raises:
        MissingCredentialsError: one or both values are nowhere to be found.
        ConfigError: the client ID is not a whole number.
    """
    return find_credentials(client_id, profile=profile).credentials


@dataclass(frozen=True)
class FoundCredentials:
    """Credentials and where their secret was found.

    ``saved`` is the ``.env`` this package saved them to (:func:`save_credentials`) when
    the secret came from there: one that a login may offer to replace. None for the
    person's own settings (the environment, ``./.env``), which are never rewritten.
    """

    credentials: Credentials
    secret_from: str
    saved: Path | None = None


def find_credentials(
    client_id: int | str | None = None, *, profile: str | Profile | None = None
) -> FoundCredentials:
    """:func:`load_credentials`, and where the secret was found.

    Raises:
        MissingCredentialsError: one or both values are nowhere to be found.
        ConfigError: the client ID is not a whole number.
    """
    name = resolve_profile(profile)
    if client_id is not None:
        id_found: tuple[str, str] | None = (str(client_id), "--client-id")
    else:
        id_found = _lookup(ENV_CLIENT_ID, name)
    secret_found = _lookup_file(ENV_CLIENT_SECRET, name)
    if id_found is None or secret_found is None:
        raise MissingCredentialsError(missing_credentials_message())
    secret, where, saved = secret_found
    credentials = Credentials(parse_client_id(*id_found), secret.strip())
    return FoundCredentials(credentials, where, saved)


def saved_client_id(profile: Profile) -> int | None:
    """The client ID saved in the profile's own ``.env`` (for showing; None if none)."""
    path = config_env_file(profile)
    try:
        value = dotenv_values(path).get(ENV_CLIENT_ID) if path.is_file() else None
        return parse_client_id(value, str(path)) if value else None
    except (OSError, UnicodeDecodeError, ConfigError):
        return None


def missing_credentials_message() -> str:
    """One line that says which variables to set and where the values are."""
    return (
        f"no Strava app credentials: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
        f"(your app's 'Client ID' and 'Client Secret' from {SETTINGS_URL}) in the environment "
        f"or a .env file"
    )


def save_credentials(credentials: Credentials, profile: Profile = NO_PROFILE) -> Path:
    """Store the credentials in the profile's ``.env``, atomically and mode 0600.

    Store the credentials in the profile's (else the config folder's) ``.env``: replaced
    in one step (no reader ever sees half a file), mode 0600, keeping its other lines.
    """
    path = config_env_file(profile)
    make_private_dirs(path.parent)
    lines = _other_lines(path)
    lines += [
        f"{ENV_CLIENT_ID}={credentials.client_id}",
        f"{ENV_CLIENT_SECRET}={_dotenv_quote(credentials.client_secret)}",
    ]
    write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def forget_credentials(profile: Profile = NO_PROFILE) -> Path | None:
    """Remove the saved credentials from the profile's ``.env``; its path if it held any.

    The file's other lines are kept (the file goes once nothing is left in it). Settings
    of the person's own (the environment, ``./.env``) are not touched.
    """
    path = config_env_file(profile)
    if not path.is_file():
        return None
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None
    if ENV_CLIENT_ID not in values and ENV_CLIENT_SECRET not in values:
        return None
    lines = _other_lines(path)
    if any(line.strip() for line in lines):
        write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    else:
        path.unlink()
    return path


def _other_lines(path: Path) -> list[str]:
    """The lines of a ``.env`` that set neither credential (comments included)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None
    names = (ENV_CLIENT_ID, ENV_CLIENT_SECRET)
    kept = []
    for line in text.splitlines():
        word = line.strip().removeprefix("export ").split("=", 1)[0].strip()
        if word not in names:
            kept.append(line)
    return kept


def _dotenv_quote(value: str) -> str:
    """``value`` single-quoted, as python-dotenv's own ``set_key`` writes it."""
    if any(c in value for c in "\r\n"):
        raise ConfigError("a client secret is one line; this one cannot be saved")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def override(**values: str) -> Iterator[None]:
    """Set some of this module's environment variables for a while (the demo's Strava)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
