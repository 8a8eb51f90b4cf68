"""The app's credentials a login saves: the profile's own ``.env``, private and atomic."""

from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values

from ..errors import ConfigError
from ..model.app import ENV_CLIENT_ID, ENV_CLIENT_SECRET, Credentials, parse_client_id
from ..model.token import NO_PROFILE, Profile
from .paths import config_env_file
from .private_files import make_private_dirs, write_private


def save_credentials(credentials: Credentials, profile: Profile = NO_PROFILE) -> Path:
    """Store the credentials in the profile's ``.env``, keeping its other lines; its path.

    Replaced in one step (no reader ever sees half a file), mode 0600.
    """
    from .lock import TokenLock  # (only here: `profiles` and `status` read, and need no lock)

    path = config_env_file(profile)
    make_private_dirs(path.parent)
    with TokenLock(path):  # another login saving at once: one after the other
        lines = _other_lines(path)
        lines += [
            f"{ENV_CLIENT_ID}={credentials.client_id}",
            f"{ENV_CLIENT_SECRET}={_dotenv_quote(credentials.client_secret)}",
        ]
        write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def forget_credentials(profile: Profile = NO_PROFILE) -> Path | None:
    """Remove the saved credentials from the profile's ``.env``; its path if it held any.

    The file's other lines are kept (the file goes once nothing is left in it).
    """
    path = config_env_file(profile)
    if not path.is_file():
        return None
    values = _values(path)
    if ENV_CLIENT_ID not in values and ENV_CLIENT_SECRET not in values:
        return None
    from .lock import TokenLock

    with TokenLock(path) as lock:
        lines = _other_lines(path)
        if any(line.strip() for line in lines):
            write_private(path, ("\n".join(lines) + "\n").encode("utf-8"))
        else:
            path.unlink()
            lock.discard()
    return path


def saved_client_id(profile: Profile) -> int | None:
    """The client ID saved in the profile's own ``.env`` (for showing; None if none)."""
    path = config_env_file(profile)
    try:
        value = _values(path).get(ENV_CLIENT_ID) if path.is_file() else None
        return parse_client_id(value, str(path)) if value else None
    except (OSError, ConfigError):
        return None


def _values(path: Path) -> dict[str, str | None]:
    try:
        return dotenv_values(path, interpolate=False)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None


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
