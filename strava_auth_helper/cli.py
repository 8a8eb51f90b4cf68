"""The ``strava-auth`` command: argparse, and every expected error as one stderr line.

Each command's module is imported when that command runs, not here: ``status`` and
``profiles`` never talk to Strava and must not pay for importing ``requests`` (the benchmark
measures them), and no command pays for another's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias, TypeVar

from . import settings
from .errors import ConfigError, StravaAuthError, os_reason
from .fastpath import DEFAULT_MIN_TTL, MAX_MIN_TTL, min_ttl_in_range
from .safe_text import clean, print_safely
from .scopes import DEFAULT_SCOPE, check_scopes
from .token_file import Token
from .version import __version__

PROG = "strava-auth"
#: `token` and `refresh` printed a live token, but $STRAVA_AUTH_ON_ROTATE failed: the secret
#: store still holds the old refresh token (a scheduled job should fail visibly).
EXIT_HOOK_FAILED = 4

Command = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[ArgumentParser]"
T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a bad command line)."""
    args = build_parser().parse_args(argv)
    if args.verbose:  # otherwise logging's last-resort handler prints warnings as they are
        logging.basicConfig(level=logging.DEBUG, format=f"{PROG}: %(message)s", stream=sys.stderr)
    status = _run(args.command, args)
    if getattr(args, "pause", False):
        _pause()
    return status


def _run(command: Command, args: argparse.Namespace) -> int:
    try:
        # Resolved once, for every command: "" from here on means no profile, whatever
        # $STRAVA_AUTH_PROFILE says (an explicit --profile "" too).
        args.profile = settings.profile_name(args.profile) or ""
        return command(args)
    except StravaAuthError as exc:
        error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        error("cancelled")
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        error(f"{os_reason(exc)}{where}")
        return 1


def _pause() -> None:
    """Keep a double-clicked launcher's window open until the result has been read."""
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        input("\nPress Enter to close this window.")


def say(line: str) -> None:
    """One line on stdout, whatever the terminal can encode (see print_safely)."""
    print_safely(line)


def error(message: str) -> None:
    """One line on stderr: ``strava-auth: error: message``."""
    print_safely(f"{PROG}: error: {message}", sys.stderr)


# --- the parser ---------------------------------------------------------------------------

_VERBOSE_HELP = "log what happens (never tokens, codes or the secret)"
_PROFILE_HELP = (
    "use a named profile: its own token (and, if it has one, its own .env with its app's "
    "client ID and secret); default: $STRAVA_AUTH_PROFILE, else none"
)


def build_parser() -> ArgumentParser:
    """The parser with every subcommand."""
    parser = ArgumentParser(
        prog=PROG, description="Get and keep Strava API tokens on this computer."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    parser.add_argument("--profile", metavar="NAME", type=_profile, help=_PROFILE_HELP)
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    common, token_file, browser = _common_options(), _token_file_option(), _browser_options()
    _add_login(sub, [common, token_file, browser])
    _add_token(sub, [common, token_file])
    _add_status(sub, [common, token_file])
    _add_refresh(sub, [common, token_file])
    _add_import(sub, [common, token_file])
    _add_logout(sub, [common, token_file])
    _add_export(sub, [common, token_file])
    _add_store(sub, [common, token_file])
    _add_demo(sub, [common, token_file, browser])
    _add_install_launcher(sub, [common])
    _add_profiles(sub, [common])
    return parser


def _common_options() -> ArgumentParser:
    # Accepted before or after the command; SUPPRESS keeps a subcommand from resetting them.
    parent = ArgumentParser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP
    )
    parent.add_argument(
        "--profile", metavar="NAME", type=_profile, default=argparse.SUPPRESS, help=_PROFILE_HELP
    )
    return parent


def _token_file_option() -> ArgumentParser:
    parent = ArgumentParser(add_help=False)
    parent.add_argument(
        "--token-file",
        metavar="PATH",
        help="token file (default: $STRAVA_TOKEN_FILE, else token.json in the config folder)",
    )
    return parent


