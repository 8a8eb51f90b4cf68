"""Where the browser is: a desktop, Windows under WSL, an SSH session, or nowhere.

Each branch is driven through the real `strava-auth login`, with a fake environment and recording
programs in place of the browsers.
"""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.browser_login import browser
from strava_auth_helper.browser_login.browser import Place
from strava_auth_helper.store.token_file import read_token
from tests.fakes import expect_login
from tests.helpers import CLIENT_ID, CLIENT_SECRET, PY_M, WINDOWS, http_get
from tests.terminals import CliLogin

#: The fake programs these tests put on PATH are sh scripts (WSL and SSH are POSIX places).
FAKE_PROGRAMS = pytest.mark.skipif(WINDOWS, reason="the fake programs are sh scripts")


def recorder(folder: Path, name: str) -> None:
    """A program called ``name`` that writes its arguments, one per line, and succeeds."""
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/{name}.args"\n')
    script.chmod(0o755)


def recorded(folder: Path, name: str, timeout: float = 20) -> list[str]:
    path = folder / f"{name}.args"
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().endswith("\n"):
        assert time.monotonic() < deadline, f"{name} was never run"
        time.sleep(0.01)  # polling for the recording, not timing anything
    return path.read_text().splitlines()


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


@pytest.fixture
def bare_env(login_env: dict[str, str], strava: HTTPServer, fake_bin: Path) -> dict[str, str]:
    """The login's environment with no display, no SSH, no browser, no WSL.

    The login's environment with no display, no SSH, no browser, no WSL: only the fake
    programs on PATH.
    """
    expect_login(strava)
    keep = ("HOME", "LANG", "STRAVA_BASE_URL", "STRAVA_AUTH_CONFIG_DIR", "VIRTUAL_ENV")
    env = {k: v for k, v in login_env.items() if k in keep}
    env.update(
        PATH=str(fake_bin),
        STRAVA_CLIENT_ID=str(CLIENT_ID),
        STRAVA_CLIENT_SECRET=CLIENT_SECRET,
    )
    return env


@FAKE_PROGRAMS
@pytest.mark.parametrize("program", ["wslview", "cmd.exe", "explorer.exe"])
def test_wsl_opens_the_windows_browser_with_the_whole_address(
    bare_env: dict[str, str], fake_bin: Path, tmp_path: Path, program: str
) -> None:
    recorder(fake_bin, program)
    login = CliLogin(
        PY_M,
        "--token-file",
        str(tmp_path / "t.json"),
        browser=True,
        env={**bare_env, "WSL_DISTRO_NAME": "Ubuntu"},
    )
    args = recorded(fake_bin, program)
    if program == "cmd.exe":
        assert args[:2] == ["/c", "start"]
        assert "^&" in args[2]  # escaped, or cmd.exe would cut the address at the first &
        assert args[2].replace("^", "") == login.url  # what cmd.exe passes on to start
    else:
        assert args == [login.url]
    assert "&" in login.url
    assert http_get(login.redirect).ok
    code, out, err = login.finish()
    assert code == 0, err
    assert read_token(tmp_path / "t.json").client_id == CLIENT_ID


@FAKE_PROGRAMS
def test_ssh_without_display_opens_nothing_and_says_how_to_finish(
    bare_env: dict[str, str], fake_bin: Path, tmp_path: Path
) -> None:
    recorder(fake_bin, "browser")
    env = {
        **bare_env,
        "SSH_CONNECTION": "203.0.113.9 50000 198.51.100.7 2222",
        "BROWSER": str(fake_bin / "browser"),  # there, but an SSH session must not use it
    }
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"), browser=True, env=env)
    head = login.read_until("ssh -L")
    user = getpass.getuser()
    forward = f"ssh -L {login.port}:127.0.0.1:{login.port} -p 2222 {user}@198.51.100.7"
    assert forward in head
    code, out, err = login.finish(paste=login.redirect + "\n")
    assert code == 0, err
    assert "paste here the address" in out
    assert not (fake_bin / "browser.args").exists()
    assert read_token(tmp_path / "t.json").client_id == CLIENT_ID


@FAKE_PROGRAMS
def test_no_browser_at_all_says_so_once_and_takes_a_paste(
    bare_env: dict[str, str], tmp_path: Path
) -> None:
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"), browser=True, env=bare_env)
    code, out, err = login.finish(paste=login.redirect + "#_=_\n")
    assert code == 0, err
    assert out.count("No browser on this machine.") == 1
    assert "Could not open a browser" not in out
    assert read_token(tmp_path / "t.json").client_id == CLIENT_ID


@FAKE_PROGRAMS
def test_a_desktop_opens_its_browser_with_the_whole_address(
    bare_env: dict[str, str], fake_bin: Path, tmp_path: Path
) -> None:
    recorder(fake_bin, "browser")
    env = {
        **bare_env,
        "DISPLAY": ":0",
        "SSH_CONNECTION": "203.0.113.9 50000 198.51.100.7 22",  # ssh -X: there is a display
        "BROWSER": str(fake_bin / "browser"),
    }
    login = CliLogin(PY_M, "--token-file", str(tmp_path / "t.json"), browser=True, env=env)
    assert recorded(fake_bin, "browser") == [login.url]
    assert http_get(login.redirect).ok
    code, out, err = login.finish()
    assert code == 0, err
    assert "ssh -L" not in out


@pytest.mark.parametrize(
    ("environ", "version", "kind"),
    [
        ({"SSH_CONNECTION": "a 1 b 22"}, "Linux", browser.SSH),
        ({"SSH_CONNECTION": "a 1 b 22", "WAYLAND_DISPLAY": "wayland-0"}, "Linux", None),
        ({"WSL_INTEROP": "/run/WSL/1_interop"}, "Linux", browser.WSL),
        ({}, "Linux version 5.15.153.1-microsoft-standard-WSL2", browser.WSL),
        ({"SSH_CONNECTION": "a 1 b 22"}, "5.15-microsoft-standard-WSL2", browser.SSH),
    ],
)
def test_detect(tmp_path: Path, environ: dict[str, str], version: str, kind: str | None) -> None:
    proc_version = tmp_path / "version"
    proc_version.write_text(version)
    place = browser.detect(environ, proc_version)
    if kind is None:  # not SSH, not WSL: whatever this machine has
        assert place.kind in (browser.DESKTOP, browser.NO_BROWSER)
    else:
        assert place.kind == kind


def test_ssh_place_reads_the_connection() -> None:
    assert browser.detect({"SSH_CONNECTION": "::1 5 fe80::2 22"}) == Place(
        browser.SSH, "fe80::2", 22
    )
