"""``strava-auth profiles``: every profile's athlete, client ID, scopes and expiry."""

from __future__ import annotations

import argparse
import json
from argparse import ArgumentParser

from ..errors import COMMAND, LOGIN_COMMAND
from ..model.app import SETTINGS_URL, STANDARD_TIER_ATHLETES
from ..safe_text import clean
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    common.add_flag(parser, "--json", "machine-readable output")


def run(args: argparse.Namespace) -> int:
    """One line (or JSON object) per profile; never a token."""
    from ..commands.profiles import athletes_per_app, list_profiles, profile_summary

    rows = [profile_summary(profile) for profile in list_profiles()]
    if args.json:
        common.say(json.dumps(rows, indent=2))
        return 0
    if not rows:
        common.say(f"No profiles yet: `{LOGIN_COMMAND}` (or `{COMMAND} --profile NAME login`).")
        return 0
    common.say(
        f"{'PROFILE':14} {'ATHLETE':24} {'CLIENT ID':10} {'SCOPES':28} {'REFRESH':8} EXPIRES"
    )
    for row in rows:
        common.say(
            f"{row['profile'] or '(default)':14} {clean(row['athlete'], 24):24} "
            f"{row['client_id'] or '-'!s:10} {clean(row['scope'] or '-', 28):28} "
            f"{row['refresh_token_in'] or '-'!s:8} {row['expires']}"
        )
    for client_id, athletes in athletes_per_app(rows).items():
        common.say(
            f"App {client_id}: {len(athletes)} athlete(s) here, of the {STANDARD_TIER_ATHLETES} a "
            f"Standard Tier app serves (its own limit: 'Athlete Capacity' on {SETTINGS_URL})."
        )
        for names in (n for n in athletes.values() if len(n) > 1):
            common.say(
                f"Warning: profiles {', '.join(names)} hold one athlete of this app, one grant at "
                "Strava: a refresh token rotated by one can stop the other's working; keep one "
                f"(`{COMMAND} --profile NAME logout --local-only`)."
            )
    return 0
