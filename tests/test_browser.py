"""Where the browser is: a desktop, Windows under WSL, an SSH session, or nowhere. Each branch
is driven through the real `strava-auth login`, with a fake environment and recording
programs in place of the browsers."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import browser
from strava_auth_helper.browser import Place
from strava_auth_helper.token_file import read_token

from .conftest import CLIENT_ID, CLIENT_SECRET, CODE, http_get, token_answer


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


class Login:
    """`strava-auth login` (no --no-browser) in a subprocess with a chosen environment."""

    def __init__(self, env: dict[str, str], token_file: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "strava_auth_helper", "login", "--port", "0"]
            + ["--timeout", "30", "--token-file", str(token_file)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.head = ""
        for line in self.proc.stdout:
            self.head += line
            if line.startswith("http"):
                self.url = line.strip()
                break
        query = parse_qs(urlsplit(self.url).query)
        self.redirect = f"{query['redirect_uri'][0]}?state={query['state'][0]}&code={CODE}"
        self.port = urlsplit(query["redirect_uri"][0]).port

    def read_until(self, text: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.head += line
            if text in line:
                break
        return self.head

    def finish(self, paste: str = "") -> tuple[int, str, str]:
        # Read the rest through the same file object: lines it has already buffered while
        # looking for the address would be lost to communicate(), which reads the pipe.
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.proc.stdin.write(paste)
        self.proc.stdin.close()
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        return self.proc.wait(timeout=30), self.head + out, err


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


@pytest.fixture
def login_env(strava: HTTPServer, fake_bin: Path) -> dict[str, str]:
    """No display, no SSH, no browser, no WSL: only the fake programs on PATH."""
    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(token_answer())
    keep = ("HOME", "LANG", "STRAVA_BASE_URL", "STRAVA_AUTH_CONFIG_DIR", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PATH=str(fake_bin),
        STRAVA_CLIENT_ID=str(CLIENT_ID),
        STRAVA_CLIENT_SECRET=CLIENT_SECRET,
    )
    return env


@pytest.mark.parametrize("program", ["wslview", "cmd.exe", "explorer.exe"])
def test_wsl_opens_the_windows_browser_with_the_whole_address(
    login_env: dict[str, str], fake_bin: Path, tmp_path: Path, program: str
) -> None:
    recorder(fake_bin, program)
    login = Login({**login_env, "WSL_DISTRO_NAME": "Ubuntu"}, tmp_path / "t.json")
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


def test_ssh_without_display_opens_nothing_and_says_how_to_finish(
    login_env: dict[str, str], fake_bin: Path, tmp_path: Path
) -> None:
    recorder(fake_bin, "browser")
    env = {
        **login_env,
        "SSH_CONNECTION": "203.0.113.9 50000 198.51.100.7 2222",
        "BROWSER": str(fake_bin / "browser"),  # there, but an SSH session must not use it
    }
    login = Login(env, tmp_path / "t.json")
    head = login.read_until("ssh -L")
    user = getpass.getuser()
    forward = f"ssh -L {login.port}:127.0.0.1:{login.port} -p 2222 {user}@198.51.100.7"
    assert forward in head
    code, out, err = login.finish(paste=login.redirect + "\n")
    assert code == 0, err
    assert "paste here the address" in out
    assert not (fake_bin / "browser.args").exists()
    assert read_token(tmp_path / "t.json").client_id == CLIENT_ID


def test_no_browser_at_all_says_so_once_and_takes_a_paste(
    login_env: dict[str, str], tmp_path: Path
) -> None:
    login = Login(login_env, tmp_path / "t.json")
    code, out, err = login.finish(paste=login.redirect + "#_=_\n")
    assert code == 0, err
    assert out.count("No browser on this machine.") == 1
    assert "Could not open a browser" not in out
    assert read_token(tmp_path / "t.json").client_id == CLIENT_ID


def test_a_desktop_opens_its_browser_with_the_whole_address(
    login_env: dict[str, str], fake_bin: Path, tmp_path: Path
) -> None:
    recorder(fake_bin, "browser")
    env = {
        **login_env,
        "DISPLAY": ":0",
        "SSH_CONNECTION": "203.0.113.9 50000 198.51.100.7 22",  # ssh -X: there is a display
        "BROWSER": str(fake_bin / "browser"),
    }
    login = Login(env, tmp_path / "t.json")
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
