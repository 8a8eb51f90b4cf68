"""The app's credentials of one login: checked with Strava in one place, asked for where one can."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import LOGIN_COMMAND, AppCredentialsError, ConfigError, MissingCredentialsError
from ..model.app import SETTINGS_URL, Credentials, parse_client_id
from ..model.rules import looks_like_token
from ..settings import FoundCredentials, missing_credentials_message, origin
from ..strava import api
from . import pages
from .arrivals import SetupForm
from .catcher import Catcher
from .frontends import Frontend
from .words import NOT_A_CLIENT_ID, NOT_A_SECRET, Words, refused_advice

#: How many times the terminal asks for the app's credentials before it gives up.
TRIES = 5


class AppCredentials:
    """What a login knows of the app's credentials, and who may be asked for them."""

    def __init__(
        self,
        base_url: str,
        catcher: Catcher,
        frontend: Frontend,
        *,
        page: bool,
        terminal: bool,
        saved_to: Path,
    ) -> None:
        """``page``: a browser opens here; ``terminal``: the terminal may ask.

        ``saved_to`` is the ``.env`` typed credentials are saved to.
        """
        self.base_url = base_url
        self.catcher = catcher
        self.frontend = frontend
        self.page, self.terminal = page, terminal
        self.saved_to = saved_to
        self.saved_in: Path | None = None  # the .env of this package's they came from
        self.keep = False  # save them once Strava accepted them: they were typed
        self.problem: Words | None = None  # the set-up page's word on the last try
        self.shown_id: int | None = None  # in the set-up page's field

    def refused(self, credentials: Credentials) -> str | None:
        """Which of ``credentials`` Strava refuses ("client_id", "client_secret"); None: neither.

        The one check: one request, with a code Strava never issued.
        """
        return api.refused_credential(self.base_url, credentials)

    def first(self, found: FoundCredentials | None, client_id: int | None) -> Credentials | None:
        """The first try's credentials; None where the set-up page asks for them.

        ``client_id`` was given (--client-id): it is not asked for.

        Raises:
            AppCredentialsError, MissingCredentialsError: nobody can be asked here.
        """
        problem, self.shown_id = None, client_id
        if found is not None:
            refused = self.refused(found.credentials)
            if refused is None:
                self.saved_in = found.saved
                return found.credentials
            source, own = found.where(refused)
            if own:  # the person's own setting: corrected where it is set, never replaced
                raise AppCredentialsError(
                    _refused_setting(refused, found.credentials.client_id, source), None, refused
                )
            problem = refused_advice(refused, found.credentials.client_id, found.saved)
            self.shown_id = found.credentials.client_id
            if not (self.terminal or self.page):
                raise AppCredentialsError(
                    f"Strava refuses the {refused.replace('_', ' ')} saved in {found.saved}: "
                    f"run `{LOGIN_COMMAND} --reset-credentials` where a browser or a terminal "
                    "can ask for new ones",
                    None,
                    refused,
                )
        if self.terminal:
            self.frontend.introduce_prompts(problem)
            typed = self.typed(client_id)
            self.keep = self.frontend.keep_credentials()
            return typed
        if not self.page:
            raise MissingCredentialsError(missing_credentials_message())
        self.problem, self.keep = problem, True
        return None

    def typed(self, client_id: int | None) -> Credentials:
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

    def setup_page(self) -> pages.Page:
        """The set-up page, with the last try's problem (served on the catcher's threads)."""
        return pages.setup(
            self.catcher.setup_path or "",
            strava_origin=origin(self.base_url),
            client_id=self.shown_id,
            problem=self.problem,
            saved_to=str(self.saved_to),
        )

    def from_form(self, form: SetupForm) -> Credentials | pages.Page:
        """What the set-up page's form carried, where Strava accepts it; else the page again.

        A refused form changes nothing of a try under way (another tab's, say).
        """
        try:
            client_id = parse_client_id(form.client_id, "the form")
        except ConfigError:
            return self._again(NOT_A_CLIENT_ID)
        secret = form.client_secret.strip()
        if not looks_like_token(secret):
            return self._again(NOT_A_SECRET)
        credentials = Credentials(client_id, secret)
        refused = self.refused(credentials)
        if refused is not None:
            self.shown_id = client_id  # shown again (never the secret)
            return self._again(refused_advice(refused, client_id))
        self.problem, self.keep, self.saved_in = None, True, None
        return credentials

    def _again(self, problem: Words) -> pages.Page:
        self.problem = problem
        return self.setup_page()

    def after_refusal(
        self, field: str, refused: Credentials, answer: Callable[[pages.Page], None]
    ) -> Credentials | bool:
        """Strava refused the app's ``field`` at the code exchange: ask again where one can.

        ``answer`` gives the browser that brought the code its page. Returns new credentials
        typed at the terminal; True where the set-up page asks again; False where nobody can
        ask (the login fails).
        """
        advice = refused_advice(field, refused.client_id, self.saved_in)
        if self.terminal:
            answer(pages.asked_again_in_terminal(advice))
            self.frontend.say(advice.text())
            self.saved_in, self.keep = None, True
            return self.typed(None if field == "client_id" else refused.client_id)
        if self.catcher.setup_path is None and not self.page:
            return False
        self.problem, self.shown_id = advice, refused.client_id
        if self.catcher.setup_path is None:
            self.catcher.serve_setup(self.setup_page)
        answer(self.setup_page())
        return True


def _refused_setting(field: str, client_id: int, source: str) -> str:
    """One line: the value Strava refused, where it is set, and where to copy it from."""
    if field == "client_id":
        return (
            f"Strava knows no app with the Client ID {client_id} (from {source}): correct it "
            f"there; your app's Client ID is on {SETTINGS_URL}"
        )
    return (
        f"Strava did not accept the Client Secret from {source} for the app with the Client "
        f"ID {client_id}: correct it there (copy it from {SETTINGS_URL}, press “show”)"
    )
