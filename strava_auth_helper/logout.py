"""Logging out: revoke the app's access at Strava, then delete the token file and its lock.

All of it under the token lock: a refresh in flight finishes first (and its token is the
one revoked), and one that waits finds no token file afterwards, so it cannot write one back.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from . import keyring_store, settings, strava, token_store
from .errors import ReauthorizationRequired, StravaError
from .fastpath import retry_while_in_use
from .refresher import refresh_locked
from .token_file import Token, read_token


def logout(path: Path, *, local_only: bool = False, profile: str | None = None) -> bool:
    """Deauthorize and delete; returns whether Strava was told.

    Raises:
        NotLoggedInError, TokenFileError: nothing (usable) to log out of.
        StravaError: Strava could not be told; the token file is kept (unless ``local_only``).
    """
    with token_store.locked(path) as lock:
        token = read_token(path)  # fails clearly when there is nothing to log out of
        told = False if local_only else _deauthorize(path, token, profile)
        if token.in_keyring:
            keyring_store.delete(token.keyring_entry or "")
        retry_while_in_use(lambda: path.unlink(missing_ok=True))  # a reader may have it open
        lock.discard()
    if profile and path.parent == settings.profile_dir(profile):
        with contextlib.suppress(OSError):  # gone with its last file; kept if it has a .env
            path.parent.rmdir()
    return told


def _deauthorize(path: Path, token: Token, profile: str | None) -> bool:
    try:
        if not token.is_fresh(60):  # deauthorize needs a live access token
            token = refresh_locked(path, token, profile).token
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
