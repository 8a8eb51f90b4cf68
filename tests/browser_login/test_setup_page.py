"""The set-up page: the app's credentials typed in the browser, taken only from its own page."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import errors
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.store.token_file import read_token
from tests.fakes import beyond_checks, expect_app_check, expect_exchange, expect_login
from tests.helpers import CLIENT_ID, CLIENT_SECRET, CODE, http_get
from tests.terminals import LoginRun, browse_redirect, fill_setup_page


@pytest.fixture
def setup_run(login_options: LoginOptions, isolated_env: Path) -> LoginRun:
    """A login with no credentials where a browser opens: it serves the set-up page first."""
    options = dataclasses.replace(login_options, open_browser=True, timeout=10, setup_time=0)
    run = LoginRun(options, None)
    assert run.setup_url is not None
    return run


def post(run: LoginRun, headers: dict[str, str], **form: str) -> requests.Response:
    assert run.setup_url is not None
    return requests.post(run.setup_url, data=form, headers=headers, timeout=10)


def test_the_page_names_the_values_to_type_and_is_never_cached(setup_run: LoginRun) -> None:
    assert setup_run.setup_url is not None
    page = http_get(setup_run.setup_url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert '<label for="client_id">Client ID</label>' in page.text
    assert '<label for="client_secret">Client Secret</label>' in page.text
    assert "Authorization Callback Domain" in page.text
    assert '<code id="domain">localhost</code>' in page.text
    assert "https://www.strava.com/settings/api" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self' http://localhost:" in policy  # itself, and Strava only
    assert "script-src 'sha256-" in policy  # the copy button's script, by its hash alone
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_the_path_is_unguessable_and_the_host_checked(setup_run: LoginRun) -> None:
    assert setup_run.setup_url is not None
    elsewhere = setup_run.setup_url.rsplit("/", 1)[0] + "/guessed"
    assert http_get(elsewhere).status_code == 404
    assert requests.post(elsewhere, data={}, timeout=10).status_code == 405
    forged = http_get(setup_run.setup_url, headers={"Host": "evil.example"})
    assert forged.status_code == 400  # DNS rebinding


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # another port is another origin
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {},  # no browser's form
    ],
    ids=["other-site", "other-port", "null", "cross-site", "same-site", "neither"],
)
def test_a_form_from_another_origin_is_refused_and_nothing_is_asked(
    setup_run: LoginRun, strava: HTTPServer, headers: dict[str, str]
) -> None:
    answer = post(setup_run, headers, client_id=str(CLIENT_ID), client_secret=CLIENT_SECRET)
    assert answer.status_code == 403
    assert CLIENT_SECRET not in answer.text
    assert strava.log == []  # the values went nowhere
    assert setup_run.result is None  # the login still waits for its own page's form
    assert setup_run.error is None


@pytest.mark.parametrize(
    ("client_id", "secret", "said"),
    [
        ("not a number", CLIENT_SECRET, "The <strong>Client ID</strong> is a number"),
        (str(CLIENT_ID), "two words", "does not look like one"),
        (str(CLIENT_ID), "", "does not look like one"),
    ],
)
def test_values_that_are_not_ones_are_said_on_the_page_before_strava_is_asked(
    setup_run: LoginRun, strava: HTTPServer, client_id: str, secret: str, said: str
) -> None:
    assert setup_run.setup_url is not None
    answer = fill_setup_page(setup_run.setup_url, client_id, secret)
    assert answer.status_code == 401
    assert said in answer.text
    assert 'role="alert"' in answer.text
    assert strava.log == []


def test_an_unknown_client_id_is_said_before_stravas_page(
    setup_run: LoginRun, strava: HTTPServer, isolated_env: Path
) -> None:
    expect_app_check(strava, client_id=99, refused="client_id")
    assert setup_run.setup_url is not None
    answer = fill_setup_page(setup_run.setup_url, 99, CLIENT_SECRET)
    assert answer.status_code == 401
    assert "Strava knows no app with the Client ID <strong>99</strong>" in answer.text
    assert CLIENT_SECRET not in answer.text
    assert not (isolated_env / ".env").exists()


def test_accepted_values_go_on_to_strava_and_are_kept_after_the_token(
    setup_run: LoginRun,
    strava: HTTPServer,
    isolated_env: Path,
    token_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    expect_app_check(strava)
    expect_login(strava)
    assert setup_run.setup_url is not None
    went = fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET)
    assert went.status_code == 303
    assert went.headers["Referrer-Policy"] == "no-referrer"
    location = went.headers["Location"]
    assert location.startswith(f"http://localhost:{strava.port}/oauth/authorize?")
    assert f"client_id={CLIENT_ID}&" in location
    setup_run.authorize(location)
    assert "Connected, Jane!" in browse_redirect(
        location, code=CODE, scope="read,activity:read_all"
    )
    setup_run.finish()
    assert read_token(token_path).athlete["id"] == 134815
    assert f"STRAVA_CLIENT_SECRET='{CLIENT_SECRET}'" in (isolated_env / ".env").read_text()
    assert CLIENT_SECRET not in caplog.text  # never logged


def test_a_secret_strava_refuses_at_the_exchange_brings_the_page_back(
    setup_run: LoginRun, strava: HTTPServer, isolated_env: Path, token_path: Path
) -> None:
    # The check could not tell (Strava did not answer it): the exchange is what refuses.
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_data("", status=503)
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        {"message": "Authorization Error", "errors": [{"resource": "Application"}]}, status=401
    )
    expect_app_check(strava)
    expect_login(strava)
    assert setup_run.setup_url is not None
    went = fill_setup_page(setup_run.setup_url, CLIENT_ID, "mistyped-secret")
    page = browse_redirect(went.headers["Location"], code=CODE, scope="read,activity:read_all")
    assert "Strava did not accept the <strong>Client Secret</strong>" in page
    assert '<form method="post"' in page  # asked again, on the same page
    assert not token_path.exists()
    assert not (isolated_env / ".env").exists()
    again = fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET)
    location = again.headers["Location"]
    setup_run.authorize(location)
    assert "Connected, Jane!" in browse_redirect(
        location, code=CODE, scope="read,activity:read_all"
    )
    setup_run.finish()
    assert f"STRAVA_CLIENT_SECRET='{CLIENT_SECRET}'" in (isolated_env / ".env").read_text()


@pytest.mark.parametrize("followed", [0, 1])
def test_a_double_submitted_form_still_logs_in_whichever_address_the_browser_follows(
    setup_run: LoginRun, strava: HTTPServer, token_path: Path, followed: int
) -> None:
    expect_login(strava)
    assert setup_run.setup_url is not None
    went = [fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET) for _ in range(2)]
    assert [w.status_code for w in went] == [303, 303]  # both sent on to Strava
    location = went[followed].headers["Location"]
    setup_run.authorize(location)
    page = browse_redirect(location, code=CODE, scope="read,activity:read_all")
    assert "Connected, Jane!" in page
    setup_run.finish()
    assert read_token(token_path).athlete["id"] == 134815


def test_a_refused_form_from_a_second_tab_leaves_the_try_under_way_alone(
    setup_run: LoginRun, strava: HTTPServer, token_path: Path
) -> None:
    expect_app_check(strava, secret="a-wrong-secret", refused="client_secret")
    expect_login(strava)
    assert setup_run.setup_url is not None
    went = fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET)
    refused = fill_setup_page(setup_run.setup_url, CLIENT_ID, "a-wrong-secret")  # another tab
    assert refused.status_code == 401
    location = went.headers["Location"]
    setup_run.authorize(location)
    assert "Connected, Jane!" in browse_redirect(
        location, code=CODE, scope="read,activity:read_all"
    )
    setup_run.finish()
    exchange = beyond_checks(strava)[0]
    assert exchange.form["code"] == CODE
    assert exchange.form["client_secret"] == CLIENT_SECRET  # not the one known to be wrong


def test_before_any_try_an_empty_state_is_no_redirect(setup_run: LoginRun) -> None:
    assert setup_run.setup_url is not None
    callback = setup_run.setup_url.split("/setup/")[0] + "/authorization"
    page = http_get(callback, params={"state": "", "code": CODE})
    assert page.status_code == 400  # the unexpected-link page: no try is under way
    assert http_get(setup_run.setup_url).status_code == 200  # the login goes on


def test_a_secret_in_the_environment_that_would_win_over_the_page_s_is_named(
    setup_run: LoginRun,
    strava: HTTPServer,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only the secret is set (wrong): the page asks for both, Strava takes the page's; but
    # the environment is read first, so every refresh would send the wrong one.
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "a-wrong-secret")
    expect_exchange(strava)
    assert setup_run.setup_url is not None
    went = fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET)
    setup_run.authorize(went.headers["Location"])
    page = browse_redirect(went.headers["Location"], code=CODE, scope="read,activity:read_all")
    assert "Connected" not in page
    assert "STRAVA_CLIENT_SECRET from $STRAVA_CLIENT_SECRET" in page
    error = setup_run.failure()
    assert isinstance(error, errors.ConfigError)
    assert "STRAVA_CLIENT_SECRET from $STRAVA_CLIENT_SECRET" in str(error)
    assert "a-wrong-secret" not in str(error) + page
    assert read_token(token_path).athlete["id"] == 134815  # saved all the same


def test_an_app_strava_calls_inactive_at_the_check_never_reaches_stravas_page(
    setup_run: LoginRun, strava: HTTPServer, token_path: Path
) -> None:
    expect_app_check(strava, refused="inactive")
    assert setup_run.setup_url is not None
    answer = fill_setup_page(setup_run.setup_url, CLIENT_ID, CLIENT_SECRET)
    assert answer.status_code != 303  # not sent on to Strava's page
    assert "inactive" in answer.text
    error = setup_run.failure()
    assert isinstance(error, errors.AppInactiveError)
    assert error.exit_code == 6
    assert not token_path.exists()
