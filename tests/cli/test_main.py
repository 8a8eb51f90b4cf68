"""The command line, in this process and as users run it.

The command line: its logic through ``main`` in this process, and as users run it (console
script and ``python -m``, in real subprocesses) where only a process shows it: the entry
points, logins, signals, terminals and logging.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper import TokenFileError, get_access_token
from strava_auth_helper.cli.main import COMMANDS
from strava_auth_helper.demo.simulated_strava import SimulatedStrava, press_authorize
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.token_file import read_token
from tests.fakes import (
    beyond_checks,
    expect_app_check,
    expect_exchange,
    expect_login,
    expect_refresh,
    stored,
    token_answer,
)
from tests.helpers import (
    ACCESS,
    CLIENT_ID,
    CLIENT_SECRET,
    CODE,
    CONSOLE_SCRIPT,
    NEEDS_PTY,
    NEW_ACCESS,
    NEW_REFRESH,
    REFRESH,
    SECRETS,
    WINDOWS,
    Ran,
    http_get,
)
from tests.terminals import CliLogin, PtyProcess, wait_for_login_url

ENTRY_POINTS = {
    "console-script": [str(CONSOLE_SCRIPT)],
    "python-m": [sys.executable, "-m", "strava_auth_helper"],
}

PY_M = ENTRY_POINTS["python-m"]
Cli = Callable[..., Ran]


@pytest.fixture(params=list(ENTRY_POINTS))
def entry(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "console-script" and not CONSOLE_SCRIPT.exists():
        pytest.fail(f"console script not installed next to {sys.executable}: pip install .[test]")
    return ENTRY_POINTS[request.param]


def run(cmd: list[str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cmd, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.usefixtures("with_creds")
def test_login_end_to_end(entry: list[str], strava: HTTPServer, tmp_path: Path) -> None:
    expect_login(strava)
    token_file = tmp_path / "t.json"
    login = CliLogin(entry, "--token-file", str(token_file))
    page = login.browse(code=CODE, scope="read,activity:read_all")
    code, out, err = login.finish()
    assert code == 0, err
    assert f"Logged in as Jane Runner; token saved to {token_file}" in out
    assert "Jane" in page
    assert read_token(token_file).athlete["id"] == 134815
    assert_no_secrets(out, err, page)
    strava.check_assertions()


@pytest.mark.usefixtures("with_creds")
def test_partial_scopes_exit_3_and_name_them(strava: HTTPServer, tmp_path: Path) -> None:
    expect_login(strava)
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"))
    login.browse(code=CODE, scope="read")
    code, out, err = login.finish()
    assert code == 3
    assert "activity:read_all" in err
    assert "--force" in err
    assert (tmp_path / "t.json").exists()


@pytest.mark.usefixtures("with_creds")
def test_declined_is_one_line_and_nonzero(strava: HTTPServer, tmp_path: Path) -> None:
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"))
    login.browse(error="access_denied")
    code, out, err = login.finish()
    assert code != 0
    assert err.count("\n") == 1
    assert err.startswith("strava-auth: error: you declined")
    assert "Traceback" not in err
    assert not (tmp_path / "t.json").exists()


@pytest.mark.usefixtures("with_creds")
def test_strava_error_is_one_line_and_secret_free(strava: HTTPServer, tmp_path: Path) -> None:
    expect_exchange(
        strava,
        {
            "message": "Bad Request",
            "errors": [{"resource": "AuthorizationCode", "code": "expired"}],
        },
        status=400,
    )
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"))
    page = login.browse(code=CODE)
    code, out, err = login.finish()
    assert code == 1
    assert err.count("\n") == 1
    assert "AuthorizationCode/expired" in err
    assert "AuthorizationCode/expired" in page
    assert_no_secrets(out, err, page)


def test_missing_credentials_without_terminal(cli: Cli) -> None:
    result = cli("login", "--no-browser")
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "STRAVA_CLIENT_ID" in result.err
    assert "STRAVA_CLIENT_SECRET" in result.err
    assert "strava.com/settings/api" in result.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["login", "--client-id", "abc"], "whole number"),
        (["login", "--client-id", "0"], "whole number"),
        (["login", "--client-id", "\u00b9\u00b2"], "whole number"),  # digits, but not 0-9
        (["login", "--port", "\u00b2"], "not a port number"),
        (["login", "--port", "70000"], "not a port number"),
        (["login", "--scope", "read,everything"], "unknown scope"),
        (["login", "--timeout", "-1"], "not a positive number"),
        (["token", "--min-ttl", "7200"], "from 0 to 3600"),
        (["token", "--min-ttl", "soon"], "from 0 to 3600"),
        (["demo", "--port", "x"], "not a port number"),
        (["no-such-command"], "invalid choice"),
        ([], "required"),
    ],
)
@pytest.mark.usefixtures("with_creds")
def test_usage_errors_exit_2_with_one_clear_line(cli: Cli, args: list[str], expected: str) -> None:
    result = cli(*args)
    assert result.code == 2
    assert expected in result.err
    assert "error:" in result.err.splitlines()[-1]
    assert "Traceback" not in result.err


def test_version(cli: Cli) -> None:
    import strava_auth_helper

    result = cli("--version")
    assert result.code == 0
    assert result.out == f"strava-auth {strava_auth_helper.__version__}\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_is_accepted_before_or_after_the_command(
    cli: Cli, where: str, token_path: Path
) -> None:
    stored(token_path, 3600)
    args = ["status", "--token-file", str(token_path)]
    result = cli(*(["-v", *args] if where == "before" else [*args, "-v"]))
    assert result.code == 0, result.err
    assert "Jane Runner" in result.out


@pytest.mark.usefixtures("with_creds")
def test_explicit_busy_port_names_it(cli: Cli, busy_port: int) -> None:
    result = cli("login", "--no-browser", "--port", str(busy_port))
    assert result.code == 1
    assert f"port {busy_port} is already in use" in result.err


@pytest.mark.usefixtures("with_creds")
def test_timeout_exits_nonzero(cli: Cli) -> None:
    result = cli("login", "--no-browser", "--port", "0", "--timeout", "0.5")
    assert result.code == 1
    assert "no answer from the browser within 0.5 s" in result.err


@NEEDS_PTY
def test_terminal_prompts_for_credentials_and_saves_them_privately(
    strava: HTTPServer, isolated_env: Path, tmp_path: Path
) -> None:
    expect_app_check(strava, secret="mistyped-secret", refused="client_secret")  # first...
    expect_app_check(strava)
    expect_login(strava)
    cmd = [*PY_M, "login", "--no-browser", "--port", "0"]
    term = PtyProcess([*cmd, "--token-file", str(tmp_path / "t.json")])
    term.expect("Client ID: ")
    term.send(str(CLIENT_ID))
    term.expect("Client Secret (not shown): ")
    term.send("mistyped-secret")
    term.expect("Strava did not accept the Client Secret for the app")
    term.expect(f"Client ID: {CLIENT_ID}")  # ...asked again, with the ID kept
    assert not (isolated_env / ".env").exists()  # nothing kept of a refused value
    term.expect("Client Secret (not shown): ", times=2)
    term.send(CLIENT_SECRET)
    term.expect("[Y/n] ")
    term.send("")
    term.expect("/authorization")
    url = wait_for_login_url(term.lines())
    query = parse_qs(urlsplit(url).query)
    http_get(query["redirect_uri"][0], params={"state": query["state"][0], "code": CODE})
    term.expect("Logged in as Jane Runner")
    assert term.proc.wait(timeout=20) == 0
    assert CLIENT_SECRET.encode() not in term.output  # not echoed
    saved = isolated_env / ".env"
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert CLIENT_SECRET in saved.read_text()
    exchange = beyond_checks(strava)[0]  # (then the API call that tells an inactive app)
    assert exchange.form["client_secret"] == CLIENT_SECRET
    assert exchange.form["code"] == CODE


@NEEDS_PTY
def test_a_secret_refused_at_the_exchange_is_asked_again_at_the_terminal(
    strava: HTTPServer, isolated_env: Path, tmp_path: Path
) -> None:
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_data("", status=503)
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        {"message": "Authorization Error", "errors": [{"resource": "Application"}]}, status=401
    )
    expect_app_check(strava)  # the value typed again is checked before Strava's page opens
    expect_login(strava)
    term = PtyProcess(
        [*PY_M, "login", "--no-browser", "--port", "0", "--token-file"] + [str(tmp_path / "t.json")]
    )
    term.expect("Client ID: ")
    term.send(str(CLIENT_ID))
    term.expect("Client Secret (not shown): ")
    term.send("mistyped-secret")  # Strava's check cannot tell (503): on to its page
    term.expect("[Y/n] ")
    term.send("")
    term.expect("/authorization")
    url = wait_for_login_url(term.lines())
    query = parse_qs(urlsplit(url).query)
    page = http_get(query["redirect_uri"][0], params={"state": query["state"][0], "code": CODE})
    assert page.status_code == 401
    assert "The terminal asks for the value again" in page.text
    term.expect("Strava did not accept the Client Secret for the app")
    assert not (isolated_env / ".env").exists()
    term.expect("Client Secret (not shown): ", times=2)
    term.send(CLIENT_SECRET)
    term.expect("/authorization", times=2)  # Strava's page anew, with a new state
    url = [line for line in term.lines() if line.startswith("http")][-1]
    query2 = parse_qs(urlsplit(url).query)
    assert query2["state"] != query["state"]
    http_get(query2["redirect_uri"][0], params={"state": query2["state"][0], "code": CODE})
    term.expect("Logged in as Jane Runner")
    assert term.proc.wait(timeout=20) == 0
    assert CLIENT_SECRET in (isolated_env / ".env").read_text()
    assert b"mistyped-secret" not in term.output


@NEEDS_PTY
def test_saved_credentials_strava_refuses_are_asked_for_again_at_the_terminal(
    strava: HTTPServer, isolated_env: Path, tmp_path: Path
) -> None:
    save_credentials(Credentials(CLIENT_ID, "an-old-secret"))
    expect_app_check(strava, secret="an-old-secret", refused="client_secret")
    expect_app_check(strava)
    term = PtyProcess([*PY_M, "login", "--no-browser", "--port", "0", "--timeout", "5"])
    term.expect("Strava did not accept the Client Secret (the one saved in")
    term.expect("they replace the saved ones once Strava accepts them")
    term.expect("Client ID: ")
    term.send(str(CLIENT_ID))
    term.expect("Client Secret (not shown): ")
    term.send(CLIENT_SECRET)
    term.expect("[Y/n] ")
    term.send("")
    term.expect("/authorization")  # on to Strava's page with the new values
    term.proc.kill()
    term.proc.wait(timeout=20)
    assert "an-old-secret" in (isolated_env / ".env").read_text()  # replaced only on success


@NEEDS_PTY
def test_a_client_id_given_as_a_flag_is_not_asked_for(
    strava: HTTPServer, isolated_env: Path
) -> None:
    expect_app_check(strava)
    term = PtyProcess(
        [*PY_M, "login", "--client-id", str(CLIENT_ID), "--no-browser", "--port", "0"]
        + ["--timeout", "5"]
    )
    term.expect("Client Secret (not shown): ")
    assert f"Client ID: {CLIENT_ID}".encode() in term.output  # shown, not asked
    term.send(CLIENT_SECRET)
    term.expect("[Y/n] ")
    term.send("")
    term.expect(f"client_id={CLIENT_ID}&")
    term.proc.kill()
    term.proc.wait(timeout=20)


@NEEDS_PTY
def test_setup_in_browser_asks_on_the_page_even_at_a_terminal(isolated_env: Path) -> None:
    term = PtyProcess(
        [*PY_M, "login", "--setup-in-browser", "--port", "0", "--timeout", "5"],
        env={**os.environ, "BROWSER": "true"},
    )
    term.expect("/setup/")
    assert b"Client ID: " not in term.output  # no prompt: the page asks
    term.proc.kill()
    term.proc.wait(timeout=20)


# --- token, status, refresh, logout -------------------------------------------------------


@pytest.mark.usefixtures("with_creds")
def test_token_prints_only_the_access_token(
    entry: list[str], strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    result = run(entry, "token", "--token-file", str(token_path))
    assert result.returncode == 0
    assert result.stdout == f"{ACCESS}\n"
    assert result.stderr == ""
    assert strava.log == []


@pytest.mark.usefixtures("with_creds")
def test_token_refreshes_when_needed(cli: Cli, strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    expect_refresh(strava)
    result = cli("token", "--min-ttl", "3600", "--token-file", str(token_path))
    assert result.out == f"{NEW_ACCESS}\n"
    assert read_token(token_path).refresh_token == NEW_REFRESH
    assert NEW_REFRESH not in result.out + result.err


@pytest.mark.usefixtures("with_creds")
def test_status_shows_no_tokens(cli: Cli, token_path: Path) -> None:
    stored(token_path, 3 * 3600 + 120)
    result = cli("status", "--token-file", str(token_path))
    assert result.code == 0
    assert "Jane Runner (id 134815)" in result.out
    assert "read,activity:read_all" in result.out
    assert "in 3 h 1 min" in result.out or "in 3 h 2 min" in result.out
    assert str(token_path) in result.out
    assert_no_secrets(result.out, result.err)


def test_status_json(cli: Cli, token_path: Path) -> None:
    stored(token_path, -120)
    result = cli("status", "--json", "--token-file", str(token_path))
    info = json.loads(result.out)
    assert info["athlete"]["id"] == 134815
    assert info["expired"] is True
    assert info["token_file"] == str(token_path)
    assert_no_secrets(result.out)


#: What a command that never talks to Strava must not import: the HTTP stack, the keyring
#: (for a token kept in the file) and the modules of the commands that do talk to Strava.
ONLINE_MODULES = {
    "requests",
    "urllib3",
    "keyring",
    "strava_auth_helper.strava.api",
    "strava_auth_helper.commands.refresh",
    "strava_auth_helper.browser_login.flow",
    "strava_auth_helper.commands.demo",
    "strava_auth_helper.demo.simulated_strava",
}


@pytest.mark.parametrize(
    "args",
    [["status"], ["status", "--json"], ["profiles"], ["profiles", "--json"], ["export", "--yes"]],
    ids=" ".join,
)
def test_offline_commands_import_no_network_code(
    args: list[str], isolated_env: Path, tmp_path: Path
) -> None:
    stored(isolated_env / "token.json", 3600)  # the default token file
    # What the command imported, as the interpreter saw it at exit (a file, not -X importtime
    # on stderr: on Windows the command's own stderr line can land inside that report).
    report = tmp_path / "modules.json"
    run_it = (
        "import atexit, json, runpy, sys\n"
        "report = sys.argv.pop(1)\n"
        "atexit.register(lambda: open(report, 'w').write(json.dumps(list(sys.modules))))\n"
        "sys.argv[0] = 'strava-auth'\n"
        "runpy.run_module('strava_auth_helper', run_name='__main__', alter_sys=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", run_it, str(report), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(report.read_text()))
    assert "strava_auth_helper.cli.main" in imported  # the profile was taken, of the ordinary CLI
    assert imported & ONLINE_MODULES == set()
    if args[0] != "export":  # (reading takes no lock: that start-up cost is the benchmark's)
        assert "filelock" not in imported


@pytest.mark.usefixtures("with_creds")
def test_refresh_forces_and_reports_expiry(cli: Cli, strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    expect_refresh(strava)
    result = cli("refresh", "--token-file", str(token_path))
    assert result.code == 0, result.err
    assert "Refreshed: the access token now expires" in result.out
    assert "in 5 h 59 min" in result.out or "in 6 h 0 min" in result.out
    assert read_token(token_path).access_token == NEW_ACCESS
    assert_no_secrets(result.out, result.err)


@pytest.mark.usefixtures("with_creds")
def test_revoked_refresh_token_is_one_line_naming_login(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        {"message": "Bad Request", "errors": [{"resource": "RefreshToken", "code": "invalid"}]},
        status=400,
    )
    result = cli("token", "--token-file", str(token_path))
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert "strava-auth login" in result.err
    assert token_path.read_bytes() == before


@pytest.mark.parametrize("content", [None, "{broken"], ids=["missing", "corrupt"])
@pytest.mark.parametrize("command", ["token", "status", "refresh", "logout"])
def test_not_logged_in_or_corrupt_is_one_line(
    cli: Cli, token_path: Path, content: str | None, command: str
) -> None:
    if content is not None:
        token_path.parent.mkdir(parents=True)
        token_path.write_text(content)
    result = cli(command, "--token-file", str(token_path))
    assert result.code == 1
    assert result.err.count("\n") == 1, result.err
    assert str(token_path) in result.err
    assert "strava-auth login" in result.err
    if content is not None:
        assert token_path.read_text() == content


def test_not_logged_in_from_either_entry_point(entry: list[str], token_path: Path) -> None:
    result = run(entry, "token", "--token-file", str(token_path))
    assert result.returncode == 1
    assert result.stderr == (
        f"strava-auth: error: not logged in: no token file at {token_path}; "
        "run `strava-auth login`\n"
    )


@pytest.mark.usefixtures("with_creds")
def test_logout_revokes_and_deletes(cli: Cli, strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/oauth/revoke", method="POST").respond_with_json({})
    result = cli("logout", "--token-file", str(token_path))
    assert result.code == 0, result.err
    assert "access revoked at Strava" in result.out
    assert strava.log[0][0].form["token"] == REFRESH
    assert not token_path.exists()
    assert not (token_path.parent / "token.json.lock").exists()
    assert_no_secrets(result.out, result.err)


@pytest.mark.usefixtures("with_creds")
def test_logout_keeps_file_when_strava_unreachable(
    cli: Cli, resetting_server: str, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_BASE_URL", resetting_server)
    stored(token_path, 3600)
    result = cli("logout", "--token-file", str(token_path))
    assert result.code == 1
    assert "could not reach Strava" in result.err
    assert "--local-only" in result.err
    assert token_path.exists()
    result = cli("logout", "--local-only", "--token-file", str(token_path))
    assert result.code == 0
    assert not token_path.exists()


@pytest.mark.skipif(WINDOWS, reason="sends SIGINT, which Windows has not between processes")
@pytest.mark.usefixtures("with_creds")
def test_ctrl_c_exits_cleanly_and_releases_the_port(strava: HTTPServer, tmp_path: Path) -> None:
    import signal
    import socket

    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"))
    port = urlsplit(login.redirect_uri).port
    login.proc.send_signal(signal.SIGINT)
    code, out, err = login.finish()
    assert code == 130
    assert err == "strava-auth: error: cancelled\n"
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if the port were still held
    assert not (tmp_path / "t.json").exists()


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("before", [True, False])
def test_verbose_logs_hold_no_secrets(strava: HTTPServer, tmp_path: Path, before: bool) -> None:
    expect_login(strava)
    args = ("--token-file", str(tmp_path / "t.json"))
    login = CliLogin([*PY_M, "-v"], *args) if before else CliLogin(PY_M, *args, "-v")
    page = login.browse(code=CODE, scope="read,activity:read_all")
    code, out, err = login.finish()
    assert code == 0
    assert "GET /authorization -> 200" in err  # logging is on...
    assert_no_secrets(out, err, page)  # ...and says nothing secret


# --- hostile or unlucky input: one line, never a traceback, never a secret ----------------


ODD_FILES = {
    "Infinity": '{"access_token": "a", "refresh_token": "r", "expires_at": Infinity}',
    "1e300": '{"access_token": "a", "refresh_token": "r", "expires_at": 1e300}',
    "huge int": '{"access_token": "a", "refresh_token": "r", "expires_at": ' + "9" * 5000 + "}",
    "deep nesting": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", list(ODD_FILES))
@pytest.mark.parametrize("command", ["status", "token"])
def test_odd_token_files_are_one_line(cli: Cli, token_path: Path, name: str, command: str) -> None:
    token_path.parent.mkdir(parents=True)
    token_path.write_text(ODD_FILES[name])
    result = cli(command, "--token-file", str(token_path))
    assert result.code == 1
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="Windows has no FIFOs in the file system")
@pytest.mark.parametrize("command", ["token", "status"])
def test_a_fifo_at_the_token_path_does_not_hang(cli: Cli, token_path: Path, command: str) -> None:
    token_path.parent.mkdir(parents=True)
    os.mkfifo(token_path)
    result = cli(command, "--token-file", str(token_path))  # returns at once: nobody writes
    assert result.code == 1
    assert "not a regular file" in result.err
    with pytest.raises(TokenFileError, match="not a regular file"):
        get_access_token(token_path)  # the API too


def echo_the_request(request: Request) -> Response:
    """A lying server: its error message is the request it got, with terminal escapes."""
    message = "\x1b[2J\x1b[31mboom\r\nFAKE: all good\x07 " + request.get_data(as_text=True)
    body = {"message": message + "x" * 250_000, "errors": [{"resource": "\x1b]0;t\x07Zz"}]}
    return Response(json.dumps(body), status=400, content_type="application/json")


@pytest.mark.usefixtures("with_creds")
def test_a_lying_servers_error_is_cleaned_cut_and_secret_free(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_handler(
        echo_the_request
    )
    result = cli("token", "--token-file", str(token_path))
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert len(result.err) < 1000
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in result.err.rstrip("\n"))
    assert "boom" in result.err  # what it said is still shown...
    assert_no_secrets(result.err)  # ...but not the secret and token it echoed
    assert "client_secret=***" in result.err


@pytest.mark.usefixtures("with_creds")
def test_the_athletes_name_reaches_the_terminal_without_control_characters(
    strava: HTTPServer, tmp_path: Path
) -> None:
    answer = token_answer()
    answer["athlete"]["firstname"] = "Jane\x1b[2J\nroot# "
    expect_login(strava, answer)
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"))
    login.browse(code=CODE, scope="read,activity:read_all")
    code, out, err = login.finish()
    assert code == 0
    assert "Logged in as Jane [2J root# Runner; token saved to" in out
    assert "\x1b" not in out + err


@pytest.mark.parametrize("where", ["flag", "environment"])
def test_a_secret_pasted_as_the_client_id_is_not_echoed(
    cli: Cli, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET)
    if where == "environment":
        monkeypatch.setenv("STRAVA_CLIENT_ID", pasted)
        result = cli("login", "--no-browser")
    else:
        result = cli("login", "--no-browser", "--client-id", pasted)
    assert result.code == (2 if where == "flag" else 1)
    assert "whole number" in result.err
    assert pasted not in result.err


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("verbose", [False, True])
def test_retries_are_told_only_with_verbose(
    strava: HTTPServer, token_path: Path, verbose: bool
) -> None:
    stored(token_path, -10)
    expect_refresh(strava, 503, {"message": "unavailable"})
    expect_refresh(strava)
    result = run(PY_M, *(["-v"] if verbose else []), "token", "--token-file", str(token_path))
    assert result.returncode == 0
    assert result.stdout == f"{NEW_ACCESS}\n"
    assert ("retrying" in result.stderr) is verbose
    if not verbose:
        assert result.stderr == ""


@pytest.mark.usefixtures("with_creds")
def test_a_busy_port_from_the_environment_is_named_too(
    cli: Cli, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_AUTH_PORT", str(busy_port))  # what a launcher would use
    result = cli("login", "--no-browser")
    assert result.code == 1
    assert f"port {busy_port} is already in use" in result.err


@NEEDS_PTY
@pytest.mark.usefixtures("with_creds")
def test_after_a_browser_login_the_pause_gets_the_next_enter(
    strava: HTTPServer, tmp_path: Path
) -> None:
    # --no-browser offers a paste on the terminal; the browser's redirect ends the login
    # instead, and the paste reader must let go of the terminal for --pause's Enter.
    expect_login(strava)
    cmd = [*PY_M, "login", "--no-browser", "--pause", "--port", "0", "--timeout", "30"]
    term = PtyProcess([*cmd, "--token-file", str(tmp_path / "t.json")])
    term.expect("/authorization")
    url = wait_for_login_url(term.lines())
    query = parse_qs(urlsplit(url).query)
    http_get(query["redirect_uri"][0], params={"state": query["state"][0], "code": CODE})
    term.expect("Press Enter to close this window.")
    term.send("")
    assert term.proc.wait(timeout=20) == 0


def test_every_command_through_the_console_script(sim_env: SimulatedStrava, tmp_path: Path) -> None:
    # The installed console script (strava-auth.exe on the Windows leg), end to end against
    # the simulation: login, token, status, refresh, export | import, logout.
    token_file = tmp_path / "t.json"
    script = [str(CONSOLE_SCRIPT)]
    login = CliLogin(script, "--token-file", str(token_file))
    press_authorize(login.url)  # the athlete presses Authorize
    code, out, err = login.finish()
    assert code == 0, err
    assert "Logged in as Demo Athlete" in out

    def ok(*args: str, stdin: str = "") -> str:
        result = run(script, *args, "--token-file", str(token_file), stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert ok("token") == f"{read_token(token_file).access_token}\n"
    assert "Athlete:    Demo Athlete" in ok("status")
    assert ok("refresh").startswith("Refreshed: ")
    exported = ok("export")
    other = tmp_path / "other.json"
    result = run(script, "import", "--token-file", str(other), stdin=exported)
    assert result.returncode == 0, result.stderr
    assert read_token(other).refresh_token == sim_env.state.refresh_token
    logged_out = run(script, "logout", "--token-file", str(other))
    assert logged_out.returncode == 0, logged_out.stderr
    assert "access revoked at Strava" in logged_out.stdout
    assert not other.exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_commands_help_starts_with_what_it_does(cli: Cli, command: str) -> None:
    ran = cli(command, "--help")
    assert ran.code == 0
    first = ran.out.split("\n\n")[1]  # after the usage
    assert not first.startswith(("options:", "positional arguments:")), first
    assert first[0].isupper(), first
    assert first.rstrip().endswith("."), first


def test_the_demos_help_does_not_claim_strava_token_file(cli: Cli) -> None:
    assert "never $STRAVA_TOKEN_FILE" in " ".join(cli("demo", "--help").out.split())
