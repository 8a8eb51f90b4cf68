"""Double-click launchers: a .desktop file (Linux), a .command (macOS), a shortcut (Windows)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import platformdirs

from ..errors import ConfigError
from . import windows_shortcut
from .notify import can_notify

NAME = "Strava login"
COMMENT = "Connect your scripts on this computer to your Strava account"
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def command(python: str, profile: str | None = None, *, pause: bool = True) -> list[str]:
    """The command line a launcher runs (a profile name is letters, digits, - and _).

    With ``pause`` (a launcher that opens a terminal) it waits for Enter before it ends.
    """
    for_profile = ["--profile", profile] if profile else []
    tail = ["--pause"] if pause else []
    return [python, "-m", "strava_auth_helper", *for_profile, "login", "--launcher", *tail]


def platform_kind(platform: str = sys.platform) -> str:
    """'linux', 'macos' or 'windows' (other Unixes get the .desktop file)."""
    if platform == "darwin":
        return "macos"
    if platform.startswith(("win", "cygwin")):
        return "windows"
    return "linux"


def render(
    kind: str,
    python: str,
    profile: str | None = None,
    short_python: str | None = None,
    *,
    terminal: bool = True,
) -> tuple[str, str]:
    """(file name, file content) of the launcher for ``kind``.

    ``short_python`` is the interpreter's ASCII 8.3 path where Windows has one (see
    :func:`windows_cmd`). A Linux launcher without ``terminal`` opens none. (Windows'
    shortcut is written by :func:`install`: it is no text.)
    """
    if any(c in python for c in "\r\n\0"):
        raise ConfigError("the interpreter's path contains a line break; cannot write a launcher")
    argv = command(python, profile, pause=terminal or kind != "linux")
    name = f"{NAME} ({profile})" if profile else NAME
    if kind == "linux":
        slug = f"strava-login-{profile}" if profile else "strava-login"
        return f"{slug}.desktop", desktop_entry(argv, name, terminal=terminal)
    if kind == "macos":
        return f"{name}.command", macos_command(argv)
    if kind == "windows":
        return f"{name}.cmd", windows_cmd(argv, short_python)
    raise ValueError(f"unknown launcher kind {kind!r}")


def desktop_entry(argv: list[str], name: str = NAME, *, terminal: bool = True) -> str:
    """A freedesktop.org Desktop Entry that runs ``argv`` (in a terminal, or without one).

    A program whose path holds ``%`` is run by ``env``: GLib looks for it by its escaped
    name (``%%``), finds none and refuses the whole file.
    """
    if "%" in argv[0]:
        if "=" in argv[0]:  # env would take it for a variable to set
            raise ConfigError("the interpreter's path holds both % and =; cannot write a launcher")
        argv = ["env", *argv]
    exec_line = " ".join(_desktop_quote(a) for a in argv)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        f"Name={name}\n"
        f"Comment={COMMENT}\n"
        f"Exec={_desktop_string(exec_line)}\n"
        f"Terminal={'true' if terminal else 'false'}\n"
        "Icon=dialog-password\n"
        "Categories=Utility;\n"
    )


def _desktop_quote(arg: str) -> str:
    # Desktop Entry spec, "The Exec key": quote arguments with reserved characters;
    # inside quotes escape " ` $ \ with a backslash; a literal % is written %%.
    arg = arg.replace("%", "%%")
    if not arg or any(c in _EXEC_RESERVED for c in arg):
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return f'"{escaped}"'
    return arg


def _desktop_string(value: str) -> str:
    # Exec is a string value: its backslashes are escaped once more ("\\" for "\").
    return value.replace("\\", "\\\\")


def macos_command(argv: list[str]) -> str:
    """A ``.command`` shell script (Terminal.app runs it on double-click)."""
    return f"#!/bin/sh\n# {NAME}: {COMMENT}.\nexec {shlex.join(argv)}\n"


def windows_cmd(argv: list[str], short_python: str | None = None) -> str:
    """A ``.cmd`` batch file (UTF-8, CRLF) that runs ``argv`` in a console window.

    The interpreter's path may hold non-ASCII letters: ``chcp 65001`` makes cmd.exe read the
    rest of the file as UTF-8. Where a cmd.exe ignores it (Wine's reads batch files in the
    OEM code page), the path does not exist as read, and ``short_python``, the same
    interpreter's ASCII 8.3 path, is run instead.
    """
    if any('"' in a for a in argv):
        raise ConfigError("a path with a double quote cannot be written to a .cmd file")
    lines = [
        "@echo off",
        f"rem {NAME}: {COMMENT}.",
        "chcp 65001 >nul",  # the interpreter's path may hold non-ASCII characters
    ]
    if short_python and short_python != argv[0]:
        lines += [
            f'if exist "{argv[0]}" (',
            f"    {_cmd_line(argv)}",
            ") else (",
            f"    {_cmd_line([short_python, *argv[1:]])}",
            ")",
        ]
    else:
        lines.append(_cmd_line(argv))
    return "\r\n".join(line.replace("%", "%%") for line in lines) + "\r\n"


def _cmd_line(argv: list[str]) -> str:
    # cmd.exe splits at spaces, ; , and = too, and runs & ^ ( ) as its own: such paths quoted
    return " ".join(f'"{a}"' if any(c in a for c in " &^();,=") else a for a in argv)


def short_path(path: str) -> str | None:
    """Windows' 8.3 short form of ``path`` if it is plain ASCII.

    None elsewhere, or where the volume keeps no short names.
    """
    if sys.platform != "win32":
        return None
    import ctypes  # Windows only

    buffer = ctypes.create_unicode_buffer(32768)
    length = ctypes.windll.kernel32.GetShortPathNameW(path, buffer, len(buffer))
    short = buffer.value if 0 < length < len(buffer) else ""
    return short if short.isascii() and short != path else None


def default_dir() -> Path:
    """The user's Desktop if there is one, else the home folder."""
    desktop = Path(platformdirs.user_desktop_dir())
    return desktop if desktop.is_dir() else Path.home()


