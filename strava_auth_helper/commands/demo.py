"""``strava-auth demo``: the real login and refresh, run against the simulated Strava."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO
from unittest import mock

from .. import settings
from ..browser_login.flow import LoginOptions, run_login
from ..demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)
from ..errors import COMMAND, LOGIN_HINT, ReauthorizationRequiredError, shell_quoted
from ..model.app import ENV_CLIENT_ID, ENV_CLIENT_SECRET, Credentials
from ..model.rules import DEFAULT_MIN_TTL
from ..safe_text import print_safely
from ..settings import FoundCredentials
from ..store.location import ENV_TOKEN_FILE
from ..strava import api
from .refresh import load_token, token_result

_DEMO_APP = FoundCredentials(Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))


def run_demo(
    token_file: Path | None,
    *,
    open_browser: bool,
    port: int | None = None,
    serve: bool = False,
    out: TextIO | None = None,
) -> None:
    """Log in to the simulation, then show ``get_access_token()`` at work.

    The login is in the browser, or approved on the athlete's behalf; then the token is read,
    refreshed, and its rotated refresh token saved. With ``serve``, keep the simulation running
    afterwards (until Ctrl-C) and print the settings that point other shells' scripts at it.
    """
    out = out or sys.stdout
    scratch = None if token_file else Path(tempfile.mkdtemp(prefix="strava-auth-demo-"))
    path = token_file if token_file else Path(str(scratch), "token.json")
    try:
        with SimulatedStrava() as sim, mock.patch.dict(os.environ, _demo_env(sim, path)):
            sim.state.rotate_every = 1  # shown: Strava may hand out a new one on any refresh
            _say(out, f"Demo: a simulated Strava is running at {sim.base_url}")
            _say(out, f"Demo: the token goes to {'a throw-away file, ' if scratch else ''}{path}")
            _login(sim, path, open_browser=open_browser, port=port, out=out)
            _refresh(sim, out)
            if serve:
                _serve(_demo_env(sim, path), out)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            _say(out, "Demo: deleted the throw-away token file.")


def _demo_env(sim: SimulatedStrava, path: Path) -> dict[str, str]:
    return {
        settings.ENV_BASE_URL: sim.base_url,
        settings.ENV_API_URL: sim.api_base_url,  # the API on its own host, as from 2027
        ENV_CLIENT_ID: str(DEMO_CLIENT_ID),
        ENV_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        ENV_TOKEN_FILE: str(path),
    }


def _serve(env: dict[str, str], out: TextIO) -> None:
    _say(out, "\nDemo: the simulated Strava keeps running. Try your own scripts against it")
    _say(out, "from another shell (the token above is already there), after:\n")
    for name, value in env.items():
        _say(out, setting_line(name, value))
    python = "python" if COMMAND == "strava-auth" else shell_quoted(sys.executable)
    _say(
        out, f"\ne.g. `{COMMAND} status`, or from a clone `{python} examples/requests_athlete.py`."
    )
    for name in ("SIGTERM", "SIGHUP"):  # stopped otherwise (kill, a closed terminal): the same
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    _say(out, "Press Ctrl-C to stop it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        _say(out, "\nDemo: stopped.")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds as Ctrl-C does: the throw-away token file goes too


def setting_line(name: str, value: str, windows: bool = os.name == "nt") -> str:
    """The line that sets ``name`` in the user's shell.

    ``export NAME='value'`` (sh), or ``set "NAME=value"`` (cmd.exe: the quotes keep
    & ( ) ^ and spaces in the value).
    """
    return f'set "{name}={value}"' if windows else f"export {name}={shlex.quote(value)}"


def _say(out: TextIO, line: str) -> None:
    print_safely(line, out)


def _login(
    sim: SimulatedStrava, path: Path, *, open_browser: bool, port: int | None, out: TextIO
) -> None:
    options = LoginOptions(token_path=path, base_url=sim.base_url, port=port, timeout=300)
    opener: Callable[[str], object] = press_authorize
    if open_browser:
        _say(out, "\n1. Log in: press Authorize (or Cancel) on the page that opens.")
        opener = partial(_browser_or_approve, out=out)
    else:
        _say(out, "\n1. Log in: no browser, so the demo presses Authorize for you.")
    result = run_login(options, _DEMO_APP, out=out, opener=opener)
    _say(out, f"   Logged in as {result.token.athlete_name}; granted: {result.token.scope}")


def _browser_or_approve(url: str, out: TextIO) -> bool:
    """Open the browser; where there is none (SSH, a server), play the athlete instead."""
    if webbrowser.open(url):
        return True
    _say(out, "   No browser found: the demo presses Authorize for you.")
    press_authorize(url)
    return True


def _refresh(sim: SimulatedStrava, out: TextIO) -> None:
    before = len(sim.requests)
    token_result(min_ttl=DEFAULT_MIN_TTL, force=False)
    _say(
        out,
        "\n2. get_access_token() with a fresh token: read from the file, "
        f"{len(sim.requests) - before} requests to Strava.",
    )
    old = load_token()
    new = token_result(min_ttl=DEFAULT_MIN_TTL, force=True).token
    rotated = "rotated and saved" if new.refresh_token != old.refresh_token else "unchanged"
    _say(
        out,
        "3. get_access_token(force=True): refreshed at the simulated Strava; "
        f"the refresh token was {rotated} before returning.",
    )
    try:
        api.refresh(sim.base_url, _DEMO_APP.credentials, old.refresh_token)
    except ReauthorizationRequiredError:
        _say(
            out,
            "4. The old refresh token is now refused, as on the real Strava: "
            "that is why the new one must be saved at once.",
        )
    _say(
        out,
        "\nThe real thing: create an app at https://www.strava.com/settings/api "
        f"(callback domain: localhost), then {LOGIN_HINT}.",
    )
