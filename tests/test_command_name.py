"""Messages name the command as the person who installed the package can type it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PY_M, WINDOWS

BIN = Path(sys.executable).parent
SCRIPT = BIN / ("strava-auth.exe" if WINDOWS else "strava-auth")


def not_logged_in(path: str) -> str:
    """What ``strava-auth token`` says without a token file, with ``PATH`` set to ``path``."""
    ran = subprocess.run(
        [*PY_M, "token"],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 1
    return ran.stderr


def test_where_path_finds_the_command_it_is_named_as_typed() -> None:
    assert "run `strava-auth login`" in not_logged_in(os.environ["PATH"])  # (an activated venv)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed here")
def test_where_it_does_not_the_console_script_is_named_by_its_path(tmp_path: Path) -> None:
    said = not_logged_in(str(tmp_path))  # the README's venv, not activated
    script = str(SCRIPT).removesuffix(".exe")
    quoted = f'"{script}"' if WINDOWS and " " in script else shlex.quote(script)
    assert f"run `{quoted} login`" in said
    command = shlex.split(said.split("run `", 1)[1].split("`", 1)[0], posix=not WINDOWS)
    assert Path(command[0].strip('"')).name in ("strava-auth", "strava-auth.exe")


@pytest.mark.skipif(WINDOWS, reason="runs the printed lines with sh")
@pytest.mark.parametrize("activated", [True, False], ids=["activated", "not-activated"])
def test_what_demo_serve_says_to_type_next_works_as_printed(
    tmp_path: Path, activated: bool
) -> None:
    path = os.environ["PATH"] if activated else f"{tmp_path}{os.pathsep}/usr/bin:/bin"
    demo = subprocess.Popen(
        [*PY_M, "demo", "--serve", "--no-browser"],
        env={**os.environ, "PATH": path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        said = []
        for line in demo.stdout:
            said.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        exports = [line.strip() for line in said if line.startswith("export STRAVA_")]
        next_step = next(line for line in said if line.startswith("e.g. `"))
        status = next_step.split("`")[1]
        assert (status == "strava-auth status") == activated
        ran = subprocess.run(
            ["sh", "-c", "; ".join([*exports, status])],
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        assert "Athlete:    Demo Athlete" in ran.stdout
    finally:
        demo.kill()
        demo.communicate()
