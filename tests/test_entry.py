"""The console script and get_access_token(): a valid token answered alone.

The console script and get_access_token(): a valid token answered alone, nothing heavy
imported for it, and never an answer where the ordinary code would refuse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import entry
from strava_auth_helper.cli.command_line import plain_token_command
from strava_auth_helper.store.location import APP_NAME
from tests.fakes import refresh_answer, stored
from tests.helpers import ACCESS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["token"], {}),
        (["token", "--token-file", "t.json"], {"--token-file": "t.json"}),
        (
            ["token", "--token-file=t.json", "--min-ttl", "60"],
            {"--token-file": "t.json", "--min-ttl": "60"},
        ),
        (["token", "--min-ttl=3600"], {"--min-ttl": "3600"}),
        (["token", "--profile", "club"], {"--profile": "club"}),
        (["--profile=club", "token", "--min-ttl", "1"], {"--profile": "club", "--min-ttl": "1"}),
        (["token", "--min-ttl", "soon"], {"--min-ttl": "soon"}),  # the valid-token read refuses
        (["--profile", "a", "token", "--profile", "b"], None),
        (["--min-ttl", "1", "token"], None),
        (["token", "--force"], None),
        (["token", "--min-ttl"], None),
        (["token", "--token-file", "-x"], None),
        (["token", "--token-file", "a", "--token-file", "b"], None),
        (["token", "--tok", "t.json"], None),  # argparse's abbreviations are left to argparse
        (["token", "-h"], None),
        (["-v", "token"], None),
        (["--prof", "token", "token"], None),
        (["status"], None),
        ([], None),
    ],
)
def test_only_a_plain_token_command_is_read_for_the_fast_answer(
    args: list[str], parsed: dict[str, str] | None
) -> None:
    assert plain_token_command(args) == parsed


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``strava-auth ARGS`` in this process: its exit status and standard output."""
    try:
        status = entry.main(args)
    except SystemExit as exc:  # argparse's usage errors
        status = int(exc.code or 0)
    return status, capsys.readouterr().out


# (the command line after the token file, $STRAVA_AUTH_PROFILE): each is refused by the
# ordinary code whatever the token, so the fast path must not answer it either.
BAD_FORMS = {
    "bad --profile after": (["--profile", "bad!"], None),
    "bad --profile before": (["--profile=a/b"], None),
    "too long a --profile": (["--profile", "x" * 41], None),
    "bad profile in the environment": ([], "bad!"),
    "path as the environment's profile": ([], "../evil"),
    "min-ttl over an hour": (["--min-ttl", "4000"], None),
    "min-ttl NaN": (["--min-ttl", "nan"], None),
    "min-ttl infinite": (["--min-ttl=inf"], None),
    "negative min-ttl": (["--min-ttl=-1"], None),
    "a stray argument": (["extra"], None),
}


