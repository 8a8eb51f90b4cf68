"""`strava-auth import`: tokens a user already has, proved by one refresh, then saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strava_auth_helper.demo_strava import DemoStrava
from strava_auth_helper.token_file import read_token

from .conftest import sim_login

PY_M = [sys.executable, "-m", "strava_auth_helper"]


def run_import(token_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STRAVA_TOKEN_FILE": str(token_path)}
    return subprocess.run(
        [*PY_M, "import", *args], input=stdin, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def old(sim_env: DemoStrava, tmp_path: Path) -> dict[str, object]:
    """Tokens a hand-rolled script got from (simulated) Strava and kept in its own file."""
    return read_token(sim_login(sim_env, tmp_path / "script" / "tokens.json").token_path).to_dict()


def shapes(old: dict[str, object]) -> dict[str, str]:
    athlete = old["athlete"]
    return {
        "this package's token file": json.dumps(old),
        "Strava's answer": json.dumps(
            {k: old[k] for k in ("access_token", "refresh_token")}
            | {"expires_at": old["expires_at"], "athlete": athlete}
        ),
        "stravalib's client fields": json.dumps(
            {
                "access_token": old["access_token"],
                "refresh_token": old["refresh_token"],
                "token_expires": old["expires_at"],
            }
        ),
        "scopes as a list": json.dumps(
            {"refresh_token": old["refresh_token"], "scope": ["read", "activity:read_all"]}
        ),
        "a bare refresh token": f"{old['refresh_token']}\n",
    }


@pytest.mark.parametrize(
    "shape",
    [
        "this package's token file",
        "Strava's answer",
        "stravalib's client fields",
        "scopes as a list",
        "a bare refresh token",
    ],
)
def test_each_shape_is_proved_and_saved(
    sim_env: DemoStrava, old: dict[str, object], token_path: Path, shape: str
) -> None:
    result = run_import(token_path, stdin=shapes(old)[shape])
    assert result.returncode == 0, result.stderr
    saved = read_token(token_path)
    assert saved.refresh_token == sim_env.state.refresh_token  # the rotation was saved
    assert saved.refresh_token != old["refresh_token"]
    assert saved.athlete == {"id": 1000001, "firstname": "Demo", "lastname": "Athlete"}
    assert saved.client_id == 1
    assert "Imported: Demo Athlete" in result.stdout
    assert str(token_path) in result.stdout
    for secret in (old["refresh_token"], old["access_token"], saved.refresh_token):
        assert str(secret) not in result.stdout + result.stderr
    asked = "GET /api/v3/athlete" in sim_env.requests
    assert asked == (shape not in ("this package's token file", "Strava's answer"))


def test_from_a_file_keeps_the_granted_scope(
    sim_env: DemoStrava, old: dict[str, object], token_path: Path, tmp_path: Path
) -> None:
    source = tmp_path / "tokens.json"
    source.write_text(json.dumps(old))
    result = run_import(token_path, str(source))
    assert result.returncode == 0, result.stderr
    assert read_token(token_path).scope == "read,activity:read_all"


def test_athlete_is_not_asked_for_when_the_scope_does_not_allow_it(
    sim_env: DemoStrava, old: dict[str, object], token_path: Path
) -> None:
    doc = {"refresh_token": old["refresh_token"], "scope": "activity:read"}
    result = run_import(token_path, stdin=json.dumps(doc))
    assert result.returncode == 0, result.stderr
    assert "GET /api/v3/athlete" not in sim_env.requests
    assert read_token(token_path).athlete == {}
    assert "unknown athlete" in result.stdout


def test_a_dead_refresh_token_writes_nothing(
    sim_env: DemoStrava, old: dict[str, object], token_path: Path
) -> None:
    assert run_import(token_path, stdin=json.dumps(old)).returncode == 0
    before = token_path.read_bytes()
    result = run_import(token_path, stdin=json.dumps(old))  # that refresh token was rotated
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "does not accept this refresh token" in result.stderr
    assert "nothing was written" in result.stderr
    assert token_path.read_bytes() == before


@pytest.mark.parametrize(
    ("garbage", "never_echoed"),
    [
        ("hello world", "hello world"),
        ("{", None),
        ("[1, 2]", None),
        ('{"access_token": "only-an-access-token"}', "only-an-access-token"),
        ('{"refresh_token": "has spaces in it"}', "has spaces"),
        ("[" * 100_000, "[[[["),
        ("x" * 70_000, "xxxx"),
        ("", None),
    ],
)
def test_garbage_is_one_clear_line_and_writes_nothing(
    sim_env: DemoStrava, token_path: Path, garbage: str, never_echoed: str | None
) -> None:
    result = run_import(token_path, stdin=garbage)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("strava-auth: error: ")
    assert "refresh_token" in result.stderr
    if never_echoed:
        assert never_echoed not in result.stderr
    assert not token_path.exists()
    assert sim_env.requests == []
