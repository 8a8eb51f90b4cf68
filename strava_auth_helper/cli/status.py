"""``strava-auth status``: who is logged in and when the token expires; never a token."""

from __future__ import annotations

import argparse
import json
from argparse import ArgumentParser

from .. import settings
from ..safe_text import clean
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    common.add_common(parser)
    common.add_token_file(parser)
    common.add_flag(parser, "--json", "machine-readable output")


def run(args: argparse.Namespace) -> int:
    """Athlete, scopes, expiry and path (offline, except a CI runner's first use)."""
    from ..flows.stored_token import stored_or_adopted
    from ..store.token import describe_expiry

    path = settings.token_path(args.token_file, args.profile)
    token = stored_or_adopted(path, args.profile)
    left = token.seconds_left()
    if args.json:
        info = {
            "athlete": token.athlete,
            "scope": token.scope,
            "expires_at": token.expires_at,
            "expires_in": int(left),
            "expired": left <= 0,
            "client_id": token.client_id,
            "token_file": str(path),
            "refresh_token_in": token.refresh_token_in,
            "keyring_entry": token.keyring_entry,
        }
        common.say(json.dumps(info, indent=2))
        return 0
    athlete_id = token.athlete.get("id")
    common.say(f"Athlete:    {token.athlete_name}" + (f" (id {athlete_id})" if athlete_id else ""))
    common.say(f"Scopes:     {clean(token.scope or 'unknown')}")
    common.say(f"Expires:    {common.when(token.expires_at)} ({describe_expiry(left)})")
    common.say(f"Token file: {path}")
    common.say(f"Refresh:    {common.where_refresh_token_lives(token)}")
    return 0
