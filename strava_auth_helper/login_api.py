"""``login()``: the browser login from Python, in a script or a notebook."""

from __future__ import annotations

import sys

from . import settings
from .errors import ScopesNotGranted
from .fastpath import PathArg
from .login_flow import DEFAULT_SCOPE, DEFAULT_TIMEOUT, Frontend, LoginOptions, run_login
from .notebook import NotebookFrontend, running_kernel
from .strava import check_scopes
from .token_file import Token


def login(
    scope: str = DEFAULT_SCOPE,
    *,
    profile: str | None = None,
    token_file: PathArg = None,
    port: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    open_browser: bool = True,
    force: bool = False,
) -> Token:
    """Log in in the browser and save the token: the same flow and rules as
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

    Returns:
        The saved token.

    Raises:
        MissingCredentialsError: no client ID or secret is configured (nothing is asked).
        ScopesNotGranted: the token was saved, but the athlete unticked some scopes; its
            ``token`` and ``missing_scopes`` say which.
        LoginDeclined, LoginTimeout, StravaError, TokenFileError: nothing was saved.
    """
    options = LoginOptions(
        credentials=settings.load_credentials(profile=profile),
        token_path=settings.token_path(token_file, profile),
        base_url=settings.base_url(),
        scope=check_scopes(scope),
        port=settings.login_port(port),
        timeout=timeout,
        force=force,
        open_browser=open_browser,
        paste_input=sys.stdin,
    )
    frontend = NotebookFrontend() if running_kernel() else Frontend()
    result = run_login(options, frontend=frontend)
    if result.missing_scopes:
        raise ScopesNotGranted(
            f"logged in and saved, but Strava did not grant {', '.join(result.missing_scopes)}"
            " (unticked on Strava's page); call login(..., force=True) and leave every box "
            "ticked",
            result.token,
            result.missing_scopes,
        )
    return result.token
