"""``strava-auth logout``: revoke the app's access at Strava, then delete the token."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser

from ..errors import COMMAND
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    common.add_token_file(parser)
    common.add_flag(parser, "--local-only", "delete the token file even if Strava cannot be told")
    common.add_flag(
        parser, "--forget-app", "also forget the app's Client ID and Client Secret saved here"
    )


def run(args: argparse.Namespace) -> int:
    """Deauthorize at Strava, then delete the token file and its lock."""
    from ..commands.logout import logout
    from ..store.app_credentials import forget_credentials, saved_client_id
    from ..store.paths import config_env_file, token_path

    path = token_path(args.token_file, args.profile)
    told_strava = logout(path, local_only=args.local_only, profile=args.profile)
    common.say(f"Logged out: {'access revoked at Strava, ' if told_strava else ''}deleted {path}")
    forgotten = forget_credentials(args.profile) if args.forget_app else None
    if forgotten is not None:
        common.say(f"Forgot the app's credentials saved in {forgotten}.")
    elif not args.forget_app and saved_client_id(args.profile) is not None:
        common.say(
            f"The app's Client ID and Client Secret stay saved in {config_env_file(args.profile)}"
            f" for the next login; `{COMMAND} logout --forget-app` forgets them too."
        )
    return 0
