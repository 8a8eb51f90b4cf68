"""Where configuration comes from: arguments, then environment, then .env files, then defaults.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import functools
import os

from .errors import ConfigError, MissingCredentialsError

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hot path
if TYPE_CHECKING:
    from pathlib import Path  # imported where used: pathlib costs the hot path too

APP_NAME = "strava-auth-helper"
DEFAULT_BASE_URL = "https://www.strava.com"
SETTINGS_URL = "https://www.strava.com/settings/api"

ENV_CLIENT_ID = "STRAVA_CLIENT_ID"
ENV_CLIENT_SECRET = "STRAVA_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
ENV_TOKEN_FILE = "STRAVA_TOKEN_FILE"
ENV_BASE_URL = "STRAVA_BASE_URL"
ENV_CONFIG_DIR = "STRAVA_AUTH_CONFIG_DIR"


class Credentials:
    """The Strava app's client ID and secret; the secret never shows in a repr."""

    __slots__ = ("client_id", "client_secret")

    def __init__(self, client_id: int, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id}, client_secret='***')"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Credentials)
            and other.client_id == self.client_id
            and other.client_secret == self.client_secret
        )

    __hash__ = None  # type: ignore[assignment]


def config_dir() -> Path:
    """The per-user folder for the token and the saved credentials."""
    from pathlib import Path

    return Path(_config_folder())


def _config_folder() -> str:
    override = os.environ.get(ENV_CONFIG_DIR)
    return os.path.expanduser(override) if override else _platform_config_dir()


@functools.cache
def _platform_config_dir() -> str:
    # Asked once per process: platformdirs' import and lookup cost more than reading the
    # token itself. A process that changes HOME or XDG_CONFIG_HOME later keeps the first answer.
    import platformdirs

    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def token_location(explicit: str | os.PathLike[str] | None = None) -> str:
    """The token file as a string: the argument, then ``STRAVA_TOKEN_FILE``, then the config
    folder. Given a location, it imports neither pathlib nor platformdirs (the hot path)."""
    if explicit:
        return os.path.expanduser(os.fspath(explicit))
    from_env = os.environ.get(ENV_TOKEN_FILE)
    if from_env:
        return os.path.expanduser(from_env)
    return os.path.join(_config_folder(), "token.json")


def token_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """:func:`token_location` as a :class:`~pathlib.Path`."""
    from pathlib import Path

    return Path(token_location(explicit))


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
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(
            f"the client ID from {source} must be a whole number "
            f"(the 'Client ID' at {SETTINGS_URL}), not {text!r}"
        )
    return int(text)


def _env_file_sources() -> list[tuple[Path, str]]:
    from pathlib import Path

    config_env = config_env_file()
    return [(Path.cwd() / ".env", "./.env"), (config_env, str(config_env))]


def _lookup(name: str) -> tuple[str, str] | None:
    """Find ``name`` in the environment, then ./.env, then the config .env: (value, source)."""
    value = os.environ.get(name)
    if value:
        return value, f"${name}"
    from dotenv import dotenv_values  # only paths that need credentials pay for it

    for path, label in _env_file_sources():
        if path.is_file():
            try:
                found = dotenv_values(path).get(name)
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read {label}: {exc.__class__.__name__}") from None
            if found:
                return found, f"{name} in {label}"
    return None


def load_credentials(client_id: str | int | None = None) -> Credentials:
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
    from .token_file import write_private

    path = config_env_file()
    kept: list[str] = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key = line.strip().removeprefix("export ").split("=", 1)[0].strip()
            if key not in (ENV_CLIENT_ID, ENV_CLIENT_SECRET):
                kept.append(line)
    secret = credentials.client_secret.replace("\\", "\\\\").replace("'", "\\'")
    kept += [f"{ENV_CLIENT_ID}={credentials.client_id}", f"{ENV_CLIENT_SECRET}='{secret}'"]
    write_private(path, ("\n".join(kept) + "\n").encode("utf-8"))
    return path


class override:  # noqa: N801 - used like a function: `with settings.override(...):`
    """Set some of this module's environment variables for a while (the demo's Strava)."""

    def __init__(self, **values: str) -> None:
        self._values = values
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for name, value in self._values.items():
            self._saved[name] = os.environ.get(name)
            os.environ[name] = value

    def __exit__(self, *exc: object) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
