"""``strava-auth login`` and ``login()``: both build one ``LoginOptions`` for :func:`log_in`."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from .. import settings
from ..browser_login import browser, pages
from ..browser_login.flow import LoginOptions, LoginResult, run_login
from ..browser_login.frontends import Frontend, NotebookFrontend, running_kernel
from ..browser_login.words import Words
from ..errors import (
    LOGIN_COMMAND,
    AppInactiveError,
    LoginDeclinedError,
    LoginTimeoutError,
    MissingCredentialsError,
    PortInUseError,
    ScopesNotGrantedError,
    StravaAuthError,
)
from ..launchers.notify import notify
from ..model.app import SETTINGS_URL
from ..model.scopes import DEFAULT_SCOPE, check_scopes, missing_scopes, split_scopes
from ..model.token import Token
from ..settings import FoundCredentials
from ..store import refresh_tokens
from ..store.app_credentials import forget_credentials
from ..store.location import PathArg
from ..store.paths import config_dir, token_path
from ..store.private_files import write_private
from ..store.token_file import read_token


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
    """Log in in the browser and save the token: the same flow as ``strava-auth login``.

    In a notebook (a running IPython kernel) the address is shown as a link. Where no
    browser can be opened from here (a remote kernel, Colab, an SSH session), or with
    ``open_browser=False``, the address the browser lands on can be pasted back: into an
    input box in a notebook, on standard input elsewhere. Where the app's credentials are
    not set, a page in the browser asks for them (nothing is asked on standard input).

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
        MissingCredentialsError: no client ID or secret is set, and no browser opens here.
        KeyringError, MissingExtraError: ``store="keyring"``, but there is no usable keyring.
        ScopesNotGrantedError: the token was saved, but the athlete unticked some scopes; its
            ``token`` and ``missing_scopes`` say which.
        LoginDeclinedError, LoginTimeoutError, StravaError, TokenFileError: nothing was saved.
    """
    resolved = settings.resolve_profile(profile)
    options = LoginOptions(
        token_path=token_path(token_file, resolved),
        base_url=settings.base_url(),
        api_url=settings.api_base_url(),
        scope=check_scopes(scope),
        port=settings.login_port(port),
        timeout=timeout,
        force=force,
        open_browser=open_browser,
        paste_input=sys.stdin,  # read only where pasting is offered (no browser here)
        store=store,
        profile=resolved,
        audience=pages.NOTEBOOK if running_kernel() else pages.TERMINAL,
        setup_in_browser=True,
    )
    return log_in(options).token


def log_in(options: LoginOptions) -> LoginResult:
    """Log in as ``options`` ask; the person is told who logged in and where the token went.

    Raises:
        ScopesNotGrantedError: the token was saved, but some scopes were not granted.
        StravaAuthError: as for :func:`login`.
    """
    refresh_tokens.place(options.store).check_usable()  # before a code is spent
    # Asked for more than the token has: with approval_prompt=auto Strava would only grant
    # again, unasked, what was granted before.
    options.force = options.force or bool(missing_scopes(options.scope, _granted(options)))
    frontend = _frontend(options)
    if options.reset_credentials:
        forgotten = forget_credentials(options.profile)
        frontend.say(
            f"Forgot the app's credentials saved in {forgotten}."
            if forgotten
            else "No app credentials were saved on this computer (for this profile)."
        )
    try:
        result = run_login(options, _found(options), frontend=frontend)
    finally:
        if isinstance(frontend, DesktopFrontend):
            frontend.done()
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
    return result


def _granted(options: LoginOptions) -> str | None:
    """The scopes the token there was granted (None: no usable token, or not said)."""
    try:
        return read_token(options.token_path).scope
    except StravaAuthError:
        return None


def with_added(options: LoginOptions, added: str) -> str:
    """What the token there was granted, and ``added``: what a login asks to add permissions.

    Raises:
        NotLoggedInError, TokenFileError: there is no token to add to.
    """
    granted = read_token(options.token_path).scope
    return check_scopes(",".join([*split_scopes(granted), *split_scopes(added)]))


def _found(options: LoginOptions) -> FoundCredentials | None:
    try:
        saved = not options.reset_credentials  # (not another profile's, just forgotten)
        return settings.find_credentials(options.client_id, profile=options.profile, saved=saved)
    except MissingCredentialsError:
        return None  # asked for, at the terminal or on the set-up page


def _frontend(options: LoginOptions) -> Frontend:
    if running_kernel():
        return NotebookFrontend()
    if options.audience == pages.DESKTOP:
        return DesktopFrontend(waiting_record(options))
    typing = not options.setup_in_browser and sys.stdin is not None and sys.stdin.isatty()
    return Frontend(prompts=typing)


class DesktopFrontend(Frontend):
    """A double-click's login: lines as a terminal's, and the desktop told what matters.

    While it waits, a second double-click finds it (:func:`bring_back`) by ``record``.
    """

    def __init__(self, record: Path) -> None:
        super().__init__()
        self.record = record

    def waiting(self, timeout: float, hint: tuple[str, Words] | None, short: str = "") -> None:
        """Where this login waits, for the next double-click; then as at a terminal."""
        with contextlib.suppress(OSError, StravaAuthError):  # then a second one starts anew
            write_private(self.record, json.dumps({"pid": os.getpid(), "at": short}).encode())
        super().waiting(timeout, hint, short)

    def done(self) -> None:
        """The login is over: it no longer says it waits (unless another one said so since)."""
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            if json.loads(self.record.read_bytes())["pid"] == os.getpid():
                self.record.unlink()

    def browser_failed(self, short: str) -> None:
        """The browser could not be opened: a short address goes to a notification."""
        notify(f"Your web browser could not be opened. Open it, and go to {short} to log in.")
        super().browser_failed(short)


def waiting_record(options: LoginOptions) -> Path:
    """Where a launcher's login says it waits (one per profile)."""
    name = f"login-waiting-{options.profile.name}" if options.profile.name else "login-waiting"
    return config_dir() / f"{name}.json"


