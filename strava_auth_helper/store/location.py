"""Where the token file is, with the standard library alone (platformdirs' rule, mirrored)."""

from __future__ import annotations

import os
import sys

from ..model.rules import profile_folder_name

# typing and collections.abc cost start-up time that this module exists to save: the names
# are for the type checker only (annotations are never evaluated here).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

APP_NAME = "strava-auth-helper"
TOKEN_FILE_NAME = "token.json"
ENV_TOKEN_FILE = "STRAVA_TOKEN_FILE"
ENV_CONFIG_DIR = "STRAVA_AUTH_CONFIG_DIR"
ENV_PROFILE = "STRAVA_AUTH_PROFILE"
PROFILES_FOLDER = "profiles"

PathArg = str | os.PathLike[str] | None


def token_location(
    explicit: PathArg = None,
    *,
    profile: str | None = None,
    folder: Callable[[], str | None] | None = None,
) -> tuple[str, str | None] | None:
    """Where the token file is, and the profile's folder name (None: no profile).

    ``explicit``; else the profile's (``profile``, else ``$STRAVA_AUTH_PROFILE``:
    ``profiles/NAME/token.json`` in the config folder); else ``$STRAVA_TOKEN_FILE``; else
    ``token.json`` in the config folder, which ``folder`` answers (default:
    :func:`config_folder`) and is asked only when the answer depends on it.

    None when the profile name is not one, even beside an explicit file (the ordinary code
    refuses it there too), or when no home folder can be found (it then says which).
    """
    given = profile_setting(profile)
    name = profile_folder_name(given) if given else None
    if given and name is None:
        return None
    if explicit:
        return os.path.expanduser(os.fspath(explicit)), name
    from_env = None if name else os.environ.get(ENV_TOKEN_FILE)
    if from_env:
        return os.path.expanduser(from_env), name
    base = folder() if folder is not None else config_folder()
    if base is None:
        return None
    if name:
        return os.path.join(base, PROFILES_FOLDER, name, TOKEN_FILE_NAME), name
    return os.path.join(base, TOKEN_FILE_NAME), name


def profile_setting(explicit: str | None) -> str:
    """The profile asked for, not yet checked: ``explicit``, else ``$STRAVA_AUTH_PROFILE``.

    The one place that variable is read; an explicit ``""`` is no profile, whatever the
    environment says.
    """
    return os.environ.get(ENV_PROFILE, "") if explicit is None else explicit


def config_folder(default_folder: str | None = None) -> str | None:
    """``$STRAVA_AUTH_CONFIG_DIR``, else ``default_folder``, else :func:`default_config_folder`.

    The ordinary code passes platformdirs' answer as ``default_folder``.
    """
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return os.path.expanduser(override)
    return default_folder if default_folder is not None else default_config_folder()


def default_config_folder(platform: str = sys.platform) -> str | None:
    """Platformdirs' ``user_config_dir(APP_NAME, appauthor=False)``; None if it would raise.

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
