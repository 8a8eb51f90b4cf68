"""``$STRAVA_AUTH_ON_ROTATE``: a rotated refresh token handed to the person's secret store."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import threading
from collections import deque
from typing import IO

from ..errors import COMMAND, os_reason
from ..safe_text import safe

log = logging.getLogger(__name__)

#: Seconds the command may take.
HOOK_TIMEOUT = 30.0
#: What is kept of its output for the failure line (the end of it, where errors are).
OUTPUT_KEPT = 4096
#: Seconds its output is still read once it exited (a child it left may keep the pipe).
AFTER_EXIT = 1.0


def run_hook(command: list[str], refresh_token: str, timeout: float | None = None) -> str | None:
    """Run ``command`` with ``refresh_token`` on its standard input (never its command line).

    E.g. ``gh secret set STRAVA_REFRESH_TOKEN``. It may take at most ``timeout`` seconds
    (default :data:`HOOK_TIMEOUT`), and is judged by its own exit status: a child it leaves
    running with its output is not waited for, and of what it prints the last bytes are kept.

    Returns:
        None when it exited 0; else one line that names the command and says what failed
        (what it printed is cleaned, cut and stripped of the token).
    """
    shown = shlex.join(command)
    timeout = HOOK_TIMEOUT if timeout is None else timeout
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    except FileNotFoundError:
        return _failed(shown, f"{command[0]!r} was not found")
    except OSError as exc:
        return _failed(shown, f"it could not be started: {os_reason(exc)}")
    tail = _Tail(process.stdout)
    _give(process, refresh_token)
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return _failed(shown, f"it did not finish within {timeout:g} s (it was stopped)")
    finally:
        tail.finish(AFTER_EXIT)
    if status != 0:
        said = safe(tail.text().strip()[-200:], [refresh_token], 200)  # its last words
        return _failed(shown, f"it exited with status {status}" + (f": {said}" if said else ""))
    log.debug("%s took the rotated refresh token", command[0])
    return None


def _give(process: subprocess.Popen[bytes], refresh_token: str) -> None:
    # A command that exits without reading its input is judged by its status, not a pipe.
    assert process.stdin is not None
    with contextlib.suppress(OSError):
        process.stdin.write(refresh_token.encode() + b"\n")
    with contextlib.suppress(OSError):
        process.stdin.close()


class _Tail:
    """The last :data:`OUTPUT_KEPT` bytes of a stream, read on a daemon thread."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._lock = threading.Lock()
        self._stream = stream
        self._thread = threading.Thread(target=self._read, name="hook-output", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        if self._stream is None:
            return
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(self._stream.fileno(), 65536):
                with self._lock:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                    while self._size - len(self._chunks[0]) >= OUTPUT_KEPT:
                        self._size -= len(self._chunks.popleft())

    def finish(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the rest; then stop caring (a child may hold it)."""
        self._thread.join(grace)

    def text(self) -> str:
        """What was kept, decoded as safely as anything is."""
        with self._lock:
            kept = b"".join(self._chunks)
        return kept[-OUTPUT_KEPT:].decode("utf-8", "replace")


def _failed(shown: str, what: str) -> str:
    return (
        f"STRAVA_AUTH_ON_ROTATE `{shown}` failed: {what}. The new refresh token is saved in "
        "the token file, but your secret store still holds the old one, which Strava now "
        f"refuses: update it (`{COMMAND} export --refresh-token | ...`)"
    )
