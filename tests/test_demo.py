"""`strava-auth demo`: the real login and refresh against the simulation, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from strava_auth_helper.token_file import read_token


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


def test_demo_falls_back_to_approving_where_no_browser_opens() -> None:
    env = dict(os.environ, BROWSER="false")  # a "browser" that fails, like none at all
    result = demo(env=env)
    assert result.returncode == 0, result.stderr
    assert "No browser found: the demo presses Authorize for you." in result.stdout
    assert "Logged in as Demo Athlete" in result.stdout
