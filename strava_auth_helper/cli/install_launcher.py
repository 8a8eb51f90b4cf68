"""``strava-auth install-launcher``: a double-click launcher for the login on the Desktop."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser
from pathlib import Path

from ..errors import COMMAND
from . import common


def configure(parser: ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "--dir",
        metavar="DIR",
        type=Path,
        help="where to put it (default: your Desktop, else your home folder)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the launcher for this OS."""
    from ..launchers.files import install, platform_kind
    from ..launchers.notify import can_notify, has_terminal

    path = install(args.dir.expanduser() if args.dir else None, profile=args.profile.name)
    common.say(f"Launcher written to {path}: double-click it to log in to Strava.")
    if platform_kind() == "linux" and not can_notify():  # then it opens a terminal window
        none = "" if has_terminal() else ", and no terminal emulator: double-clicking it fails"
        common.say(
            "This desktop has no notify-send, zenity or kdialog to show what a browser page "
            f"cannot, so the launcher opens a terminal window{none}. Install one (e.g. "
            f"`sudo apt install libnotify-bin`), then run `{COMMAND} install-launcher` again."
        )
    return 0
