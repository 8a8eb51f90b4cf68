"""What the tests share: the test values, a few markers, small checks (fixtures: conftest.py)."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

#: The project's folder (a copy of it on the Windows leg).
ROOT = Path(__file__).resolve().parent.parent


CLIENT_ID = 4242


CLIENT_SECRET = "client-secret-d0-not-print"  # noqa: S105 - a test value


CODE = "code0123456789abcdef"


ACCESS = "access-token-0123456789"


REFRESH = "refresh-token-0123456789"


SECRETS = (CLIENT_SECRET, CODE, ACCESS, REFRESH)


NEW_ACCESS = "new-access-token-9876543210"


NEW_REFRESH = "new-refresh-token-9876543210"


PY_M = [sys.executable, "-m", "strava_auth_helper"]


#: The console script pip installed beside this interpreter (strava-auth.exe on Windows).
CONSOLE_SCRIPT = Path(sys.executable).with_name(
    "strava-auth.exe" if sys.platform == "win32" else "strava-auth"
)


WINDOWS = sys.platform == "win32"


#: For tests that need a POSIX terminal (the pty module).
NEEDS_PTY = pytest.mark.skipif(WINDOWS, reason="needs a POSIX pseudo-terminal (pty)")


#: For tests that check POSIX file modes: on Windows the per-user folder's ACL, not a mode,
#: keeps other users out.
POSIX_MODES = pytest.mark.skipif(WINDOWS, reason="checks POSIX file modes (Windows has ACLs)")


def assert_private(path: Path, mode: int = 0o600) -> None:
    """``path`` has ``mode`` where modes exist.

    ``path`` has ``mode`` (0600 for a file, 0700 for a folder) where modes exist; on
    Windows there is nothing to check per file (the per-user folder's ACL applies).
    """
    if not WINDOWS:
        assert stat.S_IMODE(path.stat().st_mode) == mode, oct(path.stat().st_mode)


@dataclass(frozen=True)
class Ran:
    """What a command line did: exit status, standard output, standard error."""

    code: int
    out: str
    err: str


def http_get(url: str, **kwargs: Any) -> requests.Response:
    """A browser's GET, bounded so that a hung server fails the test instead of hanging it."""
    return requests.get(url, timeout=10, **kwargs)


def http_post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=10, **kwargs)


def require(found: bool, what: str, how: str) -> None:
    """Skip locally when a system tool is missing; in CI (CI=true) that is a failure."""
    if found:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing in CI: {how} (.ci/run should have done it)")
    pytest.skip(f"{what} not installed; to run this test: {how}")


# Runs Python with the file-permission checks back on for root (CI runs as root, and root
# ignores folder modes): CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH leave the bounding set.
WITHOUT_ROOT_PRIVILEGES = (
    "import ctypes, os, sys\n"
    "if os.geteuid() == 0:\n"
    "    libc = ctypes.CDLL(None, use_errno=True)\n"
    "    for capability in (1, 2):\n"
    "        if libc.prctl(24, capability, 0, 0, 0) != 0:\n"
    "            sys.exit(77)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n"
)
