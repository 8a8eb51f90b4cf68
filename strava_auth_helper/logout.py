"""Logging out: revoke the app's access at Strava, then delete the token file and its lock."""

from __future__ import annotations

from pathlib import Path

from . import settings, strava
from .errors import ReauthorizationRequired, StravaError
from .refresher import refresh_if_needed
from .token_file import read_token
from .token_lock import lock_path


def logout(path: Path, *, local_only: bool = False) -> bool:
    """Deauthorize and delete; returns whether Strava was told.

    Raises:
        NotLoggedInError, TokenFileError: nothing (usable) to log out of.
        StravaError: Strava could not be told; the token file is kept (unless ``local_only``).
    """
    read_token(path)  # fails clearly when there is nothing to log out of
    told = False
    if not local_only:
        told = _deauthorize(path)
    path.unlink(missing_ok=True)
    lock_path(path).unlink(missing_ok=True)
    return told


def _deauthorize(path: Path) -> bool:
    try:
        token = refresh_if_needed(path, min_ttl=60, force=False)  # deauthorize needs a live one
        strava.deauthorize(settings.base_url(), token.access_token)
    except ReauthorizationRequired:
        return False  # Strava already refuses this token: nothing left to revoke
    except StravaError as exc:
        if exc.status == 401:
            return False  # the access token is already revoked
        raise StravaError(
            f"{exc}; the token file was kept: try again, or use --local-only to delete it anyway",
            exc.status,
        ) from None
    return True
