"""Refreshing: the only place that decides to call Strava for a new token. Lock, re-read, save.

``fastpath.get_access_token`` answers on its own while the token is valid; everything else
comes here.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from pathlib import Path

from . import settings, strava
from .errors import ConfigError, StravaAuthError
from .fastpath import MAX_MIN_TTL, PathArg
from .private_files import Reservation, reserve
from .token_file import RESERVE, Token, read_token, token_bytes
from .token_lock import TokenLock

log = logging.getLogger(__name__)


def load_token(token_file: PathArg = None, *, profile: str | None = None) -> Token:
    """The stored token (no network); its ``repr`` hides the secrets.

    Raises:
        NotLoggedInError: there is no token file.
        TokenFileError: the token file is unreadable or corrupt.
        ConfigError: ``profile`` is not a valid profile name.
    """
    return read_token(settings.token_path(token_file, profile))


def refresh_if_needed(
    token_file: PathArg = None, *, min_ttl: float, force: bool, profile: str | None = None
) -> Token:
    """The token, refreshed and saved first unless it stays valid for ``min_ttl`` seconds
    (and ``force`` is off). See :func:`strava_auth_helper.get_access_token`."""
    if not 0 <= min_ttl <= MAX_MIN_TTL:
        raise ValueError(f"min_ttl must be between 0 and {MAX_MIN_TTL} seconds, not {min_ttl}")
    path = settings.token_path(token_file, profile)
    seen = read_token(path)
    if not force and seen.is_fresh(min_ttl):
        return seen
    with TokenLock(path):
        current = read_token(path)  # another process may have refreshed while we waited
        refreshed_meanwhile = (current.refresh_token, current.access_token) != (
            seen.refresh_token,
            seen.access_token,
        )
        if current.is_fresh(min_ttl) and (refreshed_meanwhile or not force):
            log.debug("another process refreshed the token meanwhile")
            return current
        return refresh_locked(path, current, profile)


def refresh_locked(path: Path, current: Token, profile: str | None = None) -> Token:
    """Refresh ``current`` and save the result; the caller holds the token lock."""
    credentials = _credentials_for(current, profile)
    with reserve_for_token(path, current) as reservation:  # before Strava rotates anything
        answer = strava.refresh(settings.base_url(), credentials, current.refresh_token)
        new = current.refreshed(answer)
        save_refreshed(reservation, new)
    log.debug("refreshed; rotated refresh token: %s", new.refresh_token != current.refresh_token)
    return new


def reserve_for_token(
    path: Path, current: Token | None = None
) -> AbstractContextManager[Reservation]:
    """Set aside the space for the new token file before asking Strava for a token.

    Raises:
        ReservationError: no space or no permission; Strava was not asked.
    """
    size = RESERVE + (len(token_bytes(current)) if current else 0)
    note = ", and Strava was not asked: the saved refresh token still works"
    return reserve(path, size, failure_note=note)


def save_refreshed(reservation: Reservation, token: Token) -> None:
    """Write a token Strava has just issued: from now on the old refresh token may be
    refused, so a failure here is said plainly."""
    try:
        reservation.commit(token_bytes(token))
    except OSError as exc:
        raise StravaAuthError(
            f"refreshed, but could not save {reservation.path} "
            f"({exc.strerror or exc.__class__.__name__}); the new refresh token is lost: free "
            "the disk or fix permissions, then run `strava-auth login`"
        ) from None


def _credentials_for(token: Token, profile: str | None) -> settings.Credentials:
    credentials = settings.load_credentials(profile=profile)
    if token.client_id is not None and token.client_id != credentials.client_id:
        raise ConfigError(
            f"the token file was issued to client ID {token.client_id}, but the configured "
            f"{settings.ENV_CLIENT_ID} is {credentials.client_id}; fix the variable or run "
            "`strava-auth login` again"
        )
    return credentials