@pytest.mark.usefixtures("with_creds")
@pytest.mark.parametrize("form", list(BAD_FORMS))
def test_the_fast_path_refuses_what_the_ordinary_path_refuses(
    form: str,
    token_path: Path,
    strava: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra, env_profile = BAD_FORMS[form]
    if env_profile is not None:
        monkeypatch.setenv("STRAVA_AUTH_PROFILE", env_profile)
    # Were the form accepted, a near-expiry token would be refreshed here and printed.
    strava.expect_request("/oauth/token", method="POST").respond_with_json(refresh_answer())
    statuses = []
    for expires_in in (3600, 60):  # valid (the fast path could answer) and near expiry
        stored(token_path, expires_in)
        status, out = run_main(["token", "--token-file", str(token_path), *extra], capsys)
        assert out == ""
        statuses.append(status)
    assert statuses[0] == statuses[1] != 0
    assert strava.log == []


def test_a_valid_token_is_printed_and_a_near_expiry_one_refreshed(
    token_path: Path, strava: HTTPServer, capsys: pytest.CaptureFixture[str], with_creds: None
) -> None:
    stored(token_path, 3600)
    assert run_main(["token", "--token-file", str(token_path)], capsys) == (0, f"{ACCESS}\n")
    assert strava.log == []
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(refresh_answer())
    status, out = run_main(["token", "--token-file", str(token_path), "--min-ttl=3600"], capsys)
    assert (status, out) == (0, f"{refresh_answer()['access_token']}\n")


# --- the guard: what the valid-token path does not import, as users install it ----------

FORBIDDEN = {
    "requests",
    "urllib3",
    "dotenv",
    "filelock",
    "logging",
    "typing",
    "pathlib",
    "dataclasses",
    "argparse",
    "platformdirs",
    "keyring",
}
WINDOWS = sys.platform == "win32"
BIN, EXE = ("Scripts", ".exe") if WINDOWS else ("bin", "")


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as users install it: a wheel in a fresh virtual environment.

    The package built into a wheel and installed into a fresh virtual environment, the way
    users get it (an editable install imports pathlib at start-up). Its dependencies are left
    out: the valid-token path needs none of them.
    """
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    package = Path(entry.__file__).parent  # the package as imported: the source tree here
    shutil.copytree(package, source / "strava_auth_helper", ignore=shutil.ignore_patterns("*.pyc"))
    # The build backend itself (PEP 517), not `pip wheel`: the same wheel, a second sooner.
    build = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
    subprocess.run([sys.executable, "-c", build, root], cwd=source, check=True, capture_output=True)
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / BIN / f"python{EXE}"
    wheel = next(root.glob("*.whl"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    install: list[str | Path] = [*pip, "--python", python, "install", "--no-deps", "--no-index"]
    install.append(wheel)
    subprocess.run(install, check=True, capture_output=True)
    return python.parent


def imported_modules(cmd: Sequence[object], env: dict[str, str]) -> tuple[str, set[str]]:
    """Run ``cmd`` with -X importtime; its stdout and every top-level module it imported."""
    result = subprocess.run(
        [str(arg) for arg in cmd],
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    modules = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "encodings" in modules  # the profile really was taken
    return result.stdout, modules


@pytest.fixture
def default_location_env(tmp_path: Path) -> dict[str, str]:
    """A token valid for an hour in the default location.

    A token valid for an hour in the default location: XDG_CONFIG_HOME points at tmp (the
    folder Linux and macOS compute with the standard library). Windows' default folder is
    %LOCALAPPDATA%, which platformdirs asks Windows for and which cannot be pointed
    elsewhere: there the config folder is given instead.
    """
    xdg = tmp_path / "xdg"
    stored(xdg / APP_NAME / "token.json", 3600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "PYTHON"))}
    if WINDOWS:
        return {**env, "STRAVA_AUTH_CONFIG_DIR": str(xdg / APP_NAME)}
    return {**env, "XDG_CONFIG_HOME": str(xdg)}


def script(installed: Path, name: str) -> Path:
    """An installed program: ``strava-auth`` or ``python`` (with .exe on Windows)."""
    return installed / f"{name}{EXE}"


def test_cli_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str]
) -> None:
    out, modules = imported_modules(
        [script(installed, "strava-auth"), "token"], default_location_env
    )
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()


def test_a_profile_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str], tmp_path: Path
) -> None:
    stored(tmp_path / "xdg" / APP_NAME / "profiles" / "club" / "token.json", 3600, access_token="c")
    for cmd in (
        [script(installed, "strava-auth"), "token", "--profile", "club"],
        [script(installed, "strava-auth"), "--profile=club", "token"],
        [
            script(installed, "python"),
            "-c",
            "import strava_auth_helper as s; print(s.get_access_token())",
        ],
    ):
        env = {**default_location_env, "STRAVA_AUTH_PROFILE": "club"} if "-c" in cmd else {}
        out, modules = imported_modules(cmd, env or default_location_env)
        assert out == "c\n"
        assert modules & FORBIDDEN == set()


def test_api_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str], tmp_path: Path
) -> None:
    code = "import strava_auth_helper as s; print(s.get_access_token())"
    out, modules = imported_modules([script(installed, "python"), "-c", code], default_location_env)
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()
    explicit = tmp_path / "xdg" / APP_NAME / "token.json"
    cmd = [script(installed, "strava-auth"), "token", "--token-file", explicit, "--min-ttl", "60"]
    out, modules = imported_modules(cmd, default_location_env)
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()


def test_the_guard_sees_a_heavy_import(
    installed: Path, default_location_env: dict[str, str]
) -> None:
    # The same measurement on a path that does import them (the ordinary `status`).
    cmd = [script(installed, "python"), "-c", "import pathlib, logging, typing"]
    _, modules = imported_modules(cmd, default_location_env)
    assert {"pathlib", "logging", "typing"} <= modules


def test_a_keyring_token_on_the_valid_token_path_never_touches_the_keyring(
    installed: Path, default_location_env: dict[str, str], tmp_path: Path
) -> None:
    # The file of a keyring login has no refresh token: the fast path needs none. (The
    # installed venv has no keyring package at all: importing it would fail the command.)
    path = tmp_path / "xdg" / APP_NAME / "profiles" / "kr" / "token.json"
    stored(path, 3600, access_token="k")
    data = json.loads(path.read_text())
    del data["refresh_token"]
    path.write_text(json.dumps(data | {"refresh_token_in": "keyring", "keyring_entry": "kr/1"}))
    for cmd in (
        [script(installed, "strava-auth"), "token", "--profile", "kr"],
        [
            script(installed, "python"),
            "-c",
            "import strava_auth_helper as s; print(s.get_access_token(profile='kr'))",
        ],
    ):
        out, modules = imported_modules(cmd, default_location_env)
        assert out == "k\n"
        assert modules & FORBIDDEN == set()
