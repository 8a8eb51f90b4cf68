"""StravaAuth: the bearer header on every request, one refresh-and-retry on 401."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import StravaAuth

from .conftest import ACCESS, NEW_ACCESS, REFRESH, expect_refresh, stored

pytestmark = pytest.mark.usefixtures("with_creds")


def test_adds_bearer_header(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json({"id": 1})
    answer = requests.get(strava.url_for("/api/v3/athlete"), auth=StravaAuth(token_path), timeout=5)
    assert answer.json() == {"id": 1}
    strava.check_assertions()


def test_refreshes_and_retries_once_on_401(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json({"message": "Authorization Error"}, status=401)
    expect_refresh(strava)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {NEW_ACCESS}"}
    ).respond_with_json({"id": 1})
    answer = requests.get(strava.url_for("/api/v3/athlete"), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 200
    assert [r.status_code for r in answer.history] == [401]
    strava.check_assertions()
    assert strava.log[1][0].form["refresh_token"] == REFRESH


def test_gives_up_after_one_retry(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_request("/api/v3/athlete").respond_with_json({"message": "nope"}, status=401)
    expect_refresh(strava)
    answer = requests.get(strava.url_for("/api/v3/athlete"), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 401
    paths = [request.path for request, _ in strava.log]
    assert paths == ["/api/v3/athlete", "/oauth/token", "/api/v3/athlete"]


def test_repr_hides_tokens(token_path: Path) -> None:
    stored(token_path, 3600)
    auth = StravaAuth(token_path)
    prepared = requests.Request("GET", "http://127.0.0.1:9/", auth=auth).prepare()
    assert ACCESS in prepared.headers["Authorization"]
    assert ACCESS not in repr(auth)
