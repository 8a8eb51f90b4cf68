"""Telling the person at the desktop what a page cannot, where a double-click has no terminal."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

log = logging.getLogger(__name__)

TITLE = "Strava login"
#: Seconds a notifier may take before it is given up (a hung notify-send must not hang us).
NOTIFY_TIMEOUT = 10.0


def notify(message: str, *, title: str = TITLE) -> bool:
    """Tell the person at this desktop ``message``; False where no way to do so was found."""
    try:
        if sys.platform == "win32":
            return _message_box(title, message)
        if sys.platform == "darwin":
            script = (
                f"display notification {_applescript(message)} with title {_applescript(title)}"
            )
            return _run(["osascript", "-e", script])
        argv = _linux_notifier(title, message)
        return argv is not None and _run(argv)
    except (OSError, subprocess.SubprocessError):  # not there, or hung: timed out and killed
        log.debug("could not show a notification", exc_info=True)
        return False


#: What a Linux desktop may tell a person with, best first.
NOTIFIERS = ("notify-send", "zenity", "kdialog")
#: Terminal emulators a desktop opens for ``Terminal=true`` (GLib's list, and the common ones).
TERMINALS = ("x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "xterm")


def can_notify() -> bool:
    """A notification can be shown here (Linux: one of :data:`NOTIFIERS` is installed)."""
    return sys.platform in ("win32", "darwin") or any(map(shutil.which, NOTIFIERS))


def has_terminal() -> bool:
    """A terminal emulator is installed (a ``Terminal=true`` launcher needs one)."""
    return any(map(shutil.which, TERMINALS))


def _linux_notifier(title: str, message: str) -> list[str] | None:
    for name in NOTIFIERS:
        path = shutil.which(name)
        if path is None:
            continue
        if name == "notify-send":
            return [path, "--app-name", title, "--expire-time", "0", title, message]
        if name == "zenity":
            return [path, "--notification", f"--text={title}: {message}"]
        return [path, "--title", title, "--passivepopup", message, "0"]
    return None


def _run(argv: list[str]) -> bool:
    done = subprocess.run(argv, capture_output=True, timeout=NOTIFY_TIMEOUT, check=False)
    return done.returncode == 0


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _message_box(title: str, message: str) -> bool:
    if sys.platform != "win32":
        return False
    import ctypes  # Windows: its console-less launcher shows a message box

    mb_iconinformation, mb_setforeground = 0x40, 0x10000
    flags = mb_iconinformation | mb_setforeground
    return bool(ctypes.windll.user32.MessageBoxW(None, message, title, flags))
