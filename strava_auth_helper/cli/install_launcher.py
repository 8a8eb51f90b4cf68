"""``strava-auth install-launcher``: a double-click launcher for the login on the Desktop."""

from __future__ import annotations

import argparse
from argparse import ArgumentParser
from pathlib import Path

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
    from ..launchers.files import install

    path = install(args.dir.expanduser() if args.dir else None, profile=args.profile.name)
    common.say(f"Launcher written to {path}: double-click it to log in to Strava.")
    return 0
