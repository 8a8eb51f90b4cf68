"""``strava-auth export``: the tokens, for a secret store or ``strava-auth import``."""

from __future__ import annotations

import argparse
import json
import sys
from argparse import ArgumentParser

from ..errors import COMMAND, ConfigError
from ..safe_text import print_safely
from . import common

#: Said on stderr by an export that leaves the token here too.
A_COPY = (
    "this is a copy: the first refresh, here or there, rotates the refresh token and the "
    "other copy stops working; to hand it over instead, add --move"
)


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Print the tokens as JSON that `strava-auth import` takes, or only the refresh token, "
        "e.g. `strava-auth export --refresh-token | gh secret set STRAVA_REFRESH_TOKEN`. "
        "Refuses to write to a terminal without --yes."
    )
    common.add_token_file(parser)
    common.add_flag(
        parser, "--refresh-token", "only the refresh token (what STRAVA_REFRESH_TOKEN holds on CI)"
    )
    common.add_flag(
        parser, "--yes", "write to a terminal anyway (the secret stays in its scroll-back)"
    )
    common.add_flag(
        parser,
        "--move",
        "hand the token over: once it is printed, the token file here keeps no token, and "
        "commands here say where it went (a refresh token works in one place only)",
    )
    parser.add_argument(
        "--to",
        metavar="WHERE",
        default="",
        help="with --move: where it goes, said back later (e.g. 'the CI secret of my-repo')",
    )


def run(args: argparse.Namespace) -> int:
    """Print the token (its refresh token fetched from wherever it lives), under the lock."""
    from ..commands.export import export
    from ..model.token import Token
    from ..store.paths import token_path

    if sys.stdout is None:  # started with it closed (>&-)
        raise ConfigError("standard output is closed: the token has nowhere to go (kept here)")
    if sys.stdout.isatty() and not args.yes:
        raise ConfigError(
            "standard output is a terminal, where the refresh token would stay in the "
            f"scroll-back: pipe it (`{COMMAND} export --refresh-token | gh secret set "
            "STRAVA_REFRESH_TOKEN`), or add --yes"
        )
    if args.to and not args.move:
        raise ConfigError("--to says where a --move hands the token: add --move")

    def write(token: Token) -> None:
        whole = json.dumps(token.to_dict(), indent=2)
        common.say(token.refresh_token if args.refresh_token else whole)

    path = token_path(args.token_file, args.profile)
    move_to = (args.to or "where it was exported to") if args.move else None
    export(path, args.profile, write, move_to=move_to)
    if not args.move:
        print_safely(f"{common.PROG}: {A_COPY}", sys.stderr)
    return 0
