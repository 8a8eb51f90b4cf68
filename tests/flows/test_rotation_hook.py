"""Beyond this computer: tokens from the environment and rotations handed on.

Beyond this computer: a token from the environment, rotations handed to the secret store
($STRAVA_AUTH_ON_ROTATE), and export, against the simulated Strava.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import get_access_token, load_token
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.flows import rotation_hook
from strava_auth_helper.store.token import read_token
from tests.helpers import (
    NEEDS_PTY,
    PY_M,
    REFRESH,
    PtyProcess,
    Ran,
    race_for_a_refresh,
    refresh_answer,
    refresh_tokens_sent,
    sim_login,
)

Cli = Callable[..., Ran]

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
    sim_env: SimulatedStrava, token_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = sim_login(sim_env, token_path).token
    record = tmp_path / "record"
    record.mkdir()
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
        ("not found", lambda folder: f'"{folder / "no-such-program"}" secret set'),
        (
            "hangs",
            lambda folder: f'"{sys.executable}" -c "import threading; threading.Event().wait()"',
        ),
    ],
    ids=["failing", "missing", "hanging"],
)
def test_a_failing_hook_is_one_line_and_the_token_is_still_saved_and_given(
    sim_env: SimulatedStrava,
    token_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    cli: Cli,
    kind: str,
    words: Callable[[Path], str],
) -> None:
    sim_login(sim_env, token_path)
    record = tmp_path / "record"
    record.mkdir()
    monkeypatch.setenv("STRAVA_AUTH_ON_ROTATE", words(record))
    if kind == "hangs":  # (the others may take a while: a Python starts in ~1.5 s under Wine)
        monkeypatch.setattr(rotation_hook, "HOOK_TIMEOUT", 1.0)
    result = cli("token", "--force", "--token-file", str(token_path))
    saved = read_token(token_path)
    assert result.out == f"{saved.access_token}\n"  # the token is still given...
    assert result.code == 4  # ...but a scheduled job fails visibly
    assert saved.refresh_token == sim_env.state.refresh_token  # ...and saved
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) == 1
    assert failures[0].startswith("STRAVA_AUTH_ON_ROTATE `")
    assert {"exits 1": "exited with status 1", "not found": "was not found", "hangs": "within 1 s"}[
        kind
    ] in failures[0]
    assert saved.refresh_token not in failures[0]
    assert "\n" not in failures[0]


def test_the_hooks_failure_line_reaches_the_terminal(
    sim_env: SimulatedStrava, token_path: Path, tmp_path: Path
) -> None:
    sim_login(sim_env, token_path)
    record = tmp_path / "record"
    record.mkdir()
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
