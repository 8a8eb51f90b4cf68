"""``get_access_token()``: the only place that decides to refresh. Lock, re-read, refresh, save."""

from __future__ import annotations

import os

from . import settings
from .errors import ConfigError, StravaAuthError
from .token_file import Token, read_token

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hot path
if TYPE_CHECKING:
    import logging
    from pathlib import Path

#: Strava only issues a new access token in the last hour of the old one's life, so a
#: ``min_ttl`` above this could never be met and would call Strava on every use.
MAX_MIN_TTL = 3600
DEFAULT_MIN_TTL = 300

PathArg = str | os.PathLike[str] | None


def load_token(token_file: PathArg = None) -> Token:
    """The stored token (no network); its ``repr`` hides the secrets.

    Raises:
        NotLoggedInError: there is no token file.
        TokenFileError: the token file is unreadable or corrupt.
    """
    return read_token(settings.token_location(token_file))


def get_access_token(
    token_file: PathArg = None, *, min_ttl: float = DEFAULT_MIN_TTL, force: bool = False
) -> str:
    """An access token valid for at least ``min_ttl`` seconds, refreshed and saved if needed.

    Safe to call from many processes at once: one refreshes, the others wait for the lock
    and use its result. The rotated refresh token is on disk before this returns.

    Args:
        token_file: the token file (default: ``$STRAVA_TOKEN_FILE`` or the config folder).
        min_ttl: seconds the token must still be valid for (0 to 3600).
        force: refresh even if the token is still valid.

    Raises:
        NotLoggedInError, TokenFileError: no usable token file; run ``strava-auth login``.
        ReauthorizationRequired: Strava no longer accepts the refresh token.
        StravaError: Strava refused, rate-limited or could not be reached.
        MissingCredentialsError: the client ID or secret is not configured.
    """
    return refresh_if_needed(token_file, min_ttl=min_ttl, force=force).access_token


def refresh_if_needed(token_file: PathArg = None, *, min_ttl: float, force: bool) -> Token:
    """Like :func:`get_access_token` but returns the whole token."""
    if not 0 <= min_ttl <= MAX_MIN_TTL:
        raise ValueError(f"min_ttl must be between 0 and {MAX_MIN_TTL} seconds, not {min_ttl}")
    location = settings.token_location(token_file)
    seen = read_token(location)  # the hot path: no lock, no network, no heavy imports
    if not force and seen.is_fresh(min_ttl):
        return seen
    from pathlib import Path

    return _refresh_locked(Path(location), seen, min_ttl=min_ttl, force=force)


def _refresh_locked(path: Path, seen: Token, *, min_ttl: float, force: bool) -> Token:
    from .token_file import TokenLock

    with TokenLock(path):
        current = read_token(path)
        refreshed_meanwhile = current.refresh_token != seen.refresh_token or (
            current.access_token != seen.access_token
        )
        if current.is_fresh(min_ttl) and (refreshed_meanwhile or not force):
            _log().debug("another process refreshed the token meanwhile")
            return current
        return _refresh_and_save(path, current)


def _refresh_and_save(path: Path, current: Token) -> Token:
    from . import strava
    from .token_file import write_token

    credentials = _credentials_for(current)
    answer = strava.refresh(settings.base_url(), credentials, current.refresh_token)
    new = current.refreshed(answer)
    try:
        write_token(path, new)
    except OSError as exc:
        raise StravaAuthError(
            f"refreshed, but could not save {path} ({exc.strerror or exc.__class__.__name__}); "
            "the new refresh token is lost: free the disk or fix permissions, then run "
            "`strava-auth login`"
        ) from None
    _log().debug("refreshed; rotated refresh token: %s", new.refresh_token != current.refresh_token)
    return new


def _credentials_for(token: Token) -> settings.Credentials:
    credentials = settings.load_credentials()
    if token.client_id is not None and token.client_id != credentials.client_id:
        raise ConfigError(
            f"the token file was issued to client ID {token.client_id}, but the configured "
            f"{settings.ENV_CLIENT_ID} is {credentials.client_id}; fix the variable or run "
            "`strava-auth login` again"
        )
    return credentials


def _log() -> logging.Logger:
    import logging  # not at import time: the valid-token path never logs

    return logging.getLogger(__name__)
