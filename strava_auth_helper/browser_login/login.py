"""``login()``: the browser login from Python, in a script or a notebook.

``login()``: the browser login from Python, in a script or a notebook; the command line's
``strava-auth login`` runs the same :func:`login_with`.
"""

from __future__ import annotations

import sys

from .. import settings
from ..errors import LOGIN_COMMAND, ScopesNotGrantedError
from ..settings import Profile
from ..store import os_keyring
from ..store.location import PathArg
from ..store.save import check_place
from ..store.token import IN_KEYRING, Token
from ..strava.scopes import DEFAULT_SCOPE, check_scopes
from .flow import Frontend, LoginOptions, run_login
from .notebook import NotebookFrontend, running_kernel


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
    credentials = settings.load_credentials(profile=resolved)
    return login_with(
        credentials,
        scope,
        profile=resolved,
        token_file=token_file,
        port=port,
        timeout=timeout,
        open_browser=open_browser,
        force=force,
        store=store,
    )


def login_with(
    credentials: settings.Credentials,
    scope: str,
    *,
    profile: Profile,
    token_file: PathArg,
    port: int | None,
    timeout: float,
    open_browser: bool,
    force: bool,
    store: str = "file",
) -> Token:
    """:func:`login` with the app's credentials already found.

    :func:`login` with the app's credentials already found (the command line may have
    asked for them). Says who logged in and where the token went.

    Raises:
        ScopesNotGrantedError: the token was saved, but some scopes were not granted.
        StravaAuthError: as for :func:`login`.
    """
    place = check_place(store)
    if place == IN_KEYRING:
        os_keyring.check_usable()  # before the browser opens and a code is spent
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
    )
    frontend = NotebookFrontend() if running_kernel() else Frontend()
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