def install(
    folder: Path | None = None,
    *,
    kind: str | None = None,
    python: str | None = None,
    profile: str | None = None,
) -> Path:
    """Write the launcher for this OS (or ``kind``) into ``folder``; returns its path.

    It runs ``<this interpreter> -m strava_auth_helper login --launcher`` (for ``profile``,
    if given): on Linux with no terminal where ``notify-send`` can say what a page cannot,
    else in one that waits for Enter; on Windows a shortcut to ``pythonw.exe`` (no console;
    a ``.cmd`` where that cannot be); on macOS a ``.command``, which opens Terminal.
    """
    folder = folder or default_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder")
    python = python or os.path.abspath(sys.executable)
    kind = kind or platform_kind()
    if kind == "windows" and sys.platform == "win32":
        shortcut = _install_shortcut(folder, python, profile)
        if shortcut is not None:
            return shortcut
    short = short_path(python) if not python.isascii() else None
    name, content = render(kind, python, profile, short, terminal=not can_notify())
    path = folder / name
    newline = "" if content.endswith("\r\n") else "\n"
    with open(path, "w", encoding="utf-8", newline=newline) as f:
        f.write(content)
    if not name.endswith(".cmd"):
        path.chmod(0o755)  # .command must be executable; GNOME asks the same of .desktop
    return path


def windowless_python(python: str) -> str | None:
    """``pythonw.exe`` beside Windows' ``python.exe`` (None where there is none)."""
    folder, exe = os.path.split(python)
    if exe.lower() != "python.exe":
        return None
    candidate = os.path.join(folder, "pythonw.exe")
    return candidate if os.path.isfile(candidate) else None


def _install_shortcut(folder: Path, python: str, profile: str | None) -> Path | None:
    """Windows: a shortcut to ``pythonw.exe`` (no console window); None where it cannot be."""
    pythonw = windowless_python(python)
    if pythonw is None:
        return None
    name = f"{NAME} ({profile})" if profile else NAME
    path = folder / f"{name}.lnk"
    argv = command(pythonw, profile, pause=False)
    try:
        windows_shortcut.write(
            path,
            target=pythonw,
            arguments=subprocess.list2cmdline(argv[1:]),
            working_dir=str(Path.home()),
            description=COMMENT,
        )
    except OSError:
        return None
    return path
