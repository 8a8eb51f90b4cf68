"""The one way a new token is written: lock, reserve the space, ask Strava, commit; and where
its refresh token lives (the token file, or the OS keyring).

Login, refresh and import all end in a token Strava has just issued, which may already have
made the old one useless. So the space for the new file is set aside before Strava is asked,
a refresh token that lives in the keyring is put there before the file says the refresh
happened (and into the file, with a warning, if the keyring refuses it then), and a failure
to save afterwards is said plainly, in the same words for all three.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import keyring_store
from .errors import ConfigError, MissingExtraError, TokenFileError, os_reason
from .fastpath import IN_KEYRING
from .private_files import Reservation, reserve, write_private
from .token_file import RESERVE, Token, read_token, token_bytes
from .token_lock import TokenLock

log = logging.getLogger(__name__)

#: Where a refresh token can live.
STORES = ("file", IN_KEYRING)

#: How a failure to set the space aside ends: nothing was spent.
NOT_ASKED = ", and Strava was not asked: the saved refresh token still works"


def locked(path: Path) -> TokenLock:
    """The cross-process lock on the token file at ``path``: ``with locked(path): ...``.

    Raises:
        LockTimeoutError: another process held it too long.
        TokenFileError: the lock file cannot be created or locked.
    """
    return TokenLock(path)


def obtain_and_save(
    path: Path, obtain: Callable[[], Token], *, current: Token | None = None
) -> Token:
    """Set aside the space for the new token file, call ``obtain`` (which asks Strava), and
    save what it returns atomically. The caller holds :func:`locked` on ``path``.

    Args:
        path: the token file.
        obtain: asks Strava for the new token; called only once the space is reserved.
        current: the token being replaced (whatever else its file holds is kept, so its size
            counts too).

    Raises:
        UnsafeFolderError, ReservationError: nothing was changed and ``obtain`` not called.
        TokenFileError: Strava issued a token, but it could not be saved.
        StravaAuthError: whatever ``obtain`` raises; nothing was changed.
    """
    size = RESERVE + (len(token_bytes(current)) if current else 0)
    with reserve(path, size, failure_note=NOT_ASKED) as reservation:
        token = _place_refresh_token(obtain())
        _commit(reservation, token)
    return token


def check_store(store: str) -> str:
    """``store`` if it is a place a refresh token can live.

    Raises:
        ConfigError: it is not "file" or "keyring".
    """
    if store not in STORES:
        raise ConfigError(f"a refresh token lives in {' or '.join(STORES)}, not {store!r}")
    return store


def refresh_token_of(token: Token) -> str:
    """The refresh token, from wherever it lives.

    Raises:
        KeyringError, MissingExtraError: it lives in the keyring, which cannot give it.
    """
    if token.in_keyring:
        return keyring_store.fetch(token.keyring_entry or "")
    return token.refresh_token


def kept_in(token: Token, store: str, profile: str | None) -> Token:
    """``token`` marked to keep its refresh token in ``store`` ("file" or "keyring")."""
    if store == IN_KEYRING:
        entry = keyring_store.entry_name(profile, token.client_id)
        return replace(token, refresh_token_in=IN_KEYRING, keyring_entry=entry)
    return replace(token, refresh_token_in="file", keyring_entry=None)


def move_refresh_token(path: Path, store: str, profile: str | None) -> Token:
    """Move the refresh token of the token file at ``path`` to ``store``, under the lock: the
    new place is written before the old one is cleared.

    Raises:
        NotLoggedInError, TokenFileError, KeyringError, MissingExtraError: nothing moved.
    """
    with locked(path):
        current = read_token(path)
        if current.refresh_token_in == store:
            return current
        refresh_token = refresh_token_of(current)
        moved = kept_in(replace(current, refresh_token=refresh_token), store, profile)
        if moved.in_keyring:
            keyring_store.store(moved.keyring_entry or "", refresh_token)
            write_private(path, token_bytes(moved))  # now the file no longer holds it
        else:
            write_private(path, token_bytes(moved))
            keyring_store.delete(current.keyring_entry or "")
    return moved


def _place_refresh_token(token: Token) -> Token:
    # Before the file says the refresh happened: if the keyring refuses the new refresh token
    # now (Strava has rotated already), it goes into the file rather than being lost.
    if not token.in_keyring:
        return token
    try:
        keyring_store.store(token.keyring_entry or "", token.refresh_token)
    except (keyring_store.KeyringError, MissingExtraError) as exc:
        log.warning(
            "%s. The new refresh token is in the token file instead; move it back with "
            "`strava-auth store keyring` once the keyring works",
            exc,
        )
        return replace(token, refresh_token_in="file", keyring_entry=None)
    return token


def _commit(reservation: Reservation, token: Token) -> None:
    try:
        reservation.commit(token_bytes(token))
    except OSError as exc:
        raise TokenFileError(
            f"Strava issued a new token, but it could not be saved to {reservation.path} "
            f"({os_reason(exc)}); the token it replaced may no longer work: free the disk "
            "or fix permissions, then run `strava-auth login`"
        ) from None
