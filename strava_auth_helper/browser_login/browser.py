"""Where the athlete's browser is (this desktop, Windows under WSL, nowhere here); opening it."""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import subprocess
import threading
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DESKTOP, WSL, SSH, NO_BROWSER = "desktop", "wsl", "ssh", "none"
# cmd.exe's special characters; outside quotes a caret makes the next one literal.
_CMD_SPECIAL = set('^&|<>()%!"')


@dataclass(frozen=True)
class Place:
    """Where the login runs, as far as opening a browser goes."""

    kind: str  # DESKTOP, WSL, SSH or NO_BROWSER
    ssh_host: str | None = None  # this machine, as the SSH client reached it
    ssh_port: int = 22

    @property
    def has_browser(self) -> bool:
        """A browser can be opened from here."""
        return self.kind in (DESKTOP, WSL)


def detect(
    environ: Mapping[str, str] | None = None, proc_version: Path = Path("/proc/version")
) -> Place:
    """Where we are: an SSH session without a display, WSL, no browser, or a desktop."""
    env = os.environ if environ is None else environ
    has_display = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if env.get("SSH_CONNECTION") and not has_display:
        return _ssh_place(env["SSH_CONNECTION"])
    if _in_wsl(env, proc_version):
        return Place(WSL)
    if not _any_browser():
        return Place(NO_BROWSER)
    return Place(DESKTOP)


def _ssh_place(connection: str) -> Place:
    # SSH_CONNECTION is "client_ip client_port server_ip server_port".
    parts = connection.split()
    port = int(parts[3]) if len(parts) == 4 and parts[3].isascii() and parts[3].isdigit() else 22
    return Place(SSH, ssh_host=parts[2] if len(parts) == 4 else None, ssh_port=port)


def _in_wsl(env: Mapping[str, str], proc_version: Path) -> bool:
    if env.get("WSL_DISTRO_NAME") or env.get("WSL_INTEROP"):
        return True
    try:
        return "microsoft" in proc_version.read_text(errors="replace").lower()
    except OSError:
        return False


def _any_browser() -> bool:
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def open_url(url: str, place: Place) -> bool:
    """Open ``url`` in the browser of ``place``; False when nothing could be started."""
    if place.kind == WSL:
        return _open_in_windows(url)
    return webbrowser.open(url)


def windows_commands(url: str) -> list[list[str]]:
    """The commands that open ``url`` in Windows' default browser from WSL, best first."""
    commands = []
    if shutil.which("wslview"):
        commands.append(["wslview", url])
    if shutil.which("cmd.exe"):
        # `start` under cmd.exe: unquoted (a first quoted argument would be the window title),
        # with every special character escaped, so that & does not end the command.
        escaped = "".join("^" + c if c in _CMD_SPECIAL else c for c in url)
        commands.append(["cmd.exe", "/c", "start", escaped])
    if shutil.which("explorer.exe"):
        commands.append(["explorer.exe", url])  # it hands the address over as it is
    return commands


def _open_in_windows(url: str) -> bool:
    for command in windows_commands(url):
        try:
            result = subprocess.run(command, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.debug("%s failed: %s", command[0], exc)
            continue
        # explorer.exe exits 1 even when it opened the page: only a missing program fails.
        if result.returncode == 0 or command[0] == "explorer.exe":
            return True
    return False


def instructions(place: Place, port: int) -> list[str]:
    """What to say, once, where no browser can be opened from here."""
    paste = (
        "Open the address above in any browser, authorize, then paste here the address the "
        "browser lands on (its page will not load: that is expected)."
    )
    if place.kind != SSH:
        return [f"No browser on this machine. {paste}"]
    target = f"{getpass.getuser()}@{place.ssh_host or 'THIS-HOST'}"
    port_option = f" -p {place.ssh_port}" if place.ssh_port != 22 else ""
    return [
        "This is an SSH session without a display: no browser is opened here. Either:",
        f"  - {paste}",
        "  - or, on the computer you are sitting at, forward the port, then open the address "
        "there:",
        f"      ssh -L {port}:127.0.0.1:{port}{port_option} {target}",
    ]


def open_in_background(
    opener: Callable[[str], object], url: str, failed: Callable[[str], None]
) -> None:
    """``opener(url)`` on a daemon thread; ``failed(url)`` where it returned False or raised.

    A browser command may block until the browser exits (lynx, a BROWSER script): the
    catcher and the timeout keep running meanwhile.
    """

    def run() -> None:
        try:
            opened = opener(url)
        except Exception:  # any failure to open a browser is only a nuisance
            log.debug("opening the browser raised", exc_info=True)
            opened = False
        if opened is False:
            failed(url)

    threading.Thread(target=run, name="open-browser", daemon=True).start()
