"""``strava-auth store keyring|file``: move the refresh token between the file and the keyring."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..model.token import PLACES
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Move the refresh token between the token file and the OS keyring (one entry per "
        "profile and app). The access token stays in the file either way."
    )
    common.add_token_file(parser)
    parser.add_argument("place", choices=PLACES[::-1], help="where it should live")


def run(args: argparse.Namespace) -> int:
    """Move it, under the token lock."""
    from ..commands.store import move_refresh_token
    from ..store import refresh_tokens
    from ..store.paths import token_path

    path = token_path(args.token_file, args.profile)
    token = move_refresh_token(path, args.place, args.profile)
    common.say(f"The refresh token is now {refresh_tokens.of(token).describe(token)}.")
    return 0
