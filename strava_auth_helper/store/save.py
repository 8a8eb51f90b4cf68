"""The one way a new token is written: lock, reserve the space, ask Strava, commit.

The one way a new token is written: lock, reserve the space, ask Strava, commit; and where
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

from ..errors import (
    COMMAND,
    LOGIN_COMMAND,
    ConfigError,
    KeyringError,
    MissingExtraError,
    UnsavedTokenError,
    os_reason,
)
from ..settings import Profile
from . import os_keyring
from .lock import TokenLock
from .private_files import Reservation, reserve, write_private
from .token import (
    IN_FILE,
    IN_KEYRING,
    PLACES,
    RESERVE,
    RefreshTokenPlace,
    Token,
    handed_over,
    read_token,
    token_bytes,
)

log = logging.getLogger(__name__)

#: How a failure to set the space aside ends: nothing was spent.
NOT_ASKED = ", and Strava was not asked: the saved refresh token still works"


def locked(path: Path) -> TokenLock:
    """The cross-process lock on the token file at ``path`` (a context manager).

    Raises:
        LockTimeoutError: another process held it too long.
        TokenFileError: the lock file cannot be created or locked.
    """
    return TokenLock(path)


def obtain_and_save(
    path: Path, obtain: Callable[[], Token], *, current: Token | None = None
) -> Token:
    """Reserve the space, call ``obtain`` (which asks Strava), and save its token.

    Set aside the space for the new token file, call ``obtain`` (which asks Strava), and
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


def check_place(place: str) -> RefreshTokenPlace:
    """``place`` if a refresh token can live there.

    Raises:
        ConfigError: it is not "file" or "keyring".
    """
    for known in PLACES:
        if place == known:
            return known
    raise ConfigError(f"a refresh token lives in {' or '.join(PLACES)}, not {place!r}")


def load_refresh_token(token: Token) -> str:
    """The refresh token, from wherever it lives (the OS keyring is asked where it is there).

    Raises:
        KeyringError, MissingExtraError: it lives in the keyring, which cannot give it.
    """
    return os_keyring.fetch(token) if token.in_keyring else token.refresh_token


def with_refresh_token_in(
    token: Token, place: RefreshTokenPlace, profile: Profile, path: Path
) -> Token:
    """``token`` (of the token file ``path``) marked to keep its refresh token in ``place``."""
    if place == IN_KEYRING:
        entry = os_keyring.entry_name(profile, token.client_id, path)
        return replace(token, refresh_token_in=IN_KEYRING, keyring_entry=entry)
    return replace(token, refresh_token_in=IN_FILE, keyring_entry=None)


def exportable(token: Token) -> Token:
    """``token`` whole, its refresh token fetched from wherever it lives.

    ``token`` whole, as a token file holds it: its refresh token fetched from wherever it
    lives (for ``strava-auth export``).

    Raises:
        KeyringError, MissingExtraError: it lives in the keyring, which cannot give it.
    """
    whole = replace(token, refresh_token=load_refresh_token(token))
    return replace(whole, refresh_token_in=IN_FILE, keyring_entry=None)


def hand_over(path: Path, token: Token, to: str) -> None:
    """Mark the token file at ``path`` as handed over to ``to``.

    The file keeps who it was and no token (nor a keyring entry); later commands say where
    it went. The caller holds the lock.

    Raises:
        TokenFileError, KeyringError, MissingExtraError: the file (or the entry) is as it was.
    """
    write_private(path, handed_over(token, to))
    if token.in_keyring:
        os_keyring.delete(token)


def move_refresh_token(path: Path, place: RefreshTokenPlace, profile: Profile) -> Token:
    """Move the refresh token of the token file at ``path`` to ``place``.

    Move the refresh token of the token file at ``path`` to ``place``, under the lock: the
    new place is written before the old one is cleared.

    Raises:
        NotLoggedInError, TokenFileError, KeyringError, MissingExtraError: nothing moved.
    """
    with locked(path):
        current = read_token(path)
        if current.refresh_token_in == place:
            return current
        whole = replace(current, refresh_token=load_refresh_token(current))
        moved = with_refresh_token_in(whole, place, profile, path)
        if moved.in_keyring:
            os_keyring.store(moved)
            write_private(path, token_bytes(moved))  # now the file no longer holds it
        else:
            write_private(path, token_bytes(moved))
            os_keyring.delete(current)
    return moved


def _place_refresh_token(token: Token) -> Token:
    # Before the file says the refresh happened: if the keyring refuses the new refresh token
    # now (Strava has rotated already), it goes into the file rather than being lost.
    if not token.in_keyring:
        return token
    try:
        os_keyring.store(token)
    except (KeyringError, MissingExtraError) as exc:
        log.warning(
            "%s. The new refresh token is in the token file instead; move it back with "
            f"`{COMMAND} store keyring` once the keyring works",
            exc,
        )
        return replace(token, refresh_token_in=IN_FILE, keyring_entry=None)
    return token


def _commit(reservation: Reservation, token: Token) -> None:
    try:
        reservation.commit(token_bytes(token))
    except OSError as exc:
        raise UnsavedTokenError(
            f"Strava issued a new token, but it could not be saved to {reservation.path} "
            f"({os_reason(exc)}); the token it replaced may no longer work: free the disk "
            f"or fix permissions, then run `{LOGIN_COMMAND}`",
            token,
        ) from None
