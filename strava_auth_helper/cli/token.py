"""``strava-auth token``: a live access token (``entry`` prints a valid one before this)."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..model.rules import DEFAULT_MIN_TTL, MAX_MIN_TTL
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        'Print only the access token, e.g. curl -H "Authorization: Bearer $(strava-auth token)" ...'
    )
    common.add_token_file(parser)
    parser.add_argument(
        "--min-ttl",
        type=common.min_ttl,
        default=DEFAULT_MIN_TTL,
        metavar="SECONDS",
        help=f"refresh if the token expires within this many seconds "
        f"(0-{MAX_MIN_TTL}; default {DEFAULT_MIN_TTL})",
    )
    common.add_flag(parser, "--force", "refresh even if still valid")


def run(args: argparse.Namespace) -> int:
    """Only the access token on stdout; exit 4 when a rotation's hook failed."""
    from ..commands.refresh import token_result

    result = token_result(
        args.token_file,
        min_ttl=args.min_ttl,
        force=args.force,
        profile=args.profile,
        seen=args.seen,  # what the valid-token read found, if it was asked
    )
    common.say(result.token.access_token)
    return common.EXIT_HOOK_FAILED if result.hook_failure else 0  # the failure is logged
