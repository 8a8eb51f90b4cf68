"""Where configuration comes from: arguments, then environment, then .env files, then defaults."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from .errors import ConfigError, MissingCredentialsError
from .model.app import (
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    SETTINGS_URL,
    Credentials,
    parse_client_id,
    parse_client_secret,
)
from .model.rules import MAX_PROFILE_NAME, MAX_TOKEN, looks_like_token, profile_folder_name
from .model.token import NO_PROFILE, Profile
from .safe_text import clean
from .store import location
from .store.paths import config_dir, config_env_file

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

ENV_BASE_URL = "STRAVA_BASE_URL"
ENV_API_URL = "STRAVA_API_URL"
ENV_PORT = "STRAVA_AUTH_PORT"
ENV_REFRESH_TOKEN = "STRAVA_REFRESH_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_ON_ROTATE = "STRAVA_AUTH_ON_ROTATE"

#: The login's port on 127.0.0.1 when none is chosen (any free one if it is busy).
DEFAULT_PORT = 5000
#: Seconds a login waits for the browser's redirect.
DEFAULT_LOGIN_TIMEOUT = 300.0


def resolve_profile(given: str | Profile | None = None) -> Profile:
    """The profile in use, resolved once and in lower case ("Club" and "club" are one).

    ``given``, else ``$STRAVA_AUTH_PROFILE``, else none (also for an explicit ``""``, whatever
    the environment says). A :class:`Profile` is already resolved and is returned as it is.

    Raises:
        ConfigError: the name is not one (it is never a path, nor a Windows device name).
    """
    if isinstance(given, Profile):
        return given
    text = location.profile_setting(given)
    if not text:
        return NO_PROFILE
    folder = profile_folder_name(text)
    if folder is None:
        raise ConfigError(
            f"a profile name is 1 to {MAX_PROFILE_NAME} letters, digits, - and _, starting "
            f"with a letter or digit, and not a Windows device name (CON, NUL, COM1...); "
            f"not {clean(text, 60)!r}"
        )
    return Profile(folder)


def refresh_token_from_env() -> str | None:
    """The refresh token a CI runner or a server holds as a secret, or None if there is none.

    ``$STRAVA_REFRESH_TOKEN``; else the file named by ``$STRAVA_REFRESH_TOKEN_FILE`` (Docker
    and Kubernetes secrets) or systemd's ``$CREDENTIALS_DIRECTORY/strava_refresh_token``.

    Raises:
        ConfigError: it is not a refresh token, or its file cannot be read (the value is
            never repeated).
    """
    value, where = os.environ.get(ENV_REFRESH_TOKEN, "").strip(), f"${ENV_REFRESH_TOKEN}"
    path = refresh_token_file() if not value else None
    if path is not None:
        where = str(path)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.__class__.__name__
            raise ConfigError(f"cannot read the refresh token in {where}: {reason}") from None
    if not value:
        return None
    if not looks_like_token(value):
        raise ConfigError(
            f"{where} holds no refresh token (1 to {MAX_TOKEN} printable characters, no "
            "spaces): check the secret it comes from"
        )
    return value


def refresh_token_file() -> Path | None:
    """The file a refresh token is kept in as a secret (``_FILE``, systemd's), if any.

    Where ``$STRAVA_REFRESH_TOKEN`` is set, that wins and this is not looked at.
    """
    named = os.environ.get(f"{ENV_REFRESH_TOKEN}_FILE", "").strip()
    if named:
        return Path(named)
    folder = os.environ.get("CREDENTIALS_DIRECTORY", "").strip()
    systemd = Path(folder, "strava_refresh_token") if folder else None
    return systemd if systemd is not None and systemd.is_file() else None


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
    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(
            f"{name} is http:// to another computer ({clean(host, 60)}): the client secret "
            "and tokens would cross the network unencrypted; use https://"
        )
    return url.rstrip("/")


def login_port(explicit: int | None = None) -> int | None:
    """The port the login listens on; None: 5000, or any free port if it is busy.

    ``explicit``, else ``$STRAVA_AUTH_PORT`` (a double-click launcher takes no flags).

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


def _lookup(name: str, profile: Profile, saved: bool = True) -> tuple[str, str, Path | None] | None:
    """``name``'s value, where it was found, and the ``.env`` of this package's it was in.

    Looked for in the environment, ./.env, then (unless not ``saved``) the profile's .env
    and the config folder's .env; the file is None for the person's own settings (the first
    two). The files this package wrote are read as written (no ``${...}`` expansion).
    """
    value = os.environ.get(name)
    if value:
        return value, f"${name}", None
    env_files = [Path.cwd() / ".env"]
    env_files += [config_env_file(profile), config_dir() / ".env"] if saved else []
    for path in dict.fromkeys(env_files):  # without a profile the last two are one
        own = path == env_files[0]
        label = "./.env" if own else str(path)
        if path.is_file():
            try:
                found = dotenv_values(path, interpolate=own).get(name)
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
    """Credentials, and the ``.env`` this package saved them to if the secret came from there.

    ``saved`` is one that a login may offer to replace; None for the person's own settings
    (the environment, ``./.env``), which are never rewritten. ``id_from`` and
    ``secret_from`` say where each value was found (``$STRAVA_CLIENT_ID``, ``--client-id``,
    ``STRAVA_CLIENT_SECRET in ./.env``...).
    """

    credentials: Credentials
    saved: Path | None = None
    id_from: str = ""
    secret_from: str = ""

    def where(self, field: str) -> tuple[str, bool]:
        """Where ``field`` ("client_id", "client_secret") was found; True: a person's own setting.

        A person's own setting (the environment, ``./.env``, ``--client-id``) is never
        rewritten by a login.
        """
        found = (self.id_from if field == "client_id" else self.secret_from) or "the settings"
        return found, self.saved is None or str(self.saved) not in found


def find_credentials(
    client_id: int | str | None = None,
    *,
    profile: str | Profile | None = None,
    saved: bool = True,
) -> FoundCredentials:
    """:func:`load_credentials`, and where the secret was found.

    Not ``saved``: only the person's own settings, none this package saved (after
    ``--reset-credentials``, another profile's must not stand in for the forgotten ones).

    Raises:
        MissingCredentialsError: one or both values are nowhere to be found.
        ConfigError: the client ID is not a whole number.
    """
    name = resolve_profile(profile)
    if client_id is not None:
        id_found: tuple[str, str] | None = (str(client_id), "--client-id")
    else:
        found = _lookup(ENV_CLIENT_ID, name, saved)
        id_found = None if found is None else found[:2]
    secret_found = _lookup(ENV_CLIENT_SECRET, name, saved)
    if id_found is None or secret_found is None:
        raise MissingCredentialsError(missing_credentials_message())
    secret, secret_from, saved_in = secret_found
    credentials = Credentials(parse_client_id(*id_found), parse_client_secret(secret, secret_from))
    return FoundCredentials(credentials, saved_in, id_found[1], secret_from)


def missing_credentials_message() -> str:
    """One line that says which variables to set and where the values are."""
    return (
        f"no Strava app credentials: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
        f"(your app's 'Client ID' and 'Client Secret' from {SETTINGS_URL}) in the environment "
        f"or a .env file"
    )
