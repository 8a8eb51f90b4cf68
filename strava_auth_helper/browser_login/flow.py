"""The browser login: tries on one catcher, each arrival handled in turn on the login's thread."""

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
    LOGIN_HINT,
    AppCredentialsError,
    AppInactiveError,
    ConfigError,
    LoginDeclinedError,
    LoginError,
    LoginTimeoutError,
    StravaAuthError,
    StravaError,
)
from ..model.app import ENV_CLIENT_ID, ENV_CLIENT_SECRET, Credentials
from ..model.rules import IN_FILE
from ..model.scopes import DEFAULT_SCOPE, missing_scopes
from ..model.token import NO_PROFILE, Profile, Token
from ..settings import DEFAULT_LOGIN_TIMEOUT, FoundCredentials, find_credentials
from ..store import refresh_tokens
from ..store.app_credentials import save_credentials
from ..store.lock import TokenLock
from ..store.paths import config_env_file
from ..store.token_file import obtain_and_save
from ..strava import api
from . import browser, pages
from .arrivals import Arrival, Redirect
from .catcher import Catcher, bind
from .credentials import AppCredentials
from .frontends import Frontend
from .words import ATHLETE_LIMIT, STRAVA_ERROR_PAGE, failure_advice

log = logging.getLogger(__name__)

Opener = Callable[[str], object]
#: Extra seconds a login with a set-up page waits: creating the Strava app takes a while.
SETUP_TIME = 900.0


