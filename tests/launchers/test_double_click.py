"""What a double-click shows a person who never opens a terminal, and a second double-click."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.launchers import notify
from tests.fakes import expect_login, fake_notify_send
from tests.helpers import CLIENT_ID, CLIENT_SECRET, CODE, PY_M, Ran, http_get
from tests.terminals import started_login

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="notify-send is how a Linux desktop is told"
)
Cli = Callable[..., Ran]
TERMINAL_WORDS = ("strava-auth", "--force", "login(", "python", "$ ")


@pytest.fixture
def desktop(login_env: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A launcher's environment (the app set, a notifier that records) and its record."""
    notified = fake_notify_send(tmp_path / "bin")
    env = {
        **login_env,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
        "STRAVA_AUTH_PORT": "0",
    }
    return env, notified


@pytest.mark.parametrize(
    ("redirect", "status", "said"),
    [
        ({"error": "access_denied"}, 1, "Cancel was pressed"),
        ({"code": CODE, "scope": "read"}, 3, "left unticked"),
    ],
)
def test_after_cancel_or_a_partial_grant_the_notification_says_what_to_click(
    desktop: tuple[dict[str, str], Path],
    strava: HTTPServer,
    redirect: dict[str, str],
    status: int,
    said: str,
) -> None:
    env, notified = desktop
    if "code" in redirect:
        expect_login(strava)
    proc, url = started_login([*PY_M, "login", "--launcher", "--timeout", "30"], env=env)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    http_get(query["redirect_uri"], params={"state": query["state"], **redirect})
    proc.communicate(timeout=30)
    assert proc.returncode == status
    text = notified.read_text()
    assert said in text
    assert "double-click the launcher again" in text
    for words in TERMINAL_WORDS:  # no command to type, no contradiction
        assert words not in text.split("\n", 5)[-1], words


def test_a_second_double_click_brings_back_the_waiting_login(
    desktop: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _ = desktop
    first, url = started_login([*PY_M, "login", "--launcher", "--timeout", "30"], env=env)
    try:
        assert first.stdout is not None
        for line in first.stdout:  # it says it waits once its record is written (before)
            if line.startswith("Waiting for the browser"):
                break
        browser = tmp_path / "browser"  # the second double-click's browser: says where it went
        browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{tmp_path}/opened"\n')
        browser.chmod(0o755)
        second = subprocess.run(
            [*PY_M, "login", "--launcher", "--timeout", "30"],
            env={**env, "BROWSER": str(browser), "DISPLAY": ":0"},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 0, second.stderr
        assert "Waiting for the browser" not in second.stdout  # no second login
        opened = (tmp_path / "opened").read_text()
        went = http_get(opened, allow_redirects=False)
        assert went.status_code == 303
        assert went.headers["Location"] == url  # back to the first login's page
    finally:
        first.kill()
        first.communicate()


def test_without_any_notifier_install_time_says_what_is_missing_and_how_to_get_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # no notifier, no terminal
    ran = cli("install-launcher", "--dir", str(tmp_path))
    assert ran.code == 0, ran.err
    assert "Terminal=true" in (tmp_path / "strava-login.desktop").read_text()
    said = " ".join(ran.out.split())
    assert "no notify-send, zenity or kdialog" in said
    assert "no terminal emulator: double-clicking it fails" in said
    assert "sudo apt install libnotify-bin" in said


def test_zenity_alone_is_enough_to_need_no_terminal(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    zenity = folder / "zenity"
    zenity.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/told"\n')
    zenity.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    ran = cli("install-launcher", "--dir", str(tmp_path))
    assert ran.code == 0, ran.err
    assert "Terminal=false" in (tmp_path / "strava-login.desktop").read_text()
    assert ran.out.count("\n") == 1  # nothing missing to say
    assert notify.notify("The login did not finish.")
    assert (folder / "told").read_text() == (
        "--notification\n--text=Strava login: The login did not finish.\n"
    )
