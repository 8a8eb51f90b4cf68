"""One owner of the refresh token: other programs get a live access token, never a secret."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store.token_file import read_token
from tests.fakes import expect_refresh, stored
from tests.helpers import ACCESS, NEW_ACCESS, PY_M, REFRESH, WINDOWS, WITHOUT_ROOT_PRIVILEGES, Ran
from tests.terminals import sim_login

Cli = Callable[..., Ran]
#: What the command run by exec says of its environment (one line per name).
SHOW_ENV = (
    "import os\n"
    "for name in ('STRAVA_ACCESS_TOKEN', 'STRAVA_ACCESS_TOKEN_EXPIRES_AT', 'STRAVA_CLIENT_SECRET',"
    " 'STRAVA_REFRESH_TOKEN', 'STRAVA_CLIENT_SECRET_FILE', 'STRAVA_REFRESH_TOKEN_FILE'):\n"
    "    print(name + '=' + os.environ.get(name, '-'))\n"
    "raise SystemExit(7)\n"
)


def test_token_json_is_the_documented_object_and_never_the_refresh_token(
    cli: Cli, token_path: Path
) -> None:
    token = stored(token_path, 3600)
    ran = cli("token", "--json", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    assert ran.out.count("\n") == 1
    assert json.loads(ran.out) == {
        "version": 1,
        "access_token": ACCESS,
        "expires_at": token.expires_at,
        "scope": "read,activity:read_all",
        "athlete_id": 134815,
        "athlete_name": "Jane Runner",
        "profile": None,
    }
    assert REFRESH not in ran.out


@pytest.mark.usefixtures("with_creds")
def test_token_json_refreshes_first_like_token(
    cli: Cli, strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 10)
    expect_refresh(strava)
    ran = cli("--profile", "club", "token", "--json", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    answer = json.loads(ran.out)
    assert (answer["access_token"], answer["profile"]) == (NEW_ACCESS, "club")
    assert isinstance(answer["expires_at"], int)


def run_exec(token_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PY_M, "exec", "--token-file", str(token_path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("pass_secrets", [False, True])
def test_exec_gives_a_live_token_and_no_secret(
    token_path: Path, tmp_path: Path, pass_secrets: bool
) -> None:
    token = stored(token_path, 3600)
    script = tmp_path / "show_env.py"
    script.write_text(SHOW_ENV)
    secrets = {
        "STRAVA_CLIENT_SECRET": "the-app-secret",
        "STRAVA_REFRESH_TOKEN": "a-refresh-token",
        "STRAVA_CLIENT_SECRET_FILE": "/run/secrets/app",
        "STRAVA_REFRESH_TOKEN_FILE": "/run/secrets/refresh",
    }
    flags = ["--pass-secrets"] if pass_secrets else []
    ran = run_exec(
        token_path, *flags, "--", sys.executable, str(script), env={**os.environ, **secrets}
    )
    assert ran.returncode == 7  # the command's own
    shown = dict(line.split("=", 1) for line in ran.stdout.splitlines())  # nothing else
    assert shown["STRAVA_ACCESS_TOKEN"] == ACCESS
    assert shown["STRAVA_ACCESS_TOKEN_EXPIRES_AT"] == str(token.expires_at)
    for name, value in secrets.items():
        assert shown[name] == (value if pass_secrets else "-")


@pytest.mark.usefixtures("with_creds")
def test_exec_refreshes_a_token_that_would_not_live_long_enough(
    strava: HTTPServer, token_path: Path, tmp_path: Path
) -> None:
    stored(token_path, 600)
    expect_refresh(strava)
    script = tmp_path / "show_env.py"
    script.write_text(SHOW_ENV)
    ran = run_exec(
        token_path, "--min-ttl", "3600", "--", sys.executable, str(script), env=dict(os.environ)
    )
    assert f"STRAVA_ACCESS_TOKEN={NEW_ACCESS}" in ran.stdout
    assert read_token(token_path).access_token == NEW_ACCESS  # and saved first


@pytest.mark.parametrize(
    ("argv", "said"),
    [(["--", "no-such-program-here"], "cannot run 'no-such-program-here'"), ([], "no command")],
)
def test_exec_without_a_command_to_run_is_one_line(
    token_path: Path, argv: list[str], said: str
) -> None:
    stored(token_path, 3600)
    ran = run_exec(token_path, *argv, env=dict(os.environ))
    assert ran.returncode == 1
    assert ran.stderr.count("\n") == 1
    assert said in ran.stderr
    assert ran.stdout == ""


def test_exec_without_a_token_is_one_line_and_runs_nothing(token_path: Path) -> None:
    ran = run_exec(token_path, "--", sys.executable, "-c", "print('ran')", env=dict(os.environ))
    assert ran.returncode == 1
    assert "login" in ran.stderr
    assert ran.stdout == ""


@pytest.mark.skipif(WINDOWS, reason="POSIX signals: on Windows exec waits for its command")
def test_a_signal_sent_to_exec_reaches_the_command(token_path: Path) -> None:
    stored(token_path, 3600)
    waits = (
        "import signal, sys\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(9))\n"
        "print('up', flush=True)\n"
        "signal.pause()\n"
    )
    proc = subprocess.Popen(
        [*PY_M, "exec", "--token-file", str(token_path), "--", sys.executable, "-c", waits],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "up\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 9  # the command's handler ran: exec is the command


@pytest.fixture
def secret_file(sim_env: SimulatedStrava, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server's secret: a live refresh token in a file, no token file yet."""
    refresh_token = sim_login(sim_env, tmp_path / "laptop" / "token.json").token.refresh_token
    secret = tmp_path / "secrets" / "strava_refresh_token"
    secret.parent.mkdir()
    secret.write_text(refresh_token + "\n")
    monkeypatch.setenv("STRAVA_TOKEN_FILE", str(tmp_path / "server" / "token.json"))
    return secret


