"""The console script and ``get_access_token()``: the fast answer first, the rest lazily.

A valid token is answered by :mod:`.store.quick_read` alone; everything else is handed to
:mod:`.flows.refresh` or :mod:`.cli.main`, imported only then. This is the one place that
decides when to hand over, so the start-up budget lives here (a test proves what the
valid-token path does not import).

Only ``__init__``, ``__main__``, ``requests_auth`` and the console script import this module:
it sits above the CLI and the flows, which it reaches lazily.
"""

from __future__ import annotations

import sys

from .store.location import PathArg
from .store.quick_read import DEFAULT_MIN_TTL, valid_access_token


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
    if not force:
        token = valid_access_token(token_file, min_ttl, profile)
        if token is not None:
            return token
    from .flows.refresh import token_result  # the ordinary path: locks, network, messages

    result = token_result(token_file, min_ttl=min_ttl, force=force, profile=profile)
    return result.token.access_token


def main(argv: list[str] | None = None) -> int:
    """The ``strava-auth`` command, a valid ``token`` answered at interpreter speed.

    The ``strava-auth`` command: ``token`` on a valid token is answered here, at
    interpreter speed; every other command line goes to :func:`strava_auth_helper.cli.main`.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    parsed = parse_token_command(args)
    if parsed is not None:
        token_file, min_ttl, profile = parsed
        token = valid_access_token(token_file, min_ttl, profile)
        if token is not None:
            print(token)
            return 0
    from .cli.main import main as cli_main  # everything else: argparse, messages, the network

    return cli_main(args)


_TOKEN_OPTIONS = ("--token-file", "--min-ttl", "--profile")


def parse_token_command(args: list[str]) -> tuple[str | None, float, str | None] | None:
    """(token file, min_ttl, profile) of a plain ``token`` command line, else None.

    (token file, min_ttl, profile) for a plain
    ``[--profile P] token [--token-file F] [--min-ttl S] [--profile P]``; None for anything
    else, which argparse then handles (errors, help, other flags). The values are not checked
    here: :func:`.store.quick_read.valid_access_token` answers None for any it would not accept.
    """
    values: dict[str, str] = {}
    rest = list(args)
    seen_command = False
    while rest:
        arg = rest.pop(0)
        if arg == "token" and not seen_command:
            seen_command = True
            continue
        name, equals, value = arg.partition("=")
        if not equals:
            value = rest.pop(0) if rest else ""
        allowed = _TOKEN_OPTIONS if seen_command else ("--profile",)
        if name not in allowed or name in values or not value or value.startswith("-"):
            return None
        values[name] = value
    try:
        min_ttl = float(values.get("--min-ttl", DEFAULT_MIN_TTL))
    except ValueError:
        return None
    if not seen_command:
        return None
    return values.get("--token-file"), min_ttl, values.get("--profile")
