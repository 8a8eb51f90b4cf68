"""``strava-auth export``: the tokens, for a secret store or ``strava-auth import``."""

from __future__ import annotations

import argparse
import json
import sys
from argparse import ArgumentParser

from .. import settings
from ..errors import ConfigError
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        "Print the tokens as JSON that `strava-auth import` takes, or only the refresh token, "
        "e.g. `strava-auth export --refresh-token | gh secret set STRAVA_REFRESH_TOKEN`. "
        "Refuses to write to a terminal without --yes."
    )
    common.add_common(parser)
    common.add_token_file(parser)
    common.add_flag(
        parser, "--refresh-token", "only the refresh token (what STRAVA_REFRESH_TOKEN holds on CI)"
    )
    common.add_flag(
        parser, "--yes", "write to a terminal anyway (the secret stays in its scroll-back)"
    )


def run(args: argparse.Namespace) -> int:
    """Print the token (its refresh token fetched from wherever it lives)."""
    from ..store.save import exportable
    from ..store.token import read_token

    if sys.stdout.isatty() and not args.yes:
        raise ConfigError(
            "standard output is a terminal, where the refresh token would stay in the "
            "scroll-back: pipe it (`strava-auth export --refresh-token | gh secret set "
            "STRAVA_REFRESH_TOKEN`), or add --yes"
        )
    token = exportable(read_token(settings.token_path(args.token_file, args.profile)))
    common.say(token.refresh_token if args.refresh_token else json.dumps(token.to_dict(), indent=2))
    return 0
