"""Beyond this computer: tokens from the environment and rotations handed on.

Beyond this computer: a token from the environment, rotations handed to the secret store
($STRAVA_AUTH_ON_ROTATE), and export, against the simulated Strava.
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import get_access_token, load_token
from strava_auth_helper.commands import rotation_hook
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store import private_files
from strava_auth_helper.store.token_file import read_token
from tests.fakes import race_for_a_refresh, refresh_answer, refresh_tokens_sent
from tests.helpers import NEEDS_PTY, PY_M, REFRESH, Ran
from tests.terminals import PtyProcess, kill_hard, sim_login

Cli = Callable[..., Ran]

#: Strava here hands out a new refresh token on every refresh: these tests are about them.
pytestmark = pytest.mark.usefixtures("rotating")


RECORDER = """
import pathlib, sys
folder = pathlib.Path(sys.argv[1])
(folder / "argv").write_text("\\n".join(sys.argv))
(folder / "stdin").write_text(sys.stdin.read())
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


def hook(folder: Path, *extra: str) -> str:
    """$STRAVA_AUTH_ON_ROTATE for a program that records its arguments and standard input."""
    script = folder / "record.py"
    script.write_text(RECORDER)
    words = [sys.executable, str(script), str(folder), *extra]
    return " ".join(f'"{w}"' for w in words)


