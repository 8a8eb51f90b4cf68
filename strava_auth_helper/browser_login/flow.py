"""The one-time browser login: catcher + browser + Strava code exchange + token file.

A login is one or more tries on one catcher: where Strava refuses the app's client ID or
secret, and they can be asked for again (on the set-up page, or at the terminal), a new try
starts with a new ``state``. Credentials that were typed are saved only once Strava has
accepted them, after the token.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import escape
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from .. import settings
from ..errors import (
    LOGIN_HINT,
    AppCredentialsError,
    AppInactiveError,
    LoginDeclinedError,
    LoginError,
    LoginTimeoutError,
    PortInUseError,
    StravaAuthError,
    StravaError,
    StravaUnavailableError,
    TokenFileError,
)
from ..safe_text import print_safely
from ..settings import (
    DEFAULT_LOGIN_TIMEOUT,
    DEFAULT_PORT,
    NO_PROFILE,
    SETTINGS_URL,
    Credentials,
    Profile,
)
from ..store import save
from ..store.quick_read import looks_like_token
from ..store.token import IN_FILE, RefreshTokenPlace, Token
from ..strava import api
from ..strava.api import STANDARD_TIER_ATHLETES
from ..strava.scopes import DEFAULT_SCOPE, missing_scopes
from . import browser, pages
from .catcher import Catcher, Redirect, parse_pasted
from .paste_reader import PasteReader

log = logging.getLogger(__name__)

Opener = Callable[[str], object]
#: Asks the terminal for the app's credentials again: given the value Strava refused
#: ("client_id" or "client_secret") and the credentials it refused.
AskAgain = Callable[[str, Credentials], Credentials]
#: Extra seconds a login with a set-up page waits: creating the Strava app takes a while.
SETUP_TIME = 900.0


@dataclass
class LoginOptions:
    """Everything one login needs; the CLI fills it from flags and settings."""

    credentials: Credentials | None  # None: ask for them on the set-up page
    token_path: Path
    base_url: str
    scope: str = DEFAULT_SCOPE
    port: int | None = None  # None: DEFAULT_PORT, or any free port if that one is busy
    timeout: float = DEFAULT_LOGIN_TIMEOUT
    force: bool = False
    open_browser: bool = True
    paste_input: TextIO | None = None  # where a pasted address is read, when that is offered
    store: RefreshTokenPlace = IN_FILE  # where the refresh token is kept
    profile: Profile = NO_PROFILE  # whose (names the keyring entry, and its .env)
    audience: str = pages.TERMINAL  # whom the pages speak to
    #: Save the credentials (to the profile's .env) once Strava accepted them: they were typed.
    keep_credentials: bool = False
    #: The .env of this package's the credentials came from: where Strava refuses them, a
    #: login that can ask again offers to replace them.
    saved_in: Path | None = None
    ask_again: AskAgain | None = None  # the terminal's prompts, where there is one
    #: Where Strava refuses saved credentials and no terminal can ask: the set-up page does.
    setup_in_browser: bool = False
    setup_problem: str | None = None  # why the set-up page asks (HTML), if it is not new
    setup_time: float = SETUP_TIME  # what the set-up page adds to the timeout


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
        """The authorize address, on a line of its own."""
        self.say("Open this address in a browser to authorize access to Strava:")
        self.say(url)

    def browser_failed(self, url: str) -> None:
        """No browser could be opened for ``url``."""
        self.say("Could not open a browser: open the address above yourself.")

    def show_setup(self, url: str) -> None:
        """The set-up page's address (the app's credentials are typed there)."""
        self.say("Set up this computer's Strava app in the browser, at:")
        self.say(url)

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
    with _bind(options.port, secrets.token_urlsafe(32), frontend) as catcher:
        catcher.audience = options.audience
        catcher.start()  # serving before anyone can see the address
        tries = _Tries(options, catcher)
        if options.credentials is None:
            url = catcher.serve_setup(tries)
            frontend.show_setup(url)
            timeout = options.timeout + options.setup_time
        else:
            url = tries.authorize(options.credentials)
            frontend.show_address(url)
            timeout = options.timeout
        paste = _open_browser_or_explain(options, catcher, url, frontend, opener)
        while True:
            redirect = frontend.wait(catcher, timeout, paste)
            if redirect is None:
                if options.credentials is not None or tries.credentials is not None:
                    frontend.say(WAITING_HINT)
                raise LoginTimeoutError(
                    f"no answer from the browser within {timeout:g} s; "
                    f"{LOGIN_HINT} again (nothing was saved)"
                )
            outcome = _finish_and_answer(catcher, tries, redirect)
            if outcome is not _ANOTHER_TRY:
                break
            catcher.reopen()
            timeout = options.timeout + options.setup_time
            if tries.asked_in_terminal:  # the terminal gave new values: Strava's page anew
                tries.asked_in_terminal = False
                frontend.show_address(tries.url)
                _open_browser_or_explain(options, catcher, tries.url, frontend, opener)
    if isinstance(outcome, StravaAuthError):
        raise outcome
    assert isinstance(outcome, LoginResult)
    return outcome


_ANOTHER_TRY = object()  # a try's outcome: Strava refused the app, and it is asked again


class _Tries:
    """The tries of one login: the credentials of each, its ``state``, the set-up page."""

    def __init__(self, options: LoginOptions, catcher: Catcher) -> None:
        self.options = options
        self.catcher = catcher
        self.credentials = options.credentials  # of the try under way (None: none yet)
        self.keep = options.keep_credentials
        self.url = ""  # the current try's authorize address
        self.problem = options.setup_problem  # the set-up page's word on the last try
        self.asked_in_terminal = False
        self._lock = threading.Lock()

    def authorize(self, credentials: Credentials) -> str:
        """Start a try with ``credentials``: a new ``state``; returns Strava's address."""
        state = secrets.token_urlsafe(32)  # 256 random bits
        with self._lock:
            self.credentials = credentials
            self.url = api.authorize_url(
                self.options.base_url,
                credentials.client_id,
                self.catcher.redirect_uri,
                self.options.scope,
                state,
                force=self.options.force,
            )
            self.catcher.expect(state)
            return self.url

    # The set-up page (catcher.SetupHandler): its form comes on the catcher's threads.

    def page(self) -> pages.Page:
        """The set-up page, with the last try's problem."""
        shown = self.credentials.client_id if self.credentials is not None else None
        return pages.setup(
            self.catcher.setup_path or "",
            strava_origin=_origin(self.options.base_url),
            client_id=shown,
            problem=self.problem,
            saved_to=str(settings.config_env_file(self.options.profile)),
        )

    def submit(self, client_id: str, client_secret: str) -> str | pages.Page:
        """Check what the form carried; Strava's authorize address where it holds."""
        try:
            number = settings.parse_client_id(client_id, "the form")
        except StravaAuthError:
            return self._again(
                "The <strong>Client ID</strong> is a number: Strava shows it above the "
                "Client Secret."
            )
        secret = client_secret.strip()
        if not looks_like_token(secret):
            return self._again(
                "That <strong>Client Secret</strong> does not look like one: copy it again "
                "(press “show” next to it on Strava's page)."
            )
        credentials = Credentials(number, secret)
        refused = api.refused_credential(self.options.base_url, credentials)
        if refused is not None:
            self.credentials = credentials  # its client ID is shown again (never the secret)
            return self._again(refused_advice(refused, credentials.client_id))
        self.problem = None
        self.keep = True
        return self.authorize(credentials)

    def _again(self, problem: str) -> pages.Page:
        self.problem = problem
        return self.page()

    def after_refusal(self, exc: AppCredentialsError) -> pages.Page | bool:
        """Strava refused the app at the code exchange: ask again where someone can.

        The terminal asks where it can (True: it did, and its page went out); else the
        set-up page, where a browser is used (the page that asks again). False: nobody
        can ask, and the login fails.
        """
        refused = self.credentials
        assert refused is not None
        advice = refused_advice(exc.field, refused.client_id, self.options.saved_in)
        if self.options.ask_again is not None:
            self.catcher.answer(pages.asked_again_in_terminal(advice))
            self.authorize(self.options.ask_again(exc.field, refused))
            self.keep = True
            self.asked_in_terminal = True
            return True
        if self.catcher.setup_path is None and not self.options.setup_in_browser:
            return False
        self.problem = advice
        if self.catcher.setup_path is None:
            self.catcher.serve_setup(self)
        return self.page()


