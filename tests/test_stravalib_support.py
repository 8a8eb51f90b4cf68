"""stravalib_client(): the real stravalib, over TLS, against the simulated Strava."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import stravalib

from strava_auth_helper import MissingExtraError, StravaAuth, stravalib_client
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store.token_file import read_token
from tests.fakes import save
from tests.terminals import sim_login


def refreshes(sim: SimulatedStrava) -> int:
    return sim.requests.count("POST /oauth/token refresh_token")


def test_keeps_working_across_expiry_and_rotation_and_saves_the_newest_token(
    secure_sim: SimulatedStrava, token_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim = secure_sim
    sim_login(sim, token_path)
    caplog.set_level(logging.INFO)
    client = stravalib_client(token_path)
    assert client.get_athlete().firstname == "Demo"
    assert [a.name for a in client.get_activities(limit=2)] == ["Morning Run", "Lunch Ride"]

    sim.expire_access_tokens()  # Strava expired it early; the file still says it is valid
    assert client.get_athlete().lastname == "Athlete"  # 401, refreshed, retried
    assert refreshes(sim) == 1
    assert read_token(token_path).refresh_token == sim.state.refresh_token

    expired = replace(read_token(token_path), expires_at=int(time.time()) - 10)
    save(token_path, expired)  # hours later: the file knows the token expired
    sim.expire_access_tokens()
    assert client.get_athlete().id == 1000001  # refreshed before the request
    assert refreshes(sim) == 2
    assert read_token(token_path).refresh_token == sim.state.refresh_token  # the newest
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_stravalib_own_refresh_is_never_engaged(
    secure_sim: SimulatedStrava, token_path: Path
) -> None:
    sim_login(secure_sim, token_path)
    client = stravalib_client(token_path)
    protocol = client.protocol
    assert (protocol.client_id, protocol.client_secret, protocol.refresh_token) == (None,) * 3
    assert client.access_token is None  # stravalib holds no token that could go stale
    assert isinstance(client.protocol.rsession.auth, StravaAuth)


def test_stravalib_on_the_new_api_host_gets_a_live_token(
    secure_sim: SimulatedStrava, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From 4 January 2027 the API is also at api-v3.strava.com, without the /api/v3 prefix.
    monkeypatch.setenv("STRAVA_API_URL", secure_sim.api_base_url)
    sim_login(secure_sim, token_path)
    logged_in = len(secure_sim.requests)
    client = stravalib_client(token_path)
    assert client.get_athlete().firstname == "Demo"
    secure_sim.expire_access_tokens()
    assert [a.name for a in client.get_activities(limit=1)] == ["Morning Run"]  # refreshed
    calls = [r for r in secure_sim.requests[logged_in:] if r.startswith("GET")]
    assert calls == ["GET /athlete", "GET /athlete/activities", "GET /athlete/activities"]
    assert refreshes(secure_sim) == 1


def test_is_a_client_like_stravalib_builds_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SILENCE_TOKEN_WARNINGS", "true")
    plain = stravalib.Client(access_token="x")
    ours = stravalib_client()
    assert isinstance(ours, stravalib.Client)
    assert set(vars(ours)) == set(vars(plain))
    assert type(ours.protocol.rate_limiter) is type(plain.protocol.rate_limiter)
    assert set(vars(ours.protocol)) >= set(vars(plain.protocol))


def test_takes_a_session_and_refuses_token_arguments() -> None:
    session = requests.Session()
    client = stravalib_client(requests_session=session, rate_limit_requests=False)
    assert client.protocol.rsession is session
    with pytest.raises(TypeError, match="refresh_token"):
        stravalib_client(refresh_token="r")
    with pytest.raises(ValueError, match="rate_limiter"):
        stravalib_client(rate_limit_requests=False, rate_limiter=lambda *a: None)  # type: ignore[arg-type]


def test_without_stravalib_a_clear_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['stravalib'] = None\n"
        "try:\n    from strava_auth_helper import stravalib_client\n"
        "except ImportError as exc:\n    print(type(exc).__name__, exc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out == (
        "MissingExtraError stravalib_client needs stravalib: pip install '.[stravalib]' in a "
        "clone of strava-auth-helper (once published: 'strava-auth-helper[stravalib]')\n"
    )
    assert issubclass(MissingExtraError, ImportError)


def test_no_token_warnings_without_the_credentials_exported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("STRAVA_CLIENT_ID", raising=False)
    monkeypatch.delenv("STRAVA_CLIENT_SECRET", raising=False)
    caplog.set_level(logging.DEBUG)
    stravalib_client()
    stravalib_client()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
