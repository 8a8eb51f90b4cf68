"""The ``strava-auth`` command: argparse, and every expected error as one stderr line."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import sys
import time
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from . import __version__, settings
from .demo import run_demo
from .errors import ConfigError, MissingCredentialsError, StravaAuthError
from .fastpath import DEFAULT_MIN_TTL, MAX_MIN_TTL
from .importer import MAX_INPUT, import_token
from .launcher import install
from .login_flow import DEFAULT_SCOPE, DEFAULT_TIMEOUT, LoginOptions, run_login
from .logout import logout
from .profiles import list_profiles, profile_summary
from .refresher import refresh_if_needed
from .safe_text import clean
from .strava import check_scopes
from .token_file import describe_expiry, read_token

PROG = "strava-auth"
EXIT_PARTIAL_SCOPES = 3

Command = Callable[[argparse.Namespace], int]
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
        args.profile = settings.profile_name(args.profile)  # checked once, for every command
        return command(args)
    except StravaAuthError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("cancelled")
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _error(f"{exc.strerror or exc.__class__.__name__}{where}")
        return 1


def _pause() -> None:
    """Keep a double-clicked launcher's window open until the result has been read."""
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        input("\nPress Enter to close this window.")


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


# --- the parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Get and keep Strava API tokens on this computer."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    parser.add_argument("--profile", metavar="NAME", type=_profile, help=_PROFILE_HELP)
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    verbose, token_file, browser = _common_options(), _token_file_option(), _browser_options()
    _add_login(sub, [verbose, token_file, browser])
    _add_token_commands(sub, [verbose, token_file])
    _add_demo(sub, [verbose, token_file, browser])
    p = sub.add_parser(
        "install-launcher",
        parents=[verbose],
        help="put a double-click launcher for `strava-auth login` on the Desktop",
    )
    p.add_argument("--dir", metavar="DIR", type=Path, help=_LAUNCHER_DIR_HELP)
    p.set_defaults(command=cmd_install_launcher)
    p = sub.add_parser(
        "profiles",
        parents=[verbose],
        help="list the profiles: athlete, client ID, scopes and expiry (never a token)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(command=cmd_profiles)
    return parser


_VERBOSE_HELP = "log what happens (never tokens, codes or the secret)"
_PROFILE_HELP = (
    "use a named profile: its own token (and, if it has one, its own .env with its app's "
    "client ID and secret); default: $STRAVA_AUTH_PROFILE, else none"
)
_LAUNCHER_DIR_HELP = "where to put it (default: your Desktop, else your home folder)"


def _common_options() -> argparse.ArgumentParser:
    # Accepted before or after the command; SUPPRESS keeps a subcommand from resetting them.
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=_VERBOSE_HELP
    )
    parent.add_argument(
        "--profile", metavar="NAME", type=_profile, default=argparse.SUPPRESS, help=_PROFILE_HELP
    )
    return parent


def _token_file_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--token-file",
        metavar="PATH",
        help="token file (default: $STRAVA_TOKEN_FILE, else token.json in the config folder)",
    )
    return parent