def refused_advice(field: str, client_id: int, saved_in: Path | None = None) -> str:
    """What Strava refused, in a person's words (HTML)."""
    where = f" (the one saved in <code>{escape(str(saved_in))}</code>)" if saved_in else ""
    if field == "client_id":
        return (
            f"Strava knows no app with the Client ID <strong>{client_id}</strong>{where}: "
            f'copy it again from <a href="{SETTINGS_URL}" target="_blank" '
            'rel="noopener noreferrer">your API settings page</a>.'
        )
    return (
        f"Strava did not accept the <strong>Client Secret</strong>{where} for the app with "
        f"the Client ID {client_id}: copy it again from "
        f'<a href="{SETTINGS_URL}" target="_blank" rel="noopener noreferrer">your API '
        "settings page</a> (press “show” next to it)."
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
        why = " (on macOS, AirPlay Receiver uses it)" if sys.platform == "darwin" else ""
        frontend.say(f"Port {DEFAULT_PORT} is busy{why}; using port {catcher.port} instead.")
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
            frontend.browser_failed(url)

    threading.Thread(target=run, name="open-browser", daemon=True).start()


#: Said when a login timed out: the one refusal Strava shows on its own page, never here.
WAITING_HINT = (
    'If Strava\'s page said "Limit of connected athletes exceeded", the app may only be used '
    "by the account that created it (new apps allow one athlete, a Standard Tier app up to "
    f"{STANDARD_TIER_ATHLETES}): each athlete needs an app of their own, or the app's limit "
    "must be raised."
)
NOT_THIS_LOGIN = "That is not this login's redirect address or code; try again."


def _finish_and_answer(catcher: Catcher, tries: _Tries, redirect: Redirect) -> object:
    """Exchange and save, then give the browser the page that says how it went.

    Returns the login's outcome (a result or an error to raise), or ``_ANOTHER_TRY``.
    """
    audience = tries.options.audience
    try:
        outcome, page = _finish(tries, redirect)
        again = tries.after_refusal(outcome) if isinstance(outcome, AppCredentialsError) else False
        if isinstance(again, pages.Page):
            catcher.answer(again)
            return _ANOTHER_TRY
        if again:  # the terminal asked, and was answered: its page went out
            return _ANOTHER_TRY
    except BaseException:  # a bug or Ctrl-C: the browser still gets an answer
        catcher.answer(pages.failed("The login stopped unexpectedly.", audience))
        raise
    catcher.answer(page)
    return outcome


def _finish(tries: _Tries, redirect: Redirect) -> tuple[LoginResult | StravaAuthError, pages.Page]:
    options = tries.options
    if redirect.code is None:
        return _declined(redirect, options.audience)
    credentials = tries.credentials
    assert credentials is not None  # a redirect for a state only a try has
    try:
        token = _exchange_and_save(options, credentials, redirect.code, redirect.scope)
    except StravaAuthError as exc:
        return exc, pages.failed(str(exc), options.audience, _advice(exc))
    if tries.keep:
        _keep(credentials, options.profile)
    missing = missing_scopes(options.scope, redirect.scope)
    first = str(token.athlete.get("firstname") or "")
    page = pages.success(first, token.scopes, missing, str(options.token_path), options.audience)
    return LoginResult(token, options.token_path, missing), page


def _keep(credentials: Credentials, profile: Profile) -> None:
    """Save credentials Strava has just accepted; a failure to is a warning, not a lost login."""
    try:
        where = settings.save_credentials(credentials, profile)
    except (OSError, StravaAuthError) as exc:
        log.warning("the app's credentials could not be saved (%s)", exc.__class__.__name__)
        return
    log.info("the app's credentials are saved in %s", where)


def _advice(exc: StravaAuthError) -> str | None:
    """What to do about a failed login, in a person's words (HTML), where it is known."""
    if isinstance(exc, AppInactiveError):
        return (
            "Strava says this app is inactive (a Standard Tier app needs a subscription): "
            f'only its owner can reactivate it, on <a href="{SETTINGS_URL}" target="_blank" '
            'rel="noopener noreferrer">Strava\'s API settings page</a>. Logging in again '
            "cannot help until then."
        )
    if isinstance(exc, AppCredentialsError):
        return (
            "Strava did not accept the app's Client ID or Client Secret as they are set on "
            "this computer (not by this login): correct them where they are set."
        )
    if isinstance(exc, StravaUnavailableError):
        return "Strava could not be reached: check this computer's internet connection."
    if isinstance(exc, TokenFileError):
        return "Strava handed over the token, but it could not be saved on this computer."
    if isinstance(exc, StravaError) and "code was refused" in str(exc):
        return "Strava's one-time code had expired or was used already."
    return None


def _declined(redirect: Redirect, audience: str) -> tuple[StravaAuthError, pages.Page]:
    if redirect.error == "access_denied":
        error: StravaAuthError = LoginDeclinedError(
            "you declined access on Strava's page; nothing was saved "
            f"({LOGIN_HINT} again and press Authorize)"
        )
        return error, pages.declined(audience)
    error = LoginError(f"Strava redirected with error '{redirect.error}'; nothing was saved")
    return error, pages.failed(str(error), audience)


def _exchange_and_save(
    options: LoginOptions, credentials: Credentials, code: str, granted: str | None
) -> Token:
    def ask_strava() -> Token:  # called once the space is set aside: the code is single-use
        answer = api.exchange_code(options.base_url, credentials, code)
        token = Token.from_response(answer, scope=granted, client_id=credentials.client_id)
        return save.with_refresh_token_in(token, options.store, options.profile, options.token_path)

    with save.locked(options.token_path):
        return save.obtain_and_save(options.token_path, ask_strava)