@dataclass
class LoginOptions:
    """What one login is asked for; the command line or ``login()`` builds it once."""

    token_path: Path
    base_url: str
    scope: str = DEFAULT_SCOPE
    api_url: str = ""  # the API's root ("": at base_url's /api/v3)
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
    """Run the browser login and save the token; who it was and what was not granted.

    ``found`` are the app's credentials in the settings (None: none, they are asked for).
    ``opener`` opens a URL in a browser (default: this desktop's, or Windows' under WSL; none
    in an SSH session or where there is none); ``frontend`` talks to the person (default:
    lines on ``out``, default standard output).

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
        self.place = None  # where a browser opens (a given opener knows: no need to look)
        if options.open_browser:
            self.place = browser.Place(browser.DESKTOP) if opener else browser.detect()
        self.credentials: Credentials | None = None  # of the try under way
        self.short = ""  # the short address that leads to the page the browser should show
        self.app = AppCredentials(
            options.base_url,
            catcher,
            frontend,
            page=self.place is not None and self.place.has_browser,
            terminal=frontend.prompts and not options.setup_in_browser,
            saved_to=config_env_file(options.profile),
        )

    def run(self, found: FoundCredentials | None) -> LoginResult:
        """Start, then handle what arrives until the login ends."""
        credentials = self.app.first(found, self.options.client_id)
        if credentials is None:
            url = self.catcher.serve_setup(self.app.setup_page)
            self.frontend.show_setup(url)
            timeout = self.options.timeout + self.options.setup_time
        else:
            url = self._authorize(credentials)
            self.frontend.show_address(url)
            timeout = self.options.timeout
        paste = self._open_browser_or_explain(url)
        self.frontend.waiting(timeout, STRAVA_ERROR_PAGE if credentials else None, self.short)
        deadline = time.monotonic() + timeout
        while True:
            arrival = self.frontend.wait(self.catcher, max(0.0, deadline - time.monotonic()), paste)
            if arrival is None:
                if self.credentials is not None:
                    for title, text in (ATHLETE_LIMIT, STRAVA_ERROR_PAGE):
                        self.frontend.say(f"If {title}: {text.text()}")
                raise LoginTimeoutError(
                    f"no answer from the browser within {timeout:g} s; "
                    f"{LOGIN_HINT} again (nothing was saved)"
                )
            try:
                outcome = self._on(arrival)
            except BaseException:  # a bug or Ctrl-C: the browser still gets an answer
                arrival.answer(pages.failed("The login stopped unexpectedly.", self.audience))
                raise
            if isinstance(outcome, LoginResult):
                return outcome
            if outcome is not None:
                raise outcome
            if isinstance(arrival.what, Redirect):  # another try, after a refusal
                timeout = self.options.timeout + self.options.setup_time
                deadline = time.monotonic() + timeout

    def _on(self, arrival: Arrival) -> LoginResult | StravaAuthError | None:
        """The login's outcome (a result or an error to raise); None: it goes on."""
        if isinstance(arrival.what, Redirect):
            return self._on_redirect(arrival, arrival.what)
        try:
            accepted = self.app.from_form(arrival.what)  # the set-up page's form
        except AppInactiveError as exc:
            arrival.answer(pages.failed(str(exc), self.audience, failure_advice(exc)))
            return exc
        arrival.answer(self._authorize(accepted) if isinstance(accepted, Credentials) else accepted)
        return None

    @property
    def audience(self) -> str:
        """Whom the pages speak to."""
        return self.options.audience

    def _authorize(self, credentials: Credentials) -> str:
        """Start a try with ``credentials``: a new ``state``; returns Strava's address."""
        state = secrets.token_urlsafe(32)  # 256 random bits
        same_try = credentials == self.credentials  # a form submitted twice: both states hold
        self.credentials = credentials
        self.catcher.expect(state, same_try=same_try)
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
        """Exchange the code and save the token; tell the browser how it went."""
        audience = self.audience
        if redirect.code is None:
            error, page = _declined(redirect, audience)
            arrival.answer(page)
            return error
        credentials = self.credentials
        assert credentials is not None  # a redirect for a state only a try has
        try:
            token = self._exchange_and_save(credentials, redirect.code, redirect.scope)
        except StravaAuthError as exc:
            if isinstance(exc, AppCredentialsError) and self._ask_again(arrival, exc, credentials):
                return None
            arrival.answer(pages.failed(str(exc), audience, failure_advice(exc)))
            return exc
        if self.app.keep:
            _keep(credentials, self.options.profile)
            overridden = _overridden(credentials, self.options)
            if overridden is not None:  # the token is saved; its refreshes would be refused
                arrival.answer(pages.failed(str(overridden), audience, saved=True))
                return overridden
        inactive = self._inactive(token)
        if inactive is not None:  # saved: it works again once the app's owner renews
            advice = failure_advice(inactive)
            arrival.answer(pages.failed(str(inactive), audience, advice, saved=True))
            return inactive
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

    def _inactive(self, token: Token) -> AppInactiveError | None:
        """Strava's word that the app is inactive, though its OAuth worked; else None.

        A lapsed app's code exchange and refresh still succeed *(observed)*; one API call
        (``GET /athlete``) tells. Any other answer (a 404, none at all) lets the login finish.
        """
        api_url = self.options.api_url or f"{self.options.base_url}/api/v3"
        try:
            api.athlete_answer(api_url, token.access_token)
        except AppInactiveError as exc:
            return exc
        except StravaError as exc:
            log.debug("the app's API check went unanswered (%s): taken as active", exc.status)
        return None

    def _ask_again(self, arrival: Arrival, exc: AppCredentialsError, refused: Credentials) -> bool:
        """Strava refused the app at the code exchange: ask again where someone can.

        At the terminal (Strava's page then opens anew), or on the set-up page. False:
        nobody can ask, and the login fails.
        """
        again = self.app.after_refusal(exc.field, refused, arrival.answer)
        if isinstance(again, Credentials):
            url = self._authorize(again)
            self.frontend.show_address(url)
            self._open_browser_or_explain(url)
            return True
        return again

    # The browser, or how to finish without one.

    def _open_browser_or_explain(self, url: str) -> TextIO | None:
        """Open the browser where there is one; else say how to finish.

        Returns where to read a pasted address from, if that is offered.
        """
        self.short = self.catcher.shortcut(url)  # to type where no browser opens, or again
        if self.place is not None:
            if self.place.has_browser:
                opener = self.opener or partial(browser.open_url, place=self.place)
                failed = partial(self.frontend.browser_failed, self.short)
                browser.open_in_background(opener, url, lambda _: failed())
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


def _overridden(accepted: Credentials, options: LoginOptions) -> ConfigError | None:
    """Where a person's own setting wins over credentials Strava just accepted; else None.

    Their environment and ``./.env`` are read before anything saved here, so a value there
    that differs would be used by every refresh, and refused.
    """
    try:
        found = find_credentials(options.client_id, profile=options.profile)
    except ConfigError:
        return None
    if found.credentials == accepted:
        return None
    field = "client_id" if found.credentials.client_id != accepted.client_id else "client_secret"
    source, _ = found.where(field)
    name = ENV_CLIENT_ID if field == "client_id" else ENV_CLIENT_SECRET
    return ConfigError(
        f"logged in and saved, but {name} from {source} is not the value Strava accepted on "
        "this login, and it is used first: correct it or remove it there, or every refresh "
        "will be refused"
    )


def _declined(redirect: Redirect, audience: str) -> tuple[StravaAuthError, pages.Page]:
    if redirect.error == "access_denied":
        error: StravaAuthError = LoginDeclinedError(
            "you declined access on Strava's page; nothing was saved "
            f"({LOGIN_HINT} again and press Authorize)"
        )
        return error, pages.declined(audience)
    error = LoginError(f"Strava redirected with error '{redirect.error}'; nothing was saved")
    return error, pages.failed(str(error), audience)
