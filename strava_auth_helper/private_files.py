"""Private, atomic file writes: 0600 from creation, fsync, ``os.replace``, folders 0700."""

from __future__ import annotations

import os
from pathlib import Path


def temp_path(path: Path) -> Path:
    """The one temporary file a write goes through (a killed writer leaves at most this)."""
    return path.with_name(f".{path.name}.tmp")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: 0600 from creation, fsync, ``os.replace``.

    Folders it has to create get mode 0700. A crash at any instant leaves the old file
    or the new one, never a mix. Concurrent writers of the same path must hold its lock.
    """
    make_private_dirs(path.parent)
    tmp = temp_path(path)
    fd = _create_exclusive(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0700 (existing ones are kept)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)


def _create_exclusive(tmp: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(tmp, flags, 0o600)
    except FileExistsError:
        tmp.unlink()  # left by a writer that was killed; we hold the lock, so it is stale
        return os.open(tmp, flags, 0o600)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
