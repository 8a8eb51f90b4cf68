"""Answers real Strava gave, as they were published, read by the package's own code.

Each answer is served as it was recorded (status, headers, body) and read through the code
that reads Strava's answers in the product. Its source is named beside it; what our own
simulation says is not evidence here.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import errors
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.requests_auth import missing_permission
from strava_auth_helper.strava import api
from strava_auth_helper.strava.rate_limits import read_rate_limits
from tests.fakes import base_of
from tests.helpers import ACCESS, CLIENT_ID, CLIENT_SECRET, CODE

CREDS = Credentials(CLIENT_ID, CLIENT_SECRET)
#: Headers of a refused code exchange, as a user of running_page posted them
#: (github.com/yihong0618/running_page/issues/523, 2023): no rate-limit headers on OAuth.
OAUTH_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-cache",
    "x-frame-options": "DENY",
}


def _errors(message: str, *errors_: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "message": message,
        "errors": [{"resource": r, "field": f, "code": c} for r, f, c in errors_],
    }


def serve(server: HTTPServer, path: str, status: int, body: object, method: str = "POST") -> None:
    server.expect_oneshot_request(path, method=method).respond_with_json(
        body, status=status, headers=OAUTH_HEADERS
    )


def test_an_unknown_client_id_is_named_as_the_client_id(httpserver: HTTPServer) -> None:
    # zoffline/zwift-offline#418 (2025) and duju211/pin_strava#2 (2022), Strava's own page.
    body = _errors("Bad Request", ("Application", "client_id", "invalid"))
    serve(httpserver, "/oauth/token", 400, body)
    assert api.refused_credential(base_of(httpserver), CREDS) == "client_id"


def test_a_wrong_secret_with_an_empty_field_is_named_as_the_secret(httpserver: HTTPServer) -> None:
    # node-strava/node-strava-v3#37 (2016) and iamstuartwilson/strava#28 (2017): a typo in
    # the secret; the field is empty.
    body = _errors("Authorization Error", ("Application", "", "invalid"))
    serve(httpserver, "/oauth/token", 401, body)
    assert api.refused_credential(base_of(httpserver), CREDS) == "client_secret"


def test_a_code_refused_is_offered_once_more_and_taken(httpserver: HTTPServer) -> None:
    # running_page#523 (2023): AuthorizationCode/code/invalid for a fresh code; StravaPHP#101
    # (2025): "invalid token once a 6-10 tries", the same code taken seconds later.
    body = _errors("Bad Request", ("AuthorizationCode", "code", "invalid"))
    serve(httpserver, "/oauth/token", 400, body)
    answer = {"access_token": ACCESS, "refresh_token": "r" * 40, "expires_at": 2_000_000_000}
    serve(httpserver, "/oauth/token", 200, answer)
    assert api.exchange_code(base_of(httpserver), CREDS, CODE)["access_token"] == ACCESS
    assert [r.form["code"] for r, _ in httpserver.log] == [CODE, CODE]


@pytest.mark.parametrize(
    "refusal",
    [
        ("AuthorizationCode", "code", "invalid"),  # running_page#523 (2023)
        ("RequestToken", "code", "invalid"),  # iamstuartwilson/strava#29 (2018): the old name
    ],
)
def test_a_code_refused_twice_ends_in_one_line(
    httpserver: HTTPServer, refusal: tuple[str, str, str]
) -> None:
    for _ in range(2):
        serve(httpserver, "/oauth/token", 400, _errors("Bad Request", refusal))
    with pytest.raises(errors.CodeRefusedError) as caught:
        api.exchange_code(base_of(httpserver), CREDS, CODE)
    assert "/".join(refusal) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert CODE not in str(caught.value)
    assert len(httpserver.log) == 2  # Strava asked at most twice


def test_an_expired_code_is_not_offered_again(httpserver: HTTPServer) -> None:
    # Strava's docs on the code: short-lived; the expired shape is observed, field empty.
    serve(
        httpserver,
        "/oauth/token",
        400,
        _errors("Bad Request", ("AuthorizationCode", "", "expired")),
    )
    with pytest.raises(errors.CodeRefusedError):
        api.exchange_code(base_of(httpserver), CREDS, CODE)
    assert len(httpserver.log) == 1


def test_an_api_401_naming_the_application_is_the_token_not_the_secret(
    httpserver: HTTPServer,
) -> None:
    # Recorded by another Strava client on an API call (the API never sees the secret).
    body = _errors("Authorization Error", ("Application", "", "invalid"))
    serve(httpserver, "/api/v3/athlete", 401, body, method="GET")
    with pytest.raises(errors.StravaError) as caught:
        api.athlete(base_of(httpserver) + "/api/v3", ACCESS)
    assert not isinstance(caught.value, errors.AppCredentialsError)
    assert "does not accept this access token" in str(caught.value)
    assert "STRAVA_CLIENT_SECRET" not in str(caught.value)


def test_revoke_with_wrong_credentials_names_the_secret(httpserver: HTTPServer) -> None:
    # A 2026 probe of oauth/revoke: 401 {"message": "Authorization Error", "errors": []}.
    serve(httpserver, "/oauth/revoke", 401, {"message": "Authorization Error", "errors": []})
    with pytest.raises(errors.AppCredentialsError) as caught:
        api.revoke(base_of(httpserver), CREDS, "r" * 40, hint="refresh_token")
    assert caught.value.field == "client_secret"
    assert "STRAVA_CLIENT_SECRET" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


def test_an_inactive_app_is_told_apart(httpserver: HTTPServer) -> None:
    # dreeveapp/dreeve#2562 (2026): this body on GET /api/v3/athlete/activities while "the
    # OAuth token refresh request succeeds"; stravalib/stravalib#730 (2026): the same 403.
    body = _errors("Forbidden", ("Application", "Status", "Inactive"))
    serve(httpserver, "/api/v3/athlete", 403, body, method="GET")
    with pytest.raises(errors.AppInactiveError):
        api.athlete(base_of(httpserver) + "/api/v3", ACCESS)


def test_a_missing_permission_is_named(httpserver: HTTPServer) -> None:
    # node-strava/node-strava-v3#97 and iamstuartwilson/strava#51 (2020): a call beyond the
    # granted scope (GET /athlete/activities with read only).
    body = _errors("Authorization Error", ("AccessToken", "activity:read_permission", "missing"))
    serve(httpserver, "/api/v3/athlete/activities", 401, body, method="GET")
    response = requests.get(base_of(httpserver) + "/api/v3/athlete/activities", timeout=10)
    assert missing_permission(response) == "activity:read"


#: stravalib's limiter tests (src/stravalib/tests/unit/test_limiter.py): headers as a plain
#: dict with lower-case names, and usage written "601, 602".
STRAVALIB_HEADERS = {
    "status": "404 Not Found",
    "x-ratelimit-limit": "600,30000",
    "x-ratelimit-usage": "601, 602",
    "x-readratelimit-limit": "300,15000",
    "x-readratelimit-usage": "2,32",
}


def test_rate_limit_headers_in_any_case_and_with_spaces() -> None:
    limits = read_rate_limits(STRAVALIB_HEADERS)
    assert limits.overall is not None
    assert (limits.overall.usage_15min, limits.overall.usage_daily) == (601, 602)
    assert limits.read is not None
    assert (limits.read.left_15min, limits.read.left_daily) == (298, 14968)
    hit = limits.exhausted()
    assert hit is not None
    assert (hit[0].name, hit[1]) == ("overall", "15-minute")
