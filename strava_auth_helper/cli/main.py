"""The ``strava-auth`` command: the registry of commands (imported only when chosen), its errors."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from argparse import ArgumentParser
from collections.abc import Sequence
from importlib import import_module

from .. import settings
from ..errors import LOGIN_COMMAND, StravaAuthError, os_reason
from ..store.valid_token import Peek
from ..version import __version__
from . import common
from .command_line import split_command

#: Each command: (its module in this folder, its line in ``strava-auth --help``), in help order.
COMMANDS = {
    "login": ("login", "authorize in the browser and save the token"),
    "token": ("token", "print a live access token (refreshing it first if needed)"),
    "exec": ("exec_", "run a command with a live access token in its environment"),
    "status": ("status", "show who is logged in and when the token expires"),
    "refresh": (
        "refresh",
        "refresh the token now (Strava replaces the access token only in its last hour)",
    ),
    "import": ("import_", "adopt tokens you already have (JSON or a bare refresh token)"),
    "logout": ("logout", "revoke the app's access at Strava and delete the token"),
    "export": ("export", "print the tokens for a secret store or another computer (into a pipe)"),
    "store": ("store", "move the refresh token to the OS keyring, or back to the token file"),
    "demo": ("demo", "try the whole flow against a simulated Strava on this computer"),
    "install-launcher": (
        "install_launcher",
        f"put a double-click launcher for `{LOGIN_COMMAND}` on the Desktop",
    ),
    "profiles": (
        "profiles",
        "list the profiles: athlete, client ID, scopes and expiry (never a token)",
    ),
}


def main(argv: Sequence[str] | None = None, *, seen: Peek | None = None) -> int:
    """Run the command line; returns the exit status (2 for a bad command line).

    ``seen`` is what the valid-token read found for a plain ``token`` command line.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(chosen_command(arguments)).parse_args(arguments)
    args.seen = seen
    if args.verbose:  # otherwise logging's last-resort handler prints warnings as they are
        logging.basicConfig(
            level=logging.DEBUG, format=f"{common.PROG}: %(message)s", stream=sys.stderr
        )
    status = _run(args)
    if getattr(args, "pause", False):
        _pause()
    return status


def chosen_command(arguments: Sequence[str]) -> str | None:
    """The command named in ``arguments``; None where every command's parser is built.

    None where it cannot be told without parsing (argparse then says what is wrong).
    """
    found = split_command(arguments)
    return found[1] if found is not None and found[1] in COMMANDS else None


def build_parser(command: str | None = None) -> ArgumentParser:
    """The parser: every command listed, the options of ``command`` (or of all).

    All of them where ``command`` is None: the reference documentation, tests.
    """
    parser = ArgumentParser(
        prog=common.PROG, description="Get and keep Strava API tokens on this computer."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=common.VERBOSE_HELP)
    parser.add_argument("--profile", metavar="NAME", type=common.profile, help=common.PROFILE_HELP)
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        # every command's help starts with what it does (its own description may say more)
        command_parser = sub.add_parser(
            name, help=summary, description=summary[:1].upper() + summary[1:] + "."
        )
        if command in (None, name):
            module = import_module(f".{module_name}", __package__)
            common.add_common(command_parser)
            module.configure(command_parser)
            command_parser.set_defaults(run=module.run)
    return parser


def _run(args: argparse.Namespace) -> int:
    try:
        # Resolved once, for every command: from here on the profile is a settings.Profile.
        args.profile = settings.resolve_profile(args.profile)
        status: int = args.run(args)
        return status
    except StravaAuthError as exc:
        common.error(str(exc))
        if getattr(args, "launcher", False):  # no terminal shows that line: the desktop does
            from ..commands.login import for_the_desktop
            from ..launchers.notify import notify

            notify(for_the_desktop(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        common.error("cancelled")
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        common.error(f"{os_reason(exc)}{where}")
        return 1


def _pause() -> None:
    """Keep a double-clicked launcher's window open until the result has been read."""
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        input("\nPress Enter to close this window.")
