"""The only module that talks HTTP to Strava: authorize, code exchange, refresh, revoke."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote, urlencode

import requests

from ..errors import (
    LOGIN_HINT,
    AppCredentialsError,
    AppInactiveError,
    CodeRefusedError,
    RateLimitError,
    ReauthorizationRequiredError,
    StravaError,
    StravaUnavailableError,
)
from ..model.app import ENV_CLIENT_ID, ENV_CLIENT_SECRET, SETTINGS_URL, Credentials
from ..model.rules import epoch_seconds, looks_like_token, number_below
from ..safe_text import clean, safe
from .rate_limits import describe_limit_hit

log = logging.getLogger(__name__)

#: (connect, read) seconds for every request to Strava.
TIMEOUT = (10.0, 30.0)
#: Pauses before each retry of a refresh after a network fault or a 502/503/504.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5, 4.0)
_RETRY_STATUSES = frozenset({502, 503, 504})
_SECRET_FIELDS = frozenset({"client_secret", "code", "refresh_token", "access_token", "token"})
#: Seconds this computer's clock may be off Strava's before token expiries are counted from
#: ``expires_in`` (Strava's ``expires_at`` is on its own clock).
CLOCK_SKEW_TOLERANCE = 300
_clock_told = False  # the clock warning is said once per process
#: Seconds before a brand-new code Strava refused is offered once more: Strava sometimes
#: refuses a fresh code and takes the same code about 2 s later *(observed)*.
CODE_RETRY_DELAY = 2.0
#: Strava's answers are a few KiB at most; a larger body is not parsed.
MAX_BODY = 256 * 1024
_JsonDict = dict[str, object]


def authorize_url(
    base_url: str, client_id: int, redirect_uri: str, scope: str, state: str, *, force: bool
) -> str:
    """The URL of Strava's authorize page for this login."""
    params = {
        "client_id": str(client_id),
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "approval_prompt": "force" if force else "auto",
        "scope": scope,
        "state": state,
    }
    return f"{base_url}/oauth/authorize?" + urlencode(params, quote_via=quote, safe=",:/")


def exchange_code(
    base_url: str, credentials: Credentials, code: str, *, fresh: bool = True
) -> _JsonDict:
    """Trade the redirect's code for tokens.

    A ``fresh`` code (just received) that Strava calls invalid is offered once more after
    :data:`CODE_RETRY_DELAY`; nothing else is retried (a code is single-use).

    Raises:
        CodeRefusedError: Strava refused the code (twice, for a fresh one).
        StravaError: Strava refused otherwise, could not be reached or answered nonsense.
    """
    form = _app_form(credentials, code=code, grant_type="authorization_code")
    try:
        return _token_answer(_post(base_url, "/oauth/token", form))
    except CodeRefusedError as exc:
        if not fresh or exc.expired:
            raise
    log.info("Strava refused the new code; offering it once more in %g s", CODE_RETRY_DELAY)
    time.sleep(CODE_RETRY_DELAY)
    return _token_answer(_post(base_url, "/oauth/token", form))


#: The code :func:`refused_credential` sends: no code Strava ever issued.
APP_CHECK_CODE = "strava-auth-helper-checks-the-app"


def refused_credential(base_url: str, credentials: Credentials) -> str | None:
    """Which of the app's values Strava refuses: ``"client_id"``, ``"client_secret"`` or None.

    Asked with a code Strava never issued: Strava checks the app before the code *(observed)*,
    so an answer about the code means both are right. Anything else (no answer, another
    error) is None: the code exchange still checks them.

    Raises:
        AppInactiveError: Strava says the app is inactive (no login can help).
    """
    try:
        exchange_code(base_url, credentials, APP_CHECK_CODE, fresh=False)
    except AppCredentialsError as exc:
        return exc.field
    except AppInactiveError:
        raise  # Strava's page cannot help: said before it opens
    except StravaError:
        return None
    return None  # pragma: no cover - Strava took a code it never issued


