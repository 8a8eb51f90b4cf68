"""``strava-auth refresh``: refresh the token now and say when it expires."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..errors import StravaAuthError
from . import common

#: What Strava does with a refresh while the access token has over an hour left.
SAME_ACCESS_TOKEN = (
    "Strava kept the same access token: it issues a new one only in the last hour of the old "
    "one's life, so a forced refresh cannot end it early"
)


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Refresh the token now (the rotated refresh token is saved before anything else). "
        "While the access token has over an hour left, Strava answers with the same one: "
        "a refresh cannot replace it early."
    )
    common.add_token_file(parser)


def run(args: argparse.Namespace) -> int:
    """Refresh and report the new expiry; exit 4 when a rotation's hook failed."""
    from ..commands.refresh import token_result
    from ..model.token import describe_expiry
    from ..store.paths import token_path
    from ..store.token_file import read_token

    try:
        before = read_token(token_path(args.token_file, args.profile)).access_token
    except StravaAuthError:  # no file yet ($STRAVA_REFRESH_TOKEN), or one the refresh explains
        before = None
    result = token_result(args.token_file, min_ttl=0, force=True, profile=args.profile)
    token = result.token
    left = describe_expiry(token.seconds_left())
    common.say(f"Refreshed: the access token now expires {common.when(token.expires_at)} ({left})")
    if token.access_token == before:
        common.say(f"{SAME_ACCESS_TOKEN}.")
    return common.EXIT_HOOK_FAILED if result.hook_failure else 0
