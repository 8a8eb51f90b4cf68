"""The one way a new token is written: lock, reserve the space, ask Strava, commit.

Login, refresh and import all end in a token Strava has just issued, which may already have
made the old one useless. So the space for the new file is set aside before Strava is asked,
and a failure to save afterwards is said plainly, in the same words for all three.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .errors import TokenFileError, os_reason
from .private_files import Reservation, reserve
from .token_file import RESERVE, Token, token_bytes
from .token_lock import TokenLock

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
        token = obtain()
        _commit(reservation, token)
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
