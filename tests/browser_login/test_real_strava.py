"""Logins and calls against a simulated Strava that behaves as real Strava does at its worst."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import StravaAuth, errors
from strava_auth_helper.browser_login.flow import LoginOptions, run_login
from strava_auth_helper.demo.simulated_strava import SimulatedStrava, press_authorize
from strava_auth_helper.demo.strava_rules import APP_401, INACTIVE
from strava_auth_helper.settings import find_credentials
from strava_auth_helper.store.token_file import read_token
from tests.fakes import APP, beyond_checks, expect_app_check, expect_login
from tests.helpers import CLIENT_ID, CLIENT_SECRET, CODE, Ran, http_get
from tests.terminals import LoginRun, sim_login

Cli = Callable[..., Ran]
EXCHANGES = "POST /oauth/token authorization_code"  # (the app's check is one too)


def test_a_fresh_code_refused_once_is_offered_again_and_logs_in(
    sim: SimulatedStrava, token_path: Path
) -> None:
    sim.state.refuse_new_codes = 1
    result = sim_login(sim, token_path)
    assert result.token.access_token == read_token(token_path).access_token
    assert sim.requests.count(EXCHANGES) == 3  # the app's check, the refusal, the retry


def test_a_fresh_code_refused_twice_ends_the_login_in_one_line(
    sim: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim, token_path)
    before = token_path.read_bytes()
    sim.state.refuse_new_codes = 2
    asked = sim.requests.count(EXCHANGES)
    with pytest.raises(errors.CodeRefusedError) as caught:
        sim_login(sim, token_path)
    assert "AuthorizationCode/code/invalid" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert sim.requests.count(EXCHANGES) - asked == 3  # the check, then the code twice
    assert token_path.read_bytes() == before  # the token that was good is kept


def test_an_inactive_app_never_says_connected_and_keeps_the_token(
    sim: SimulatedStrava, token_path: Path
) -> None:
    sim.state.api_refusal = INACTIVE  # its OAuth still works; its API calls do not
    with pytest.raises(errors.AppInactiveError) as caught:
        sim_login(sim, token_path)
    assert caught.value.exit_code == 6
    assert "its owner must reactivate it" in str(caught.value)
    assert read_token(token_path).athlete["firstname"] == "Demo"  # kept: it works once renewed
    assert sim.requests[-1] == "GET /api/v3/athlete"


def test_the_inactive_apps_page_is_what_the_browser_shows(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    body = {
        "message": "Forbidden",
        "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
    }
    expect_login(strava, api=(403, body))
    run = LoginRun(login_options, APP)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read,activity:read_all"))
    assert "Connected" not in page.text
    assert "inactive" in page.text
    assert "The token was saved all the same" in page.text
    assert "Nothing was saved" not in page.text
    assert isinstance(run.failure(), errors.AppInactiveError)
    assert token_path.exists()


@pytest.mark.parametrize("status", [404, 500])
def test_any_other_answer_to_the_apps_api_check_lets_the_login_finish(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path, status: int
) -> None:
    expect_login(strava, api=(status, {"message": "Record Not Found", "errors": []}))
    run = LoginRun(login_options, APP)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read,activity:read_all"))
    assert "Connected, Jane!" in page.text
    assert run.finish().token.athlete["firstname"] == "Jane"
    assert [r.path for r in beyond_checks(strava)] == ["/oauth/token", "/api/v3/athlete"]


def test_a_scope_separated_by_spaces_is_read_as_commas(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    expect_login(strava)
    run = LoginRun(login_options, APP)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read activity:read_all"))
    assert "Connected, Jane!" in page.text
    result = run.finish()
    assert result.missing_scopes == []
    assert read_token(token_path).scope == "read,activity:read_all"


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ({"STRAVA_CLIENT_ID": "99"}, "Client ID 99 (from $STRAVA_CLIENT_ID)"),
        ({"STRAVA_CLIENT_SECRET": "a-wrong-secret"}, "Client Secret from $STRAVA_CLIENT_SECRET"),
        ({"./.env": "STRAVA_CLIENT_SECRET=a-wrong-secret\n"}, "STRAVA_CLIENT_SECRET in ./.env"),
        ({"--client-id": "99"}, "Client ID 99 (from --client-id)"),
    ],
)
def test_credentials_from_the_settings_are_checked_before_any_page_opens(
    sim_env: SimulatedStrava,
    cli: Cli,
    token_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: dict[str, str],
    said: str,
) -> None:
    flags = ["--client-id", setting["--client-id"]] if "--client-id" in setting else []
    if "./.env" in setting:
        monkeypatch.delenv("STRAVA_CLIENT_SECRET")
        (Path.cwd() / ".env").write_text(setting["./.env"])
    for name in ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET"):
        if name in setting:
            monkeypatch.setenv(name, setting[name])
    started = time.monotonic()
    ran = cli("login", "--no-browser", "--port", "0", "--token-file", str(token_path), *flags)
    assert time.monotonic() - started < 20  # within seconds, not the login's 300
    assert ran.code == 1
    assert said in ran.err
    assert ran.err.count("\n") == 1
    assert "a-wrong-secret" not in ran.err
    assert "oauth/authorize" not in ran.out  # Strava's page was never offered
    assert not token_path.exists()
    assert sim_env.requests == [EXCHANGES]  # one request: the check


def test_while_it_waits_the_login_says_how_long_how_to_cancel_and_strava_s_error_pages(
    sim_env: SimulatedStrava, token_path: Path
) -> None:
    out = sim_login_output(sim_env, token_path)
    assert "Waiting for the browser (up to 30 s; press Ctrl+C to cancel)..." in out
    assert "redirect_uri or client_id" in out
    assert "Authorization Callback Domain to localhost" in out


def sim_login_output(sim: SimulatedStrava, token_path: Path) -> str:
    """What a login with the settings' credentials says, the athlete pressing Authorize."""
    out = io.StringIO()
    options = LoginOptions(token_path, sim.base_url, port=0, timeout=30)
    run_login(options, find_credentials(), out=out, opener=press_authorize)
    return out.getvalue()


