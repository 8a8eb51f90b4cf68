"""The ``strava-auth`` command: argparse, and every expected error as one stderr line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .errors import ConfigError, MissingCredentialsError, StravaAuthError

if TYPE_CHECKING:
    from . import settings

PROG = "strava-auth"
EXIT_PARTIAL_SCOPES = 3
KNOWN_SCOPES = (
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
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


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def _setup_logging(verbose: bool) -> None:
    import logging

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format=f"{PROG}: %(message)s",
        stream=sys.stderr,
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Get and keep Strava API tokens on this computer."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--token-file",
        metavar="PATH",
        help="token file (default: $STRAVA_TOKEN_FILE, else token.json in the config folder)",
    )
    _add_login(sub, common)
    return parser


def _add_login(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "login",
        parents=[common],
        help="authorize in the browser and save the token",
        description="Open Strava's authorize page, catch the redirect on 127.0.0.1 and save "
        "the token.",
    )
    p.add_argument(
        "--client-id",
        metavar="ID",
        help="Strava app client ID (default: $STRAVA_CLIENT_ID, then .env files)",
    )
    p.add_argument(
        "--scope",
        type=_scope,
        default="read,activity:read_all",
        help="comma-separated scopes (default: %(default)s)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=None,
        help="port on 127.0.0.1 to catch the redirect (default: 5000, or any free "
        "port if 5000 is busy; 0: any free port)",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=300.0,
        metavar="SECONDS",
        help="give up after this long (default: %(default)g)",
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="only print the address; you may paste the redirected address here",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="ask Strava to show the authorize page again (approval_prompt=force)",
    )
    p.set_defaults(command=cmd_login)


def _scope(text: str) -> str:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if not scopes or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scope {', '.join(unknown) or text!r}; known: {','.join(KNOWN_SCOPES)}"
        )
    return ",".join(scopes)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r} (0 to 65535)")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def cmd_login(args: argparse.Namespace) -> int:
    """``strava-auth login``."""
    from . import settings
    from .login import LoginOptions, login

    options = LoginOptions(
        credentials=_credentials(args.client_id),
        token_path=settings.token_path(args.token_file),
        base_url=settings.base_url(),
        scope=args.scope,
        port=args.port,
        timeout=args.timeout,
        force=args.force,
        open_browser=not args.no_browser,
        paste_input=sys.stdin if args.no_browser and sys.stdin is not None else None,
    )
    result = login(options)
    print(f"Logged in as {result.token.athlete_name}; token saved to {result.token_path}")
    if result.missing_scopes:
        _error(
            f"Strava did not grant {', '.join(result.missing_scopes)} (unticked on Strava's "
            "page); scripts that need them will fail: run `strava-auth login --force` and "
            "leave every box ticked"
        )
        return EXIT_PARTIAL_SCOPES
    return 0


def _credentials(client_id: str | None) -> settings.Credentials:
    """Credentials from settings; on a terminal, ask for missing ones and offer to save them."""
    from . import settings

    try:
        return settings.load_credentials(client_id)
    except MissingCredentialsError:
        if not (sys.stdin and sys.stdin.isatty()):
            raise
    return _prompt_credentials(client_id)


def _prompt_credentials(client_id: str | None) -> settings.Credentials:
    import getpass

    from . import settings

    print(
        f"No Strava app credentials found. Create an app at {settings.SETTINGS_URL} "
        "(Authorization Callback Domain: localhost), then copy its values here."
    )
    try:
        cid = settings.parse_client_id(client_id or input("Client ID: "), "your input")
        secret = getpass.getpass("Client Secret (not shown): ").strip()
        if not secret:
            raise ConfigError("no client secret given")
        creds = settings.Credentials(cid, secret)
        where = settings.config_env_file()
        answer = input(f"Save them to {where} (readable only by you)? [Y/n] ")
    except EOFError:
        raise ConfigError(settings.missing_credentials_message()) from None
    if answer.strip().lower() in ("", "y", "yes"):
        print(f"Saved to {settings.save_credentials(creds)}")
    return creds


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
