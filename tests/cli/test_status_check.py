"""``strava-auth status --check``: one call to Strava says whether the token works."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from tests.fakes import refresh_answer, stored
from tests.helpers import ACCESS, Ran
from tests.terminals import sim_login

Cli = Callable[..., Ran]
INACTIVE = {
    "message": "Forbidden",
    "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
}
DEAD_REFRESH = {
    "message": "Bad Request",
    "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
}
RATE = {
    "X-RateLimit-Limit": "200,2000",
    "X-RateLimit-Usage": "10,400",
    "X-ReadRateLimit-Limit": "100,1000",
    "X-ReadRateLimit-Usage": "10,400",
}


def test_a_working_token_and_the_rate_limits_left(
    cli: Cli, sim_env: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim_env, token_path)
    before = len(sim_env.requests)
    ran = cli("status", "--check", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    assert "Strava:     the token works" in ran.out
    # the login's API call was the first; the check's the second
    assert "requests 198/200 left this 15 minutes, 1998/2000 today" in ran.out
    assert "reads 98/100 left this 15 minutes, 998/1000 today" in ran.out
    assert sim_env.requests[before:] == ["GET /api/v3/athlete"]  # one call, no refresh
    plain = cli("status", "--token-file", str(token_path))
    assert "Strava:" not in plain.out
    assert sim_env.requests[before:] == ["GET /api/v3/athlete"]  # status alone: offline


@pytest.mark.usefixtures("with_creds")
def test_a_revoked_refresh_token_exits_5_and_keeps_the_file(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)  # the check refreshes first: Strava refuses the refresh token
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        DEAD_REFRESH, status=400
    )
    ran = cli("status", "--check", "--json", "--token-file", str(token_path))
    assert ran.code == 5
    check = json.loads(ran.out)["check"]
    assert check["outcome"] == "revoked"
    assert "strava-auth login" in check["message"]
    assert token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_an_access_token_revoked_on_stravas_side_exits_5(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/athlete").respond_with_json(
        {
            "message": "Authorization Error",
            "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
        },
        status=401,
    )
    ran = cli("status", "--check", "--token-file", str(token_path))
    assert ran.code == 5
    assert "revoked" in ran.out


@pytest.mark.usefixtures("with_creds")
def test_an_inactive_app_exits_6_and_is_not_told_to_log_in(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/athlete").respond_with_json(
        INACTIVE, status=403, headers=RATE
    )
    ran = cli("status", "--check", "--json", "--token-file", str(token_path))
    assert ran.code == 6
    check = json.loads(ran.out)["check"]
    assert check["outcome"] == "app inactive"
    assert "logging in again cannot help" in check["message"]
    assert ACCESS not in ran.out + ran.err


@pytest.mark.usefixtures("with_creds")
def test_a_refresh_comes_first_when_the_token_needs_one(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 30, scope="read")  # under the check's minute; no activity:read_all
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(refresh_answer())
    strava.expect_oneshot_request("/api/v3/athlete").respond_with_json({"id": 1}, headers=RATE)
    ran = cli("status", "--check", "--json", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    check = json.loads(ran.out)["check"]
    assert check["outcome"] == "works"
    assert check["missing_scopes"] == ["activity:read_all"]
    assert check["rate_limits"]["read"]["usage_daily"] == 400
    assert [r.path for r, _ in strava.log] == ["/oauth/token", "/api/v3/athlete"]