def _browser_options() -> ArgumentParser:
    """What login and demo share: where to catch the redirect, and whether to open a browser."""
    parent = ArgumentParser(add_help=False)
    parent.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port on 127.0.0.1 to catch the redirect (default: ${settings.ENV_PORT}, else "
        f"{settings.DEFAULT_PORT}, or any free port if it is busy; 0: any free port)",
    )
    parent.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a browser (login: open the printed address yourself, or paste "
        "the address it lands on here; demo: it presses Authorize for you)",
    )
    return parent


def _add_login(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "login",
        parents=parents,
        help="authorize in the browser and save the token",
        description="Open Strava's authorize page, catch the redirect on 127.0.0.1 and save "
        "the token.",
    )
    p.add_argument(
        "--client-id",
        type=_client_id,
        metavar="ID",
        help="Strava app client ID (default: $STRAVA_CLIENT_ID, then .env files)",
    )
    p.add_argument(
        "--scope",
        type=_scope,
        default=DEFAULT_SCOPE,
        help="comma-separated scopes (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=settings.DEFAULT_LOGIN_TIMEOUT,
        metavar="SECONDS",
        help="give up after this long (default: %(default)g)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="ask Strava to show the authorize page again (approval_prompt=force)",
    )
    p.add_argument(
        "--pause",
        action="store_true",
        help="wait for Enter before exiting (used by the double-click launchers)",
    )
    _store_option(p)
    p.set_defaults(command=cmd_login)


def _store_option(p: ArgumentParser) -> None:
    p.add_argument(
        "--store",
        choices=("file", "keyring"),
        default="file",
        help="where the refresh token is kept: the token file (default) or the OS keyring "
        "(Windows Credential Manager, macOS Keychain, the Secret Service; needs the "
        "keyring extra)",
    )


def _add_token(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "token",
        parents=parents,
        help="print a live access token (refreshing it first if needed)",
        description="Print only the access token, e.g. "
        'curl -H "Authorization: Bearer $(strava-auth token)" ...',
    )
    p.add_argument(
        "--min-ttl",
        type=_min_ttl,
        default=DEFAULT_MIN_TTL,
        metavar="SECONDS",
        help=f"refresh if the token expires within this many seconds "
        f"(0-{MAX_MIN_TTL}; default {DEFAULT_MIN_TTL})",
    )
    p.add_argument("--force", action="store_true", help="refresh even if still valid")
    p.set_defaults(command=cmd_token)


