"""Missing permissions mended: Strava's approval_prompt, and logins that ask for more."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store.token_file import read_token
from tests.helpers import PY_M, WINDOWS, Ran
from tests.terminals import sim_login

Cli = Callable[..., Ran]
#: A "browser" for a login run as a process: it plays the athlete, who presses Authorize.
ATHLETE = (
    "import sys\n"
    "from strava_auth_helper.demo.simulated_strava import press_authorize\n"
    "press_authorize(sys.argv[1])\n"
)


def test_strava_with_approval_prompt_auto_grants_again_only_what_was_granted(
    sim: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim, token_path, scope="read")  # the athlete granted read only
    again = sim_login(sim, token_path, scope="read,activity:read_all")  # auto: no page
    assert again.missing_scopes == ["activity:read_all"]  # the trap a launcher fell into


def athlete_browser(tmp_path: Path) -> str:
    (tmp_path / "athlete.py").write_text(ATHLETE)
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{tmp_path / "athlete.py"}" "$1"\n')
    browser.chmod(0o755)
    return str(browser)


@pytest.mark.skipif(WINDOWS, reason="$BROWSER as a command line is how POSIX desktops name one")
@pytest.mark.parametrize(
    "args",
    [
        ["login", "--launcher"],  # a double-click after a partial grant
        ["login"],  # any login asking for more than the token has
        ["login", "--add-scope", "activity:read_all", "--scope", "read"],
    ],
)
def test_a_login_asking_for_more_than_the_token_has_makes_strava_ask_again(
    sim_env: SimulatedStrava, token_path: Path, tmp_path: Path, args: list[str]
) -> None:
    sim_login(sim_env, token_path, scope="read")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DISPLAY": ":0",
        "BROWSER": athlete_browser(tmp_path),
        "STRAVA_AUTH_PORT": "0",
        **{k: v for k, v in os.environ.items() if k.startswith("STRAVA_")},
        "STRAVA_TOKEN_FILE": str(token_path),
    }
    argv = [*PY_M, *args, "--timeout", "20"]
    ran = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert read_token(token_path).scope == "read,activity:read_all"
    assert "approval_prompt=force" in ran.stdout


def test_add_scope_without_a_token_is_one_line(cli: Cli, token_path: Path) -> None:
    ran = cli("login", "--add-scope", "activity:write", "--token-file", str(token_path))
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "login" in ran.err
