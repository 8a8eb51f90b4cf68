"""Logout under the token lock: a refresh in flight cannot write the token back."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper.flows.logout import logout
from strava_auth_helper.settings import NO_PROFILE
from strava_auth_helper.store.lock import TokenLock
from tests.helpers import ACCESS, NEW_ACCESS, refresh_answer, stored


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

    def deauthorize(request: Request) -> Response:
        revoked.append(request.form["access_token"])
        return Response(json.dumps({}), content_type="application/json")

    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_handler(slow_refresh)
    strava.expect_oneshot_request("/oauth/deauthorize", method="POST").respond_with_handler(
        deauthorize
    )
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
    assert revoked == [NEW_ACCESS]  # the token that was current when it logged out
    assert ACCESS not in revoked
