"""The valid-token path: same answers as platformdirs and settings, and nothing heavy imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import platformdirs
import pytest
from platformdirs.macos import MacOS
from platformdirs.unix import Unix

from strava_auth_helper import fastpath, settings
from strava_auth_helper.fastpath import APP_NAME

from .conftest import ACCESS, stored

ROOT = Path(__file__).resolve().parent.parent

XDG_CONFIG_HOMES = [None, "", "   ", "relative", "~/cfg", "/abs/cfg", "/abs/cfg/", " /abs", "/a b/"]
HOMES = [None, "", "relative/home", "/", "/home/odd/", "/home/with space", "/home/x/../y"]


def reference_folder(platform_class: type[Unix] | type[MacOS]) -> str | None:
    try:
        return platform_class(APP_NAME, appauthor=False).user_config_dir
    except RuntimeError:  # platformdirs found no home folder
        return None


@pytest.mark.parametrize("xdg", XDG_CONFIG_HOMES)
@pytest.mark.parametrize("home", HOMES)
@pytest.mark.parametrize(
    ("platform", "platform_class"), [("linux", Unix), ("freebsd14", Unix), ("darwin", MacOS)]
)
def test_default_folder_is_platformdirs_answer(
    monkeypatch: pytest.MonkeyPatch,
    xdg: str | None,
    home: str | None,
    platform: str,
    platform_class: type[Unix] | type[MacOS],
) -> None:
    for name, value in (("XDG_CONFIG_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert fastpath.default_config_folder(platform) == reference_folder(platform_class)


def test_this_platform_and_android_are_platformdirs_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    assert fastpath.default_config_folder() == expected
    monkeypatch.setenv("ANDROID_DATA", "/data")
    monkeypatch.setenv("ANDROID_ROOT", "/system")
    monkeypatch.setenv("SHELL", "/bin/sh")  # platformdirs: a shell on Android (Termux) is Unix
    assert (
        fastpath.default_config_folder()
        == platformdirs.PlatformDirs(APP_NAME, appauthor=False).user_config_dir
    )


@pytest.mark.parametrize(
    ("explicit", "env_file", "config_dir", "env_profile", "profile"),
    [
        (None, None, None, None, None),
        (None, None, "~/cfg", None, None),
        (None, "~/t.json", "/cfg", None, None),
        ("/flag.json", "/env.json", "/cfg", None, None),
        ("~/flag.json", None, None, None, None),
        (None, None, None, None, "club"),
        (None, "/env.json", None, "club", None),
        (None, "/env.json", "/cfg", "club", "other"),
        (None, "/env.json", None, "club", ""),
        ("/flag.json", None, None, "club", "other"),
    ],
)
def test_fast_and_ordinary_code_find_the_same_file(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    explicit: str | None,
    env_file: str | None,
    config_dir: str | None,
    env_profile: str | None,
    profile: str | None,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name, value in (
        ("STRAVA_TOKEN_FILE", env_file),
        ("STRAVA_AUTH_CONFIG_DIR", config_dir),
        ("STRAVA_AUTH_PROFILE", env_profile),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    location = fastpath.token_location(explicit, profile=profile)
    assert location is not None
    assert Path(location) == settings.token_path(explicit, profile)
    assert "~" not in location


def token_doc(**fields: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "access_token": ACCESS,
        "refresh_token": "r",
        "expires_at": int(time.time()) + 3600,
    }
    doc.update(fields)
    return doc


def test_valid_token_is_returned(token_path: Path) -> None:
    stored(token_path, 1000)
    assert fastpath.valid_access_token(token_path, 900) == ACCESS
    assert fastpath.valid_access_token(token_path, 1100) is None


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(token_doc(expires_at=int(time.time()) + 100)),  # near expiry
        json.dumps(token_doc(expires_at=True)),
        json.dumps(token_doc(expires_at="2099-01-01")),
        json.dumps(token_doc(expires_at=1e300)),
        json.dumps(token_doc(access_token="")),
        json.dumps(token_doc(refresh_token=None)),
        '{"access_token": "a", "refresh_token": "r", "expires_at": Infinity}',
        '{"access_token": "a", "refresh_token": "r", "expires_at": NaN}',
        "[" * 100_000 + "]" * 100_000,
        "[1, 2]",
        "{not json",
        "",
    ],
)
def test_anything_odd_goes_to_the_ordinary_code(token_path: Path, content: str) -> None:
    token_path.parent.mkdir(parents=True)
    token_path.write_text(content)
    assert fastpath.valid_access_token(token_path) is None


def test_missing_file_and_impossible_min_ttl_go_to_the_ordinary_code(token_path: Path) -> None:
    assert fastpath.valid_access_token(token_path) is None
    stored(token_path, 3600)
    assert fastpath.valid_access_token(token_path, min_ttl=3601) is None
    assert fastpath.valid_access_token(token_path, min_ttl=float("nan")) is None


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["token"], (None, 300.0, None)),
        (["token", "--token-file", "t.json"], ("t.json", 300.0, None)),
        (["token", "--token-file=t.json", "--min-ttl", "60"], ("t.json", 60.0, None)),
        (["token", "--min-ttl=3600"], (None, 3600.0, None)),
        (["token", "--profile", "club"], (None, 300.0, "club")),
        (["--profile=club", "token", "--min-ttl", "1"], (None, 1.0, "club")),
        (["--profile", "a", "token", "--profile", "b"], None),
        (["--min-ttl", "1", "token"], None),
        (["token", "--force"], None),
        (["token", "--min-ttl", "soon"], None),
        (["token", "--min-ttl"], None),
        (["token", "--token-file", "-x"], None),
        (["token", "--token-file", "a", "--token-file", "b"], None),
        (["token", "--tok", "t.json"], None),  # argparse's abbreviations are left to argparse
        (["token", "-h"], None),
        (["-v", "token"], None),
        (["status"], None),
        ([], None),
    ],
)
def test_only_a_plain_token_command_is_served_fast(
    args: list[str], parsed: tuple[str | None, float, str | None] | None
) -> None:
    assert fastpath._parse_token_command(args) == parsed


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
    *(["platformdirs"] if sys.platform.startswith("linux") else []),
}


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built into a wheel and installed into a fresh virtual environment, the way
    users get it (an editable install imports pathlib at start-up). Its dependencies are left
    out: the valid-token path needs none of them."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "strava_auth_helper", source / "strava_auth_helper")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", root]
    subprocess.run([*build, source], check=True, capture_output=True)
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    wheel = next(root.glob("*.whl"))
    install = [*pip, "--python", python, "install", "--no-deps", "--no-index", wheel]
    subprocess.run(install, check=True, capture_output=True)
    return python.parent


def imported_modules(cmd: list[str | Path], env: dict[str, str]) -> tuple[str, set[str]]:
    """Run ``cmd`` with -X importtime; its stdout and every top-level module it imported."""
    result = subprocess.run(
        cmd, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True
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
    """A token valid for an hour in the default location (XDG_CONFIG_HOME points at tmp)."""
    xdg = tmp_path / "xdg"
    stored(xdg / APP_NAME / "token.json", 3600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "PYTHON"))}
    return {**env, "XDG_CONFIG_HOME": str(xdg)}


def test_cli_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str]
) -> None:
    out, modules = imported_modules([installed / "strava-auth", "token"], default_location_env)
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()


def test_a_profile_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str], tmp_path: Path
) -> None:
    stored(tmp_path / "xdg" / APP_NAME / "profiles" / "club" / "token.json", 3600, access_token="c")
    for cmd in (
        [installed / "strava-auth", "token", "--profile", "club"],
        [installed / "strava-auth", "--profile=club", "token"],
        [installed / "python", "-c", "import strava_auth_helper as s; print(s.get_access_token())"],
    ):
        env = {**default_location_env, "STRAVA_AUTH_PROFILE": "club"} if "-c" in cmd else {}
        out, modules = imported_modules(cmd, env or default_location_env)
        assert out == "c\n"
        assert modules & FORBIDDEN == set()


def test_api_on_a_valid_token_imports_nothing_heavy(
    installed: Path, default_location_env: dict[str, str], tmp_path: Path
) -> None:
    code = "import strava_auth_helper as s; print(s.get_access_token())"
    out, modules = imported_modules([installed / "python", "-c", code], default_location_env)
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()
    explicit = tmp_path / "xdg" / APP_NAME / "token.json"
    cmd = [installed / "strava-auth", "token", "--token-file", explicit, "--min-ttl", "60"]
    out, modules = imported_modules(cmd, default_location_env)
    assert out == f"{ACCESS}\n"
    assert modules & FORBIDDEN == set()


def test_the_guard_sees_a_heavy_import(
    installed: Path, default_location_env: dict[str, str]
) -> None:
    # The same measurement on a path that does import them (the ordinary `status`).
    cmd = [installed / "python", "-c", "import pathlib, logging, typing"]
    _, modules = imported_modules(cmd, default_location_env)
    assert {"pathlib", "logging", "typing"} <= modules
