"""The refresh token in the OS keyring, against a real one.

The refresh token in the OS keyring, against a real one (the Secret Service of
gnome-keyring on Linux; the Credential Manager on the Windows leg) and the simulated Strava,
through the command line in real processes (each finds its keyring as a user's would).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring as keyring_lib
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper.demo.simulated_strava import SimulatedStrava, press_authorize
from strava_auth_helper.errors import StravaAuthError
from strava_auth_helper.store.os_keyring import SERVICE
from strava_auth_helper.store.token_file import read_token
from tests.fakes import refresh_answer, stored
from tests.helpers import CLIENT_ID, NEW_ACCESS, NEW_REFRESH, PY_M, REFRESH, Ran
from tests.terminals import CliLogin


class Keyring:
    """The environment that finds the keyring, and a look into it from another process.

    Each test uses a profile of its own, so its entry is its own: on Windows every test
    process shares the one Credential Manager.
    """

    def __init__(
        self,
        extra: dict[str, str],
        sim: SimulatedStrava,
        in_process: Callable[..., Ran] | None = None,
    ) -> None:
        self.in_process = in_process  # runs a command in this process (see cli)
        self.profile = f"kr-{uuid.uuid4().hex[:12]}"
        self.env = {**os.environ, **extra, "STRAVA_AUTH_PROFILE": self.profile}
        self.sim = sim
        config = Path(os.environ["STRAVA_AUTH_CONFIG_DIR"])
        self.token_path = config / "profiles" / self.profile / "token.json"
        self._entry_name = f"{self.profile}/1"  # (none yet: the name older versions gave it)

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """``strava-auth ARGS`` with this keyring.

        In this process where it finds the same keyring as a child would (and no variable of
        its own is asked for), else in a process of its own.
        """
        if self.in_process is not None and not env:
            ran = self.in_process(*args)
            return subprocess.CompletedProcess(list(args), ran.code, ran.out, ran.err)
        return subprocess.run(
            [*PY_M, *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    @property
    def entry_name(self) -> str:
        """The entry the token file names (the last one it named, once it names none)."""
        try:
            name = read_token(self.token_path).keyring_entry
        except StravaAuthError:
            name = None
        if name:
            self._entry_name = name
        return self._entry_name

    def entry(self) -> str | None:
        """What the keyring holds for this test's profile.

        What the keyring holds for this test's profile (asked from this process: the
        fixture gave it the keyring's D-Bus session).
        """
        value = keyring_lib.get_password(SERVICE, self.entry_name)
        return None if value is None else str(value)

    def delete_entry(self) -> None:
        if self.entry() is not None:
            keyring_lib.delete_password(SERVICE, self.entry_name)

    def login(self) -> None:
        login = CliLogin(PY_M, "--store", "keyring", env=self.env)
        press_authorize(login.url)
        code, out, err = login.finish()
        assert code == 0, err


def find_keyring_here(extra: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Let this process find the same keyring as its children (Linux: the D-Bus session)."""
    if "DBUS_SESSION_BUS_ADDRESS" in extra:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", extra["DBUS_SESSION_BUS_ADDRESS"])


@pytest.fixture
def keyring(
    os_keyring: dict[str, str],
    sim_env: SimulatedStrava,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., Ran],
) -> Iterator[Keyring]:
    find_keyring_here(os_keyring, monkeypatch)
    ring = Keyring(os_keyring, sim_env, in_process=cli)
    monkeypatch.setenv("STRAVA_AUTH_PROFILE", ring.profile)  # as ring.env has it
    yield ring
    ring.delete_entry()  # leave the session's keyring as it was found


