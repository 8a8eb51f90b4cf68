"""The simulated Strava answers like the real one (our own client talks to it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from strava_auth_helper.browser_login import pages
from strava_auth_helper.browser_login.arrivals import Redirect
from strava_auth_helper.browser_login.catcher import Catcher
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)
from strava_auth_helper.errors import ReauthorizationRequiredError, StravaError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.strava import api as strava
from tests.fakes import TLS
from tests.helpers import http_get

CREDS = Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


def authorize(
    sim: SimulatedStrava, *, cancel: bool = False, untick: tuple[str, ...] = ()
) -> Redirect:
    """Run the simulated authorize page against a real catcher; return what it caught."""
    with Catcher(0, "st4te") as catcher, ThreadPoolExecutor(1) as athlete:
        catcher.start()
        url = strava.authorize_url(
            sim.base_url,
            DEMO_CLIENT_ID,
            catcher.redirect_uri,
            "read,activity:read_all",
            "st4te",
            force=False,
        )
        page = http_get(url)
        assert 'id="authorize"' in page.text
        assert "activity:read_all" in page.text
        landed = athlete.submit(press_authorize, url, cancel=cancel, untick=untick)
        arrival = catcher.next_arrival(5)
        assert arrival is not None
        arrival.answer(pages.declined())
        assert "declined" in landed.result()
    assert isinstance(arrival.what, Redirect)
    return arrival.what


def test_code_is_single_use(sim: SimulatedStrava) -> None:
    redirect = authorize(sim)
    assert redirect.scope == "read,activity:read_all"
    assert redirect.code is not None
    answer = strava.exchange_code(sim.base_url, CREDS, redirect.code)
    assert answer["athlete"]["firstname"] == "Demo"  # type: ignore[index]
    assert 21590 <= int(answer["expires_in"]) <= 21600  # type: ignore[call-overload]
    with pytest.raises(StravaError, match="AuthorizationCode/code/invalid"):
        strava.exchange_code(sim.base_url, CREDS, redirect.code)


def test_cancel_and_unticked_scopes(sim: SimulatedStrava) -> None:
    assert authorize(sim, cancel=True).error == "access_denied"
    assert authorize(sim, untick=("activity:read_all",)).scope == "read"


def test_most_refreshes_keep_the_refresh_token_and_a_rotation_kills_the_old_one(
    sim: SimulatedStrava,
) -> None:
    # Strava's docs: the refresh token "may or may not be the same"; most are the same.
    code = authorize(sim).code
    assert code is not None
    first = strava.exchange_code(sim.base_url, CREDS, code)
    answers = [first]
    for _ in range(sim.state.rotate_every):
        answers.append(strava.refresh(sim.base_url, CREDS, str(answers[-1]["refresh_token"])))
    kept = [a["refresh_token"] for a in answers[:-1]]
    assert kept == [first["refresh_token"]] * sim.state.rotate_every  # the same, twice
    assert answers[-1]["refresh_token"] != first["refresh_token"]  # then a new one
    assert answers[-1]["access_token"] == first["access_token"]  # > 1 hour left: the same
    with pytest.raises(ReauthorizationRequiredError):
        strava.refresh(sim.base_url, CREDS, str(first["refresh_token"]))


def test_wrong_secret_and_revoke(sim: SimulatedStrava) -> None:
    code = authorize(sim).code
    assert code is not None
    with pytest.raises(StravaError, match="401"):
        strava.exchange_code(sim.base_url, Credentials(DEMO_CLIENT_ID, "wrong"), code)
    tokens = strava.exchange_code(sim.base_url, CREDS, code)
    strava.revoke(sim.base_url, CREDS, str(tokens["access_token"]), hint="access_token")
    with pytest.raises(ReauthorizationRequiredError):
        strava.refresh(sim.base_url, CREDS, str(tokens["refresh_token"]))
    assert sim.requests[-2:] == ["POST /oauth/revoke", "POST /oauth/token refresh_token"]


def test_authorize_refuses_foreign_redirect(sim: SimulatedStrava) -> None:
    answer = http_get(
        f"{sim.base_url}/oauth/authorize",
        params={"client_id": "1", "redirect_uri": "http://192.168.1.2/cb", "response_type": "code"},
    )
    assert answer.status_code == 400
    assert "redirect_uri" in answer.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example\\@127.0.0.1/authorization",  # a browser goes to evil.example
        "javascript://localhost/%0aalert(1)",
        "//localhost/x",
        "http://user@127.0.0.1/authorization",
        "http://127.0.0.1.evil.example/authorization",
    ],
)
def test_accept_redirects_only_where_a_browser_would_reach_this_computer(
    sim: SimulatedStrava, redirect_uri: str
) -> None:
    form = {"redirect_uri": redirect_uri, "state": "s", "action": "authorize", "scope": "read"}
    answer = requests.post(
        f"{sim.base_url}/oauth/accept", data=form, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def logged_in(sim: SimulatedStrava, untick: tuple[str, ...] = ()) -> dict[str, object]:
    code = authorize(sim, untick=untick).code
    assert code is not None
    return strava.exchange_code(sim.base_url, CREDS, code)


@pytest.mark.usefixtures("rotating")
def test_token_parameters_in_the_query_string_like_stravalib_1(sim: SimulatedStrava) -> None:
    tokens = logged_in(sim)
    params: dict[str, str] = {
        "client_id": str(DEMO_CLIENT_ID),
        "client_secret": DEMO_CLIENT_SECRET,
        "refresh_token": str(tokens["refresh_token"]),
        "grant_type": "refresh_token",
    }
    answer = requests.post(f"{sim.base_url}/oauth/token", params=params, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["refresh_token"] != tokens["refresh_token"]


def test_api_checks_the_token_and_its_scopes(sim: SimulatedStrava) -> None:
    tokens = logged_in(sim, untick=("activity:read_all",))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = requests.get(f"{sim.base_url}/api/v3/athlete", headers=headers, timeout=10)
    assert me.json()["firstname"] == "Demo"
    assert me.headers["X-RateLimit-Limit"] == "200,2000"
    assert me.headers["X-RateLimit-Usage"] == "1,1"
    url = f"{sim.base_url}/api/v3/athlete/activities"
    activities = requests.get(url, headers=headers, timeout=10)
    assert activities.status_code == 401
    assert activities.json()["errors"][0]["field"] == "activity:read_permission"
    assert requests.get(f"{sim.base_url}/api/v3/athlete", timeout=10).status_code == 401


def test_activities_private_ones_need_read_all(sim: SimulatedStrava) -> None:
    tokens = logged_in(sim)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    url = f"{sim.base_url}/api/v3/athlete/activities"
    names = [a["name"] for a in requests.get(url, headers=headers, timeout=10).json()]
    assert names == ["Morning Run", "Lunch Ride", "Hill Repeats"]


def test_expired_access_tokens_are_refused_and_refresh_renews(sim: SimulatedStrava) -> None:
    tokens = logged_in(sim)
    sim.expire_access_tokens()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    url = f"{sim.base_url}/api/v3/athlete"
    assert requests.get(url, headers=headers, timeout=10).json()["errors"][0]["code"] == "invalid"
    renewed = strava.refresh(sim.base_url, CREDS, str(tokens["refresh_token"]))
    assert renewed["access_token"] != tokens["access_token"]
    headers = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert requests.get(url, headers=headers, timeout=10).ok


def test_speaks_tls_with_a_throwaway_certificate(tls: TLS) -> None:
    with SimulatedStrava(ssl_context=tls.server) as secure:
        assert secure.base_url.startswith("https://127.0.0.1:")
        answer = requests.get(f"{secure.base_url}/api/v3/athlete", verify=tls.ca_file, timeout=10)
        assert answer.status_code == 401  # a TLS answer: no token was sent
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{secure.base_url}/api/v3/athlete", timeout=10)  # not trusted by default
