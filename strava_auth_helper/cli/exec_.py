"""``strava-auth exec``: run a command with a live access token, and no secret, in its env."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..errors import ConfigError
from ..model.rules import DEFAULT_MIN_TTL
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Run CMD with STRAVA_ACCESS_TOKEN (and STRAVA_ACCESS_TOKEN_EXPIRES_AT, epoch seconds) "
        "set to a live token, e.g. `strava-auth exec -- python sync.py`; the client secret "
        "and refresh token (and their _FILE forms) are removed from its environment. Prints "
        "nothing of its own; exits with CMD's status. A CMD that runs longer than a token "
        "lives (6 h) asks `strava-auth token` for a fresh one when it needs it."
    )
    common.add_token_file(parser)
    common.add_min_ttl(parser, f"the token lives this long at least (default {DEFAULT_MIN_TTL})")
    common.add_flag(
        parser,
        "--pass-secrets",
        "leave STRAVA_CLIENT_SECRET and STRAVA_REFRESH_TOKEN in CMD's environment. Dangerous: "
        "a program that refreshes with them rotates the refresh token, and the copy kept "
        "here stops working",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")


def run(args: argparse.Namespace) -> int:
    """Run the command; its exit status is ours."""
    from ..commands.exec_ import run_with_token

    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not argv:
        raise ConfigError("no command to run: `exec -- CMD [ARGS...]`")
    return run_with_token(
        argv,
        args.token_file,
        args.profile,
        min_ttl=args.min_ttl,
        pass_secrets=args.pass_secrets,
    )
