"""The one-time browser login: the app's credentials, the catcher, Strava's code, the token file.

A login is one or more tries on one catcher, each with a ``state`` of its own. Everything
that reaches the catcher (Strava's redirect, a pasted one, the set-up page's form) is handled
here, one at a time, on the login's own thread. The app's credentials are checked with
Strava in one place (:meth:`_Login.refusal`), wherever they come from: saved earlier, typed
at the terminal, or on the set-up page; typed ones are saved only once Strava has accepted
them, after the token.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from ..errors import (
    LOGIN_COMMAND,
    LOGIN_HINT,
    AppCredentialsError,
    ConfigError,
    LoginDeclinedError,
    LoginError,
    LoginTimeoutError,
    MissingCredentialsError,
    StravaAuthError,
)
from ..model.app import Credentials, parse_client_id
from ..model.profile import NO_PROFILE, Profile
from ..model.rules import IN_FILE, looks_like_token
from ..model.scopes import DEFAULT_SCOPE, missing_scopes
from ..model.token import Token
from ..settings import (
    DEFAULT_LOGIN_TIMEOUT,
    FoundCredentials,
    missing_credentials_message,
    origin,
)
from ..store import refresh_tokens
from ..store.app_credentials import save_credentials
from ..store.lock import TokenLock
from ..store.paths import config_env_file
from ..store.save import obtain_and_save
from ..strava import api
from . import browser, pages
from .catcher import Arrival, Catcher, Redirect, SetupForm, bind
from .frontends import Frontend
from .words import (
    ATHLETE_LIMIT,
    NOT_A_CLIENT_ID,
    NOT_A_SECRET,
    Words,
    failure_advice,
    refused_advice,
)

log = logging.getLogger(__name__)

Opener = Callable[[str], object]
#: Extra seconds a login with a set-up page waits: creating the Strava app takes a while.
SETUP_TIME = 900.0
#: How many times the terminal asks for the app's credentials before it gives up.
TRIES = 5


@dataclass
class LoginOptions:
    """What one login is asked for; the command line or ``login()`` builds it once."""

    token_path: Path
    base_url: str
    scope: str = DEFAULT_SCOPE
    port: int | None = None  # None: DEFAULT_PORT, or any free port if that one is busy
    timeout: float = DEFAULT_LOGIN_TIMEOUT
    force: bool = False
    open_browser: bool = True
    paste_input: TextIO | None = None  # where a pasted address is read, when that is offered
    store: str = IN_FILE  # where the refresh token is kept ("file" or "keyring")
    profile: Profile = NO_PROFILE  # whose (names the keyring entry, and its .env)
    audience: str = pages.TERMINAL  # whom the pages speak to
    client_id: int | None = None  # given (--client-id): never asked for
    #: Ask for the app's credentials on the set-up page, never at the terminal.
    setup_in_browser: bool = False
    reset_credentials: bool = False  # forget the saved ones first
    setup_time: float = SETUP_TIME  # what the set-up page adds to the timeout


@dataclass(frozen=True)
class LoginResult:
    """A completed login: the token as saved, and any requested scope Strava did not grant."""

    token: Token
    token_path: Path
    missing_scopes: list[str] = field(default_factory=list)


def run_login(
    options: LoginOptions,
    found: FoundCredentials | None = None,
    *,
    out: TextIO | None = None,
    opener: Opener | None = None,
    frontend: Frontend | None = None,
) -> LoginResult:
    """Run the browser login and save the token.

    Args:
        options: what to ask for and where to save.
        found: the app's credentials found in the settings (None: none, ask for them).
        out: where progress lines go (default stdout).
        opener: opens a URL in a browser (default: the browser of this desktop, or Windows'
            under WSL; none in an SSH session or where there is none).
        frontend: how to talk to the person (default: lines on ``out``).

    Returns:
        The saved token and the scopes the athlete did not grant.

    Raises:
        MissingCredentialsError: there are no credentials, and nobody can be asked here.
        StravaAuthError: declined, timed out, port busy, Strava refused, or saving failed.
            An existing token file is untouched in every one of these cases.
    """
    frontend = frontend or Frontend(out)
    with bind(options.port, frontend.say) as catcher:
        catcher.audience = options.audience
        catcher.start()  # serving before anyone can see the address
        return _Login(options, catcher, frontend, opener).run(found)


class _Login:
    """One login's tries: the credentials of the try under way, the set-up page's word."""

    def __init__(
        self, options: LoginOptions, catcher: Catcher, frontend: Frontend, opener: Opener | None
    ) -> None:
        self.options = options
        self.catcher = catcher
        self.frontend = frontend
        self.opener = opener
        # A given opener knows where it opens: no need to look.
        place = browser.Place(browser.DESKTOP) if opener else browser.detect()
        self.place = place if options.open_browser else None
        self.credentials: Credentials | None = None  # of the try under way
        self.saved_in: Path | None = None  # the .env of this package's they came from
        self.keep = False  # save them once Strava accepted them: they were typed
        self.problem: Words | None = None  # the set-up page's word on the last try
        self.shown_id: int | None = options.client_id  # in the set-up page's field

    @property
    def browser_here(self) -> bool:
        """A browser opens here: the set-up page can ask."""
        return self.place is not None and self.place.has_browser

    def run(self, found: FoundCredentials | None) -> LoginResult:
        """Start, then handle what arrives until the login ends."""
        credentials = self._first_credentials(found)
        if credentials is None:
            url = self.catcher.serve_setup(self._setup_page)
            self.frontend.show_setup(url)
            timeout = self.options.timeout + self.options.setup_time
        else:
            url = self._authorize(credentials)
            self.frontend.show_address(url)
            timeout = self.options.timeout
        paste = self._open_browser_or_explain(url)
        deadline = time.monotonic() + timeout
        while True:
            arrival = self.frontend.wait(self.catcher, max(0.0, deadline - time.monotonic()), paste)
            if arrival is None:
                if self.credentials is not None:
                    title, text = ATHLETE_LIMIT
                    self.frontend.say(f"{title}? {text.text()}")
                raise LoginTimeoutError(
                    f"no answer from the browser within {timeout:g} s; "
                    f"{LOGIN_HINT} again (nothing was saved)"
                )
            if isinstance(arrival.what, SetupForm):
                self._on_form(arrival, arrival.what)
                continue
            outcome = self._on_redirect(arrival, arrival.what)
            if isinstance(outcome, LoginResult):
                return outcome
            if outcome is not None:
                raise outcome
            timeout = self.options.timeout + self.options.setup_time  # another try
            deadline = time.monotonic() + timeout

    # The app's credentials: checked in one place, asked for at the terminal or on the page.

    def refused(self, credentials: Credentials) -> str | None:
        """Which of ``credentials`` Strava refuses ("client_id", "client_secret"); None: neither.

        The one check, one request with a code Strava never issued (:func:`api.refused_credential`).
        """
        return api.refused_credential(self.options.base_url, credentials)

    def _first_credentials(self, found: FoundCredentials | None) -> Credentials | None:
        """The first try's credentials; None where the set-up page asks for them.

        The person's own settings are used as they are; credentials this package saved are
        checked first, and asked for again where Strava refuses them.

        Raises:
            AppCredentialsError, MissingCredentialsError: nobody can be asked here.
        """
        problem = None
        if found is not None:
            if found.saved is None:
                return found.credentials
            refused = self.refused(found.credentials)
            if refused is None:
                self.saved_in = found.saved
                return found.credentials
            problem = refused_advice(refused, found.credentials.client_id, found.saved)
            self.shown_id = found.credentials.client_id
            if not (self._terminal_asks() or self.browser_here):
                raise AppCredentialsError(
                    f"Strava refuses the {refused.replace('_', ' ')} saved in {found.saved}: "
                    f"run `{LOGIN_COMMAND} --reset-credentials` where a browser or a terminal "
                    "can ask for new ones",
                    None,
                    refused,
                )
        if self._terminal_asks():
            self.frontend.introduce_prompts(problem)
            typed = self._typed(self.options.client_id)
            self.keep = self.frontend.keep_credentials()
            return typed
        if not self.browser_here:
            raise MissingCredentialsError(missing_credentials_message())
        self.problem, self.keep = problem, True
        return None

    def _terminal_asks(self) -> bool:
        return self.frontend.prompts and not self.options.setup_in_browser

    def _typed(self, client_id: int | None) -> Credentials:
        """Credentials typed at the terminal, asked for again until Strava accepts them.

        Raises:
            ConfigError: nothing usable was typed, or Strava refused them every time.
        """
        for _ in range(TRIES):
            credentials = self.frontend.ask_credentials(client_id)
            refused = self.refused(credentials)
            if refused is None:
                return credentials
            self.frontend.say(refused_advice(refused, credentials.client_id).text())
            client_id = None if refused == "client_id" else credentials.client_id
        raise ConfigError(f"Strava refused the app's values {TRIES} times; nothing was saved")

    def _setup_page(self) -> pages.Page:
        """The set-up page, with the last try's problem (served on the catcher's threads)."""
        return pages.setup(
            self.catcher.setup_path or "",
            strava_origin=origin(self.options.base_url),
            client_id=self.shown_id,
            problem=self.problem,
            saved_to=str(config_env_file(self.options.profile)),
        )

    def _on_form(self, arrival: Arrival, form: SetupForm) -> None:
        """The set-up page's form: on to Strava's page with what it carried, or say why not.

        A refused form changes nothing of a try under way (another tab's, say).
        """
        try:
            client_id = parse_client_id(form.client_id, "the form")
        except ConfigError:
            arrival.answer(self._again(NOT_A_CLIENT_ID))
            return
        secret = form.client_secret.strip()
        if not looks_like_token(secret):
            arrival.answer(self._again(NOT_A_SECRET))
            return
        credentials = Credentials(client_id, secret)
        refused = self.refused(credentials)
        if refused is not None:
            self.shown_id = client_id  # shown again (never the secret)
            arrival.answer(self._again(refused_advice(refused, client_id)))
            return
        self.problem, self.keep, self.saved_in = None, True, None
        arrival.answer(self._authorize(credentials))

    def _again(self, problem: Words) -> pages.Page:
        self.problem = problem
        return self._setup_page()

    def _authorize(self, credentials: Credentials) -> str:
        """Start a try with ``credentials``: a new ``state``; returns Strava's address."""
        state = secrets.token_urlsafe(32)  # 256 random bits
        self.credentials = credentials
        self.catcher.expect(state)
        return api.authorize_url(
            self.options.base_url,
            credentials.client_id,
            self.catcher.redirect_uri,
            self.options.scope,
            state,
            force=self.options.force,
        )

    # Strava's redirect: exchanged and saved, and the browser told how it went.

    def _on_redirect(
        self, arrival: Arrival, redirect: Redirect
    ) -> LoginResult | StravaAuthError | None:
        """The login's outcome (a result or an error to raise), or None for another try."""
        audience = self.options.audience
        if redirect.code is None:
            error, page = _declined(redirect, audience)
            arrival.answer(page)
            return error
        credentials = self.credentials
        assert credentials is not None  # a redirect for a state only a try has
        try:
            token = self._exchange_and_save(credentials, redirect.code, redirect.scope)
        except AppCredentialsError as exc:
            if self._ask_again(arrival, exc, credentials):
                return None
            arrival.answer(pages.failed(str(exc), audience, failure_advice(exc)))
            return exc
        except StravaAuthError as exc:
            arrival.answer(pages.failed(str(exc), audience, failure_advice(exc)))
            return exc
        except BaseException:  # a bug or Ctrl-C: the browser still gets an answer
            arrival.answer(pages.failed("The login stopped unexpectedly.", audience))
            raise
        if self.keep:
            _keep(credentials, self.options.profile)
        missing = missing_scopes(self.options.scope, redirect.scope)
        first = str(token.athlete.get("firstname") or "")
        path = self.options.token_path
        arrival.answer(pages.success(first, token.scopes, missing, str(path), audience))
        return LoginResult(token, path, missing)

    def _exchange_and_save(self, credentials: Credentials, code: str, granted: str | None) -> Token:
        options = self.options
        place = refresh_tokens.place(options.store)

        def ask_strava() -> Token:  # called once the space is set aside: the code is single-use
            answer = api.exchange_code(options.base_url, credentials, code)
            token = Token.from_response(answer, scope=granted, client_id=credentials.client_id)
            return place.assign(token, options.token_path, options.profile)

        with TokenLock(options.token_path):
            return obtain_and_save(options.token_path, ask_strava)

    def _ask_again(self, arrival: Arrival, exc: AppCredentialsError, refused: Credentials) -> bool:
        """Strava refused the app at the code exchange: ask again where someone can.

        At the terminal where it asks (the browser is told so, and Strava's page opens anew
        once Strava accepts the new values); else on the set-up page, where a browser is used.
        False: nobody can ask, and the login fails.
        """
        advice = refused_advice(exc.field, refused.client_id, self.saved_in)
        if self._terminal_asks():
            arrival.answer(pages.asked_again_in_terminal(advice))
            self.frontend.say(advice.text())
            kept = None if exc.field == "client_id" else refused.client_id
            self.saved_in, self.keep = None, True
            url = self._authorize(self._typed(kept))
            self.frontend.show_address(url)
            self._open_browser_or_explain(url)
            return True
        if self.catcher.setup_path is None and not self.browser_here:
            return False
        self.problem, self.shown_id = advice, refused.client_id
        if self.catcher.setup_path is None:
            self.catcher.serve_setup(self._setup_page)
        arrival.answer(self._setup_page())
        return True

    # The browser, or how to finish without one.

    def _open_browser_or_explain(self, url: str) -> TextIO | None:
        """Open the browser where there is one; else say how to finish.

        Returns where to read a pasted address from, if that is offered.
        """
        if self.place is not None:
            if self.place.has_browser:
                opener = self.opener or partial(browser.open_url, place=self.place)
                browser.open_in_background(opener, url, self.frontend.browser_failed)
                return None
            for line in browser.instructions(self.place, self.catcher.port):
                self.frontend.say(line)
        elif self.options.paste_input is not None:
            self.frontend.say(
                "...or, after authorizing, paste the address the browser lands on here:"
            )
        return self.options.paste_input


def _keep(credentials: Credentials, profile: Profile) -> None:
    """Save credentials Strava has just accepted; a failure to is a warning, not a lost login."""
    try:
        where = save_credentials(credentials, profile)
    except (OSError, StravaAuthError) as exc:
        log.warning("the app's credentials could not be saved (%s)", exc.__class__.__name__)
        return
    log.info("the app's credentials are saved in %s", where)


def _declined(redirect: Redirect, audience: str) -> tuple[StravaAuthError, pages.Page]:
    if redirect.error == "access_denied":
        error: StravaAuthError = LoginDeclinedError(
            "you declined access on Strava's page; nothing was saved "
            f"({LOGIN_HINT} again and press Authorize)"
        )
        return error, pages.declined(audience)
    error = LoginError(f"Strava redirected with error '{redirect.error}'; nothing was saved")
    return error, pages.failed(str(error), audience)
