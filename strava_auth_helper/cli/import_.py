"""``strava-auth import``: adopt tokens the user already has (JSON or a bare refresh token)."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..safe_text import clean
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Adopt tokens from a hand-rolled script or stravalib: JSON with refresh_token (and "
        "optionally access_token, expires_at or token_expires, athlete, scope) from FILE or "
        "standard input, or a bare refresh token from standard input. One refresh proves the "
        "token works before anything is written."
    )
    common.add_token_file(parser)
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="the JSON file (default, or -: standard input; never a token on the command line)",
    )
    common.add_store(parser)


def run(args: argparse.Namespace) -> int:
    """Prove and save the tokens."""
    from ..commands.import_ import import_token, read_input
    from ..store.paths import token_path

    path = token_path(args.token_file, args.profile)
    result = import_token(read_input(args.file), path, args.profile, args.store)
    token = result.token
    scopes = clean(token.scope or "unknown")
    common.say(f"Imported: {token.athlete_name}, scopes {scopes}; token saved to {path}")
    return common.EXIT_HOOK_FAILED if result.hook_failure else 0  # (the failure is logged)
