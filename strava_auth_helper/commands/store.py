"""``strava-auth store keyring|file``: move the refresh token between the file and the keyring."""

from __future__ import annotations

from pathlib import Path

from ..model.token import Profile, Token, token_bytes
from ..store import refresh_tokens
from ..store.lock import TokenLock
from ..store.private_files import write_private
from ..store.token_file import read_token


def move_refresh_token(path: Path, place: str, profile: Profile) -> Token:
    """Move the refresh token of the token file at ``path`` to ``place``, under the lock.

    The new place is written before the old one is cleared.

    Raises:
        ConfigError: a refresh token cannot live at ``place``.
        NotLoggedInError, TokenFileError, KeyringError, MissingExtraError: nothing moved.
    """
    target = refresh_tokens.place(place)
    with TokenLock(path):
        current = read_token(path)
        if current.refresh_token_in == target.name:
            return current
        moved = target.assign(refresh_tokens.whole(current), path, profile)
        target.save(moved)
        write_private(path, token_bytes(moved))  # the file now says where it lives
        refresh_tokens.of(current).delete(current)
    return moved
