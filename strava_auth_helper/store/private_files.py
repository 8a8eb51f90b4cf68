"""Private, atomic file writes: 0600 from creation, space reserved first, synced, replaced."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from ..errors import ReservationError, TokenFileError, UnsafeFolderError, os_reason
from .windows_retry import retry_while_in_use

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: no fcntl; os.fsync (FlushFileBuffers) is a full sync there
    fcntl = None

log = logging.getLogger(__name__)

#: os.open flag for binary files: 0 where there is no text mode (everywhere but Windows).
O_BINARY: int = getattr(os, "O_BINARY", 0)


def temp_path(path: Path) -> Path:
    """The one temporary file a write goes through (a killed writer leaves at most this)."""
    return path.with_name(f".{path.name}.tmp")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, mode 0600 (see :func:`reserve`).

    Raises:
        UnsafeFolderError, ReservationError: nothing was changed.
        OSError: writing failed; the old file is still in place.
    """
    with reserve(path, len(data)) as reservation:
        reservation.commit(data)


class Reservation:
    """A temporary file beside the target with its space allocated, waiting for its data."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self.committed = False

    def commit(self, data: bytes) -> None:
        """Write ``data`` and move it into place; a larger ``data`` than reserved may fail.

        Raises:
            OSError: before the file was replaced (the old one is still there).
        """
        if self._fd is None:
            raise ValueError("this reservation was already used")
        _write_at_start(self._fd, data)
        os.ftruncate(self._fd, len(data))
        full_sync(self._fd)
        self.close()  # Windows refuses to replace a file that is still open
        retry_while_in_use(lambda: os.replace(temp_path(self.path), self.path))
        self.committed = True
        _fsync_dir(self.path.parent)

    def close(self) -> None:
        """Close the temporary file (once)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def full_sync(fd: int) -> None:
    """Flush ``fd`` to stable storage.

    ``F_FULLFSYNC`` where the platform has it (macOS, whose ``fsync`` only reaches the
    drive's cache), else ``fsync``.
    """
    if fcntl is not None and hasattr(fcntl, "F_FULLFSYNC"):
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:  # a file system that does not support it (e.g. a network share)
            pass
    os.fsync(fd)


@contextmanager
def reserve(path: Path, size: int, *, failure_note: str = "") -> Iterator[Reservation]:
    """Create the temporary file (0600, exclusive) and allocate ``size`` bytes for it.

    So callers know a write will succeed before they do what cannot be undone (a refresh rotates the
    refresh token); :meth:`Reservation.commit` then fills and moves it. Folders it has to create get
    mode 0700; an existing folder that other users can write to, or that another user owns, is
    refused. Leaving the block without a commit removes the temporary file and changes nothing.
    ``failure_note`` ends the message of a failure (what it means for the caller).

    Raises:
        UnsafeFolderError: the folder is not private enough (says how to fix it).
        ReservationError: no space (or no permission): nothing was changed.
    """
    make_private_dirs(path.parent)
    tmp = temp_path(path)
    try:
        fd = _create_exclusive(tmp)
    except OSError as exc:
        raise ReservationError(_cannot_write(path, exc) + failure_note) from None
    reservation = Reservation(path, fd)
    try:
        try:
            _allocate(fd, max(size, 1))
        except OSError as exc:
            raise ReservationError(_cannot_write(path, exc) + failure_note) from None
        yield reservation
    finally:
        reservation.close()
        if not reservation.committed:
            retry_while_in_use(lambda: tmp.unlink(missing_ok=True))


def _cannot_write(path: Path, exc: OSError) -> str:
    return f"cannot write {path}: {os_reason(exc)}; nothing was changed"


def _allocate(fd: int, size: int) -> None:
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
    else:  # macOS, Windows: writing the bytes is what proves they fit
        os.write(fd, b"\0" * size)
        full_sync(fd)


def _write_at_start(fd: int, data: bytes) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, mode 0700; refuse one others could change.

    Raises:
        UnsafeFolderError: ``folder`` is writable by others or owned by another user.
        TokenFileError: it cannot be created.
    """
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    try:
        for d in reversed(missing):
            d.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise TokenFileError(
            f"cannot create the folder {exc.filename or missing[-1]}: {os_reason(exc)}"
        ) from None
    if missing:
        return
    check_private_folder(folder)


def check_private_folder(folder: Path) -> None:
    """Refuse a folder where another user could replace or pre-create our files.

    Raises:
        UnsafeFolderError: it is writable by group or others, or owned by another user.
    """
    if os.name != "posix":
        return  # Windows: the per-user folders are private by their ACLs
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid not in (os.getuid(), 0):
        raise UnsafeFolderError(
            f"the folder {folder} belongs to another user (uid {info.st_uid}), who could "
            "replace the token in it: choose a folder of your own (STRAVA_TOKEN_FILE or "
            "--token-file)"
        )
    if mode & 0o022:
        raise UnsafeFolderError(
            f"the folder {folder} can be written by other users (mode {mode:04o}), who could "
            f"replace the token in it: run `chmod go-w {folder}` or choose a folder of your "
            "own (STRAVA_TOKEN_FILE or --token-file)"
        )


def _create_exclusive(tmp: Path) -> int:
    # O_NOFOLLOW where it exists (not on Windows, whose temporary file is made by us alone
    # in a per-user folder); O_BINARY on Windows.
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | O_BINARY
    try:
        return os.open(tmp, flags, 0o600)
    except FileExistsError:
        # Left by a writer that was killed; we hold the lock, so it is stale.
        retry_while_in_use(tmp.unlink)
        return os.open(tmp, flags, 0o600)


def _fsync_dir(folder: Path) -> None:
    # After os.replace the new file is in place: a folder that cannot be opened (mode 0300)
    # or synced only makes the rename less durable across a power cut. It is not a failure.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.debug("could not sync the folder %s: %s", folder, exc.strerror)
