"""A keyring that never answers, or is locked: one line, in bounded time, nothing lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import keyring.core
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from strava_auth_helper.store import os_keyring
from tests.fakes import stored
from tests.helpers import Ran

ENTRY = "default/4242/test-entry"


class Hanging(KeyringBackend):
    """A Secret Service waiting on an unlock prompt that nobody sees."""

    priority = 1
    #: Never among the backends keyring finds by itself (every subclass is registered; its
    #: chainer would otherwise call this one in other tests of this process).
    viable = False

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # (keyring has no hints there)
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(60)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(60)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(60)


class Locked(KeyringBackend):
    """A keyring that refuses while it is locked."""

    priority = 1
    viable = False  # (as Hanging's)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # (keyring has no hints there)

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyringBackend], None]:
    """Set this process's keyring backend for one test.

    What was there before comes back after, even "none chosen yet": other tests let keyring
    choose its backend once their D-Bus session is set.
    """

    def use(chosen: KeyringBackend) -> None:
        monkeypatch.setattr(keyring.core, "_keyring_backend", chosen)

    return use


def in_keyring(token_path: Path, expires_in: float) -> None:
    stored(
        token_path, expires_in, refresh_token=None, refresh_token_in="keyring", keyring_entry=ENTRY
    )


@pytest.mark.usefixtures("with_creds")
def test_a_keyring_that_never_answers_is_one_line_in_bounded_time(
    backend: Callable[[KeyringBackend], None],
    cli: Callable[..., Ran],
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hanging = Hanging()
    backend(hanging)
    monkeypatch.setattr(os_keyring, "KEYRING_TIMEOUT", 0.3)
    in_keyring(token_path, -10)
    before = token_path.read_bytes()
    try:
        ran = cli("token", "--token-file", str(token_path))  # no Strava here: not asked
    finally:
        hanging.release.set()
    assert ran.code == 1
    assert ran.err.count("\n") == 1
    assert "did not answer within 0.3 s" in ran.err
    assert token_path.read_bytes() == before


def test_logout_local_only_with_a_locked_keyring_deletes_the_file_and_names_the_entry(
    backend: Callable[[KeyringBackend], None],
    cli: Callable[..., Ran],
    token_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend(Locked())
    in_keyring(token_path, 3600)
    ran = cli("logout", "--local-only", "--token-file", str(token_path))
    assert ran.code == 0, ran.err
    assert not token_path.exists()
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "the OS keyring is locked" in warning
    assert ENTRY in warning
    assert "keyring del strava-auth-helper" in warning


@pytest.mark.usefixtures("with_creds")
def test_logout_without_local_only_keeps_the_file_when_the_keyring_is_locked(
    backend: Callable[[KeyringBackend], None],
    cli: Callable[..., Ran],
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend(Locked())
    in_keyring(token_path, 3600)
    ran = cli("logout", "--token-file", str(token_path))
    assert ran.code == 1
    assert "locked" in ran.err
    assert token_path.exists()
