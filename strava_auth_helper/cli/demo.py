"""``strava-auth demo``: the whole flow against a simulated Strava on this computer."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser
from pathlib import Path

from .. import settings
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Run the real login and refresh against a simulated Strava served on 127.0.0.1; no "
        "Strava app or account needed. The token goes to a throw-away file unless "
        "--token-file is given."
    )
    common.add_token_file(parser, "a throw-away file; never $STRAVA_TOKEN_FILE")
    common.add_browser_options(parser)
    common.add_flag(
        parser,
        "--serve",
        "afterwards keep the simulated Strava running (until Ctrl-C) and print the "
        "STRAVA_* settings that point your own scripts at it",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo."""
    from ..commands.demo import run_demo

    token_file = Path(args.token_file).expanduser() if args.token_file else None
    port = settings.login_port(args.port)
    run_demo(token_file, open_browser=not args.no_browser, port=port, serve=args.serve)
    return 0