@pytest.mark.usefixtures("rotating")
def test_status_check_reads_an_api_401_naming_the_application_as_a_refused_token(
    sim_env: SimulatedStrava, cli: Cli, token_path: Path
) -> None:
    sim_login(sim_env, token_path)
    sim_env.state.api_refusal = APP_401
    ran = cli("status", "--check", "--token-file", str(token_path))
    assert ran.code == 5
    assert "does not accept this access token" in ran.out + ran.err
    assert "STRAVA_CLIENT_SECRET" not in ran.out + ran.err


def test_stravaauth_refreshes_once_for_an_api_401_naming_the_application(
    sim_env: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim_env, token_path)
    sim_env.state.api_refusal = APP_401
    answer = requests.get(
        f"{sim_env.base_url}/api/v3/athlete", auth=StravaAuth(token_path), timeout=10
    )
    assert answer.status_code == 401  # refused again: handed back as it is
    assert sim_env.requests.count("POST /oauth/token refresh_token") == 1
    assert sim_env.requests.count("GET /api/v3/athlete") == 3  # the login's, the call, again


def test_logout_with_a_wrong_secret_names_it_and_keeps_the_token(
    sim_env: SimulatedStrava, cli: Cli, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim_login(sim_env, token_path)
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "a-wrong-secret")
    ran = cli("logout", "--token-file", str(token_path))
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "STRAVA_CLIENT_SECRET" in ran.err
    assert "try again" not in ran.err
    assert "a-wrong-secret" not in ran.err
    assert token_path.exists()


def test_credentials_from_the_settings_of_an_inactive_app_end_before_any_page(
    strava: HTTPServer, cli: Cli, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expect_app_check(strava, refused="inactive")
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET)
    ran = cli("login", "--no-browser", "--port", "0", "--token-file", str(token_path))
    assert ran.code == 6
    assert ran.err.count("\n") == 1
    assert "inactive" in ran.err
    assert "oauth/authorize" not in ran.out