def test_a_keyring_login_keeps_no_refresh_token_in_the_file(keyring: Keyring) -> None:
    keyring.login()
    data = json.loads(keyring.token_path.read_text())
    assert "refresh_token" not in data
    assert data["refresh_token_in"] == "keyring"
    assert keyring.entry() == keyring.sim.state.refresh_token  # nothing else in it
    status = keyring.cli("status")
    assert "Refresh:    in the OS keyring" in status.stdout
    as_json = json.loads(keyring.cli("status", "--json").stdout)
    assert as_json["refresh_token_in"] == "keyring"
    assert as_json["keyring_entry"] == keyring.entry_name
    listed = json.loads(keyring.cli("profiles", "--json").stdout)
    assert [row["refresh_token_in"] for row in listed] == ["keyring"]


def test_four_processes_refresh_once_through_the_keyring(keyring: Keyring) -> None:
    keyring.login()
    keyring.sim.expire_access_tokens()  # hours later: Strava and the file both know it
    expired = json.loads(keyring.token_path.read_text()) | {"expires_at": int(time.time()) - 10}
    keyring.token_path.write_text(json.dumps(expired))
    before = keyring.sim.requests.count("POST /oauth/token refresh_token")
    code = "import sys; from strava_auth_helper import get_access_token as g; print(g(min_ttl=0))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=keyring.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    assert keyring.sim.requests.count("POST /oauth/token refresh_token") == before + 1
    assert keyring.entry() == keyring.sim.state.refresh_token  # the rotation, in the keyring
    assert "refresh_token" not in json.loads(keyring.token_path.read_text())


def test_store_moves_the_refresh_token_both_ways(keyring: Keyring) -> None:
    keyring.login()
    live = keyring.sim.state.refresh_token
    to_file = keyring.cli("store", "file")
    assert to_file.returncode == 0, to_file.stderr
    assert read_token(keyring.token_path).refresh_token == live
    assert keyring.entry() is None
    to_keyring = keyring.cli("store", "keyring")
    assert to_keyring.returncode == 0, to_keyring.stderr
    assert keyring.entry() == live
    assert "refresh_token" not in json.loads(keyring.token_path.read_text())


def test_logout_removes_the_entry_too(keyring: Keyring) -> None:
    keyring.login()
    result = keyring.cli("logout")
    assert result.returncode == 0, result.stderr
    assert keyring.entry() is None
    assert not keyring.token_path.exists()


def test_export_fetches_the_refresh_token_from_the_keyring(keyring: Keyring) -> None:
    keyring.login()
    exported = keyring.cli("export", "--refresh-token")
    assert exported.stdout == f"{keyring.sim.state.refresh_token}\n"


def test_no_usable_keyring_is_one_line_and_changes_nothing(keyring: Keyring) -> None:
    failed = keyring.cli(
        "login", "--no-browser", "--store", "keyring", "--port", "0",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )  # fmt: skip
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1
    assert "no usable OS keyring" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "http" not in failed.stdout  # failed before the browser, and before any code
    assert not keyring.token_path.exists()


def test_a_deleted_entry_is_one_line_and_the_file_is_kept(keyring: Keyring) -> None:
    keyring.login()
    before = keyring.token_path.read_bytes()
    keyring.delete_entry()
    result = keyring.cli("refresh")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "has no entry" in result.stderr
    assert "strava-auth login --store keyring" in result.stderr
    assert keyring.token_path.read_bytes() == before


def lock_the_keyring() -> None:
    """Lock the Secret Service's default collection (DBUS_SESSION_BUS_ADDRESS finds it)."""
    import secretstorage

    secretstorage.get_default_collection(secretstorage.dbus_init()).lock()


