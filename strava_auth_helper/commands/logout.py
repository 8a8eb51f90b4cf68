"""Logging out: revoke the app's access at Strava, then delete the token file and its lock."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from .. import settings
from ..errors import (
    COMMAND,
    AppCredentialsError,
    HandedOverError,
    KeyringError,
    MissingExtraError,
    StravaError,
)
from ..model.token import Profile, Token
from ..store import refresh_tokens
from ..store.lock import TokenLock
from ..store.paths import profile_dir
from ..store.token_file import read_token
from ..store.windows_retry import retry_while_in_use
from ..strava import api

log = logging.getLogger(__name__)


def logout(path: Path, *, local_only: bool = False, profile: Profile) -> bool:
    """Revoke at Strava and delete; returns whether Strava was told.

    All under the token lock: a refresh in flight finishes first (its token is the one
    revoked), and one that waits finds no token file afterwards to write back.

    Raises:
        NotLoggedInError, TokenFileError: nothing (usable) to log out of.
        StravaError: Strava could not be told; the token file is kept (unless ``local_only``).
    """
    with TokenLock(path) as lock:
        try:
            token: Token | None = read_token(path)  # fails clearly when there is nothing
        except HandedOverError as exc:
            if not local_only:
                raise HandedOverError(
                    f"{exc}; to clear the record of it here: `{COMMAND} logout --local-only`"
                ) from None
            token = None  # no token here: the record of where it went is all that goes
        told = False if local_only or token is None else _tell_strava(token, profile)
        if token is not None:
            _forget_refresh_token(token, local_only=local_only)
        retry_while_in_use(lambda: path.unlink(missing_ok=True))  # a reader may have it open
        lock.discard()
    if profile.name and path.parent == profile_dir(profile):
        with contextlib.suppress(OSError):  # gone with its last file; kept if it has a .env
            path.parent.rmdir()
    return told


def _forget_refresh_token(token: Token, *, local_only: bool) -> None:
    """Delete the refresh token where it lives (the keyring's entry) with its file.

    With ``local_only`` the file goes even where the keyring refuses (locked, not
    answering), and what is left behind is named.
    """
    where = refresh_tokens.of(token)
    try:
        where.delete(token)
    except (KeyringError, MissingExtraError) as exc:
        if not local_only:
            raise
        log.warning(
            "%s; the token file is deleted, but its refresh token is still %s: %s",
            exc,
            where.describe(token),
            where.removal_hint(token),
        )


def _tell_strava(token: Token, profile: Profile) -> bool:
    credentials = settings.load_credentials(profile=profile)
    try:
        refresh_token = refresh_tokens.of(token).load(token)
        api.revoke(settings.base_url(), credentials, refresh_token, hint=_HINT)
    except StravaError as exc:
        raise _kept(exc) from None
    return True


_HINT = "refresh_token"


def _kept(exc: StravaError) -> StravaError:
    then = "correct it" if isinstance(exc, AppCredentialsError) else "try again"
    return StravaError(
        f"{exc}; the token file was kept: {then}, or use --local-only to delete it anyway",
        exc.status,
    )
