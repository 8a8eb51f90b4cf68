"""The token as stored, for the offline commands.

The token as stored, for the offline commands: no HTTP stack is imported unless a CI
runner's first use has to adopt ``$STRAVA_REFRESH_TOKEN``.
"""

from __future__ import annotations

from pathlib import Path

from .. import settings
from ..errors import NotLoggedInError
from ..settings import Profile
from ..store.token import Token, read_token


def stored_or_adopted(path: Path, profile: Profile) -> tuple[Token, str | None]:
    """The token at ``path``, or the one adopted from ``$STRAVA_REFRESH_TOKEN``.

    The token at ``path`` as it is (no refresh); where there is none, the one adopted from
    ``$STRAVA_REFRESH_TOKEN`` (a CI runner's first use: one refresh). With it, what went
    wrong handing a rotation to ``$STRAVA_AUTH_ON_ROTATE`` (None if nothing did).

    Raises:
        NotLoggedInError: neither is there.
        TokenFileError, StravaAuthError: as for :func:`read_token` and a refresh.
    """
    try:
        return read_token(path), None
    except NotLoggedInError:
        if settings.refresh_token_from_env() is None:
            raise
    from .refresh import adopt_from_env  # only now: it needs the HTTP stack

    adopted = adopt_from_env(path, profile)
    return adopted.token, adopted.hook_failure