def _browser_options() -> argparse.ArgumentParser:
    """What login and demo share: where to catch the redirect, and whether to open a browser."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--port",
        type=_port,
        default=None,
        help="port on 127.0.0.1 to catch the redirect (default: $STRAVA_AUTH_PORT, else "
        "5000, or any free port if 5000 is busy; 0: any free port)",
    )
    parent.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a browser (login: open the printed address yourself, or paste "
        "the address it lands on here; demo: it presses Authorize for you)",
    )
    return parent


def _add_login(
    sub: argparse._SubParsersAction[ArgumentParser], parents: list[ArgumentParser]
) -> None:
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
        default=DEFAULT_TIMEOUT,
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
    p.set_defaults(command=cmd_login)


def _add_token_commands(
    sub: argparse._SubParsersAction[ArgumentParser], parents: list[ArgumentParser]
) -> None:
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
    p = sub.add_parser(
        "status", parents=parents, help="show who is logged in and when the token expires"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(command=cmd_status)
    p = sub.add_parser("refresh", parents=parents, help="refresh the token now")
    p.set_defaults(command=cmd_refresh)
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
    p.set_defaults(command=cmd_import)
    p = sub.add_parser(
        "logout", parents=parents, help="revoke the app's access at Strava and delete the token"
    )
    p.add_argument(
        "--local-only",
        action="store_true",
        help="delete the token file even if Strava cannot be told",
    )
    p.set_defaults(command=cmd_logout)


def _add_demo(
    sub: argparse._SubParsersAction[ArgumentParser], parents: list[ArgumentParser]
) -> None:
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


def _usage_error_for(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ConfigError becomes a usage error (exit 2)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _valid_profile(text: str) -> str:
    settings.profile_name(text)
    return text


_scope = _usage_error_for(check_scopes)
_profile = _usage_error_for(_valid_profile)
_client_id = _usage_error_for(lambda text: settings.parse_client_id(text, "--client-id"))


def _port(text: str) -> int:
    port = settings.parse_port(text)
    if port is None:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r} (0 to 65535)")
    return port


def _min_ttl(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= MAX_MIN_TTL:
        raise argparse.ArgumentTypeError(
            f"not a number of seconds from 0 to {MAX_MIN_TTL}: {text!r}"
        )
    return value


def _positive_seconds(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")  # fails every range check, so the caller's message applies


# --- the commands ---------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    """``strava-auth login``."""
    options = LoginOptions(
        credentials=_credentials(args.client_id, args.profile),
        token_path=settings.token_path(args.token_file, args.profile),
        base_url=settings.base_url(),
        scope=args.scope,
        port=settings.login_port(args.port),
        timeout=args.timeout,
        force=args.force,
        open_browser=not args.no_browser,
        paste_input=sys.stdin,  # read only where pasting is offered (no browser here)
    )
    result = run_login(options)
    print(f"Logged in as {result.token.athlete_name}; token saved to {result.token_path}")
    if result.missing_scopes:
        _error(
            f"Strava did not grant {', '.join(result.missing_scopes)} (unticked on Strava's "
            "page); scripts that need them will fail: run `strava-auth login --force` and "
            "leave every box ticked"
        )
        return EXIT_PARTIAL_SCOPES
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """``strava-auth token``: only the access token on stdout."""
    token = refresh_if_needed(
        args.token_file, min_ttl=args.min_ttl, force=args.force, profile=args.profile
    )
    print(token.access_token)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """``strava-auth status``: athlete, scopes, expiry and path; never the tokens."""
    path = settings.token_path(args.token_file, args.profile)
    token = read_token(path)
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
        }
        print(json.dumps(info, indent=2))
        return 0
    athlete_id = token.athlete.get("id")
    print(f"Athlete:    {token.athlete_name}" + (f" (id {athlete_id})" if athlete_id else ""))
    print(f"Scopes:     {clean(token.scope or 'unknown')}")
    print(f"Expires:    {_when(token.expires_at)} ({describe_expiry(left)})")
    print(f"Token file: {path}")
    return 0


def _when(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))


def cmd_refresh(args: argparse.Namespace) -> int:
    """``strava-auth refresh``: refresh now and report the new expiry."""
    token = refresh_if_needed(args.token_file, min_ttl=0, force=True, profile=args.profile)
    left = describe_expiry(token.seconds_left())
    print(f"Refreshed: the access token now expires {_when(token.expires_at)} ({left})")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    """``strava-auth logout``: deauthorize at Strava, then delete the token file and its lock."""
    path = settings.token_path(args.token_file, args.profile)
    told_strava = logout(path, local_only=args.local_only, profile=args.profile)
    print(f"Logged out: {'access revoked at Strava, ' if told_strava else ''}deleted {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``strava-auth import``: prove and save tokens the user already has."""
    path = settings.token_path(args.token_file, args.profile)
    token = import_token(_read_import(args.file), path, args.profile)
    who = token.athlete_name
    print(f"Imported: {who}, scopes {token.scope or 'unknown'}; token saved to {path}")
    return 0


def _read_import(name: str) -> str:
    if name != "-":
        with open(name, encoding="utf-8", errors="replace") as f:
            return f.read(MAX_INPUT + 1)
    if sys.stdin is None:
        raise ConfigError("no input: give a FILE, or pipe the token in")
    if sys.stdin.isatty():
        return getpass.getpass("Paste the refresh token or the JSON on one line (not shown): ")
    return sys.stdin.read(MAX_INPUT + 1)


def cmd_profiles(args: argparse.Namespace) -> int:
    """``strava-auth profiles``: every profile's athlete, client ID, scopes and expiry."""
    rows = [profile_summary(name) for name in list_profiles()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No profiles yet: `strava-auth login` (or `strava-auth --profile NAME login`).")
        return 0
    print(f"{'PROFILE':14} {'ATHLETE':24} {'CLIENT ID':10} {'SCOPES':28} EXPIRES")
    for row in rows:
        print(
            f"{row['profile'] or '(default)':14} {clean(row['athlete'], 24):24} "
            f"{row['client_id'] or '-'!s:10} {clean(row['scope'] or '-', 28):28} "
            f"{row['expires']}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``strava-auth demo``."""
    token_file = Path(args.token_file).expanduser() if args.token_file else None
    port = settings.login_port(args.port)
    run_demo(token_file, open_browser=not args.no_browser, port=port, serve=args.serve)
    return 0


def cmd_install_launcher(args: argparse.Namespace) -> int:
    """``strava-auth install-launcher``."""
    path = install(args.dir.expanduser() if args.dir else None, profile=args.profile)
    print(f"Launcher written to {path}: double-click it to log in to Strava.")
    return 0


def _credentials(client_id: int | None, profile: str | None) -> settings.Credentials:
    """Credentials from settings; on a terminal, ask for missing ones and offer to save them."""
    try:
        return settings.load_credentials(client_id, profile=profile)
    except MissingCredentialsError:
        if not (sys.stdin and sys.stdin.isatty()):
            raise
    return _prompt_credentials(client_id, profile)


def _prompt_credentials(client_id: int | None, profile: str | None) -> settings.Credentials:
    print(
        f"No Strava app credentials found. Create an app at {settings.SETTINGS_URL} "
        "(Authorization Callback Domain: localhost), then copy its values here."
    )
    try:
        if client_id is None:
            client_id = settings.parse_client_id(input("Client ID: "), "your input")
        secret = getpass.getpass("Client Secret (not shown): ").strip()
        if not secret:
            raise ConfigError("no client secret given")
        creds = settings.Credentials(client_id, secret)
        where = settings.config_env_file(profile)
        answer = input(f"Save them to {where} (readable only by you)? [Y/n] ")
    except EOFError:
        raise ConfigError(settings.missing_credentials_message()) from None
    if answer.strip().lower() in ("", "y", "yes"):
        print(f"Saved to {settings.save_credentials(creds, profile)}")
    return creds
