"""Private atomic writes when the disk or the folder misbehave.

Private atomic writes when the disk or the folder misbehave: full disk, odd folder modes,
folders other users can change.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper import get_access_token
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.errors import ReservationError, UnsafeFolderError
from strava_auth_helper.store import private_files
from strava_auth_helper.store.private_files import temp_path, write_private
from strava_auth_helper.store.token_file import read_token
from tests.fakes import beyond_checks, expect_refresh, stored
from tests.helpers import (
    CODE,
    NEW_ACCESS,
    NEW_REFRESH,
    POSIX_MODES,
    WINDOWS,
    WITHOUT_ROOT_PRIVILEGES,
    assert_private,
    http_get,
)
from tests.terminals import LoginRun


def fill_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every allocation fails as on a full disk."""

    def no_space(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", no_space, raising=False)


@pytest.mark.usefixtures("with_creds")
def test_a_full_disk_fails_before_strava_is_asked(
    strava: HTTPServer, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored(token_path, -10)
    before = token_path.read_bytes()
    fill_the_disk(monkeypatch)
    with pytest.raises(ReservationError) as failure:
        get_access_token(token_path)
    message = str(failure.value)
    assert "No space left on device" in message
    assert "Strava was not asked: the saved refresh token still works" in message
    assert strava.log == []  # the refresh token was not spent
    assert token_path.read_bytes() == before
    assert not temp_path(token_path).exists()


def test_a_full_disk_does_not_spend_the_login_code(
    strava: HTTPServer,
    login_options: LoginOptions,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill_the_disk(monkeypatch)
    run = LoginRun(login_options)
    page = http_get(run.redirect(state=run.state, code=CODE, scope="read"))
    assert page.status_code == 502
    assert "No space left on device" in page.text
    assert isinstance(run.failure(), ReservationError)
    assert beyond_checks(strava) == []  # the single-use code is still unspent
    assert not token_path.exists()


@POSIX_MODES
@pytest.mark.usefixtures("with_creds")
def test_a_folder_that_cannot_be_synced_is_still_a_successful_save(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)
    expect_refresh(strava)
    token_path.parent.chmod(0o300)  # write and search, but no reading: the folder fsync fails
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                WITHOUT_ROOT_PRIVILEGES,
                "-c",
                "import sys; from strava_auth_helper import get_access_token as g;"
                "print(g(sys.argv[1]))",
                str(token_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        token_path.parent.chmod(0o700)
    if result.returncode == 77:
        pytest.skip("cannot drop root's file-permission override here (prctl refused)")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{NEW_ACCESS}\n"
    assert "lost" not in result.stderr
    assert read_token(token_path).refresh_token == NEW_REFRESH


@POSIX_MODES
@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_folder_others_can_write_to_is_refused(tmp_path: Path, mode: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    with pytest.raises(UnsafeFolderError, match=f"chmod go-w {folder}"):
        write_private(folder / "token.json", b"{}")
    assert os.listdir(folder) == []


@POSIX_MODES
@pytest.mark.usefixtures("with_creds")
def test_a_refresh_into_an_unsafe_folder_does_not_ask_strava(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, -10)
    token_path.parent.chmod(0o777)
    with pytest.raises(UnsafeFolderError, match="can be written by other users"):
        get_access_token(token_path)
    assert strava.log == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving a folder to another user needs root (and POSIX owners)",
)
def test_a_folder_another_user_owns_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    with pytest.raises(UnsafeFolderError, match="belongs to another user"):
        write_private(folder / "token.json", b"{}")


@POSIX_MODES
def test_write_is_private_from_creation(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "t.json"
    old_umask = os.umask(0)
    try:
        write_private(path, b"{}")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_write_replaces_a_world_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, b"new")
    assert path.read_bytes() == b"new"
    assert_private(path)


def test_stale_temp_file_is_replaced_not_piled_up(tmp_path: Path) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    temp_path(path).write_text("left by a killed writer")
    write_private(path, b"fresh")
    assert path.read_bytes() == b"fresh"
    assert os.listdir(path.parent) == ["t.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_write_that_fails_before_the_replace_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    path.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, failing, broken)
    # Where space is set aside by writing it (macOS, Windows) an fsync failure comes earlier,
    # as a ReservationError with the same words.
    with pytest.raises((OSError, ReservationError), match="Input/output"):
        write_private(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(path.parent) == ["t.json"]


def test_a_full_sync_uses_f_fullfsync_where_the_platform_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # macOS's fsync stops at the drive's cache; F_FULLFSYNC reaches the platter. No fcntl
    # here has it (Linux, Windows): a stand-in module that does stands in for macOS's.
    calls: list[int] = []
    refuse = False

    class MacFcntl:
        F_FULLFSYNC = 51

        @staticmethod
        def fcntl(fd: int, command: int) -> int:
            calls.append(command)
            if refuse:  # a file system that does not support it (a network share)
                raise OSError(45, "Operation not supported")
            return 0

    synced: list[str] = []  # what each plain fsync was of: the file, or its folder
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(private_files, "fcntl", MacFcntl)
    write_private(tmp_path / "d" / "t.json", b"{}")
    assert set(calls) == {MacFcntl.F_FULLFSYNC}  # (twice where space is reserved by writing)
    assert "file" not in synced  # the file's data went through F_FULLFSYNC alone
    assert (tmp_path / "d" / "t.json").read_bytes() == b"{}"

    synced.clear()
    refuse = True
    write_private(tmp_path / "e" / "t.json", b"{}")
    assert "file" in synced  # refused there: fsync instead

    synced.clear()
    monkeypatch.setattr(private_files, "fcntl", None)  # Windows: no fcntl; plain fsync
    write_private(tmp_path / "f" / "t.json", b"{}")
    assert "file" in synced


@pytest.mark.usefixtures("with_creds")
def test_a_reader_holding_the_token_file_does_not_make_a_refresh_fail(
    strava: HTTPServer, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On Windows, os.replace fails while another process has the target open (Python opens
    # files without FILE_SHARE_DELETE): the write retries until that read is over. Here the
    # "other process" finishes its read the first time the replace is refused.
    stored(token_path, -10)
    expect_refresh(strava)
    reader = open(token_path, "rb")  # noqa: SIM115 - held open on purpose
    refused: list[str] = []
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        try:
            real_replace(source, target)  # type: ignore[arg-type]
        except PermissionError:
            refused.append(str(target))
            reader.close()
            raise

    monkeypatch.setattr(os, "replace", replace)
    try:
        assert get_access_token(token_path) == NEW_ACCESS
    finally:
        reader.close()
    assert read_token(token_path).refresh_token == NEW_REFRESH
    # Windows refused the first replace and the write tried again; elsewhere it never refuses.
    assert refused == ([str(token_path)] if WINDOWS else [])
