"""Strava's HTTP calls: answers that are not what they should be are one clear error."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import get_access_token
from strava_auth_helper.errors import StravaError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.store.token_file import read_token
from strava_auth_helper.strava import api
from tests.fakes import base_of, refresh_answer, stored
from tests.helpers import ACCESS, CLIENT_ID, CLIENT_SECRET, CODE, REFRESH

CREDS = Credentials(CLIENT_ID, CLIENT_SECRET)

ATHLETE_ANSWERS = {
    "larger than any answer": '{"id": 1, "bio": "' + "x" * (api.MAX_BODY + 1) + '"}',
    "nested too deep for json": "[" * 100_000 + "]" * 100_000,
    "not JSON": "<html>Service Unavailable</html>",
    "not an object": "[1, 2, 3]",
}


@pytest.mark.parametrize("body", ATHLETE_ANSWERS.values(), ids=ATHLETE_ANSWERS.keys())
def test_an_athlete_answer_that_is_no_athlete_is_one_error(strava: HTTPServer, body: str) -> None:
    strava.expect_oneshot_request("/api/v3/athlete", method="GET").respond_with_data(
        body, content_type="application/json"
    )
    with pytest.raises(StravaError, match="athlete answer was not a JSON object") as caught:
        api.athlete(base_of(strava) + "/api/v3", ACCESS)
    assert ACCESS not in str(caught.value)


def test_the_athlete_is_asked_for_with_the_token_in_a_header(strava: HTTPServer) -> None:
    strava.expect_oneshot_request(
        "/api/v3/athlete", method="GET", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json({"id": 7, "firstname": "Ada"})
    assert api.athlete(base_of(strava) + "/api/v3", ACCESS) == {"id": 7, "firstname": "Ada"}


@pytest.mark.usefixtures("with_creds")
def test_a_clock_hours_ahead_keeps_a_token_for_its_real_life_and_says_so_once(
    strava: HTTPServer,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(api, "_clock_told", False)
    stored(token_path, -10)
    ahead = 7 * 3600  # this computer's clock is 7 h ahead of Strava's
    answer = {**refresh_answer(), "expires_in": 21600}
    answer["expires_at"] = int(time.time()) - ahead + 21600  # in Strava's 6 h: our past
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(answer)
    for _ in range(20):
        get_access_token(token_path)
    assert len(strava.log) == 1  # one refresh, not one a call
    assert read_token(token_path).seconds_left() > 21000
    told = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(told) == 1
    assert "about 7 h 0 min ahead of Strava's" in told[0]


def test_a_clock_within_five_minutes_of_stravas_is_taken_at_its_word() -> None:
    answer: dict[str, object] = {"expires_at": 1_000_000 + 21600 + 200, "expires_in": 21600}
    assert api.in_local_time(answer, now=1_000_000) == answer


@pytest.fixture
def elsewhere() -> Iterator[HTTPServer]:
    """Another origin, where a redirect from Strava's OAuth endpoints would send the form."""
    server = HTTPServer()
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize(
    "call",
    [
        lambda base: api.refresh(base, CREDS, REFRESH),
        lambda base: api.exchange_code(base, CREDS, CODE),
        lambda base: api.revoke(base, CREDS, REFRESH, hint="refresh_token"),
    ],
    ids=["refresh", "exchange", "revoke"],
)
def test_no_oauth_post_follows_a_redirect(
    httpserver: HTTPServer,
    elsewhere: HTTPServer,
    status: int,
    call: Callable[[str], object],
) -> None:
    target = elsewhere.url_for("/collect")
    httpserver.expect_request("/oauth/token").respond_with_data(
        "", status=status, headers={"Location": target}
    )
    httpserver.expect_request("/oauth/revoke").respond_with_data(
        "", status=status, headers={"Location": target}
    )
    with pytest.raises(StravaError) as caught:
        call(base_of(httpserver))
    assert elsewhere.log == []  # the secret and the token went nowhere else
    assert "not followed" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)
