"""The console script and ``get_access_token()``: the fast answer first, the rest lazily."""

from __future__ import annotations

import sys

from .cli.command_line import plain_token_command
from .model.rules import DEFAULT_MIN_TTL
from .store.location import PathArg
from .store.valid_token import peek

# This module decides when to hand over to the ordinary code, so the start-up budget lives
# here: tests/test_layers.py proves what the valid-token path imports.


def get_access_token(
    token_file: PathArg = None,
    *,
    min_ttl: float = DEFAULT_MIN_TTL,
    force: bool = False,
    profile: str | None = None,
) -> str:
    """An access token valid for at least ``min_ttl`` seconds, refreshed and saved if needed.

    Safe to call from many processes at once: one refreshes, the others wait for the lock
    and use its result. The rotated refresh token is on disk before this returns.

    Args:
        token_file: the token file (default: ``$STRAVA_TOKEN_FILE`` or the config folder).
        min_ttl: seconds the token must still be valid for (0 to 3600).
        force: refresh even if the token is still valid.
        profile: a named profile's token (default: ``$STRAVA_AUTH_PROFILE``, else none;
            ``""``: none, whatever the environment says); an explicit ``token_file`` wins.

    Raises:
        NotLoggedInError: there is no token file; run ``strava-auth login``.
        TokenFileError: the token file is unreadable or corrupt.
        ReauthorizationRequiredError: Strava no longer accepts the refresh token.
        StravaError: Strava refused, rate-limited or could not be reached.
        MissingCredentialsError: the client ID or secret is not configured.
        ValueError: ``min_ttl`` is outside 0 to 3600.
        ConfigError: ``profile`` is not a valid profile name.
    """
    seen = None if force else peek(token_file, profile)
    token = None if seen is None else seen.fresh_access_token(min_ttl)
    if token is not None:
        return token
    from .commands.refresh import token_result  # the ordinary path: locks, network, messages

    result = token_result(token_file, min_ttl=min_ttl, force=force, profile=profile, seen=seen)
    return result.token.access_token


def main(argv: list[str] | None = None) -> int:
    """The ``strava-auth`` command; ``token`` on a valid token is answered at interpreter speed.

    Every other command line goes to :func:`strava_auth_helper.cli.main.main`.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    given = plain_token_command(args)
    seen = None
    if given is not None:
        seen = peek(given.get("--token-file"), given.get("--profile"))
        try:
            min_ttl = float(given.get("--min-ttl", DEFAULT_MIN_TTL))
        except ValueError:  # argparse says what is wrong with it
            min_ttl = -1
        token = None if seen is None else seen.fresh_access_token(min_ttl)
        if token is not None:
            print(token)
            return 0
    from .cli.main import main as cli_main  # everything else: argparse, messages, the network

    return cli_main(args, seen=seen)
