"""Windows' sharing rules: a file operation retried while another process holds the file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Seconds a read, replace or unlink keeps trying while Windows refuses it because another
#: process is replacing or holds the file (readers hold the token file for one read only).
#: Windows says "access denied" then (a replace in progress, or a file open without
#: FILE_SHARE_DELETE, as Python opens files) or "sharing violation": a PermissionError.
SHARING_TIMEOUT = 5.0


def retry_while_in_use(action: Callable[[], T], timeout: float = SHARING_TIMEOUT) -> T:
    """``action()`` (an open, replace or unlink), retried while another process holds the file.

    On Windows only, for up to ``timeout`` seconds.

    Raises:
        OSError: what ``action`` raised, once it is not worth waiting for.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            return action()
        except PermissionError:
            # Elsewhere (and once the time is up) a PermissionError is what it says.
            if os.name != "nt" or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
