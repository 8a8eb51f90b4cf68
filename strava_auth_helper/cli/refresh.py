"""``strava-auth refresh``: refresh the token now and say when it expires."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    common.add_common(parser)
    common.add_token_file(parser)


def run(args: argparse.Namespace) -> int:
    """Refresh and report the new expiry; exit 4 when a rotation's hook failed."""
    from ..flows.refresh import token_result
    from ..store.token import describe_expiry

    result = token_result(args.token_file, min_ttl=0, force=True, profile=args.profile)
    token = result.token
    left = describe_expiry(token.seconds_left())
    common.say(f"Refreshed: the access token now expires {common.when(token.expires_at)} ({left})")
    return common.EXIT_HOOK_FAILED if result.hook_failure else 0
