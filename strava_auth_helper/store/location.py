"""Where the token file is: the profile, ``$STRAVA_TOKEN_FILE`` and the per-user config folder.

Standard library only, and nothing from the package (a test proves both): the valid-token
path (:mod:`.quick_read`) asks it first, and the ordinary code (``settings``) builds on the
same rules. The default folder mirrors platformdirs' ``user_config_dir`` with the standard
library on Linux/BSD and macOS (platformdirs' own rules, checked against it by the tests);
elsewhere platformdirs itself answers.
"""

from __future__ import annotations

import os
import sys

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
MAX_PROFILE_NAME = 40

PathArg = str | os.PathLike[str] | None


def token_location(
    explicit: PathArg = None, *, profile: str | None = None, default_folder: str | None = None
) -> str | None:
    """Where the token file is, for the valid-token path.

    Where the token file is: ``explicit``; else the profile's (``profile``, else
    ``$STRAVA_AUTH_PROFILE``: ``profiles/NAME/token.json`` in the config folder); else
    ``$STRAVA_TOKEN_FILE``; else ``token.json`` in the config folder (see
    :func:`config_folder`).

    None when the profile name is not valid, even beside an explicit file (the ordinary code
    refuses it there too), or when no home folder can be found (the ordinary code then says
    which).
    """
    given = profile_setting(profile)
    name = profile_folder_name(given) if given else None
    if given and name is None:
        return None
    return token_file_in(explicit, name, lambda: config_folder(default_folder))


def profile_setting(explicit: str | None) -> str:
    """The profile asked for, not yet checked.

    The profile asked for, not yet checked: ``explicit``, else ``$STRAVA_AUTH_PROFILE``
    (the one place it is read), else ``""``; an explicit ``""`` is no profile, whatever the
    environment says.
    """
    return os.environ.get(ENV_PROFILE, "") if explicit is None else explicit


def token_file_in(
    explicit: PathArg, profile_folder: str | None, folder: Callable[[], str | None]
) -> str | None:
    """:func:`token_location` once the profile is resolved.

    :func:`token_location` once the profile is resolved (its folder name, or None for no
    profile); ``folder`` answers the config folder (None: no home folder to find it in), and
    is asked only when the answer depends on it.
    """
    if explicit:
        return os.path.expanduser(os.fspath(explicit))
    if not profile_folder:
        from_env = os.environ.get(ENV_TOKEN_FILE)
        if from_env:
            return os.path.expanduser(from_env)
    base = folder()
    if base is None:
        return None
    if profile_folder:
        return os.path.join(base, PROFILES_FOLDER, profile_folder, TOKEN_FILE_NAME)
    return os.path.join(base, TOKEN_FILE_NAME)


#: Names Windows gives to devices in every folder: a profile called so would be no folder.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(10)]
)


def profile_folder_name(name: str) -> str | None:
    """The folder of profile ``name``, or None if it is not a profile name.

    The folder of profile ``name``: the name in lower case (macOS and Windows do not tell
    "Club" from "club", so no OS may), or None if it is not a profile name: 1 to 40 ASCII
    letters, digits, ``-`` and ``_``, starting with a letter or digit, and not a Windows
    device name. Such a name can only ever be one folder inside the profiles folder.
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


def config_folder(default_folder: str | None = None) -> str | None:
    """The config folder: ``$STRAVA_AUTH_CONFIG_DIR``, else the default.

    ``$STRAVA_AUTH_CONFIG_DIR``, else ``default_folder`` (the ordinary code passes
    platformdirs' answer), else :func:`default_config_folder`.
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
