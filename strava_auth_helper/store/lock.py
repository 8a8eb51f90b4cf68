"""The cross-process lock beside the token file (filelock), with a bounded wait."""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import LockTimeoutError, TokenFileError, os_reason
from .private_files import make_private_dirs

#: Seconds to wait for another process that holds the token lock.
LOCK_TIMEOUT = 60.0


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path`` against concurrent writers."""
    return path.with_name(path.name + ".lock")


class TokenLock:
    """Hold the lock on a token file: ``with TokenLock(path): ...``."""

    def __init__(self, path: Path, timeout: float | None = None) -> None:
        self._path = path
        self._timeout = LOCK_TIMEOUT if timeout is None else timeout
        self._lock = FileLock(lock_path(path), timeout=self._timeout, mode=0o600)

    def __enter__(self) -> TokenLock:
        make_private_dirs(self._path.parent)
        try:
            self._lock.acquire()
        except Timeout:
            raise LockTimeoutError(
                f"another process has held the lock on {self._path} for over "
                f"{self._timeout:g} s; is another strava-auth or script stuck?"
            ) from None
        except OSError as exc:
            raise TokenFileError(
                f"cannot lock {self._path}: {os_reason(exc)} ({lock_path(self._path)})"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def discard(self) -> None:
        """Delete the lock file with the token it guards (logout), while still holding it.

        A process waiting for it then locks a file nobody else will, and finds no token
        (filelock tries again when the file it locked was unlinked). Windows cannot delete a
        file that is open; there filelock deletes the lock file when it is released.
        """
        if os.name != "nt":
            lock_path(self._path).unlink(missing_ok=True)