def bring_back(options: LoginOptions) -> bool:
    """A launcher's login for this profile is waiting already: show its page again.

    True where it answered and the browser was sent there; False: start a login.
    """
    record = waiting_record(options)
    try:
        address = str(json.loads(record.read_bytes())["at"])
        import requests  # (a launcher's login only)

        alive = requests.get(address, allow_redirects=False, timeout=3).status_code == 303
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        alive = False
    if not alive:
        return False
    place = browser.detect()
    return place.has_browser and browser.open_url(address, place=place)


#: What a double-click's notification says of a login that ended so (and what to click).
_FOR_THE_DESKTOP = {
    ScopesNotGrantedError: "You are logged in, but some permissions were left unticked on "
    "Strava's page, so scripts that need them will fail. To grant them, {again}: every box "
    "ticked.",
    LoginDeclinedError: "Nothing was saved: Cancel was pressed on Strava's page. To log in, "
    "{again}.",
    LoginTimeoutError: "The login stopped waiting for the browser; nothing was saved. To "
    "retry, {again}.",
    PortInUseError: "The login could not start: another program is using the port it needs. "
    "Close that program (or wait a minute), then {again}.",
    AppInactiveError: "Strava says this app is inactive: only its owner can renew it, on "
    f"Strava's API settings page ({SETTINGS_URL}).",
}


def for_the_desktop(exc: StravaAuthError) -> str:
    """What a double-click's notification says of ``exc``: what happened, and what to click."""
    said = next((w for kind, w in _FOR_THE_DESKTOP.items() if isinstance(exc, kind)), None)
    return (
        said.format(again="double-click the launcher again")
        if said
        else f"The login did not finish: {exc}"
    )
