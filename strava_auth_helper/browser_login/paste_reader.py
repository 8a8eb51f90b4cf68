"""Lines pasted on standard input while a login waits, never read past what is handed over."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger(__name__)

#: How often a Windows pipe or console is looked at (they cannot be waited on with select).
POLL_INTERVAL = 0.05

OnLine = Callable[[str], bool]  # a line -> True when no more lines are wanted


class PasteReader:
    """Hand each line of ``stream`` to ``on_line`` until it returns True.

    Or until the stream ends, or :meth:`stop` is called. Where the stream has a file descriptor,
    bytes are read one at a time, and only once they are there (select on POSIX; PeekNamedPipe or
    the console's key buffer on Windows), so stopping takes nothing from it. A stream without one (a
    StringIO) is read line by line.
    """

    def __init__(self, stream: TextIO, on_line: OnLine) -> None:
        self._stream = stream
        self._on_line = on_line
        self._stopped = threading.Event()
        self._wake_r, self._wake_w = os.pipe() if os.name == "posix" else (-1, -1)
        self._thread = threading.Thread(target=self._run, name="read-pasted", daemon=True)

    def start(self) -> None:
        """Start reading on a daemon thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop reading, at once; what has not been read stays in the stream."""
        self._stopped.set()
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"\0")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r = self._wake_w = -1

    def _run(self) -> None:
        try:
            fd = self._stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            fd = None
        read_line = self._line_reader(fd)
        while not self._stopped.is_set():
            line = read_line()
            if line is None or self._stopped.is_set():
                return
            if line.strip() and self._on_line(line):
                return

    def _line_reader(self, fd: int | None) -> Callable[[], str | None]:
        if fd is None:
            return self._readline
        if os.name == "posix":
            return lambda: self._bytes_to_line(fd, self._wait_posix)
        if _is_console(fd):
            return lambda: self._console_line(fd)
        return lambda: self._bytes_to_line(fd, self._wait_windows_pipe)

    def _readline(self) -> str | None:
        line = self._stream.readline()
        return line or None

    def _bytes_to_line(self, fd: int, wait: Callable[[int], bool]) -> str | None:
        """One line, read a byte at a time once each is there; None at the end or on stop."""
        data = bytearray()
        while not data.endswith(b"\n"):
            if not wait(fd):
                return None
            byte = os.read(fd, 1)
            if not byte:  # end of input: a last line without a newline still counts
                break
            data += byte
        if not data:
            return None
        encoding = getattr(self._stream, "encoding", None) or "utf-8"
        return data.decode(encoding, "replace")

    def _wait_posix(self, fd: int) -> bool:
        # select(), not epoll: standard input may be a regular file or /dev/null, which epoll
        # refuses (and which are always ready: os.read then reports the end).
        ready, _, _ = select.select([fd, self._wake_r], [], [])
        return fd in ready and not self._stopped.is_set()

    def _wait_windows_pipe(self, fd: int) -> bool:
        while not self._stopped.is_set():
            if _pipe_has_data(fd):
                return True
            time.sleep(POLL_INTERVAL)
        return False

    def _console_line(self, fd: int) -> str | None:
        # A Windows console: wait for a key before reading, so that a login that ends while
        # nothing is typed leaves the console alone. (Once typing has begun, the line is
        # read whole, with the console's own line editing.)
        while not _key_pressed():
            if self._stopped.wait(POLL_INTERVAL):
                return None
        line = self._stream.readline()
        return line or None


def _is_console(fd: int) -> bool:
    return sys.platform == "win32" and os.isatty(fd)


if sys.platform == "win32":
    import _winapi
    import msvcrt

    def _pipe_has_data(fd: int) -> bool:
        """Bytes are waiting in the pipe, or it was closed (os.read then says so)."""
        try:
            return bool(_winapi.PeekNamedPipe(msvcrt.get_osfhandle(fd), 0)[0])
        except OSError:
            return True

    def _key_pressed() -> bool:
        return msvcrt.kbhit()

else:  # only Windows has pipes and consoles that select() cannot wait on

    def _pipe_has_data(fd: int) -> bool:
        raise NotImplementedError

    def _key_pressed() -> bool:
        raise NotImplementedError
