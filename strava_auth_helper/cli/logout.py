"""``strava-auth logout``: revoke the app's access at Strava, then delete the token."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    common.add_token_file(parser)
    common.add_flag(parser, "--local-only", "delete the token file even if Strava cannot be told")


def run(args: argparse.Namespace) -> int:
    """Deauthorize at Strava, then delete the token file and its lock."""
    from ..commands.logout import logout
    from ..store.paths import token_path

    path = token_path(args.token_file, args.profile)
    told_strava = logout(path, local_only=args.local_only, profile=args.profile)
    common.say(f"Logged out: {'access revoked at Strava, ' if told_strava else ''}deleted {path}")
    return 0
