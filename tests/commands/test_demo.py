"""`strava-auth demo`: the real login and refresh against the simulation, in a subprocess."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from strava_auth_helper.launchers.files import short_path
from strava_auth_helper.store.token_file import read_token
from tests.helpers import ROOT, WINDOWS
from tests.terminals import kill_tree


def demo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strava_auth_helper", "demo", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
        env=env,
    )


def test_demo_without_browser_runs_the_whole_flow() -> None:
    result = demo("--no-browser")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Logged in as Demo Athlete; granted: read,activity:read_all" in out
    assert "read from the file, 0 requests to Strava" in out
    assert "the refresh token was rotated and saved" in out
    assert "The old refresh token is now refused" in out
    throwaway = next(line for line in out.splitlines() if "throw-away file" in line)
    assert not Path(throwaway.rsplit(", ", 1)[1]).exists()  # cleaned up
    assert "deleted the throw-away token file" in out


def test_demo_with_token_file_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    result = demo("--no-browser", "--token-file", str(path))
    assert result.returncode == 0, result.stderr
    token = read_token(path)
    assert token.athlete["firstname"] == "Demo"
    assert token.client_id == 1
    assert token.access_token not in result.stdout + result.stderr
    assert token.refresh_token not in result.stdout + result.stderr


@pytest.mark.skipif(
    WINDOWS, reason="Windows always has a default browser: webbrowser falls back to it"
)
def test_demo_falls_back_to_approving_where_no_browser_opens() -> None:
    env = dict(os.environ, BROWSER="false")  # a "browser" that fails, like none at all
    result = demo(env=env)
    assert result.returncode == 0, result.stderr
    assert "No browser found: the demo presses Authorize for you." in result.stdout
    assert "Logged in as Demo Athlete" in result.stdout


def served_demo() -> tuple[subprocess.Popen[str], list[str], dict[str, str]]:
    """``demo --serve`` running: its process, the lines that set its settings, and those."""
    demo_run = subprocess.Popen(
        [sys.executable, "-m", "strava_auth_helper", "demo", "--no-browser", "--serve"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert demo_run.stdout is not None
    settings: dict[str, str] = {}
    lines = []
    for line in demo_run.stdout:
        if line.startswith(("export STRAVA_", 'set "STRAVA_')):
            lines.append(line.strip())
            name, value = line.split(" ", 1)[1].strip().strip('"').split("=", 1)
            settings[name] = value if WINDOWS else shlex.split(value)[0]
        if line.startswith("Press Ctrl-C"):
            break
    return demo_run, lines, settings


def test_serve_keeps_the_simulation_for_other_shells_scripts(tmp_path: Path) -> None:
    demo_run, lines, settings = served_demo()
    assert set(settings) == {
        "STRAVA_BASE_URL",
        "STRAVA_API_URL",  # the example's API calls go to the API's own host, as from 2027
        "STRAVA_CLIENT_ID",
        "STRAVA_CLIENT_SECRET",
        "STRAVA_TOKEN_FILE",
    }
    example = ROOT / "examples" / "requests_athlete.py"
    # Another shell: the printed lines, then the example, run by the shell they are for.
    shell_file = tmp_path / ("other.cmd" if WINDOWS else "other.sh")
    # (Wine's cmd.exe reads a batch file in the OEM code page: the interpreter's ASCII short
    # path keeps the leg's non-ASCII venv path out of it.)
    python = (short_path(sys.executable) or sys.executable) if WINDOWS else sys.executable
    run_example = f'"{python}" "{example}"'
    head = ["@echo off", "chcp 65001 >nul"] if WINDOWS else []  # the paths may be non-ASCII
    shell_file.write_text("\n".join([*head, *lines, run_example]) + "\n", encoding="utf-8")
    shell = ["cmd", "/c", str(shell_file)] if WINDOWS else ["sh", str(shell_file)]
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("STRAVA_")}
    script = subprocess.run(shell, env=clean_env, capture_output=True, text=True, timeout=60)
    assert script.stdout == "Logged in as Demo Athlete (id 1000001)\n", script.stderr
    if WINDOWS:  # no Ctrl-C for a child process here: the lines were the point
        kill_tree(demo_run)
        demo_run.communicate(timeout=30)
        return
    demo_run.send_signal(signal.SIGINT)
    out, err = demo_run.communicate(timeout=30)
    assert demo_run.returncode == 0, err
    assert "Demo: stopped." in out
    assert not Path(settings["STRAVA_TOKEN_FILE"]).exists()


@pytest.mark.skipif(WINDOWS, reason="SIGTERM and SIGHUP are POSIX's ways to end a process")
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_serve_ended_by_a_signal_still_deletes_its_throw_away_token(stop: str) -> None:
    demo_run, _, settings = served_demo()
    token_file = Path(settings["STRAVA_TOKEN_FILE"])
    assert token_file.exists()
    demo_run.send_signal(getattr(signal, stop))  # kill, or the terminal closed
    out, _ = demo_run.communicate(timeout=30)
    assert "Demo: deleted the throw-away token file." in out
    assert not token_file.parent.exists()
