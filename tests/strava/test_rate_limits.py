"""Strava's two rate limits: a 429 says which one was hit and when it resets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import RateLimitError, StravaAuth, rate_limits
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.strava.rate_limits import describe_limit_hit, read_rate_limits
from tests.fakes import stored
from tests.terminals import sim_login

NOW = datetime(2026, 12, 3, 14, 50, tzinfo=UTC)
OVERALL = {"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "20,450"}


@pytest.mark.parametrize(
    ("read_usage", "expected"),
    [
        ("100,300", "15-minute read limit 100/100, resets at 15:00 UTC (in about 10 min)"),
        ("40,1000", "daily read limit 1000/1000, resets at 00:00 UTC (in about 9 h 10 min)"),
        ("100,1000", "daily read limit 1000/1000, resets at 00:00 UTC (in about 9 h 10 min)"),
    ],
    ids=["read 15-minute", "read daily", "both read windows: the daily one"],
)
def test_the_used_up_pair_and_window_say_when_it_resets(read_usage: str, expected: str) -> None:
    headers = {**OVERALL, "X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": read_usage}
    assert describe_limit_hit(headers, NOW) == expected


def test_the_overall_limit_and_no_headers_at_all() -> None:
    headers = {"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "201,300"}
    assert describe_limit_hit(headers, NOW).startswith("15-minute limit 201/200, resets at 15:00")
    assert describe_limit_hit({}, NOW) == "15-minute limit, resets at 15:00 UTC (in about 10 min)"


@pytest.mark.usefixtures("with_creds")
def test_a_429_from_the_daily_read_limit_is_not_said_to_reset_in_minutes(
    strava: HTTPServer, token_path: Path
) -> None:
    from strava_auth_helper import get_access_token

    stored(token_path, -10)
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        {"message": "Rate Limit Exceeded", "errors": []},
        status=429,
        headers={**OVERALL, "X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "5,1001"},
    )
    with pytest.raises(RateLimitError, match=r"daily read limit 1001/1000, resets at 00:00 UTC"):
        get_access_token(token_path)


def test_a_stravaauth_user_reads_both_limits_from_an_answer(
    sim_env: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim_env, token_path)
    answer = requests.get(
        f"{sim_env.base_url}/api/v3/athlete", auth=StravaAuth(token_path), timeout=10
    )
    limits = rate_limits(answer)
    assert limits.overall is not None
    assert limits.read is not None
    # the login's API call (is the app active?) was the first
    assert (limits.overall.left_15min, limits.overall.left_daily) == (198, 1998)
    assert (limits.read.left_15min, limits.read.left_daily) == (98, 998)
    assert limits.exhausted() is None
    assert read_rate_limits({"X-RateLimit-Limit": "x,y"}).overall is None