@pytest.mark.usefixtures("rotating")
@pytest.mark.parametrize("named_by", ["STRAVA_REFRESH_TOKEN_FILE", "CREDENTIALS_DIRECTORY"])
def test_a_refresh_token_in_a_secret_file_is_adopted_and_its_rotation_written_back(
    secret_file: Path,
    sim_env: SimulatedStrava,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    named_by: str,
) -> None:
    value = str(secret_file if named_by.endswith("_FILE") else secret_file.parent)
    monkeypatch.setenv(named_by, value)
    if not WINDOWS:
        secret_file.chmod(0o640)
    ran = cli("token")
    assert ran.code == 0, ran.err
    assert secret_file.read_text() == f"{sim_env.state.refresh_token}\n"  # the rotation, kept
    if not WINDOWS:
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o640  # in place: as it was


@pytest.mark.skipif(WINDOWS, reason="a read-only file by its POSIX mode")
@pytest.mark.usefixtures("rotating")
def test_a_read_only_secret_file_is_named_when_its_token_goes_stale(
    secret_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN_FILE", str(secret_file))
    before = secret_file.read_text()
    secret_file.chmod(0o400)
    ran = subprocess.run(  # (as root would not: the file's mode holds for it too)
        [sys.executable, "-c", WITHOUT_ROOT_PRIVILEGES, "-m", "strava_auth_helper", "token"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if ran.returncode == 77:
        pytest.skip("root's file-permission override could not be dropped here")
    assert ran.returncode == 0, ran.stderr
    assert secret_file.read_text() == before
    assert f"came from {secret_file}" in ran.stderr


def test_a_secret_file_that_holds_no_token_is_one_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token_path: Path
) -> None:
    secret = tmp_path / "refresh"
    secret.write_text("not a token at all\n")
    monkeypatch.setenv("STRAVA_REFRESH_TOKEN_FILE", str(secret))
    ran = cli("token", "--token-file", str(token_path))
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert f"{secret} holds no refresh token" in ran.err
    assert "not a token" not in ran.err
