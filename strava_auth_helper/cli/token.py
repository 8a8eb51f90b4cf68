"""``strava-auth token``: a live access token (``entry`` prints a valid one before this)."""

from __future__ import annotations

import argparse
import json
from argparse import ArgumentParser

from ..model.rules import DEFAULT_MIN_TTL, MAX_MIN_TTL
from . import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..model.token import Token


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.description = (
        'Print only the access token, e.g. curl -H "Authorization: Bearer $(strava-auth token)" ...'
    )
    common.add_token_file(parser)
    common.add_min_ttl(
        parser,
        f"refresh if the token expires within this many seconds (0-{MAX_MIN_TTL}; default "
        f"{DEFAULT_MIN_TTL})",
    )
    common.add_flag(parser, "--force", "refresh even if still valid")
    common.add_flag(
        parser,
        "--json",
        "one JSON object for other programs: version, access_token, expires_at, scope, "
        "athlete_id, athlete_name, profile (never the refresh token)",
    )


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
    common.say(
        for_programs(result.token, args.profile.name) if args.json else result.token.access_token
    )
    return common.EXIT_HOOK_FAILED if result.hook_failure else 0  # the failure is logged


def for_programs(token: Token, profile: str | None) -> str:
    """``token --json``: what another program needs of a live token, never its refresh token."""
    athlete_id = token.athlete.get("id")
    return json.dumps(
        {
            "version": 1,  # the protocol's: fields are added, never changed or removed
            "access_token": token.access_token,
            "expires_at": token.expires_at,  # epoch seconds, as Strava gives it
            "scope": token.scope,
            "athlete_id": athlete_id if isinstance(athlete_id, int) else None,
            "athlete_name": token.athlete_name if token.athlete else None,
            "profile": profile,
        }
    )
