"""A real Secret Service (gnome-keyring on a private D-Bus session) for the keyring tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import require


@contextlib.contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """gnome-keyring-daemon's Secret Service on a private D-Bus session.

    gnome-keyring-daemon's Secret Service on a private D-Bus session, unlocked with a
    password on its standard input: the variables that find it.
    """
    require(
        bool(shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")),
        "the Secret Service (gnome-keyring-daemon, dbus-daemon)",
        "apt-get install gnome-keyring dbus",
    )
    (home / "run").mkdir(mode=0o700, parents=True)
    extra = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")}
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"} | extra
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert bus.stdout is not None
    extra["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    env.update(extra)
    try:
        # --daemonize returns once the daemon is up; it ends with the session bus.
        subprocess.run(
            ["gnome-keyring-daemon", "--daemonize", "--unlock", "--components=secrets"],
            input="test-keyring-password",
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        yield extra
    finally:
        bus.terminate()
        bus.wait(timeout=30)