def _add_status(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "status", parents=parents, help="show who is logged in and when the token expires"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(command=cmd_status)


def _add_refresh(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser("refresh", parents=parents, help="refresh the token now")
    p.set_defaults(command=cmd_refresh)


def _add_import(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        parents=parents,
        help="adopt tokens you already have (JSON or a bare refresh token)",
        description="Adopt tokens from a hand-rolled script or stravalib: JSON with "
        "refresh_token (and optionally access_token, expires_at or token_expires, athlete, "
        "scope) from FILE or standard input, or a bare refresh token from standard input. "
        "One refresh proves the token works before anything is written.",
    )
    p.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="the JSON file (default, or -: standard input; never a token on the command line)",
    )
    _store_option(p)
    p.set_defaults(command=cmd_import)


def _add_logout(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "logout", parents=parents, help="revoke the app's access at Strava and delete the token"
    )
    p.add_argument(
        "--local-only",
        action="store_true",
        help="delete the token file even if Strava cannot be told",
    )
    p.set_defaults(command=cmd_logout)


def _add_export(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        parents=parents,
        help="print the tokens for a secret store or another computer (into a pipe)",
        description="Print the tokens as JSON that `strava-auth import` takes, or only the "
        "refresh token, e.g. `strava-auth export --refresh-token | gh secret set "
        "STRAVA_REFRESH_TOKEN`. Refuses to write to a terminal without --yes.",
    )
    p.add_argument(
        "--refresh-token",
        action="store_true",
        help="only the refresh token (what STRAVA_REFRESH_TOKEN holds on CI)",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="write to a terminal anyway (the secret stays in its scroll-back)",
    )
    p.set_defaults(command=cmd_export)


def _add_store(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "store",
        parents=parents,
        help="move the refresh token to the OS keyring, or back to the token file",
        description="Move the refresh token between the token file and the OS keyring (one "
        "entry per profile and app). The access token stays in the file either way.",
    )
    p.add_argument("place", choices=("keyring", "file"), help="where it should live")
    p.set_defaults(command=cmd_store)


def _add_demo(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        parents=parents,
        help="try the whole flow against a simulated Strava on this computer",
        description="Run the real login and refresh against a simulated Strava served on "
        "127.0.0.1; no Strava app or account needed. The token goes to a throw-away file "
        "unless --token-file is given.",
    )
    p.add_argument(
        "--serve",
        action="store_true",
        help="afterwards keep the simulated Strava running (until Ctrl-C) and print the "
        "STRAVA_* settings that point your own scripts at it",
    )
    p.set_defaults(command=cmd_demo)


def _add_install_launcher(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "install-launcher",
        parents=parents,
        help="put a double-click launcher for `strava-auth login` on the Desktop",
    )
    p.add_argument(
        "--dir",
        metavar="DIR",
        type=Path,
        help="where to put it (default: your Desktop, else your home folder)",
    )
    p.set_defaults(command=cmd_install_launcher)


def _add_profiles(sub: Subparsers, parents: list[ArgumentParser]) -> None:
    p = sub.add_parser(
        "profiles",
        parents=parents,
        help="list the profiles: athlete, client ID, scopes and expiry (never a token)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(command=cmd_profiles)


# --- argument types: a ConfigError or ValueError is a usage error (exit 2) ------------------


def _usage_error_for(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ConfigError or ValueError becomes a usage error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except (ConfigError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _valid_profile(text: str) -> str:
    settings.profile_name(text)
    return text


def _seconds(check: Callable[[float], bool], what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")  # fails every check, so the message below applies
        if not check(value):
            raise ValueError(f"not {what}: {text!r}")
        return value

    return parse


_scope = _usage_error_for(check_scopes)
_profile = _usage_error_for(_valid_profile)
_client_id = _usage_error_for(lambda text: settings.parse_client_id(text, "--client-id"))
_port = _usage_error_for(lambda text: settings.parse_port(text, "--port"))
_min_ttl = _usage_error_for(
    _seconds(min_ttl_in_range, f"a number of seconds from 0 to {MAX_MIN_TTL}")
)
_positive_seconds = _usage_error_for(_seconds(lambda s: s > 0, "a positive number of seconds"))


# --- the commands: each imports its module when it runs ------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    """``strava-auth login``."""
    from .login_api import login_with
    from .prompts import credentials

    login_with(
        credentials(args.client_id, args.profile),
        args.scope,
        profile=args.profile,
        token_file=args.token_file,
        port=args.port,
        timeout=args.timeout,
        open_browser=not args.no_browser,
        force=args.force,
        store=args.store,
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """``strava-auth token``: only the access token on stdout."""
    from .refresher import live_token

    outcome = live_token(
        args.token_file, min_ttl=args.min_ttl, force=args.force, profile=args.profile
    )
    say(outcome.token.access_token)
    return EXIT_HOOK_FAILED if outcome.hook_failure else 0  # the failure is logged already


def cmd_status(args: argparse.Namespace) -> int:
    """``strava-auth status``: athlete, scopes, expiry and path; never the tokens."""
    from .errors import NotLoggedInError
    from .token_file import describe_expiry, read_token

    path = settings.token_path(args.token_file, args.profile)
    try:
        token = read_token(path)
    except NotLoggedInError:
        if settings.refresh_token_from_env() is None:
            raise
        from .refresher import adopt_from_env  # a CI runner's first use: one refresh

        token = adopt_from_env(path, args.profile).token
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
        say(json.dumps(info, indent=2))
        return 0
    athlete_id = token.athlete.get("id")
    say(f"Athlete:    {token.athlete_name}" + (f" (id {athlete_id})" if athlete_id else ""))
    say(f"Scopes:     {clean(token.scope or 'unknown')}")
    say(f"Expires:    {_when(token.expires_at)} ({describe_expiry(left)})")
    say(f"Token file: {path}")
    say(f"Refresh:    {_where_refresh_token_lives(token)}")
    return 0


def _where_refresh_token_lives(token: Token) -> str:
    if token.in_keyring:
        return f"in the OS keyring (entry {token.keyring_entry!r} of 'strava-auth-helper')"
    return "in the token file"


def _when(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def cmd_refresh(args: argparse.Namespace) -> int:
    """``strava-auth refresh``: refresh now and report the new expiry."""
    from .refresher import live_token
    from .token_file import describe_expiry

    outcome = live_token(args.token_file, min_ttl=0, force=True, profile=args.profile)
    token = outcome.token
    left = describe_expiry(token.seconds_left())
    say(f"Refreshed: the access token now expires {_when(token.expires_at)} ({left})")
    return EXIT_HOOK_FAILED if outcome.hook_failure else 0


def cmd_logout(args: argparse.Namespace) -> int:
    """``strava-auth logout``: deauthorize at Strava, then delete the token file and its lock."""
    from .logout import logout

    path = settings.token_path(args.token_file, args.profile)
    told_strava = logout(path, local_only=args.local_only, profile=args.profile)
    say(f"Logged out: {'access revoked at Strava, ' if told_strava else ''}deleted {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``strava-auth import``: prove and save tokens the user already has."""
    from .importer import MAX_INPUT, import_token
    from .prompts import tokens_to_import

    path = settings.token_path(args.token_file, args.profile)
    token = import_token(tokens_to_import(args.file, MAX_INPUT), path, args.profile, args.store)
    who = token.athlete_name
    say(f"Imported: {who}, scopes {clean(token.scope or 'unknown')}; token saved to {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """``strava-auth export``: the tokens, for a secret store or ``strava-auth import``."""
    from dataclasses import replace

    from .token_file import read_token
    from .token_store import refresh_token_of

    if sys.stdout.isatty() and not args.yes:
        raise ConfigError(
            "standard output is a terminal, where the refresh token would stay in the "
            "scroll-back: pipe it (`strava-auth export --refresh-token | gh secret set "
            "STRAVA_REFRESH_TOKEN`), or add --yes"
        )
    token = read_token(settings.token_path(args.token_file, args.profile))
    whole = replace(token, refresh_token=refresh_token_of(token), refresh_token_in="file")
    whole = replace(whole, keyring_entry=None)
    say(whole.refresh_token if args.refresh_token else json.dumps(whole.to_dict(), indent=2))
    return 0


def cmd_store(args: argparse.Namespace) -> int:
    """``strava-auth store keyring|file``: move the refresh token."""
    from .token_store import move_refresh_token

    path = settings.token_path(args.token_file, args.profile)
    token = move_refresh_token(path, args.place, args.profile)
    say(f"The refresh token is now {_where_refresh_token_lives(token)}.")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    """``strava-auth profiles``: every profile's athlete, client ID, scopes and expiry."""
    from .profiles import list_profiles, profile_summary

    rows = [profile_summary(name) for name in list_profiles()]
    if args.json:
        say(json.dumps(rows, indent=2))
        return 0
    if not rows:
        say("No profiles yet: `strava-auth login` (or `strava-auth --profile NAME login`).")
        return 0
    say(f"{'PROFILE':14} {'ATHLETE':24} {'CLIENT ID':10} {'SCOPES':28} {'REFRESH':8} EXPIRES")
    for row in rows:
        say(
            f"{row['profile'] or '(default)':14} {clean(row['athlete'], 24):24} "
            f"{row['client_id'] or '-'!s:10} {clean(row['scope'] or '-', 28):28} "
            f"{row['refresh_token_in'] or '-'!s:8} {row['expires']}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``strava-auth demo``."""
    from .demo import run_demo

    token_file = Path(args.token_file).expanduser() if args.token_file else None
    port = settings.login_port(args.port)
    run_demo(token_file, open_browser=not args.no_browser, port=port, serve=args.serve)
    return 0


def cmd_install_launcher(args: argparse.Namespace) -> int:
    """``strava-auth install-launcher``."""
    from .launcher import install

    path = install(args.dir.expanduser() if args.dir else None, profile=args.profile)
    say(f"Launcher written to {path}: double-click it to log in to Strava.")
    return 0