@pytest.fixture
def env_token(sim_env: SimulatedStrava, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A runner's secrets: a live refresh token in $STRAVA_REFRESH_TOKEN, no token file.

    A runner's secrets: a live refresh token in $STRAVA_REFRESH_TOKEN, and no token file
    (STRAVA_TOKEN_FILE points where the job's file will be).
    """
    logged_in = sim_login(sim_env, tmp_path / "laptop" / "token.json").token
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN", logged_in.refresh_token)
    monkeypatch.setenv("STRAVA_TOKEN_FILE", str(tmp_path / "runner" / "token.json"))
    return logged_in.refresh_token


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """The folder :func:`hook`'s recorder writes what it was given into."""
    folder = tmp_path / "record"
    folder.mkdir()
    return folder


@pytest.fixture
def forced_refresh(
    sim_env: SimulatedStrava, token_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Cli
) -> Callable[[str], Ran]:
    """After a login, ``strava-auth token --force`` with $STRAVA_AUTH_ON_ROTATE set to a hook."""
    sim_login(sim_env, token_path)

    def run(setting: str) -> Ran:
        monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", setting)
        return cli("token", "--force", "--token-file", str(token_path))

    return run


def refreshes(sim: SimulatedStrava) -> int:
    return sim.requests.count("POST /oauth/token refresh_token")


def test_a_token_from_the_environment_is_refreshed_once_and_saved(
    env_token: str, sim_env: SimulatedStrava, tmp_path: Path, cli: Cli
) -> None:
    first = get_access_token()
    saved = read_token(tmp_path / "runner" / "token.json")
    assert saved.access_token == first
    assert saved.source == "environment"
    assert refreshes(sim_env) == 1
    assert get_access_token() == first  # later calls in the same job: the file
    status = cli("status")
    assert status.code == 0
    assert "Token file:" in status.out
    assert refreshes(sim_env) == 1


def test_status_works_from_the_environment_alone(
    env_token: str, sim_env: SimulatedStrava, tmp_path: Path, cli: Cli
) -> None:
    result = cli("status")
    assert result.code == 0, result.err
    assert str(tmp_path / "runner" / "token.json") in result.out
    assert refreshes(sim_env) == 1


def test_a_token_file_wins_over_the_environment(
    sim_env: SimulatedStrava, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = sim_login(sim_env, token_path).token
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN", "an-older-refresh-token-from-a-secret")
    assert get_access_token(token_path) == token.access_token
    assert refreshes(sim_env) == 0


@pytest.mark.usefixtures("with_creds")
def test_four_processes_starting_at_once_make_one_request(
    strava: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "runner" / "token.json"
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN", REFRESH)
    monkeypatch.setenv("STRAVA_TOKEN_FILE", str(token_file))
    outputs = race_for_a_refresh(strava, 4)
    assert set(outputs) == {refresh_answer()["access_token"]}
    assert refresh_tokens_sent(strava) == [REFRESH]
    assert read_token(token_file).refresh_token == refresh_answer()["refresh_token"]


def test_a_rotation_runs_the_hook_with_the_new_token_on_stdin(
    sim_env: SimulatedStrava, token_path: Path, record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = sim_login(sim_env, token_path).token
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", hook(record))
    get_access_token(token_path, force=True)
    new = load_token(token_path)
    assert new.refresh_token != old.refresh_token
    assert (record / "stdin").read_text() == new.refresh_token + "\n"
    assert new.refresh_token not in (record / "argv").read_text()  # never on a command line


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("exits 1", lambda folder: hook(folder, "1")),
        (
            "hangs",
            lambda folder: f'"{sys.executable}" -c "import threading; threading.Event().wait()"',
        ),
    ],
    ids=["failing", "hanging"],
)
def test_a_failing_hook_is_one_line_and_the_token_is_still_saved_and_given(
    forced_refresh: Callable[[str], Ran],
    sim_env: SimulatedStrava,
    token_path: Path,
    record: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    words: Callable[[Path], str],
) -> None:
    if kind == "hangs":  # (the others may take a while: a Python starts in ~1.5 s under Wine)
        monkeypatch.setattr(rotation_hook, "HOOK_TIMEOUT", 1.0)
    result = forced_refresh(words(record))
    saved = read_token(token_path)
    assert result.out == f"{saved.access_token}\n"  # the token is still given...
    assert result.code == 4  # ...but a scheduled job fails visibly
    assert saved.refresh_token == sim_env.state.refresh_token  # ...and saved
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 1
    assert failures[0].startswith("STRAVA_AUTH_ON_ROTATE `")
    assert {"exits 1": "exited with status 1", "hangs": "within 1 s"}[kind] in failures[0]
    assert saved.refresh_token not in failures[0]
    assert "\n" not in failures[0]


def test_the_hooks_failure_line_reaches_the_terminal(
    sim_env: SimulatedStrava, token_path: Path, record: Path
) -> None:
    sim_login(sim_env, token_path)
    env = {**os.environ, "STRAVA_AUTH_ON_ROTATE": hook(record, "3")}
    result = subprocess.run(
        [*PY_M, "token", "--force", "--token-file", str(token_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 4
    assert result.stdout == f"{read_token(token_path).access_token}\n"
    assert result.stderr.count("\n") == 1
    assert "STRAVA_AUTH_ON_ROTATE" in result.stderr
    assert "exited with status 3" in result.stderr


def test_without_a_hook_a_rotated_environment_token_is_a_warning(
    env_token: str, sim_env: SimulatedStrava, caplog: pytest.LogCaptureFixture
) -> None:
    get_access_token()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "$STRAVA_REFRESH_TOKEN" in warnings[0]
    assert "STRAVA_AUTH_ON_ROTATE" in warnings[0]
    assert env_token not in warnings[0]


def test_export_round_trips_through_import(
    sim_env: SimulatedStrava, token_path: Path, tmp_path: Path, cli: Cli
) -> None:
    sim_login(sim_env, token_path)
    exported = cli("export", "--token-file", str(token_path))
    assert exported.code == 0, exported.err
    other = tmp_path / "other-computer" / "token.json"
    imported = cli("import", "--token-file", str(other), stdin=exported.out)
    assert imported.code == 0, imported.err
    assert read_token(other).athlete["firstname"] == "Demo"
    only = cli("export", "--refresh-token", "--token-file", str(other))
    assert only.out == f"{read_token(other).refresh_token}\n"


@NEEDS_PTY
def test_export_refuses_a_terminal_without_yes(sim_env: SimulatedStrava, token_path: Path) -> None:
    token = sim_login(sim_env, token_path).token
    term = PtyProcess([*PY_M, "export", "--refresh-token", "--token-file", str(token_path)])
    term.expect("standard output is a terminal")
    assert term.proc.wait(timeout=20) == 1
    assert token.refresh_token.encode() not in term.output
    term = PtyProcess(
        [*PY_M, "export", "--refresh-token", "--yes", "--token-file", str(token_path)]
    )
    term.expect(token.refresh_token)
    assert term.proc.wait(timeout=20) == 0


def script_hook(folder: Path, code: str, *extra: str) -> str:
    """$STRAVA_AUTH_ON_ROTATE for a Python script of the test's own."""
    script = folder / "hook.py"
    script.write_text(code)
    return " ".join(f'"{w}"' for w in [sys.executable, str(script), str(folder), *extra])


@pytest.mark.parametrize(
    "setting",
    [
        lambda folder: f'"{folder / "no-such-program"}" secret set',
        lambda folder: 'no-such-gh secret set "STRAVA_REFRESH_TOKEN',  # an unclosed quote
    ],
    ids=["not found", "unclosed quote"],
)
@pytest.mark.parametrize("source", ["token file", "environment"])
def test_a_hook_that_cannot_be_run_is_refused_before_strava_is_asked(
    sim_env: SimulatedStrava,
    token_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Cli,
    setting: Callable[[Path], str],
    source: str,
) -> None:
    logged_in = sim_login(sim_env, tmp_path / "laptop" / "token.json").token
    if source == "token file":
        sim_login(sim_env, token_path)
    else:  # a CI runner's first run: nothing but the secret
        monkeypatch.setenv("STRAVA_REFRESH_TOKEN", logged_in.refresh_token)
    before = token_path.read_bytes() if token_path.exists() else None
    asked = len(sim_env.requests)
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", setting(tmp_path))
    ran = cli("token", "--force", "--token-file", str(token_path))
    assert ran.code == 1
    assert ran.out == ""
    assert ran.err.count("\n") == 1
    assert "nothing was refreshed" in ran.err
    assert len(sim_env.requests) == asked  # no refresh token was spent
    assert (token_path.read_bytes() if token_path.exists() else None) == before


HOOK_WITH_ODD_BYTES = "import sys\nsys.stdin.read()\nsys.stdout.buffer.write(b'\\xff\\xfe ok')\n"
HOOK_WITH_A_FLOOD = (
    "import sys\nsys.stdin.read()\nsys.stdout.buffer.write(b'x' * 20_000_000)\n"
    "sys.stdout.buffer.write(b' the last words \\xff')\nsys.exit(3)\n"
)
HOOK_LEAVING_A_CHILD = """
import pathlib, subprocess, sys
sys.stdin.read()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path(sys.argv[1], "child").write_text(str(child.pid))
"""


def test_a_hook_printing_bytes_that_are_no_utf8_and_exiting_0_has_taken_it(
    forced_refresh: Callable[[str], Ran], token_path: Path, tmp_path: Path
) -> None:
    ran = forced_refresh(script_hook(tmp_path, HOOK_WITH_ODD_BYTES))
    assert ran.code == 0, ran.err
    assert ran.out == f"{read_token(token_path).access_token}\n"


def test_a_hook_that_floods_its_output_is_one_bounded_line(
    forced_refresh: Callable[[str], Ran], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ran = forced_refresh(script_hook(tmp_path, HOOK_WITH_A_FLOOD))
    assert ran.code == 4
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "exited with status 3" in line
    assert "the last words" in line  # the end of what it said, where errors are
    assert len(line) < 1000


def test_a_hook_is_judged_by_its_own_exit_not_by_a_child_it_leaves(
    forced_refresh: Callable[[str], Ran], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the pipe waited for (the child keeps it for 120 s), the hook would time out here:
    monkeypatch.setattr(rotation_hook, "HOOK_TIMEOUT", 20.0)
    try:
        ran = forced_refresh(script_hook(tmp_path, HOOK_LEAVING_A_CHILD))
        assert ran.code == 0, ran.err
    finally:
        child = tmp_path / "child"
        if child.exists():
            kill_hard(int(child.read_text()))


HOOK_LOOKING_AT_THE_LOCK = """
import pathlib, sys
from filelock import FileLock, Timeout
sys.stdin.read()
lock = FileLock(sys.argv[2] + ".lock", timeout=0)
try:
    lock.acquire()
    lock.release()
    seen = "free"
except Timeout:
    seen = "held"
pathlib.Path(sys.argv[1], "lock").write_text(seen)
"""


def test_the_token_lock_is_not_held_while_the_hook_runs(
    forced_refresh: Callable[[str], Ran], token_path: Path, tmp_path: Path
) -> None:
    setting = script_hook(tmp_path, HOOK_LOOKING_AT_THE_LOCK, str(token_path))
    assert forced_refresh(setting).code == 0
    assert (tmp_path / "lock").read_text() == "free"


def test_a_token_that_could_not_be_saved_goes_to_the_hook(
    forced_refresh: Callable[[str], Ran],
    sim_env: SimulatedStrava,
    record: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def commit_fails(self: private_files.Reservation, data: bytes) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(private_files.Reservation, "commit", commit_fails)
    ran = forced_refresh(hook(record))
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "could not be saved" in ran.err
    assert "handed to STRAVA_AUTH_ON_ROTATE instead" in ran.err
    assert (record / "stdin").read_text() == f"{sim_env.state.refresh_token}\n"
    assert sim_env.state.refresh_token is not None
    assert sim_env.state.refresh_token not in ran.err


def test_import_with_a_failing_hook_exits_4_like_token_and_refresh(
    sim_env: SimulatedStrava,
    token_path: Path,
    tmp_path: Path,
    record: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Cli,
) -> None:
    from_laptop = sim_login(sim_env, tmp_path / "laptop" / "token.json").token
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", hook(record, "1"))
    ran = cli("import", "--token-file", str(token_path), stdin=from_laptop.refresh_token)
    assert ran.code == 4
    assert "Imported:" in ran.out
    assert read_token(token_path).refresh_token == sim_env.state.refresh_token  # saved


@pytest.mark.parametrize("command", [["status"], ["status", "--check"]], ids=" ".join)
def test_status_that_refreshed_with_a_failing_hook_exits_4_too(
    command: list[str],
    env_token: str,
    sim_env: SimulatedStrava,
    tmp_path: Path,
    record: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Cli,
) -> None:
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", hook(record, "1"))
    ran = cli(*command)
    assert ran.code == 4, ran.err
    assert "Token file:" in ran.out
    assert (record / "stdin").read_text().strip() == sim_env.state.refresh_token  # handed on
    assert read_token(tmp_path / "runner" / "token.json").refresh_token == (
        sim_env.state.refresh_token
    )


def test_a_refused_token_file_gives_way_to_a_newer_environment_token(
    sim_env: SimulatedStrava,
    token_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A runner restored a cached token file whose refresh token is dead; its secret holds
    # the live one (a login since, on a laptop, made the cached one invalid).
    sim_login(sim_env, token_path)
    live = sim_login(sim_env, tmp_path / "laptop" / "token.json").token
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN", live.refresh_token)
    assert get_access_token(token_path, force=True) == read_token(token_path).access_token
    assert read_token(token_path).refresh_token == sim_env.state.refresh_token
    assert read_token(token_path).source == "environment"  # (its rotations warn, or go on)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("using the one in $STRAVA_REFRESH_TOKEN instead" in w for w in warnings)
    assert sim_env.requests[-2:] == ["POST /oauth/token refresh_token"] * 2  # file's, then env's
