"""login() from Python: the same flow as the command, end to end against the simulation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from strava_auth_helper import MissingCredentialsError, login
from strava_auth_helper.demo.simulated_strava import SimulatedStrava, press_authorize
from strava_auth_helper.store.token_file import read_token
from tests.terminals import started_login, wait_for_login_url


@pytest.fixture
def athlete(tmp_path: Path) -> str:
    """A $BROWSER that plays the athlete: it presses Authorize (unticking $UNTICK, if set).

    A Python script (forward slashes: webbrowser splits $BROWSER as a POSIX shell would, on Windows
    too).
    """
    script = tmp_path / "athlete.py"
    script.write_text(
        "import os, sys\nfrom strava_auth_helper.demo.simulated_strava import press_authorize\n"
        "press_authorize(sys.argv[1], untick=tuple(filter(None, [os.environ.get('UNTICK')])))\n"
    )
    return f'"{Path(sys.executable).as_posix()}" "{script.as_posix()}" %s'


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.usefixtures("sim_env")
def test_login_opens_the_browser_and_returns_the_saved_token(
    athlete: str, isolated_env: Path
) -> None:
    code = "from strava_auth_helper import login; t = login(port=0); print(t.athlete_name)"
    result = run_python(code, BROWSER=athlete, DISPLAY=":0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Demo Athlete"
    assert read_token(isolated_env / "token.json").scope == "read,activity:read_all"


@pytest.mark.usefixtures("sim_env")
def test_unticked_scopes_raise_scopes_not_granted_with_the_saved_token(
    athlete: str, isolated_env: Path
) -> None:
    code = (
        "from strava_auth_helper import ScopesNotGrantedError, login\n"
        "try:\n    login('read,activity:read_all', port=0, profile='club')\n"
        "except ScopesNotGrantedError as exc:\n"
        "    print(exc.missing_scopes, exc.token.scope, exc.exit_code)"
    )
    result = run_python(code, BROWSER=athlete, DISPLAY=":0", UNTICK="activity:read_all")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "['activity:read_all'] read 3"
    assert read_token(isolated_env / "profiles" / "club" / "token.json").scope == "read"


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="Windows always has a default browser (os.startfile): login() opens it, no paste",
)
def test_login_with_no_browser_takes_the_landing_address_on_stdin(
    sim_env: SimulatedStrava, isolated_env: Path, tmp_path: Path
) -> None:
    proc, url = started_login(
        [
            sys.executable,
            "-c",
            "from strava_auth_helper import login; print(login(port=0).athlete_name)",
        ],
        env={k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        | {"PATH": str(tmp_path)},  # no browser anywhere
    )
    query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    form = [("redirect_uri", query["redirect_uri"]), ("state", query["state"])]
    form += [("action", "authorize")] + [("scope", s) for s in query["scope"].split(",")]
    accept = requests.post(
        f"{sim_env.base_url}/oauth/accept", data=form, allow_redirects=False, timeout=10
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(accept.headers["Location"] + "\n")
    proc.stdin.close()
    out, err = proc.stdout.read(), proc.stderr.read()  # not communicate(): see CliLogin
    assert proc.wait(timeout=30) == 0, err
    assert "No browser on this machine." in out
    assert out.splitlines()[-1] == "Demo Athlete"


def test_missing_credentials_raise_where_no_page_can_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("login() must not prompt"))
    with pytest.raises(MissingCredentialsError, match="STRAVA_CLIENT_ID"):
        login(port=0, open_browser=False)


SETS_UP = """
import html, re, sys
import requests
from strava_auth_helper.demo.simulated_strava import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from strava_auth_helper.demo.simulated_strava import press_authorize
url = sys.argv[1]
own = url.split("/setup/", 1)[0]
action = html.unescape(re.search('action="([^"]+)"', requests.get(url).text).group(1))
form = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
went = requests.post(own + action, data=form, headers={"Origin": own}, allow_redirects=False)
press_authorize(went.headers["Location"])
"""


def test_login_without_credentials_sets_them_up_on_a_page_in_the_browser(
    sim: SimulatedStrava, isolated_env: Path, tmp_path: Path
) -> None:
    script = tmp_path / "sets_up.py"  # a $BROWSER that types the app's values and authorizes
    script.write_text(SETS_UP)
    browser = f'"{Path(sys.executable).as_posix()}" "{script.as_posix()}" %s'
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRAVA_CLIENT")}
    code = "from strava_auth_helper import login; print(login(port=0).athlete_name)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "STRAVA_BASE_URL": sim.base_url, "BROWSER": browser, "DISPLAY": ":0"},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Demo Athlete"
    assert "Set up this computer's Strava app in the browser" in result.stdout
    assert "demo-client-secret" not in result.stdout + result.stderr  # never shown
    assert "STRAVA_CLIENT_SECRET='demo-client-secret'" in (isolated_env / ".env").read_text()


@pytest.mark.usefixtures("with_creds")
def test_an_unknown_scope_is_a_clear_error() -> None:
    from strava_auth_helper import ConfigError

    with pytest.raises(ConfigError, match="unknown scope 'everything'"):
        login("read,everything", port=0)


def test_after_login_the_scripts_next_input_gets_its_line(
    sim_env: SimulatedStrava, isolated_env: Path
) -> None:
    code = (
        "from strava_auth_helper import login\n"
        "login(port=0, open_browser=False)\n"
        "print('next:', input(), flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    url = wait_for_login_url(proc.stdout)
    press_authorize(url)  # the browser's redirect, not a paste, ends the login
    next(line for line in proc.stdout if line.startswith("Logged in as"))
    proc.stdin.write("the script's own line\n")
    proc.stdin.close()
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert "next: the script's own line" in out
