"""The examples under examples/ do what the README says, against the simulated Strava."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from tests.terminals import sim_login

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_example(name: str, token_path: Path) -> str:
    env = {**os.environ, "STRAVA_TOKEN_FILE": str(token_path)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_requests_example_runs_against_the_simulation(
    sim_env: SimulatedStrava, token_path: Path
) -> None:
    sim_login(sim_env, token_path)
    assert run_example("requests_athlete", token_path) == (
        "Logged in as Demo Athlete (id 1000001)\n"
    )


def test_stravalib_example_runs_with_the_real_stravalib(
    secure_sim: SimulatedStrava, token_path: Path
) -> None:
    sim_login(secure_sim, token_path)
    out = run_example("stravalib_client", token_path)
    assert out.splitlines() == [
        "Hello Demo! Your five most recent activities:",
        "- 2026-11-20 Morning Run",
        "- 2026-11-21 Lunch Ride",
        "- 2026-11-22 Hill Repeats",
    ]
    assert load_example("stravalib_client").recent_activities(1, str(token_path)) == [
        "2026-11-20 Morning Run"
    ]


def test_the_stravalib_example_with_a_missing_permission_is_one_line_naming_it(
    secure_sim: SimulatedStrava, token_path: Path
) -> None:
    sim_login(secure_sim, token_path, scope="read")  # no activity:read: the list is refused
    ran = subprocess.run(
        [sys.executable, str(EXAMPLES / "stravalib_client.py")],
        env={**os.environ, "STRAVA_TOKEN_FILE": str(token_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1
    assert ran.stderr.count("\n") == 1, ran.stderr  # no traceback
    assert "activity:read" in ran.stderr
    assert "--force" in ran.stderr  # how to grant it


def test_the_stravalib_example_without_the_extra_is_one_line(sim_env: SimulatedStrava) -> None:
    hide = (
        "import runpy, sys\n"
        "sys.modules['stravalib'] = None  # as if the extra were not installed\n"
        f"runpy.run_path({str(EXAMPLES / 'stravalib_client.py')!r}, run_name='__main__')\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", hide], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 1
    assert ran.stderr.count("\n") == 1, ran.stderr  # no traceback
    assert "pip install '.[stravalib]'" in ran.stderr


def test_the_examples_without_a_login_are_one_line(sim_env: SimulatedStrava) -> None:
    for name in ("requests_athlete", "stravalib_client"):
        ran = subprocess.run(
            [sys.executable, str(EXAMPLES / f"{name}.py")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ran.returncode == 1
        assert ran.stderr.count("\n") == 1, ran.stderr
        assert "login" in ran.stderr
