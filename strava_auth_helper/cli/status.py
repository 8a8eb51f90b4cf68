"""``strava-auth status``: who is logged in, when the token expires, and what Strava says."""

from __future__ import annotations

import argparse
import json
from argparse import ArgumentParser
from typing import TYPE_CHECKING

from ..errors import COMMAND, AppInactiveError, ScopesNotGrantedError
from ..safe_text import clean
from . import common

if TYPE_CHECKING:  # (the check is imported only with --check: it needs the HTTP stack)
    from ..commands.status import Check
    from ..strava.rate_limits import RateLimits

#: ``status --check``: Strava refuses the token (revoked, or rotated elsewhere): log in.
EXIT_REVOKED = 5
EXIT_CODES = (
    f"exit status of --check: 0 the token works; {EXIT_REVOKED} it was revoked (log in "
    f"again); {AppInactiveError.exit_code} the app is inactive (its owner must reactivate "
    f"it); {ScopesNotGrantedError.exit_code} Strava refused a call for lack of a scope; 1 "
    "anything else (Strava unreachable, rate-limited, no token); 4 (with or without --check) "
    "where it refreshed and $STRAVA_AUTH_ON_ROTATE failed to store the rotated refresh token"
)


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.epilog = EXIT_CODES
    common.add_token_file(parser)
    common.add_flag(parser, "--json", "machine-readable output")
    common.add_flag(
        parser,
        "--check",
        "ask Strava (one call, after a refresh if the token needs one) whether the token "
        "works, and how much of its rate limits is left",
    )


def run(args: argparse.Namespace) -> int:
    """Athlete, scopes, expiry and path (offline, except a CI runner's first use)."""
    from ..commands.status import stored_or_adopted
    from ..model.token import describe_expiry
    from ..store import refresh_tokens
    from ..store.paths import token_path

    path = token_path(args.token_file, args.profile)
    token, hook_failure = stored_or_adopted(path, args.profile)
    check = _check(args) if args.check else None
    token = check.token if check is not None and check.token is not None else token
    hook_failed = hook_failure is not None or (check is not None and check.hook_failure is not None)
    left = token.seconds_left()
    if args.json:
        info: dict[str, object] = {
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
        if check is not None:
            info["check"] = _check_json(check)
        common.say(json.dumps(info, indent=2))
        return _exit_status(check, hook_failed)
    athlete_id = token.athlete.get("id")
    common.say(f"Athlete:    {token.athlete_name}" + (f" (id {athlete_id})" if athlete_id else ""))
    common.say(f"Scopes:     {clean(token.scope or 'unknown')}")
    common.say(f"Expires:    {common.when(token.expires_at)} ({describe_expiry(left)})")
    common.say(f"Token file: {path}")
    common.say(f"Refresh:    {refresh_tokens.of(token).describe(token)}")
    if check is not None:
        _say_check(check)
    return _exit_status(check, hook_failed)


def _check(args: argparse.Namespace) -> Check:
    from ..commands.status import check_with_strava

    return check_with_strava(args.token_file, args.profile)


def _say_check(check: Check) -> None:
    common.say(f"Strava:     {check.message}")
    if check.missing_scopes:
        common.say(
            f"Missing:    {', '.join(check.missing_scopes)} (of the default request): "
            f"`{COMMAND} login --force` and leave every box ticked"
        )
    if check.limits is not None:
        common.say(f"Rate limit: {_limits_line(check.limits)}")


def _limits_line(limits: RateLimits) -> str:
    parts = []
    for name, limit in (("requests", limits.overall), ("reads", limits.read)):
        if limit is not None:
            parts.append(
                f"{name} {limit.left_15min}/{limit.limit_15min} left this 15 minutes, "
                f"{limit.left_daily}/{limit.limit_daily} today"
            )
    return "; ".join(parts) or "not reported"


def _check_json(check: Check) -> dict[str, object]:
    limits = check.limits
    return {
        "outcome": check.outcome,
        "message": check.message,
        "missing_scopes": check.missing_scopes,
        "rate_limits": None
        if limits is None
        else {
            name: None if limit is None else vars(limit)
            for name, limit in (("overall", limits.overall), ("read", limits.read))
        },
    }


def _exit_status(check: Check | None, hook_failed: bool) -> int:
    """What ``--check`` found; else 4 where a rotation's hook failed (the failure is logged)."""
    if check is None:
        return common.EXIT_HOOK_FAILED if hook_failed else 0
    from ..commands.status import APP_INACTIVE, REVOKED, SCOPE_MISSING

    from_outcome = {
        REVOKED: EXIT_REVOKED,
        APP_INACTIVE: AppInactiveError.exit_code,
        SCOPE_MISSING: ScopesNotGrantedError.exit_code,
    }
    return from_outcome.get(check.outcome, common.EXIT_HOOK_FAILED if hook_failed else 0)
