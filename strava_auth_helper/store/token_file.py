"""The token file: read with an error that says what to do, and the one way it is written."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import (
    COMMAND,
    LOGIN_COMMAND,
    LOGIN_HINT,
    KeyringError,
    MissingExtraError,
    NotLoggedInError,
    TokenFileError,
    UnsavedTokenError,
    os_reason,
)
from ..model.token import Token, token_bytes
from . import refresh_tokens
from .private_files import Reservation, reserve
from .valid_token import NotATokenFileError, read_token_bytes

#: Space set aside for a token file before Strava is asked for one (a token file is well
#: under 1 KiB; a refresh keeps whatever else the file holds, hence the current size too).
RESERVE = 4096


def read_token(path: str | os.PathLike[str]) -> Token:
    """Read and validate the token file.

    Raises:
        NotLoggedInError: there is no file at ``path``.
        TokenFileError: the file cannot be read or is not a token (it is left in place).
    """
    try:
        raw = read_token_bytes(os.fspath(path))
    except FileNotFoundError:
        raise NotLoggedInError(f"not logged in: no token file at {path}; {LOGIN_HINT}") from None
    except NotATokenFileError as exc:
        raise TokenFileError(f"{path} is {exc}, not a token file; {LOGIN_HINT}") from None
    except OSError as exc:
        raise TokenFileError(f"cannot read token file {path}: {os_reason(exc)}") from None
    return token_in(raw, path)


def token_in(raw: bytes, path: str | os.PathLike[str]) -> Token:
    """The token in the bytes of the token file at ``path``.

    Raises:
        TokenFileError: they are not a token (the file is left in place).
    """
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise TokenFileError(
            f"token file {path} is not valid JSON (left as it is for you to inspect); {LOGIN_HINT}"
        ) from None
    return Token.from_dict(data, f"token file {path}")


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a number a token file holds")


log = logging.getLogger(__name__)

#: How a failure to set the space aside ends: nothing was spent.
NOT_ASKED = ", and Strava was not asked: the saved refresh token still works"


def obtain_and_save(
    path: Path, obtain: Callable[[], Token], *, current: Token | None = None
) -> Token:
    """Reserve the space, call ``obtain`` (which asks Strava), and save its token atomically.

    The caller holds the token lock (``store.lock.TokenLock``) on ``path``.

    Args:
        path: the token file.
        obtain: asks Strava for the new token; called only once the space is reserved.
        current: the token being replaced (whatever else its file holds is kept, so its size
            counts too).

    Raises:
        UnsafeFolderError, ReservationError: nothing was changed and ``obtain`` not called.
        UnsavedTokenError: Strava issued a token, but it could not be saved.
        StravaAuthError: whatever ``obtain`` raises; nothing was changed.
    """
    size = RESERVE + (len(token_bytes(current)) if current else 0)
    with reserve(path, size, failure_note=NOT_ASKED) as reservation:
        token = _placed(obtain())
        _commit(reservation, token)
    return token


def _placed(token: Token) -> Token:
    # Before the file says the refresh happened: if the keyring refuses the new refresh token
    # now (Strava has rotated already), it goes into the file rather than being lost.
    where = refresh_tokens.of(token)
    try:
        where.save(token)
    except (KeyringError, MissingExtraError) as exc:
        log.warning(
            "%s. The new refresh token is in the token file instead; move it back with "
            f"`{COMMAND} store {where.name}` once the keyring works",
            exc,
        )
        return refresh_tokens.in_file(token)
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
