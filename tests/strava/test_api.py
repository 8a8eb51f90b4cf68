"""Strava's HTTP calls: answers that are not what they should be are one clear error."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.errors import StravaError
from strava_auth_helper.strava import api
from tests.helpers import ACCESS, base_of

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
