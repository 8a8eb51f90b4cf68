"""The one-time browser login: catcher + browser + Strava code exchange + token file."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from ..errors import (
    LOGIN_HINT,
    LoginDeclinedError,
    LoginError,
    LoginTimeoutError,
    PortInUseError,
    StravaAuthError,
)
from ..safe_text import print_safely
from ..settings import DEFAULT_LOGIN_TIMEOUT, DEFAULT_PORT, NO_PROFILE, Credentials, Profile
from ..store import save
from ..store.token import IN_FILE, RefreshTokenPlace, Token
from ..strava import api
from ..strava.api import STANDARD_TIER_ATHLETES
from ..strava.scopes import DEFAULT_SCOPE, missing_scopes
from . import browser, pages
from .catcher import Catcher, Redirect, parse_pasted
from .paste_reader import PasteReader

log = logging.getLogger(__name__)

Opener = Callable[[str], object]


@dataclass
class LoginOptions:
    """Everything one login needs; the CLI fills it from flags and settings."""

    credentials: Credentials
    token_path: Path
    base_url: str
    scope: str = DEFAULT_SCOPE
    port: int | None = None  # None: DEFAULT_PORT, or any free port if that one is busy
    timeout: float = DEFAULT_LOGIN_TIMEOUT
    force: bool = False
    open_browser: bool = True
    paste_input: TextIO | None = None  # where a pasted address is read, when that is offered
    store: RefreshTokenPlace = IN_FILE  # where the refresh token is kept
    profile: Profile = NO_PROFILE  # whose (names the keyring entry)


@dataclass(frozen=True)
class LoginResult:
    """A completed login: the token as saved, and any requested scope Strava did not grant."""

    token: Token
    token_path: Path
    missing_scopes: list[str] = field(default_factory=list)


class Frontend:
    """How the login talks to the person: lines on a terminal (this class), or a notebook.

    How the login talks to the person: lines on a terminal (this class), or a notebook's
    link and input box (``notebook.NotebookFrontend``).
    """

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def say(self, line: str) -> None:
        """One line of progress."""
        print_safely(line, self.out)

    def show_address(self, url: str) -> None:
        """The authorize address, on a line of its own, and what Strava may say instead."""
        self.say("Open this address in a browser to authorize access to Strava:")
        self.say(url)
        self.say(WAITING_HINT)

    def wait(self, catcher: Catcher, timeout: float, paste: TextIO | None) -> Redirect | None:
        """The first valid redirect, from the browser or pasted into ``paste``.

        Reading the paste stops when this returns: the stream is left for whoever reads it next.
        """
        if paste is None:
            return catcher.next_redirect(timeout)
        reader = PasteReader(paste, lambda line: self._pasted(line, catcher))
        reader.start()
        try:
            return catcher.next_redirect(timeout)
        finally:
            reader.stop()

    def _pasted(self, line: str, catcher: Catcher) -> bool:
        redirect = parse_pasted(line, catcher.state)
        if redirect is None:
            self.say(NOT_THIS_LOGIN)
            return False
        catcher.offer(redirect)
        return True


def run_login(
    options: LoginOptions,
    *,
    out: TextIO | None = None,
    opener: Opener | None = None,
    frontend: Frontend | None = None,
) -> LoginResult:
    """Run the browser login and save the token.

    Args:
        options: what to ask for and where to save.
        out: where progress lines go (default stdout).
        opener: opens a URL in a browser (default: the browser of this desktop, or Windows'
            under WSL; none in an SSH session or where there is none).
        frontend: how to talk to the person (default: lines on ``out``).

    Returns:
        The saved token and the scopes the athlete did not grant.

    Raises:
        StravaAuthError: declined, timed out, port busy, Strava refused, or saving failed.
            An existing token file is untouched in every one of these cases.
    """
    frontend = frontend or Frontend(out)
    state = secrets.token_urlsafe(32)  # 256 random bits
    with _bind(options.port, state, frontend) as catcher:
        catcher.start()  # serving before anyone can see the address
        url = api.authorize_url(
            options.base_url,
            options.credentials.client_id,
            catcher.redirect_uri,
            options.scope,
            state,
            force=options.force,
        )
        frontend.show_address(url)
        paste = _open_browser_or_explain(options, catcher, url, frontend, opener)
        redirect = frontend.wait(catcher, options.timeout, paste)
        if redirect is None:
            raise LoginTimeoutError(
                f"no answer from the browser within {options.timeout:g} s; "
                f"{LOGIN_HINT} again (nothing was saved)"
            )
        outcome = _finish_and_answer(catcher, options, redirect)
    if isinstance(outcome, StravaAuthError):
        raise outcome
    return outcome


def _bind(port: int | None, state: str, frontend: Frontend) -> Catcher:
    if port is not None:
        try:
            return Catcher(port, state)
        except OSError:
            raise PortInUseError(
                f"port {port} is already in use (another program, or a login that ended "
                "moments ago); pick another with --port, or --port 0 for any free port"
            ) from None
    try:
        return Catcher(DEFAULT_PORT, state)
    except OSError:
        catcher = Catcher(0, state)
        frontend.say(
            f"Port {DEFAULT_PORT} is busy (on macOS, AirPlay Receiver uses it); "
            f"using port {catcher.port} instead."
        )
        return catcher


def _open_browser_or_explain(
    options: LoginOptions,
    catcher: Catcher,
    url: str,
    frontend: Frontend,
    opener: Opener | None,
) -> TextIO | None:
    """Open the browser where there is one; else say how to finish.

    Open the browser where there is one; where there is none (or with --no-browser),
    say how to finish. Returns where to read a pasted address from, if that is offered.
    """
    place = None
    if options.open_browser:  # a given opener knows where it opens: no need to look
        place = browser.detect() if opener is None else browser.Place(browser.DESKTOP)
        if place.has_browser:
            _open_in_background(opener or partial(browser.open_url, place=place), url, frontend)
            return None
        for line in browser.instructions(place, catcher.port):
            frontend.say(line)
    if options.paste_input is not None and place is None:
        frontend.say("...or, after authorizing, paste the address the browser lands on here:")
    return options.paste_input


def _open_in_background(opener: Opener, url: str, frontend: Frontend) -> None:
    # A browser command may block until the browser exits (lynx, a BROWSER script):
    # opening it on a daemon thread keeps the catcher and the timeout running.
    def run() -> None:
        try:
            opened = opener(url)
        except Exception:  # any failure to open a browser is only a nuisance
            log.debug("opening the browser raised", exc_info=True)
            opened = False
        if opened is False:
            frontend.say("Could not open a browser: open the address above yourself.")

    threading.Thread(target=run, name="open-browser", daemon=True).start()


#: The line under the address: the one refusal Strava shows on its own page, never here.
WAITING_HINT = (
    'Waiting for Strava. If its page says "Limit of connected athletes exceeded", the app '
    "may only be used by the account that created it (new apps allow one athlete, a "
    f"Standard Tier app up to {STANDARD_TIER_ATHLETES}): each athlete needs an app of their "
    "own, or the app's limit must be raised."
)
NOT_THIS_LOGIN = "That is not this login's redirect address or code; try again."


def _finish_and_answer(
    catcher: Catcher, options: LoginOptions, redirect: Redirect
) -> LoginResult | StravaAuthError:
    """Exchange and save, then give the browser the page that says how it went."""
    try:
        outcome, page = _finish(options, redirect)
    except BaseException:  # a bug or Ctrl-C: the browser still gets an answer
        catcher.answer(pages.failed("The login stopped unexpectedly; nothing was saved."))
        raise
    catcher.answer(page)
    return outcome


def _finish(
    options: LoginOptions, redirect: Redirect
) -> tuple[LoginResult | StravaAuthError, pages.Page]:
    if redirect.code is None:
        return _declined(redirect)
    try:
        token = _exchange_and_save(options, redirect.code, redirect.scope)
    except StravaAuthError as exc:
        return exc, pages.failed(str(exc))
    missing = missing_scopes(options.scope, redirect.scope)
    first = str(token.athlete.get("firstname") or "")
    page = pages.success(first, token.scopes, missing, str(options.token_path))
    return LoginResult(token, options.token_path, missing), page


def _declined(redirect: Redirect) -> tuple[StravaAuthError, pages.Page]:
    if redirect.error == "access_denied":
        error: StravaAuthError = LoginDeclinedError(
            "you declined access on Strava's page; nothing was saved "
            f"({LOGIN_HINT} again and press Authorize)"
        )
        return error, pages.declined()
    error = LoginError(f"Strava redirected with error '{redirect.error}'; nothing was saved")
    return error, pages.failed(str(error))


def _exchange_and_save(options: LoginOptions, code: str, granted: str | None) -> Token:
    credentials = options.credentials

    def ask_strava() -> Token:  # called once the space is set aside: the code is single-use
        answer = api.exchange_code(options.base_url, credentials, code)
        token = Token.from_response(answer, scope=granted, client_id=credentials.client_id)
        return save.with_refresh_token_in(token, options.store, options.profile, options.token_path)

    with save.locked(options.token_path):
        return save.obtain_and_save(options.token_path, ask_strava)
