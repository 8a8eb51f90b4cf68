"""``login()``: the browser login from Python, in a script or a notebook.

``login()``: the browser login from Python, in a script or a notebook; the command line's
``strava-auth login`` runs the same :func:`login_with`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

from .. import settings
from ..errors import (
    LOGIN_COMMAND,
    AppCredentialsError,
    MissingCredentialsError,
    ScopesNotGrantedError,
)
from ..settings import Credentials, FoundCredentials, Profile
from ..store import os_keyring
from ..store.location import PathArg
from ..store.save import check_place
from ..store.token import IN_KEYRING, Token
from ..strava import api
from ..strava.scopes import DEFAULT_SCOPE, check_scopes
from . import browser, pages
from .flow import AskAgain, Frontend, LoginOptions, refused_advice, run_login
from .notebook import NotebookFrontend, running_kernel


@dataclass(frozen=True)
class Prompter:
    """How a terminal asks for the app's credentials (the command line's prompts).

    ``ask(problem)`` asks for both (``problem``: why, where they are asked again) and
    returns them with whether to keep them once Strava accepted them; ``again`` is
    :data:`~.flow.AskAgain`, for a refusal at the code exchange.
    """

    ask: Callable[[str | None], tuple[Credentials, bool]]
    again: AskAgain


def login(
    scope: str = DEFAULT_SCOPE,
    *,
    profile: str | None = None,
    token_file: PathArg = None,
    port: int | None = None,
    timeout: float = settings.DEFAULT_LOGIN_TIMEOUT,
    open_browser: bool = True,
    force: bool = False,
    store: str = "file",
) -> Token:
    """Log in in the browser and save the token.

    Log in in the browser and save the token: the same flow and rules as
    ``strava-auth login``.

    In a notebook (a running IPython kernel) the address is shown as a link. Where no
    browser can be opened from here (a remote kernel, Colab, an SSH session), or with
    ``open_browser=False``, the address the browser lands on can be pasted back: into an
    input box in a notebook, on standard input elsewhere.

    Args:
        scope: comma-separated scopes to ask for.
        profile: log in for this named profile (its token file and its own credentials).
        token_file: where to save the token (wins over ``profile``).
        port: the port on 127.0.0.1 for the redirect (default ``$STRAVA_AUTH_PORT``, else
            5000, or any free one if 5000 is busy).
        timeout: seconds to wait for the redirect (a pasted address is waited for as long
            as it takes).
        open_browser: open the browser here; False: only show the address.
        force: ask Strava to show the authorize page again (to grant more scopes).
        store: where the refresh token is kept: ``"file"`` (the token file) or
            ``"keyring"`` (the OS keyring; needs the ``keyring`` extra).

    Returns:
        The saved token.

    Raises:
        MissingCredentialsError: no client ID or secret is configured (nothing is asked).
        KeyringError, MissingExtraError: ``store="keyring"``, but there is no usable keyring.
        ScopesNotGrantedError: the token was saved, but the athlete unticked some scopes; its
            ``token`` and ``missing_scopes`` say which.
        LoginDeclinedError, LoginTimeoutError, StravaError, TokenFileError: nothing was saved.
    """
    resolved = settings.resolve_profile(profile)
    try:
        found: FoundCredentials | None = settings.find_credentials(profile=resolved)
    except MissingCredentialsError:
        found = None  # the set-up page asks for them, where a browser opens here
    return login_with(
        found,
        scope,
        profile=resolved,
        token_file=token_file,
        port=port,
        timeout=timeout,
        open_browser=open_browser,
        force=force,
        store=store,
        audience=pages.NOTEBOOK if running_kernel() else pages.TERMINAL,
        setup_in_browser=True,
    )


def login_with(
    found: FoundCredentials | None,
    scope: str,
    *,
    profile: Profile,
    token_file: PathArg,
    port: int | None,
    timeout: float,
    open_browser: bool,
    force: bool,
    store: str = "file",
    audience: str = pages.TERMINAL,
    prompter: Prompter | None = None,
    setup_in_browser: bool = False,
) -> Token:
    """:func:`login` with the app's credentials looked up (``found``; None: there are none).

    Where there are none, the terminal's ``prompter`` asks for them, else (or with
    ``setup_in_browser``) the set-up page, where a browser opens here. Credentials saved by
    this package are checked with Strava first: refused ones are asked for again, the same
    way. Says who logged in and where the token went.

    Raises:
        MissingCredentialsError: there are none, and nobody can be asked here.
        ScopesNotGrantedError: the token was saved, but some scopes were not granted.
        StravaAuthError: as for :func:`login`.
    """
    place = check_place(store)
    if place == IN_KEYRING:
        os_keyring.check_usable()  # before the browser opens and a code is spent
    terminal = None if setup_in_browser else prompter
    browser_here = open_browser and browser.detect().has_browser
    base_url = settings.base_url()
    credentials, keep, problem = _credentials_to_try(found, base_url, terminal, browser_here)
    options = LoginOptions(
        credentials=credentials,
        token_path=settings.token_path(token_file, profile),
        base_url=settings.base_url(),
        scope=check_scopes(scope),
        port=settings.login_port(port),
        timeout=timeout,
        force=force,
        open_browser=open_browser,
        paste_input=sys.stdin,  # read only where pasting is offered (no browser here)
        store=place,
        profile=profile,
        audience=audience,
        keep_credentials=keep,
        saved_in=found.saved if found is not None else None,
        ask_again=terminal.again if terminal is not None else None,
        setup_in_browser=browser_here,
        setup_problem=problem,
    )
    frontend: Frontend
    if running_kernel():
        frontend = NotebookFrontend()
    elif audience == pages.DESKTOP:
        from .desktop import DesktopFrontend

        frontend = DesktopFrontend()
    else:
        frontend = Frontend()
    result = run_login(options, frontend=frontend)
    frontend.say(f"Logged in as {result.token.athlete_name}; token saved to {result.token_path}")
    if result.missing_scopes:
        raise ScopesNotGrantedError(
            f"logged in and saved, but Strava did not grant {', '.join(result.missing_scopes)}"
            " (unticked on Strava's page); scripts that need them will fail: log in again "
            f"with `{LOGIN_COMMAND} --force` (from Python: login(force=True)) and leave "
            "every box ticked",
            result.token,
            result.missing_scopes,
        )
    return result.token


def _credentials_to_try(
    found: FoundCredentials | None,
    base_url: str,
    terminal: Prompter | None,
    browser_here: bool,
) -> tuple[Credentials | None, bool, str | None]:
    """The first try's credentials, whether to keep them, and why the set-up page asks.

    The credentials are None where the set-up page asks for them; its word on why (HTML) is
    None for a first set-up.
    """
    if found is not None and found.saved is None:
        return found.credentials, False, None  # the person's own settings: used as they are
    problem = None
    if found is not None:  # saved by this package: checked, and replaced where refused
        refused = api.refused_credential(base_url, found.credentials)
        if refused is None:
            return found.credentials, False, None
        problem = refused_advice(refused, found.credentials.client_id, found.saved)
        if terminal is None and not browser_here:
            raise AppCredentialsError(
                f"Strava refuses the {refused.replace('_', ' ')} saved in {found.saved}: "
                f"run `{LOGIN_COMMAND} --reset-credentials` where a browser or a terminal can "
                "ask for new ones",
                None,
                refused,
            )
    if terminal is not None:
        credentials, keep = terminal.ask(plain_text(problem) if problem else None)
        return credentials, keep, None
    if not browser_here:
        raise MissingCredentialsError(settings.missing_credentials_message())
    return None, True, problem


def plain_text(html_text: str) -> str:
    """A problem of the set-up page, for a terminal."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))
