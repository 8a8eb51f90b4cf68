"""The app's credentials saved by a login: read back as typed, forgotten per profile."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from strava_auth_helper.browser_login import pages
from strava_auth_helper.browser_login.frontends import Frontend
from strava_auth_helper.errors import ConfigError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.token import NO_PROFILE, Profile
from strava_auth_helper.settings import find_credentials
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.lock import TokenLock
from tests.fakes import stored
from tests.helpers import CLIENT_ID, CLIENT_SECRET, WINDOWS, Ran

Cli = Callable[..., Ran]


@pytest.mark.parametrize("secret", ["ab${HOME}cd", "a$HOME'b\\c", "x${UNSET:-default}"])
def test_a_saved_secret_reads_back_exactly_as_typed(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    save_credentials(Credentials(CLIENT_ID, secret), Profile("club"))
    found = find_credentials(profile="club")
    assert found.credentials.client_secret == secret  # python-dotenv expands ${...} unless told


def test_reset_credentials_for_a_profile_does_not_fall_back_to_the_default_app(
    cli: Cli, isolated_env: Path, token_path: Path
) -> None:
    save_credentials(Credentials(999, "the-default-profiles-secret"), NO_PROFILE)
    save_credentials(Credentials(CLIENT_ID, CLIENT_SECRET), Profile("club"))
    ran = cli(
        "--profile",
        "club",
        "login",
        "--reset-credentials",
        "--no-browser",
        "--port",
        "0",
        "--token-file",
        str(token_path),
    )
    assert ran.code == 1
    assert "Forgot the app's credentials" in ran.out
    assert "client_id=999" not in ran.out  # not the default profile's app, silently
    assert "no Strava app credentials" in ran.err  # nobody can be asked here: said so
    assert ran.err.count("\n") == 1


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200d"])
def test_a_secret_with_an_invisible_character_is_refused_where_it_is_read(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, invisible: str
) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET + invisible)
    with pytest.raises(ConfigError) as caught:
        find_credentials()
    message = str(caught.value)
    assert "$STRAVA_CLIENT_SECRET" in message
    assert CLIENT_SECRET not in message
    assert "\n" not in message


@pytest.mark.usefixtures("with_creds")
def test_logout_with_such_a_secret_is_one_line_and_keeps_the_token(
    cli: Cli, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(token_path, 3600)
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET + "\u200b")
    ran = cli("logout", "--token-file", str(token_path))  # (it crashed building Basic auth)
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "Traceback" not in ran.err
    assert token_path.exists()


def test_a_secret_typed_with_an_invisible_character_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: str(CLIENT_ID))
    monkeypatch.setattr("getpass.getpass", lambda prompt: CLIENT_SECRET + "\u200b")
    with pytest.raises(ConfigError) as caught:
        Frontend(io.StringIO()).ask_credentials(None)
    assert "your input" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


def test_two_logins_saving_the_apps_credentials_at_once_take_turns(isolated_env: Path) -> None:
    # Two processes, as two double-clicked launchers are (threads of one process would race
    # on the umask that older filelock versions set while creating the lock file).
    saves = (
        "import sys\n"
        "from strava_auth_helper.model.app import Credentials\n"
        "from strava_auth_helper.store.app_credentials import save_credentials\n"
        "for _ in range(40):\n"
        "    save_credentials(Credentials(4242, sys.argv[1]))\n"
    )
    savers = [
        subprocess.Popen([sys.executable, "-c", saves, s], stderr=subprocess.PIPE, text=True)
        for s in ("secret-one", "secret-two")
    ]
    failures = [saver.communicate(timeout=120)[1] for saver in savers]
    assert failures == ["", ""]  # neither replaced nor removed the other's temporary file
    assert find_credentials().credentials.client_secret in ("secret-one", "secret-two")


def test_a_double_clicks_failure_page_asks_for_no_paste() -> None:
    for page in (pages.failed("x", pages.DESKTOP), pages.setup("/setup/k", strava_origin="")):
        assert "paste" not in page.html.lower()
    assert "paste" in pages.failed("x", pages.TERMINAL).html.lower()  # a terminal may take one


@pytest.mark.skipif(WINDOWS, reason="the umask is POSIX's")
def test_threads_taking_the_lock_at_once_leave_the_processes_umask_alone(tmp_path: Path) -> None:
    # filelock 3.10.0-3.10.1 set the umask to 0 around creating a lock file: two threads could
    # leave it at 0, and every file the program created afterwards was world-writable.
    before = os.umask(0o022)
    try:

        def lock_often(name: str) -> None:
            for _ in range(200):
                with TokenLock(tmp_path / name):
                    pass

        threads = [threading.Thread(target=lock_often, args=(f"t{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(before)
