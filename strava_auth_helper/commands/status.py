"""``strava-auth status``: the token as stored, and with ``--check`` what Strava says of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import settings
from ..errors import AppInactiveError, NotLoggedInError, ReauthorizationRequiredError, StravaError
from ..model.scopes import DEFAULT_SCOPE, missing_scopes
from ..model.token import Profile, Token
from ..store.location import PathArg
from ..store.token_file import read_token

TYPE_CHECKING = False
if TYPE_CHECKING:  # (the check's modules are imported by it alone: a plain status is offline)
    from ..strava.rate_limits import RateLimits

#: What a check found: the token works, or why it does not.
WORKS, REVOKED, APP_INACTIVE, SCOPE_MISSING = "works", "revoked", "app inactive", "scope missing"
#: Seconds the access token must still be valid for the check's call.
CHECK_MIN_TTL = 60


@dataclass(frozen=True)
class Check:
    """What Strava said: ``outcome`` (one of the constants above) and its one-line message."""

    outcome: str
    message: str
    token: Token | None = None
    missing_scopes: list[str] = field(default_factory=list)  # of the default request
    limits: RateLimits | None = None
    hook_failure: str | None = None  # a refresh's rotation that $STRAVA_AUTH_ON_ROTATE missed


def stored_or_adopted(path: Path, profile: Profile) -> tuple[Token, str | None]:
    """The token at ``path`` as it is, or where there is none, one adopted from the environment.

    ``$STRAVA_REFRESH_TOKEN`` is adopted on a CI runner's first use (one refresh); with it
    comes what went wrong handing a rotation to ``$STRAVA_AUTH_ON_ROTATE`` (None if nothing
    did).

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


def check_with_strava(token_file: PathArg, profile: Profile) -> Check:
    """Refresh if needed, then ask Strava who the token belongs to.

    Raises:
        NotLoggedInError, TokenFileError: there is no usable token file.
        StravaError: Strava could not be reached, or refused for another reason.
    """
    from ..strava import api
    from ..strava.rate_limits import read_rate_limits
    from .refresh import token_result

    try:
        result = token_result(token_file, min_ttl=CHECK_MIN_TTL, force=False, profile=profile)
    except ReauthorizationRequiredError as exc:
        return Check(REVOKED, str(exc))
    except AppInactiveError as exc:
        return Check(APP_INACTIVE, str(exc))
    token, hook_failure = result.token, result.hook_failure
    try:
        answer = api.athlete_answer(settings.api_base_url(), token.access_token)
    except AppInactiveError as exc:
        return Check(APP_INACTIVE, str(exc), token, hook_failure=hook_failure)
    except StravaError as exc:
        return _refused(exc, token, hook_failure)
    missing = missing_scopes(DEFAULT_SCOPE, token.scope)
    limits = read_rate_limits(answer.headers)
    return Check(WORKS, "the token works", token, missing, limits, hook_failure)


def _refused(exc: StravaError, token: Token, hook_failure: str | None) -> Check:
    said = str(exc)
    if exc.status == 401 and "_permission" in said:
        message = f"{said}: log in again granting it"
        return Check(SCOPE_MISSING, message, token, hook_failure=hook_failure)
    if exc.status == 401:
        message = f"{said}: the app's access was revoked (on Strava's settings page?); log in again"
        return Check(REVOKED, message, token, hook_failure=hook_failure)
    raise exc
