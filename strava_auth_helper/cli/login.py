"""``strava-auth login``: authorize in the browser and save the token."""

from __future__ import annotations

import argparse
import sys
from argparse import ArgumentParser

from .. import settings
from ..model.scopes import DEFAULT_SCOPE
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Open Strava's authorize page, catch the redirect on 127.0.0.1 and save the token."
    )
    common.add_token_file(parser)
    common.add_browser_options(parser)
    parser.add_argument(
        "--client-id",
        type=common.client_id,
        metavar="ID",
        help="Strava app client ID (default: $STRAVA_CLIENT_ID, then .env files)",
    )
    parser.add_argument(
        "--scope",
        type=common.scope,
        default=DEFAULT_SCOPE,
        help="comma-separated scopes (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=common.positive_seconds,
        default=settings.DEFAULT_LOGIN_TIMEOUT,
        metavar="SECONDS",
        help="give up after this long (default: %(default)g)",
    )
    parser.add_argument(
        "--add-scope",
        type=common.scope,
        metavar="SCOPE",
        help="ask for these scopes on top of those the token has (the token here is replaced "
        "only once Strava granted the new one)",
    )
    common.add_flag(
        parser,
        "--force",
        "ask Strava to show the authorize page again (approval_prompt=force; done by itself "
        "when a login asks for more scopes than the token has)",
    )
    common.add_flag(
        parser, "--pause", "wait for Enter before exiting (used by the double-click launchers)"
    )
    common.add_flag(
        parser,
        "--setup-in-browser",
        "where the app's credentials are missing (or Strava refuses the saved ones), ask for "
        "them on a page in the browser instead of at this terminal",
    )
    common.add_flag(
        parser,
        "--reset-credentials",
        "forget the app's credentials saved on this computer, then ask for them again",
    )
    common.add_flag(
        parser,
        "--launcher",
        "run as the double-click launchers do: no terminal needed (set-up and every result "
        "on the browser's pages; a desktop notification where no browser can be opened or "
        "the login does not succeed)",
    )
    common.add_store(parser)


def run(args: argparse.Namespace) -> int:
    """Log in; the login itself says who logged in and where the token went."""
    from ..browser_login import pages
    from ..browser_login.flow import LoginOptions
    from ..commands.login import bring_back, log_in, with_added
    from ..store.paths import token_path

    options = LoginOptions(
        token_path=token_path(args.token_file, args.profile),
        base_url=settings.base_url(),
        api_url=settings.api_base_url(),
        scope=args.scope,
        port=settings.login_port(args.port),
        timeout=args.timeout,
        force=args.force,
        open_browser=not args.no_browser,
        paste_input=sys.stdin,  # read only where pasting is offered (no browser here)
        store=args.store,
        profile=args.profile,
        audience=pages.DESKTOP if args.launcher else pages.TERMINAL,
        client_id=args.client_id,
        setup_in_browser=args.setup_in_browser or args.launcher,
        reset_credentials=args.reset_credentials,
    )
    if args.add_scope:
        options.scope = with_added(options, args.add_scope)
    if args.launcher and bring_back(options):  # double-clicked while one waits
        return 0
    log_in(options)
    return 0