def refresh(base_url: str, credentials: Credentials, refresh_token: str) -> _JsonDict:
    """Ask for a fresh access token, retrying network faults and 502/503/504 with backoff.

    Raises:
        ReauthorizationRequiredError: the refresh token was revoked or superseded.
        RateLimitError: Strava's rate limit was hit.
        StravaError: any other refusal, or Strava still unavailable after the retries.
    """
    form = _app_form(credentials, refresh_token=refresh_token, grant_type="refresh_token")
    for delay in (*RETRY_DELAYS, None):
        try:
            return _token_answer(_post(base_url, "/oauth/token", form))
        except StravaUnavailableError as exc:
            if delay is None:
                raise
            log.info("%s; retrying in %.1f s", exc, delay)  # shown with -v; the last one raises
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def revoke(base_url: str, credentials: Credentials, token: str, *, hint: str) -> None:
    """Revoke the app's tokens for this athlete (``POST /oauth/revoke``; either revokes both).

    ``hint`` ("refresh_token" or "access_token") says which ``token`` is. The app's
    credentials go in HTTP Basic, as Strava asks.

    Raises:
        StravaError: Strava refused or could not be reached.
    """
    form = {"token": token, "token_type_hint": hint}
    basic = (str(credentials.client_id), credentials.client_secret)
    _send("POST", base_url, "/oauth/revoke", form=form, basic=basic)


def athlete(api_base_url: str, access_token: str) -> _JsonDict:
    """The athlete the token belongs to (``GET <API root>/athlete``).

    Raises:
        StravaError: Strava refused (e.g. a missing scope) or could not be reached.
    """
    response = athlete_answer(api_base_url, access_token)
    data = _json_body(response)  # the token answer's size and depth limits
    if not isinstance(data, dict):
        raise StravaError("Strava's athlete answer was not a JSON object", response.status_code)
    return data


def athlete_answer(api_base_url: str, access_token: str) -> requests.Response:
    """Strava's whole answer to ``GET <API root>/athlete`` (its rate-limit headers too).

    Raises:
        StravaError: Strava refused or could not be reached.
    """
    return _send("GET", api_base_url, "/athlete", bearer=access_token)


def _app_form(credentials: Credentials, **fields: str) -> dict[str, str]:
    return {
        "client_id": str(credentials.client_id),
        "client_secret": credentials.client_secret,
        **fields,
    }


def _post(base_url: str, path: str, form: dict[str, str]) -> requests.Response:
    return _send("POST", base_url, path, form=form)


