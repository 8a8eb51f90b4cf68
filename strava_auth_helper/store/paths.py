"""The folders and files at rest: the config folder (platformdirs), profiles, token, ``.env``."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from ..model.token import Profile
from . import location
from .location import APP_NAME, PROFILES_FOLDER, PathArg


def config_dir() -> Path:
    """``$STRAVA_AUTH_CONFIG_DIR``, else platformdirs' per-user config folder for this app."""
    folder = location.config_folder(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    assert folder is not None  # given a default, config_folder always answers
    return Path(folder)


def profiles_dir() -> Path:
    """The folder that holds one folder per named profile."""
    return config_dir() / PROFILES_FOLDER


def profile_dir(profile: Profile) -> Path:
    """A named profile's folder (its token and its own ``.env``); the config folder for none."""
    return profiles_dir() / profile.name if profile.name else config_dir()


def token_path(explicit: PathArg, profile: Profile) -> Path:
    """The token file: ``explicit``, the profile's, ``$STRAVA_TOKEN_FILE``, the config folder's.

    The same rule as the valid-token path's (:func:`.location.token_location`).
    """
    found = location.token_location(
        explicit, profile=profile.name or "", folder=lambda: str(config_dir())
    )
    assert found is not None  # a resolved profile and a default folder: always an answer
    return Path(found[0])


def config_env_file(profile: Profile) -> Path:
    """The ``.env`` where saved credentials go: the profile's own, else the config folder's."""
    return profile_dir(profile) / ".env"
