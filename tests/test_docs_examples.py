"""Every example of the README and the docs runs, against the simulated Strava.

Each fenced ``python`` block is run as a script of its own (a user's), with a logged-in token
in the config folder, the simulation over HTTPS as Strava, and a browser that presses
Authorize. Each ``sh`` block is run by ``sh -e`` the same way (every line must succeed), with
the venv's ``bin`` first on ``PATH`` (as in the shell of someone who followed the README),
unless the line before it says ``<!-- not run: WHY -->``. A drifted example fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from tests.helpers import ROOT, WINDOWS
from tests.terminals import sim_login

#: The pages; not the one generated from the example notebook (a real kernel runs that one:
#: tests/browser_login/test_notebook.py).
GENERATED = {ROOT / "docs" / "howto" / "notebook-example.md"}
DOCS = [ROOT / "README.md", *sorted(set((ROOT / "docs").rglob("*.md")) - GENERATED)]
_FENCE = re.compile(r"^( *)```(\w+)\s*$")
_NOT_RUN = re.compile(r"<!-- not run: (.+?) -->")


@dataclass(frozen=True)
class Example:
    """One fenced block of a page: its language, its code, and why it is not run (if not)."""

    path: Path
    line: int
    language: str
    code: str
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def examples_of(path: Path) -> list[Example]:
    """The ``python`` and ``sh`` blocks of a Markdown page (indented ones too)."""
    found, lines = [], path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None or fence.group(2) not in ("python", "sh"):
            i += 1
            continue
        indent, start = len(fence.group(1)), i
        i += 1
        body = []
        while not lines[i].strip().startswith("```"):
            body.append(lines[i][indent:])
            i += 1
        before = lines[start - 1] if start else ""
        skip = _NOT_RUN.search(before)
        found.append(
            Example(path, start + 1, fence.group(2), "\n".join(body) + "\n", skip and skip.group(1))
        )
        i += 1
    return found


EXAMPLES = [example for page in DOCS for example in examples_of(page)]


def test_the_pages_have_examples_to_run() -> None:
    run = [e for e in EXAMPLES if e.not_run is None]
    assert len(run) >= 8  # (the README alone has four)
    assert {e.language for e in run} == {"python", "sh"}


@pytest.fixture
def athlete_browser(tmp_path: Path) -> str:
    """A $BROWSER that presses Authorize on the simulated page (forward slashes: see login)."""
    script = tmp_path / "athlete.py"
    script.write_text(
        "import sys\nfrom strava_auth_helper.demo.simulated_strava import press_authorize\n"
        "press_authorize(sys.argv[1])\n"
    )
    return f'"{Path(sys.executable).as_posix()}" "{script.as_posix()}" %s'


@pytest.mark.skipif(WINDOWS, reason="the shell examples are POSIX shell; the Python ones run")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_every_example_runs(
    example: Example,
    secure_sim: SimulatedStrava,
    isolated_env: Path,
    athlete_browser: str,
    tmp_path: Path,
) -> None:
    if example.not_run is not None:
        pytest.skip(f"not run: {example.not_run}")
    # Logins done before, as the pages say: the default token, and the profile "club"'s.
    sim_login(secure_sim, isolated_env / "profiles" / "club" / "token.json")
    sim_login(secure_sim, isolated_env / "token.json")  # (the simulation's newest login)
    bin_dir = Path(sys.executable).parent
    home = tmp_path / "home"  # a launcher an example installs goes here, not to your Desktop
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "BROWSER": athlete_browser,
        "STRAVA_AUTH_PORT": "0",  # never the default port in a test
    }
    env.pop("STRAVA_TOKEN_FILE", None)  # the default token file, as a user's
    if example.language == "python":
        argv = [sys.executable, "-c", example.code]
    else:  # the README's `.venv/bin/...` is this test's venv
        argv = ["sh", "-ec", example.code.replace(".venv/bin/", f"{bin_dir}/")]  # every line
    ran = subprocess.run(
        argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, f"{example.name}\n{example.code}\n{ran.stdout}\n{ran.stderr}"