def test_a_locked_keyring_is_one_line_and_strava_is_not_asked(
    own_secret_service: dict[str, str],
    sim_env: SimulatedStrava,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring = Keyring(own_secret_service, sim_env)
    keyring.login()
    before = keyring.token_path.read_bytes()
    asked = sim_env.requests.count("POST /oauth/token refresh_token")
    find_keyring_here(own_secret_service, monkeypatch)
    lock_the_keyring()
    result = keyring.cli("refresh")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "the OS keyring is locked" in result.stderr
    assert sim_env.requests.count("POST /oauth/token refresh_token") == asked
    assert keyring.token_path.read_bytes() == before


@pytest.mark.usefixtures("with_creds")
def test_a_keyring_that_refuses_the_rotation_gets_it_into_the_file(
    own_secret_service: dict[str, str],
    strava: HTTPServer,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Strava rotates, and just then the keyring locks: the new refresh token must not be lost.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", own_secret_service["DBUS_SESSION_BUS_ADDRESS"])
    env = {**os.environ, **own_secret_service, "STRAVA_TOKEN_FILE": str(token_path)}
    entry = f"default/{CLIENT_ID}"
    keyring_lib.set_password(SERVICE, entry, REFRESH)  # this process finds that keyring too
    stored(token_path, -10)
    in_keyring = json.loads(token_path.read_text()) | {"refresh_token_in": "keyring"}
    in_keyring |= {"keyring_entry": entry}
    del in_keyring["refresh_token"]
    token_path.write_text(json.dumps(in_keyring))

    def rotate_then_lock(request: Request) -> Response:
        lock_the_keyring()
        return Response(json.dumps(refresh_answer()), content_type="application/json")

    strava.expect_oneshot_request("/oauth/token", method="POST").respond_with_handler(
        rotate_then_lock
    )
    result = subprocess.run(
        [*PY_M, "token"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{NEW_ACCESS}\n"
    saved = json.loads(token_path.read_text())
    assert saved["refresh_token"] == NEW_REFRESH  # in the file, not lost
    assert "refresh_token_in" not in saved
    assert "strava-auth store keyring" in result.stderr  # the WARNING says how to move it back
    assert NEW_REFRESH not in result.stderr


def test_without_the_extra_one_line_names_the_install(keyring: Keyring, tmp_path: Path) -> None:
    hide = tmp_path / "no-keyring"
    hide.mkdir()
    (hide / "keyring.py").write_text("raise ModuleNotFoundError(name='keyring')\n")
    result = keyring.cli(
        "login", "--no-browser", "--store", "keyring", "--port", "0",
        PYTHONPATH=str(hide),
    )  # fmt: skip
    assert result.returncode == 1
    assert "pip install '.[keyring]'" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.fixture
def here(
    os_keyring: dict[str, str], monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Ran]
) -> Iterator[Callable[..., Ran]]:
    """``strava-auth`` in this process, with the session's keyring.

    Every entry made through it is removed afterwards.
    """
    find_keyring_here(os_keyring, monkeypatch)
    made: list[str] = []

    def run(*args: str) -> Ran:
        ran = cli(*args)
        made.extend(e for e in _entries_named(ran.out) if e not in made)
        return ran

    yield run
    for entry in made:
        with contextlib.suppress(Exception):
            keyring_lib.delete_password(SERVICE, entry)


def _entries_named(out: str) -> list[str]:
    return re.findall(r"entry '([^']+)'", out)


def test_two_token_files_of_one_app_never_share_an_entry(
    here: Callable[..., Ran], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repro: the token without a profile and the profile named "default" (the
    # same app) both keep their refresh token in the keyring; logging one out must leave the
    # other's. The client ID is this test's own (Windows' test processes share one keyring).
    client_id = 100_000 + uuid.uuid4().int % 800_000
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(client_id))
    config = Path(os.environ["STRAVA_AUTH_CONFIG_DIR"])
    first, second = config / "token.json", config / "profiles" / "default" / "token.json"
    stored(first, 3600, refresh_token="refresh-of-the-first", client_id=client_id)
    stored(second, 3600, refresh_token="refresh-of-the-second", client_id=client_id)
    assert here("store", "keyring").code == 0
    assert here("--profile", "default", "store", "keyring").code == 0
    entries = {read_token(first).keyring_entry, read_token(second).keyring_entry}
    assert len(entries) == 2
    assert here("--profile", "default", "logout", "--local-only").code == 0
    exported = here("export", "--refresh-token", "--yes")
    assert exported.code == 0, exported.err
    assert exported.out == "refresh-of-the-first\n"
    here("store", "file")  # (its entry goes)
