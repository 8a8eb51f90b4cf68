"""Logout under the token lock: a refresh in flight cannot write the token back."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper.commands.logout import logout
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.errors import ReauthorizationRequiredError, StravaError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.token import NO_PROFILE
from strava_auth_helper.settings import load_credentials
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.lock import TokenLock
from strava_auth_helper.strava import api
from tests.fakes import refresh_answer, stored
from tests.helpers import CLIENT_ID, CLIENT_SECRET, NEW_ACCESS, NEW_REFRESH, REFRESH, Ran
from tests.terminals import sim_login


@pytest.mark.usefixtures("with_creds")
def test_logout_waits_for_a_refresh_in_flight(
    threaded_strava: HTTPServer, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strava = threaded_strava
    stored(token_path, 600)  # valid for logout's needs, too short for the refresher below
    refreshing, release, logout_waits = threading.Event(), threading.Event(), threading.Event()
    revoked: list[str] = []

    def slow_refresh(request: Request) -> Response:
        refreshing.set()
        release.wait(30)
        return Response(json.dumps(refresh_answer()), content_type="application/json")

    def revoke(request: Request) -> Response:
        revoked.append(request.form["token"])
        return Response(json.dumps({}), content_type="application/json")

    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_handler(slow_refresh)
    strava.expect_oneshot_request("/oauth/revoke", method="POST").respond_with_handler(revoke)
    # Another process refreshes: it takes the lock, then waits for (slow) Strava.
    code = "import sys; from strava_auth_helper import get_access_token as g;"
    code += "print(g(sys.argv[1], min_ttl=3600))"
    refresher = subprocess.Popen(
        [sys.executable, "-c", code, str(token_path)], stdout=subprocess.PIPE, text=True
    )
    assert refreshing.wait(30)

    enter = TokenLock.__enter__

    def note_the_wait(lock: TokenLock) -> TokenLock:
        logout_waits.set()
        return enter(lock)

    monkeypatch.setattr(TokenLock, "__enter__", note_the_wait)
    told: list[bool] = []
    logging_out = threading.Thread(
        target=lambda: told.append(logout(token_path, profile=NO_PROFILE))
    )
    logging_out.start()
    while logging_out.is_alive() and not logout_waits.wait(0.01):
        pass  # until it finished (without a lock) or asked for the lock
    release.set()
    refreshed, _ = refresher.communicate(timeout=30)
    logging_out.join(30)
    assert refreshed == f"{NEW_ACCESS}\n"
    assert told == [True]
    assert not token_path.exists()  # not written back by the refresh
    assert revoked == [NEW_REFRESH]  # the token that was current when it logged out
    assert REFRESH not in revoked


BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


@pytest.mark.usefixtures("with_creds")
def test_logout_revokes_the_refresh_token_with_the_apps_credentials(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)  # an expired access token: revoke needs none, so no refresh
    strava.expect_oneshot_request(
        "/oauth/revoke",
        method="POST",
        headers={"Authorization": BASIC},
        data="token=refresh-token-0123456789&token_type_hint=refresh_token",
    ).respond_with_json({})
    assert logout(token_path, profile=NO_PROFILE) is True
    assert not token_path.exists()


@pytest.mark.usefixtures("with_creds")
def test_a_missing_revoke_is_an_error_and_the_file_is_kept(
    strava: HTTPServer, token_path: Path
) -> None:
    # oauth/deauthorize, retired 1 June 2027, is not tried: real Strava has had
    # oauth/revoke since 1 June 2026.
    stored(token_path, 3600)
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/revoke", method="POST").respond_with_json(
        {"message": "Record Not Found", "errors": []}, status=404
    )
    with pytest.raises(StravaError, match="the token file was kept") as caught:
        logout(token_path, profile=NO_PROFILE)
    assert caught.value.status == 404
    assert token_path.read_bytes() == before


def test_the_simulation_revokes_both_tokens_whichever_is_given(sim_env: SimulatedStrava) -> None:
    token = sim_login(sim_env, Path(os.environ["STRAVA_AUTH_CONFIG_DIR"]) / "token.json").token
    assert logout(Path(os.environ["STRAVA_AUTH_CONFIG_DIR"]) / "token.json", profile=NO_PROFILE)
    assert sim_env.requests[-1] == "POST /oauth/revoke"
    with pytest.raises(ReauthorizationRequiredError):  # the refresh token is dead
        api.refresh(sim_env.base_url, load_credentials(profile=NO_PROFILE), token.refresh_token)
    answer = requests.get(
        f"{sim_env.base_url}/api/v3/athlete",
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=10,
    )
    assert answer.status_code == 401  # and so is the access token


@pytest.mark.usefixtures("with_creds")
def test_logout_says_the_apps_credentials_stay_and_forgets_them_when_asked(
    cli: Callable[..., Ran], token_path: Path, isolated_env: Path
) -> None:
    save_credentials(Credentials(CLIENT_ID, CLIENT_SECRET))
    stored(token_path, 3600)
    kept = cli("logout", "--local-only", "--token-file", str(token_path))
    assert kept.code == 0, kept.err
    assert "stay saved in" in kept.out
    assert "logout --forget-app" in kept.out
    assert (isolated_env / ".env").exists()
    stored(token_path, 3600)
    gone = cli("logout", "--local-only", "--forget-app", "--token-file", str(token_path))
    assert gone.code == 0, gone.err
    assert "Forgot the app's credentials" in gone.out
    assert not (isolated_env / ".env").exists()
