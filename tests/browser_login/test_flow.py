"""The login flow end to end: the real loopback catcher, real HTTP, a fake Strava."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import threading
from pathlib import Path
from typing import TextIO, cast
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HandlerType
from werkzeug import Request, Response

from strava_auth_helper import errors
from strava_auth_helper.browser_login import catcher
from strava_auth_helper.browser_login import flow as login_mod
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.store.token_file import read_token
from tests.fakes import (
    APP,
    CodeExchange,
    beyond_checks,
    expect_app_is_active,
    expect_exchange,
    expect_login,
    token_answer,
)
from tests.helpers import (
    ACCESS,
    CLIENT_ID,
    CLIENT_SECRET,
    CODE,
    REFRESH,
    assert_private,
    http_get,
    http_post,
)
from tests.terminals import LineQueue, LoginRun


def test_happy_path_saves_token_and_greets_athlete(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)

    page = http_get(run.redirect(state=run.state, code=CODE, scope="read,activity:read_all"))

    assert page.status_code == 200
    assert "Jane" in page.text
    assert "activity:read_all" in page.text
    assert str(token_path) in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    result = run.finish()
    strava.check_assertions()
    form = beyond_checks(strava)[0].form
    assert form.to_dict() == {
        "client_id": str(CLIENT_ID),
        "client_secret": CLIENT_SECRET,
        "code": CODE,
        "grant_type": "authorization_code",
    }
    assert result.missing_scopes == []
    saved = json.loads(token_path.read_text())
    assert saved["access_token"] == ACCESS
    assert saved["refresh_token"] == REFRESH
    assert saved["scope"] == "read,activity:read_all"
    assert saved["athlete"] == {"id": 134815, "firstname": "Jane", "lastname": "Runner"}
    assert saved["client_id"] == CLIENT_ID
    assert isinstance(saved["expires_at"], int)
    assert saved["expires_in"] == 21600
    assert CLIENT_SECRET not in token_path.read_text()


def test_authorize_url_carries_every_parameter(login_options: LoginOptions) -> None:
    login_options.force = True
    login_options.timeout = 0.2
    run = LoginRun(login_options)
    assert run.url.startswith(login_options.base_url + "/oauth/authorize?")
    assert f"client_id={CLIENT_ID}" in run.url
    assert "response_type=code" in run.url
    assert "approval_prompt=force" in run.url
    assert "scope=read,activity:read_all" in run.url
    assert run.redirect_uri == f"http://127.0.0.1:{run.port}/authorization"
    assert len(run.state) >= 22  # 128 bits in url-safe base64
    assert isinstance(run.failure(), errors.LoginTimeoutError)


def test_state_is_fresh_for_every_login(login_options: LoginOptions) -> None:
    login_options.timeout = 0.2
    first, second = LoginRun(login_options), LoginRun(login_options)
    assert first.state != second.state
    first.failure()
    second.failure()


def test_forged_state_is_refused_then_real_one_accepted(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)

    forged = http_get(run.redirect(state="forged", code="evil", scope="read"))
    missing = http_get(run.redirect(code="evil", scope="read"))
    assert forged.status_code == 400
    assert missing.status_code == 400
    assert beyond_checks(strava) == []  # nothing was exchanged

    real = http_get(run.redirect(state=run.state, code=CODE, scope="read,activity:read_all"))
    assert real.status_code == 200
    run.finish()
    assert beyond_checks(strava)[0].form["code"] == CODE


def test_stray_paths_get_404_and_login_keeps_waiting(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    base = f"http://127.0.0.1:{run.port}"

    assert http_get(base + "/favicon.ico").status_code == 404
    assert http_get(base + "/", params={"state": run.state, "code": CODE}).status_code == 404
    assert http_post(run.redirect(state=run.state, code=CODE)).status_code == 405
    assert http_get(base + "/authorization?" + "x" * 5000).status_code == 414
    assert beyond_checks(strava) == []

    assert http_get(run.redirect(state=run.state, code=CODE, scope="read")).ok
    run.finish()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", ""])
def test_foreign_host_header_is_refused(
    strava: HTTPServer, login_options: LoginOptions, host: str
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    sock = socket.create_connection(("127.0.0.1", run.port))
    host_line = f"Host: {host.format(port=run.port)}\r\n" if host else ""
    sock.sendall(
        f"GET /authorization?state={run.state}&code={CODE} HTTP/1.1\r\n{host_line}"
        "Connection: close\r\n\r\n".encode()
    )
    answer = sock.makefile("rb").read()
    sock.close()
    assert answer.startswith(b"HTTP/1.0 400")
    assert beyond_checks(strava) == []

    ok = http_get(
        run.redirect(state=run.state, code=CODE, scope="read"),
        headers={"Host": f"localhost:{run.port}"},
    )
    assert ok.status_code == 200
    run.finish()


def test_idle_connection_does_not_block_the_redirect(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    with socket.create_connection(("127.0.0.1", run.port)) as idle:
        idle.sendall(b"GET /authoriz")  # and then nothing
        assert http_get(run.redirect(state=run.state, code=CODE)).ok
        run.finish()


def test_malformed_request_keeps_waiting(strava: HTTPServer, login_options: LoginOptions) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    with socket.create_connection(("127.0.0.1", run.port)) as sock:
        sock.sendall(b"\x16\x03\x01 garbage that is not http\r\n\r\n")
        assert b"400" in sock.makefile("rb").read()  # answered and closed, not crashed
    assert http_get(run.redirect(state=run.state, code=CODE)).ok
    run.finish()


def test_second_redirect_after_success_is_not_exchanged(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    assert http_get(run.redirect(state=run.state, code=CODE)).ok
    run.finish()
    assert len(beyond_checks(strava)) == 2  # the exchange and the API's word


def test_declined_writes_nothing(login_options: LoginOptions, token_path: Path) -> None:
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, error="access_denied"))
    assert "declined" in page.text
    assert isinstance(run.failure(), errors.LoginDeclinedError)
    assert not token_path.exists()


def test_timeout_is_a_clear_error(login_options: LoginOptions) -> None:
    login_options.timeout = 0.3
    error = LoginRun(login_options).failure()
    assert isinstance(error, errors.LoginTimeoutError)
    assert "0.3 s" in str(error)


def test_explicit_busy_port_is_an_error_naming_it(
    login_options: LoginOptions, busy_port: int
) -> None:
    login_options.port = busy_port
    with pytest.raises(errors.PortInUseError, match=f"port {busy_port} is already in use"):
        login_mod.run_login(login_options)


def test_busy_default_port_falls_back(
    strava: HTTPServer,
    login_options: LoginOptions,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(catcher, "DEFAULT_PORT", busy_port)
    login_options.port = None
    expect_login(strava)
    run = LoginRun(login_options)
    assert run.port != busy_port
    assert f"Port {busy_port} is busy" in run.out.text
    # AirPlay Receiver takes 5000 on macOS only: named there, and nowhere else.
    assert ("AirPlay" in run.out.text) == (sys.platform == "darwin")
    assert http_get(run.redirect(state=run.state, code=CODE)).ok
    run.finish()


def test_port_is_released_after_login(login_options: LoginOptions) -> None:
    login_options.timeout = 0.2
    run = LoginRun(login_options)
    run.failure()
    with socket.socket() as s:
        s.bind(("127.0.0.1", run.port))  # would raise if the catcher still held it


def test_partial_scopes_are_saved_and_named(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    login_options.scope = "read,activity:read_all,profile:read_all"
    expect_login(strava)
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read"))
    assert "activity:read_all" in page.text
    assert "profile:read_all" in page.text
    assert "not granted" in page.text
    result = run.finish()
    assert result.missing_scopes == ["activity:read_all", "profile:read_all"]
    assert read_token(token_path).scope == "read"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {
                "message": "Bad Request",
                "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}],
            },
            "AuthorizationCode/code/invalid",
        ),
        (500, {"message": "Internal Server Error"}, "500"),
        (
            401,
            {
                "message": "Authorization Error",
                "errors": [{"resource": "Application", "field": "", "code": "invalid"}],
            },
            "STRAVA_CLIENT_SECRET",
        ),
    ],
)
def test_strava_refusal_shows_its_message_and_keeps_old_file(
    strava: HTTPServer,
    login_options: LoginOptions,
    token_path: Path,
    status: int,
    body: dict[str, object],
    expected: str,
) -> None:
    token_path.parent.mkdir(parents=True)
    token_path.write_bytes(b'{"old": "token bytes"}')
    for _ in range(2 if status == 400 else 1):  # a fresh code refused is offered twice
        expect_exchange(strava, body, status)
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read"))
    assert page.status_code == 502
    assert expected in page.text
    error = run.failure()
    assert isinstance(error, errors.StravaError)
    assert expected in str(error)
    assert token_path.read_bytes() == b'{"old": "token bytes"}'


def test_invalid_json_from_strava_is_an_error(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    strava.expect(CodeExchange(), HandlerType.ONESHOT).respond_with_data(
        "<html>oops</html>", content_type="text/html"
    )
    run = LoginRun(login_options)
    http_get(run.redirect(state=run.state, code=CODE))
    assert "not valid JSON" in str(run.failure())
    assert not token_path.exists()


def test_connection_reset_is_an_error(
    login_options: LoginOptions, resetting_server: str, token_path: Path
) -> None:
    login_options.base_url = resetting_server
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE))
    assert page.status_code == 502
    error = run.failure()
    assert isinstance(error, errors.StravaUnavailableError)
    assert "could not reach Strava" in str(error)
    assert not token_path.exists()


def test_escapes_what_it_echoes(strava: HTTPServer, login_options: LoginOptions) -> None:
    answer = token_answer()
    answer["athlete"]["firstname"] = "<script>alert(1)</script>"
    expect_login(strava, answer)
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read,<b>x</b>"))
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<b>x</b>" not in page.text
    run.finish()


def test_pages_never_show_secrets(strava: HTTPServer, login_options: LoginOptions) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read"))
    result = run.finish()
    for secret in (CLIENT_SECRET, CODE, ACCESS, REFRESH):
        assert secret not in page.text
        assert secret not in run.out.text
        assert secret not in repr(result.token)


def test_file_and_folder_are_private(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    http_get(run.redirect(state=run.state, code=CODE))
    run.finish()
    assert_private(token_path)
    assert_private(token_path.parent, 0o700)
    # filelock leaves the lock file in place, except on Windows, where it deletes it.
    assert set(os.listdir(token_path.parent)) - {"token.json.lock"} == {"token.json"}


def login_with_a_paste(login_options: LoginOptions) -> tuple[LoginRun, io.FileIO]:
    """A login whose standard input is a pipe; the test types into the other end."""
    reader, writer = os.pipe()
    login_options.paste_input = io.TextIOWrapper(io.FileIO(reader, "r"))
    return LoginRun(login_options), io.FileIO(writer, "w")


def test_pasted_redirect_url_completes_login(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    expect_login(strava)
    run, keyboard = login_with_a_paste(login_options)
    with keyboard as w:
        w.write(b"not a url\n")
        w.write(run.redirect(state="wrong", code="evil").encode() + b"\n")
        real = run.redirect(state=run.state, code=CODE, scope="read,activity:read_all")
        w.write(real.encode() + b"#_=_\n")  # Strava's fragment, pasted along with the rest
    assert run.finish().missing_scopes == []
    assert beyond_checks(strava)[0].form["code"] == CODE
    assert "not this login's" in run.out.text
    assert read_token(token_path).scope == "read,activity:read_all"  # no #_=_ in it


@pytest.mark.parametrize(
    "pasted",
    [
        "http://127.0.0.1:1/authorization?state={state}",
        "http://127.0.0.1:1/authorization?state={state}&code=",
        "http://127.0.0.1:1/authorization?state={state}&error=",
        "state={state}&code=&scope=read",
        "x" * 100_000,  # no code is this long: never sent to Strava
    ],
    ids=["no code", "empty code", "empty error", "bare query", "100,000 characters"],
)
def test_a_paste_with_the_right_state_but_nothing_in_it_is_refused_as_over_http(
    strava: HTTPServer, login_options: LoginOptions, pasted: str
) -> None:
    expect_login(strava)
    run, keyboard = login_with_a_paste(login_options)
    with keyboard as w:
        w.write(pasted.format(state=run.state).encode() + b"\n")
        run.out.wait_for("That is not this login's")  # refused, and the login waits on
        assert beyond_checks(strava) == []
        nothing = http_get(run.redirect(state=run.state, code=""))  # the same over HTTP
        assert nothing.status_code == 400
        assert http_get(run.redirect(state=run.state, code=CODE)).ok
        run.finish()
    assert beyond_checks(strava)[0].form["code"] == CODE


def test_a_login_that_timed_out_says_what_strava_may_have_said_instead(
    login_options: LoginOptions,
) -> None:
    login_options.timeout = 0.2
    run = LoginRun(login_options)
    run.failure()
    assert "Limit of connected athletes exceeded" in run.out.text
    assert "a Standard Tier app up to 10" in run.out.text  # the tier's own limit


def test_a_login_that_went_through_says_nothing_of_it(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    assert http_get(run.redirect(state=run.state, code=CODE, scope="read")).ok
    run.finish()
    assert "connected athletes" not in run.out.text


def test_pasted_bare_code_completes_login(strava: HTTPServer, login_options: LoginOptions) -> None:
    expect_login(strava)
    login_options.paste_input = io.StringIO(CODE + "\n")
    run = LoginRun(login_options)
    result = run.finish()
    assert beyond_checks(strava)[0].form["code"] == CODE
    assert result.token.scope is None


def test_end_of_input_does_not_end_the_wait(
    strava: HTTPServer, login_options: LoginOptions
) -> None:
    expect_login(strava)
    login_options.paste_input = io.StringIO("")  # at end of file at once, like </dev/null
    run = LoginRun(login_options)
    assert http_get(run.redirect(state=run.state, code=CODE)).ok
    run.finish()


def test_blocking_browser_does_not_deadlock(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    expect_login(strava)
    release = threading.Event()
    opened: list[str] = []

    def blocking_browser(url: str) -> bool:
        opened.append(url)
        release.wait(30)  # like a terminal browser that runs until the user quits it
        return True

    login_options.open_browser = True
    out_lines = LineQueue()
    result: list[object] = []

    def run_login() -> None:
        result.append(
            login_mod.run_login(
                login_options, APP, out=cast(TextIO, out_lines), opener=blocking_browser
            )
        )

    t = threading.Thread(target=run_login, daemon=True)
    t.start()
    url = out_lines.wait_for("http")
    query = parse_qs(urlsplit(url).query)
    redirect = query["redirect_uri"][0]
    assert http_get(redirect, params={"state": query["state"][0], "code": CODE}).ok
    t.join(10)
    release.set()
    assert not t.is_alive()
    assert opened == [url]
    assert token_path.exists()


def test_failing_browser_is_not_fatal(strava: HTTPServer, login_options: LoginOptions) -> None:
    def broken_browser(url: str) -> bool:
        raise RuntimeError("no display")

    expect_login(strava)
    login_options.open_browser = True
    out = LineQueue()
    done: list[object] = []
    t = threading.Thread(
        target=lambda: done.append(
            login_mod.run_login(login_options, APP, out=cast(TextIO, out), opener=broken_browser)
        ),
        daemon=True,
    )
    t.start()
    url = out.wait_for("http")
    out.wait_for("Could not open a browser")
    q = parse_qs(urlsplit(url).query)
    assert http_get(q["redirect_uri"][0], params={"state": q["state"][0], "code": CODE}).ok
    t.join(10)
    assert done


def test_a_redirect_taken_before_the_timeout_is_seen_through(
    strava: HTTPServer, login_options: LoginOptions, token_path: Path
) -> None:
    # The redirect has all of the login's timeout to arrive; Strava answers only once that
    # timeout is over (an event, set by a timer that starts after the login's own).
    login_options.timeout = 1.0
    timeout_over = threading.Event()

    def slow_exchange(request: Request) -> Response:
        assert timeout_over.wait(30), "the timer never fired"
        return Response(json.dumps(token_answer()), content_type="application/json")

    strava.expect(CodeExchange(), HandlerType.ONESHOT).respond_with_handler(slow_exchange)
    expect_app_is_active(strava)
    run = LoginRun(login_options)
    timer = threading.Timer(login_options.timeout + 0.3, timeout_over.set)
    timer.start()
    try:
        page = http_get(run.redirect(state=run.state, code=CODE, scope="read,activity:read_all"))
        result = run.finish()  # not LoginTimeoutError: exit status, page and file agree
    finally:
        timer.cancel()
    assert timeout_over.is_set()
    assert page.status_code == 200
    assert "Connected, Jane!" in page.text
    assert read_token(token_path).access_token == result.token.access_token


def test_a_redirect_after_the_timeout_is_told_so(login_options: LoginOptions) -> None:
    from strava_auth_helper.browser_login.catcher import Catcher

    with Catcher(0, "st4te") as catcher:
        catcher.start()
        assert catcher.next_arrival(0.01) is None
        late = http_get(catcher.redirect_uri, params={"state": "st4te", "code": CODE})
    assert late.status_code == 409
    assert "Login timed out" in late.text


def raw_request(port: int | None, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port or 0), timeout=10) as sock:
        sock.sendall(data)
        return sock.makefile("rb").read()


@pytest.mark.parametrize(
    ("head", "status"),
    [
        ("GET http://evil.example/authorization?{query} HTTP/1.1\r\nHost: {host}\r\n", 400),
        # http.server turns a leading // into / (no open redirect): then it is a stray path
        ("GET //evil.example/authorization?{query} HTTP/1.1\r\nHost: {host}\r\n", 404),
        ("GET /authorization?{query} HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n", 400),
        ("GET /authorization?{query} HTTP/1.1\r\nHost: evil.example\r\nHost: {host}\r\n", 400),
    ],
)
def test_absolute_targets_and_two_hosts_are_refused(
    strava: HTTPServer, login_options: LoginOptions, head: str, status: int
) -> None:
    expect_login(strava)
    run = LoginRun(login_options)
    query = f"state={run.state}&code={CODE}"
    request = head.format(query=query, host=f"127.0.0.1:{run.port}") + "\r\n"
    assert raw_request(run.port, request.encode()).startswith(f"HTTP/1.0 {status}".encode())
    assert beyond_checks(strava) == []
    assert http_get(run.redirect(state=run.state, code=CODE)).ok  # still waiting
    run.finish()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET / SPDY\r\n\r\n", 400),
        (b"FROB / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"GET /" + b"x" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 120 + b"\r\n", 431),
    ],
)
def test_http_servers_own_error_pages_carry_the_security_headers(
    login_options: LoginOptions, request_bytes: bytes, status: int
) -> None:
    login_options.timeout = 10
    run = LoginRun(login_options)
    answer = raw_request(run.port, request_bytes)
    head = answer.split(b"\r\n\r\n", 1)[0]
    assert head.startswith(f"HTTP/1.0 {status}".encode())
    for header in (
        b"Cache-Control: no-store",
        b"X-Content-Type-Options: nosniff",
        b"Content-Security-Policy: default-src 'none'",
        b"Referrer-Policy: no-referrer",
    ):
        assert header in head
    assert http_get(run.redirect(state=run.state, error="access_denied")).ok
    assert isinstance(run.failure(), errors.LoginDeclinedError)
