"""``strava-auth export``: the tokens for a secret store or another computer, or handed over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model.token import Profile, Token, handed_over
from ..store import refresh_tokens
from ..store.lock import TokenLock
from ..store.private_files import write_private
from ..store.token_file import read_token


def export(
    path: Path, profile: Profile, write: Callable[[Token], None], *, move_to: str | None = None
) -> None:
    """Hand the whole token to ``write``; with ``move_to``, then mark it handed over there.

    All under the lock, so that no refresh here can rotate it between the two. The token is
    whole, as a token file holds it: its refresh token fetched from wherever it lives. A
    file handed over keeps who it was and no token (nor a keyring entry); later commands say
    where it went.

    Raises:
        NotLoggedInError, TokenFileError, KeyringError, MissingExtraError: nothing changed.
        StravaAuthError: whatever ``write`` raises; nothing changed.
    """
    with TokenLock(path):
        current = read_token(path)
        whole = refresh_tokens.in_file(refresh_tokens.whole(current))
        write(whole)
        if move_to is not None:
            write_private(path, handed_over(current, move_to))
            refresh_tokens.of(current).delete(current)
