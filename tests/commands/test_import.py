"""`strava-auth import`: tokens a user already has, proved by one refresh, then saved."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store.token_file import read_token
from tests.helpers import PY_M, Ran
from tests.terminals import sim_login

Importer = Callable[..., Ran]


#: Strava here hands out a new refresh token on every refresh: these tests are about them.
pytestmark = pytest.mark.usefixtures("rotating")


@pytest.fixture
def run_import(cli: Callable[..., Ran]) -> Importer:
    """``strava-auth import --token-file PATH [ARGS]`` with ``stdin`` on standard input."""

    def run(token_path: Path, *args: str, stdin: str = "") -> Ran:
        return cli("import", "--token-file", str(token_path), *args, stdin=stdin)

    return run


@pytest.fixture
def old(sim_env: SimulatedStrava, tmp_path: Path) -> dict[str, object]:
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
    run_import: Importer,
    sim_env: SimulatedStrava,
    old: dict[str, object],
    token_path: Path,
    shape: str,
) -> None:
    logged_in = len(sim_env.requests)  # (the login that made `old` called the API too)
    result = run_import(token_path, stdin=shapes(old)[shape])
    assert result.code == 0, result.err
    saved = read_token(token_path)
    assert saved.refresh_token == sim_env.state.refresh_token  # the rotation was saved
    assert saved.refresh_token != old["refresh_token"]
    assert saved.athlete == {"id": 1000001, "firstname": "Demo", "lastname": "Athlete"}
    assert saved.client_id == 1
    assert "Imported: Demo Athlete" in result.out
    assert str(token_path) in result.out
    for secret in (old["refresh_token"], old["access_token"], saved.refresh_token):
        assert str(secret) not in result.out + result.err
    asked = "GET /api/v3/athlete" in sim_env.requests[logged_in:]
    assert asked == (shape not in ("this package's token file", "Strava's answer"))


def test_from_a_file_keeps_the_granted_scope(
    run_import: Importer,
    sim_env: SimulatedStrava,
    old: dict[str, object],
    token_path: Path,
    tmp_path: Path,
) -> None:
    source = tmp_path / "tokens.json"
    source.write_text(json.dumps(old))
    result = run_import(token_path, str(source))
    assert result.code == 0, result.err
    assert read_token(token_path).scope == "read,activity:read_all"


def test_athlete_is_not_asked_for_when_the_scope_does_not_allow_it(
    run_import: Importer, sim_env: SimulatedStrava, old: dict[str, object], token_path: Path
) -> None:
    doc = {"refresh_token": old["refresh_token"], "scope": "activity:read"}
    logged_in = len(sim_env.requests)
    result = run_import(token_path, stdin=json.dumps(doc))
    assert result.code == 0, result.err
    assert "GET /api/v3/athlete" not in sim_env.requests[logged_in:]
    assert read_token(token_path).athlete == {}
    assert "unknown athlete" in result.out


def test_a_dead_refresh_token_writes_nothing(
    run_import: Importer, sim_env: SimulatedStrava, old: dict[str, object], token_path: Path
) -> None:
    assert run_import(token_path, stdin=json.dumps(old)).code == 0
    before = token_path.read_bytes()
    result = run_import(token_path, stdin=json.dumps(old))  # that refresh token was rotated
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "does not accept this refresh token" in result.err
    assert "nothing was written" in result.err
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
    run_import: Importer,
    sim_env: SimulatedStrava,
    token_path: Path,
    garbage: str,
    never_echoed: str | None,
) -> None:
    result = run_import(token_path, stdin=garbage)
    assert result.code == 1
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("strava-auth: error: ")
    assert "refresh_token" in result.err
    if never_echoed:
        assert never_echoed not in result.err
    assert not token_path.exists()
    assert sim_env.requests == []


# --- what the import takes, what it prints ------------------------------------------------


def test_a_scope_that_is_not_strava_scopes_is_refused_before_strava_is_asked(
    run_import: Importer, sim_env: SimulatedStrava, old: dict[str, object], token_path: Path
) -> None:
    # 11,000 letters in the scope once made a 66 KB token file that status and token then
    # refused, after the refresh token in it had been rotated (the old one dead too).
    secret = "0123456789abcdef0123456789abcdef"
    for scope in ("é" * 11000, f"read,{secret}", ["read", {"nested": 1}]):
        doc = {"refresh_token": old["refresh_token"], "scope": scope}
        result = run_import(token_path, stdin=json.dumps(doc, ensure_ascii=False))
        assert result.code == 1
        assert result.err.count("\n") == 1
        assert "not Strava scopes" in result.err or "list of strings" in result.err
        assert secret not in result.err
    assert not token_path.exists()
    assert "POST /oauth/token refresh_token" not in sim_env.requests  # not spent
    assert sim_env.state.refresh_token == old["refresh_token"]


def test_what_the_input_says_is_printed_cleaned(
    run_import: Importer, sim_env: SimulatedStrava, old: dict[str, object], token_path: Path
) -> None:
    athlete = {"id": 7, "firstname": "\x1b]0;owned\x07Zo\u00eb\x1b[2J", "lastname": "R"}
    doc = {"refresh_token": old["refresh_token"], "scope": "read", "athlete": athlete}
    result = run_import(token_path, stdin=json.dumps(doc))
    assert result.code == 0, result.err
    assert "Imported: ]0;owned Zo\u00eb [2J R, scopes read;" in result.out
    assert not any(ord(c) < 32 for c in result.out.replace("\n", ""))


def test_a_utf8_bom_is_not_in_the_way(
    run_import: Importer, sim_env: SimulatedStrava, old: dict[str, object], token_path: Path
) -> None:
    result = run_import(token_path, stdin="\ufeff" + json.dumps(old))
    assert result.code == 0, result.err
    assert read_token(token_path).refresh_token == sim_env.state.refresh_token


def import_process(token_path: Path, data: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    """`strava-auth import` in a real process: its own standard streams and encodings."""
    return subprocess.run(
        [*PY_M, "import", "--token-file", str(token_path)],
        input=data,
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_bytes_that_are_not_utf8_are_one_line(sim_env: SimulatedStrava, token_path: Path) -> None:
    result = import_process(token_path, b'{"refresh_token": "\xff\xfe\xfd"}')
    assert result.returncode == 1
    assert result.stderr.replace(b"\r\n", b"\n") == (
        b"strava-auth: error: the input is not UTF-8 text (nothing was imported)\n"
    )
    assert not token_path.exists()


@pytest.mark.parametrize(
    ("encoding", "firstname"),
    [("ascii:strict", "Zo\u00eb"), ("utf-8:strict", "\ud800 lone")],
    ids=["ascii terminal", "lone surrogate"],
)
def test_a_terminal_that_cannot_show_the_name_does_not_undo_the_save(
    sim_env: SimulatedStrava,
    old: dict[str, object],
    token_path: Path,
    encoding: str,
    firstname: str,
) -> None:
    doc = {"refresh_token": old["refresh_token"], "athlete": {"id": 1, "firstname": firstname}}
    result = import_process(token_path, json.dumps(doc).encode(), PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"Imported: " in result.stdout
    assert read_token(token_path).refresh_token == sim_env.state.refresh_token  # saved
