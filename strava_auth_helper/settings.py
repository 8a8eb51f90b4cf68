"""Where configuration comes from: arguments, then environment, then .env files, then defaults.

This module and ``fastpath`` (the valid-token path, which must stay stdlib-only) are the
only ones that read ``os.environ``; the location rules themselves live in ``fastpath``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from dotenv import dotenv_values, set_key

from . import fastpath
from .errors import ConfigError, MissingCredentialsError
from .fastpath import APP_NAME, PathArg
from .private_files import make_private_dirs, write_private

DEFAULT_BASE_URL = "https://www.strava.com"
SETTINGS_URL = "https://www.strava.com/settings/api"

ENV_CLIENT_ID = "STRAVA_CLIENT_ID"
ENV_CLIENT_SECRET = "STRAVA_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_BASE_URL = "STRAVA_BASE_URL"


@dataclass(frozen=True)
class Credentials:
    """The Strava app's client ID and secret; the secret never shows in a repr."""

    client_id: int
    client_secret: str = field(repr=False)


def platform_config_dir() -> str:
    """platformdirs' per-user config folder for this app (``fastpath`` mirrors it)."""
    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The folder for the token and the saved credentials: ``$STRAVA_AUTH_CONFIG_DIR``,
    else the per-user config folder."""
    folder = fastpath.config_folder(platform_config_dir())
    assert folder is not None  # given a default, config_folder always answers
    return Path(folder)


def token_path(explicit: PathArg = None) -> Path:
    """The token file: ``explicit``, then ``$STRAVA_TOKEN_FILE``, then the config folder."""
    location = fastpath.token_location(explicit, default_folder=str(config_dir()))
    assert location is not None  # given a default folder, token_location always answers
    return Path(location)


def base_url() -> str:
    """Strava's base URL (tests point it at a local server)."""
    url = os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{ENV_BASE_URL} must start with http:// or https:// (got {url!r})")
    return url.rstrip("/")


def config_env_file() -> Path:
    """The ``.env`` in the user's config folder (where saved credentials go)."""
    return config_dir() / ".env"


def parse_client_id(value: str | int, source: str) -> int:
    """Turn a client ID into an int, or say clearly where the bad value came from."""
    text = str(value).strip()
    if not text.isdigit() or int(text) <= 0 or len(text) > 18:
        # Not echoed: what was pasted there may well be the client secret.
        raise ConfigError(
            f"the client ID from {source} must be a whole number "
            f"(the 'Client ID' at {SETTINGS_URL}, not the secret)"
        )
    return int(text)


def _lookup(name: str) -> tuple[str, str] | None:
    """Find ``name`` in the environment, then ./.env, then the config .env: (value, source)."""
    value = os.environ.get(name)
    if value:
        return value, f"${name}"
    config_env = config_env_file()
    for path, label in ((Path.cwd() / ".env", "./.env"), (config_env, str(config_env))):
        if path.is_file():
            try:
                found = dotenv_values(path).get(name)
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read {label}: {exc.__class__.__name__}") from None
            if found:
                return found, f"{name} in {label}"
    return None


def load_credentials(client_id: int | None = None) -> Credentials:
    """Client ID (argument > env > ./.env > config .env) and secret (env > ./.env > config .env).

    Raises:
        MissingCredentialsError: one or both values are nowhere to be found.
        ConfigError: the client ID is not a whole number.
    """
    id_found = (str(client_id), "--client-id") if client_id is not None else _lookup(ENV_CLIENT_ID)
    secret_found = _lookup(ENV_CLIENT_SECRET)
    if id_found is None or secret_found is None:
        raise MissingCredentialsError(missing_credentials_message())
    return Credentials(parse_client_id(*id_found), secret_found[0].strip())


def missing_credentials_message() -> str:
    """One line that says which variables to set and where the values are."""
    return (
        f"no Strava app credentials: set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
        f"(your app's 'Client ID' and 'Client Secret' from {SETTINGS_URL}) in the environment "
        f"or a .env file"
    )


def save_credentials(credentials: Credentials) -> Path:
    """Store the credentials in the config folder's ``.env`` (mode 0600), keeping other lines."""
    path = config_env_file()
    make_private_dirs(path.parent)
    if path.exists():
        path.chmod(0o600)  # python-dotenv's rewrite keeps the mode it finds
    else:
        write_private(path, b"")
    set_key(path, ENV_CLIENT_ID, str(credentials.client_id), quote_mode="never")
    set_key(path, ENV_CLIENT_SECRET, credentials.client_secret)
    return path


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
