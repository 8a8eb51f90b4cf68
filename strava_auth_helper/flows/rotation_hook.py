"""``$STRAVA_AUTH_ON_ROTATE``: hand a rotated refresh token to the user's secret store.

``$STRAVA_AUTH_ON_ROTATE``: hand a rotated refresh token to the user's secret store (e.g.
``gh secret set STRAVA_REFRESH_TOKEN``), on the command's standard input, never its command
line, and say in one line what went wrong if it did not take it.
"""

from __future__ import annotations

import logging
import shlex
import subprocess

from ..errors import os_reason
from ..safe_text import safe

log = logging.getLogger(__name__)

#: Seconds the command may take (it runs while the token lock is held).
HOOK_TIMEOUT = 30.0


def run_hook(command: list[str], refresh_token: str, timeout: float | None = None) -> str | None:
    """Run ``command`` with ``refresh_token`` on its standard input.

    Run ``command`` with ``refresh_token`` on its standard input, for at most ``timeout``
    seconds (default :data:`HOOK_TIMEOUT`).

    Returns:
        None when it exited 0; else one line that names the command and says what failed
        (what it printed is cleaned, cut and stripped of the token).
    """
    shown = shlex.join(command)
    timeout = HOOK_TIMEOUT if timeout is None else timeout
    try:
        result = subprocess.run(
            command,
            input=refresh_token + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return _failed(shown, f"{command[0]!r} was not found")
    except subprocess.TimeoutExpired:
        return _failed(shown, f"it did not finish within {timeout:g} s (it was stopped)")
    except OSError as exc:
        return _failed(shown, f"it could not be started: {os_reason(exc)}")
    if result.returncode != 0:
        said = safe((result.stderr or result.stdout or "").strip(), [refresh_token], 200)
        return _failed(
            shown, f"it exited with status {result.returncode}" + (f": {said}" if said else "")
        )
    log.debug("%s took the rotated refresh token", command[0])
    return None


def _failed(shown: str, what: str) -> str:
    return (
        f"STRAVA_AUTH_ON_ROTATE `{shown}` failed: {what}. The new refresh token is saved in "
        "the token file, but your secret store still holds the old one, which Strava now "
        "refuses: update it (`strava-auth export --refresh-token | ...`)"
    )