def _send(
    method: str,
    base_url: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    bearer: str | None = None,
    basic: tuple[str, str] | None = None,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    secrets = [v for k, v in (form or {}).items() if k in _SECRET_FIELDS] + [bearer]
    secrets += [basic[1]] if basic else []
    try:
        response = requests.request(
            method,
            base_url + path,
            data=form,
            headers=headers,
            auth=basic,
            timeout=TIMEOUT,
            allow_redirects=method != "POST",  # a POST carries the app's secret: never on
        )
    except requests.Timeout:
        raise StravaUnavailableError(f"Strava did not answer in time ({path})") from None
    except requests.RequestException as exc:
        raise StravaUnavailableError(
            f"could not reach Strava at {base_url} ({exc.__class__.__name__})"
        ) from None
    if response.status_code >= 400:
        raise _error_for(response, secrets, path, api=bearer is not None)
    if response.is_redirect:
        where = safe(response.headers.get("Location", ""), secrets, 100)
        raise StravaError(
            f"Strava answered {response.status_code} with a redirect to {where!r} ({path}): "
            "not followed, as it would carry the app's secret on; check STRAVA_BASE_URL",
            response.status_code,
        )
    return response


def _json_body(response: requests.Response) -> object:
    """The parsed body, or None: not JSON, too large, or nested too deep to be an answer."""
    if len(response.content) > MAX_BODY:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _token_answer(response: requests.Response) -> _JsonDict:
    data = _json_body(response)
    if data is None:
        raise StravaError(
            f"Strava's answer was not valid JSON (HTTP {response.status_code})",
            response.status_code,
        )
    if not (isinstance(data, dict) and _has_usable_tokens(data)):
        raise StravaError("Strava's answer had no usable tokens in it", response.status_code)
    return in_local_time(data)


def in_local_time(answer: _JsonDict, now: float | None = None) -> _JsonDict:
    """A token answer whose ``expires_at`` is on this computer's clock.

    Strava's ``expires_at`` is on its own clock. Where ours is off by more than
    :data:`CLOCK_SKEW_TOLERANCE` (it says so once), the expiry is counted from the answer's
    ``expires_in`` instead, so that a token is kept for its real life: with a clock hours
    ahead, every token would look expired and be refreshed on every use.
    """
    expires_in = number_below(answer.get("expires_in"), 30 * 86400)
    expires_at = epoch_seconds(answer.get("expires_at"))
    if expires_in is None or expires_at is None:
        return answer
    local = int((time.time() if now is None else now) + expires_in)
    skew = expires_at - local
    if abs(skew) <= CLOCK_SKEW_TOLERANCE:
        return answer
    _say_the_clock_is_off(skew)
    return {**answer, "expires_at": local}


def _say_the_clock_is_off(skew: float) -> None:
    global _clock_told
    if _clock_told:
        return
    _clock_told = True
    minutes = round(abs(skew) / 60)
    which = "behind" if skew > 0 else "ahead of"
    log.warning(
        "this computer's clock is about %d h %d min %s Strava's: token expiries are counted "
        "from Strava's expires_in instead (set the clock right, e.g. with NTP)",
        minutes // 60,
        minutes % 60,
        which,
    )


def _has_usable_tokens(data: _JsonDict) -> bool:
    tokens = (data.get("access_token"), data.get("refresh_token"))
    strings = all(looks_like_token(t) for t in tokens)
    return strings and epoch_seconds(data.get("expires_at")) is not None


def _error_for(
    response: requests.Response, secrets: list[str | None], path: str, *, api: bool
) -> StravaError | ReauthorizationRequiredError:
    """What Strava's error answer means; ``api``: to an API call (the app's secret unseen)."""
    status = response.status_code
    message, errors = _parse_error_body(response)
    resources = {(e.get("resource"), e.get("code")) for e in errors}
    fields = {(e.get("resource"), e.get("field"), e.get("code")) for e in errors}
    detail = "; ".join(
        "/".join(clean(e.get(k), 40) for k in ("resource", "field", "code") if e.get(k))
        for e in errors[:5]
    )
    said = safe(
        f"Strava answered {status} {message}" + (f" ({detail})" if detail else ""), secrets, 400
    )
    if status == 429:
        return RateLimitError(
            f"{said}: rate limit hit; {describe_limit_hit(response.headers)}", status
        )
    if status == 403 and ("Application", "Inactive") in resources:
        return AppInactiveError(
            f"{said}: Strava says this app is inactive (a Standard Tier app needs a "
            f"subscription since June 2026): its owner must reactivate it at {SETTINGS_URL}; "
            "the saved token is kept, and logging in again cannot help",
            status,
        )
    if status in _RETRY_STATUSES:
        return StravaUnavailableError(f"{said}: Strava is unavailable", status)
    if any(r == "RefreshToken" for r, _ in resources):
        return ReauthorizationRequiredError(
            f"{said}: the saved refresh token was revoked or replaced by a newer one; "
            f"{LOGIN_HINT} to authorize again"
        )
    if any(r in ("AuthorizationCode", "RequestToken") for r, _ in resources):  # 2018's name
        expired = any(c == "expired" for r, c in resources if r != "Application")
        return CodeRefusedError(
            f"{said}: the login code was refused; run the login again", status, expired=expired
        )
    if api and status == 401 and any(r == "Application" for r, _ in resources):
        # the API never sees the app's secret: it is the token Strava does not take *(observed)*
        return StravaError(f"{said}: Strava does not accept this access token", status)
    if path == "/oauth/revoke" and status == 401:  # answered with no errors *(observed)*
        return AppCredentialsError(
            f"{said}: Strava did not accept the app's credentials; check {ENV_CLIENT_SECRET} "
            "for this client ID",
            status,
            "client_secret",
        )
    if status == 401 and any(r == "Application" for r, _ in resources):
        return AppCredentialsError(
            f"{said}: check {ENV_CLIENT_SECRET} for this client ID", status, "client_secret"
        )
    if any(r == "Application" and f == "client_id" for r, f, _ in fields):
        return AppCredentialsError(
            f"{said}: check {ENV_CLIENT_ID} and the app's settings", status, "client_id"
        )
    if any(r == "Application" for r, _ in resources):
        return StravaError(f"{said}: check {ENV_CLIENT_ID} and the app's settings", status)
    return StravaError(said, status)


def _parse_error_body(response: requests.Response) -> tuple[str, list[dict[str, object]]]:
    """Strava's message (cleaned, at most 200 characters) and its list of errors."""
    reason = clean(response.reason or "error", 100)
    body = _json_body(response)
    message = body.get("message") if isinstance(body, dict) else None
    return clean(message or reason, 200), error_list(response)


def error_list(response: requests.Response) -> list[dict[str, object]]:
    """The ``errors`` of a Strava error answer (``resource``, ``field``, ``code``), if any."""
    body = _json_body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
