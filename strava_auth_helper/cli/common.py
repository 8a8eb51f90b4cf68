"""What every command shares: its options, the argument types, and how it writes its lines."""

from __future__ import annotations

import argparse
import sys
import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import TypeVar

from .. import settings
from ..errors import ConfigError
from ..model.app import parse_client_id
from ..model.rules import DEFAULT_MIN_TTL, MAX_MIN_TTL, min_ttl_in_range
from ..model.scopes import check_scopes
from ..model.token import PLACES
from ..safe_text import print_safely

PROG = "strava-auth"
#: `token` and `refresh` printed a live token, but $STRAVA_AUTH_ON_ROTATE failed: the secret
#: store still holds the old refresh token (a scheduled job should fail visibly).
EXIT_HOOK_FAILED = 4

T = TypeVar("T")


def say(line: str) -> None:
    """One line on stdout, whatever the terminal can encode (see print_safely)."""
    print_safely(line)


def error(message: str) -> None:
    """One line on stderr: ``strava-auth: error: message``."""
    print_safely(f"{PROG}: error: {message}", sys.stderr)


def when(epoch: int) -> str:
    """An expiry as local time: ``2026-12-03 09:15:00 CET``."""
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


# --- options more than one command takes -----------------------------------------------------

VERBOSE_HELP = "log what happens (never tokens, codes or the secret)"
PROFILE_HELP = (
    "use a named profile: its own token (and, if it has one, its own .env with its app's "
    "client ID and secret); default: $STRAVA_AUTH_PROFILE, else none"
)


def add_flag(parser: ArgumentParser, name: str, help: str) -> None:  # noqa: A002 - argparse's
    """An on/off option (``--json``, ``--force``...), off unless given."""
    parser.add_argument(name, action="store_true", help=help)


def add_common(parser: ArgumentParser) -> None:
    """-v and --profile, accepted after the command too.

    SUPPRESS: a subcommand that is not given them keeps what was given before it.
    """
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
    )
    parser.add_argument(
        "--profile", metavar="NAME", type=profile, default=argparse.SUPPRESS, help=PROFILE_HELP
    )


def add_token_file(
    parser: ArgumentParser,
    default: str = "$STRAVA_TOKEN_FILE, else token.json in the config folder",
) -> None:
    """--token-file, and what it is when not given."""
    parser.add_argument("--token-file", metavar="PATH", help=f"token file (default: {default})")


def add_browser_options(parser: ArgumentParser) -> None:
    """What login and demo share: where to catch the redirect, and whether to open a browser."""
    parser.add_argument(
        "--port",
        type=port,
        default=None,
        help=f"port on 127.0.0.1 to catch the redirect (default: ${settings.ENV_PORT}, else "
        f"{settings.DEFAULT_PORT}, or any free port if it is busy; 0: any free port)",
    )
    add_flag(
        parser,
        "--no-browser",
        "do not open a browser (login: open the printed address yourself, or paste "
        "the address it lands on here; demo: it presses Authorize for you)",
    )


def add_store(parser: ArgumentParser) -> None:
    """--store: where a new token's refresh token is kept."""
    parser.add_argument(
        "--store",
        choices=PLACES,
        default="file",
        help="where the refresh token is kept: the token file (default) or the OS keyring "
        "(Windows Credential Manager, macOS Keychain, the Secret Service; needs the "
        "keyring extra)",
    )


# --- argument types: a ConfigError or ValueError is a usage error (exit 2) ------------------


def usage_error_for(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ConfigError or ValueError becomes a usage error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except (ConfigError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _valid_profile(text: str) -> str:
    settings.resolve_profile(text)
    return text


def seconds(check: Callable[[float], bool], what: str) -> Callable[[str], float]:
    """A parser of a number of seconds that ``check`` accepts (``what`` says which)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")  # fails every check, so the message below applies
        if not check(value):
            raise ValueError(f"not {what}: {text!r}")
        return value

    return parse


scope = usage_error_for(check_scopes)
profile = usage_error_for(_valid_profile)
client_id = usage_error_for(lambda text: parse_client_id(text, "--client-id"))
port = usage_error_for(lambda text: settings.parse_port(text, "--port"))
min_ttl = usage_error_for(seconds(min_ttl_in_range, f"a number of seconds from 0 to {MAX_MIN_TTL}"))
positive_seconds = usage_error_for(seconds(lambda s: s > 0, "a positive number of seconds"))


def add_min_ttl(parser: ArgumentParser, help: str) -> None:  # noqa: A002 - argparse's
    """--min-ttl SECONDS, with what it means for the command (``help``)."""
    parser.add_argument(
        "--min-ttl", type=min_ttl, default=DEFAULT_MIN_TTL, metavar="SECONDS", help=help
    )
