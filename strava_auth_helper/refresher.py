"""Refreshing when needed: under the lock, the file re-read first, the rotation saved.

``entry.get_access_token`` answers on its own while the token is valid; everything else
comes here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import settings, strava, token_store
from .errors import ConfigError
from .fastpath import MAX_MIN_TTL, PathArg, min_ttl_in_range
from .token_file import Token, read_token

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
    if not min_ttl_in_range(min_ttl):
        raise ValueError(f"min_ttl must be between 0 and {MAX_MIN_TTL} seconds, not {min_ttl}")
    path = settings.token_path(token_file, profile)
    seen = read_token(path)
    if not force and seen.is_fresh(min_ttl):
        return seen
    with token_store.locked(path):
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
    base_url = settings.base_url()

    def ask_strava() -> Token:
        return current.refreshed(strava.refresh(base_url, credentials, current.refresh_token))

    new = token_store.obtain_and_save(path, ask_strava, current=current)
    log.debug("refreshed; rotated refresh token: %s", new.refresh_token != current.refresh_token)
    return new


def _credentials_for(token: Token, profile: str | None) -> settings.Credentials:
    credentials = settings.load_credentials(profile=profile)
    if token.client_id is not None and token.client_id != credentials.client_id:
        raise ConfigError(
            f"the token file was issued to client ID {token.client_id}, but the configured "
            f"{settings.ENV_CLIENT_ID} is {credentials.client_id}; fix the variable or run "
            "`strava-auth login` again"
        )
    return credentials
