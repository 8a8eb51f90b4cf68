"""Double-click launchers: generated for every OS, validated, and run for real."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper import settings
from strava_auth_helper.errors import ConfigError
from strava_auth_helper.launchers import files as launcher
from strava_auth_helper.launchers import notify
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.store.app_credentials import save_credentials
from strava_auth_helper.store.token_file import read_token
from tests.fakes import expect_app_check, expect_login, fake_notify_send
from tests.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    CODE,
    CONSOLE_SCRIPT,
    PY_M,
    WINDOWS,
    Ran,
    http_get,
    require,
)
from tests.launchers import shortcuts
from tests.terminals import browse_redirect, fill_setup_page, started_login

#: The .desktop and .command launchers are run by /bin/sh-based interpreters here.
Cli = Callable[..., Ran]
POSIX_LAUNCHERS = pytest.mark.skipif(WINDOWS, reason="runs the Linux and macOS launchers (sh)")

WEIRD = 'Mon dossier "été" $HOME 100% \\ ü'


def parse_desktop_exec(content: str) -> list[str]:
    """Read the Exec key back as a desktop environment would (Desktop Entry spec 1.5)."""
    line = next(x for x in content.splitlines() if x.startswith("Exec="))
    value = _unescape_string(line[len("Exec=") :])
    return [arg.replace("%%", "%") for arg in _split_quoted(value)]


def _unescape_string(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _split_quoted(value: str) -> list[str]:
    args: list[str] = []
    current, quoted, started, i = "", False, False, 0
    while i < len(value):
        c = value[i]
        if quoted and c == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
            current += value[i + 1]
            i += 1
        elif c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if current or started:
                args.append(current)
            current, started = "", False
        else:
            current += c
        i += 1
    if current or started:
        args.append(current)
    return args


def test_desktop_exec_round_trips_awkward_paths() -> None:
    python = f"/opt/{WEIRD}/bin/python3"
    name, content = launcher.render("linux", python)
    assert name.endswith(".desktop")
    assert "Terminal=true" in content
    assert parse_desktop_exec(content) == ["env", *launcher.command(python)]  # (it has a %)
    assert parse_desktop_exec(content)[-2:] == ["--launcher", "--pause"]


def test_a_desktop_launcher_without_a_terminal_does_not_wait_for_enter() -> None:
    name, content = launcher.render("linux", "/usr/bin/python3", terminal=False)
    assert "Terminal=false" in content
    assert parse_desktop_exec(content)[-2:] == ["login", "--launcher"]


@POSIX_LAUNCHERS
def test_install_chooses_no_terminal_where_the_desktop_can_notify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with_terminal = launcher.install(tmp_path, kind="linux", python="/usr/bin/python3")
    assert "Terminal=true" in with_terminal.read_text()
    fake_notify_send(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    without = launcher.install(tmp_path, kind="linux", python="/usr/bin/python3")
    assert "Terminal=false" in without.read_text()
    assert "--pause" not in without.read_text()


def test_macos_command_is_a_shell_script() -> None:
    python = f"/Users/x/{WEIRD}/bin/python3"
    name, content = launcher.render("macos", python)
    assert name.endswith(".command")
    assert content.startswith("#!/bin/sh\n")
    exec_line = content.splitlines()[-1]
    import shlex

    assert shlex.split(exec_line) == ["exec", *launcher.command(python)]


def test_windows_cmd_quotes_and_escapes() -> None:
    python = "C:\\Users\\Zoë Smith\\100%\\venv\\Scripts\\python.exe"
    name, content = launcher.render("windows", python)
    assert name.endswith(".cmd")
    assert content.endswith("\r\n")
    assert "\n" not in content.replace("\r\n", "")
    assert "chcp 65001" in content
    last = content.split("\r\n")[-2]
    quoted = '"C:\\Users\\Zoë Smith\\100%%\\venv\\Scripts\\python.exe"'
    assert last == f"{quoted} -m strava_auth_helper login --launcher --pause"
    with pytest.raises(ConfigError):
        launcher.render("windows", 'C:\\a"b\\python.exe')


@pytest.mark.parametrize("folder", ["a;b", "a,b", "a=b"])
def test_windows_cmd_quotes_what_cmd_exe_splits_at(folder: str) -> None:
    python = f"C:\\{folder}\\python.exe"
    last = launcher.render("windows", python)[1].split("\r\n")[-2]
    assert last.startswith(f'"{python}" -m strava_auth_helper')


def test_line_breaks_are_refused() -> None:
    with pytest.raises(ConfigError):
        launcher.render("linux", "/opt/a\nb/python")


@pytest.mark.parametrize(
    ("platform", "kind"), [("linux", "linux"), ("darwin", "macos"), ("win32", "windows")]
)
def test_platform_kind(platform: str, kind: str) -> None:
    assert launcher.platform_kind(platform) == kind


def test_install_writes_executable_file(tmp_path: Path) -> None:
    path = launcher.install(tmp_path, kind="macos", python="/usr/bin/python3")
    assert path.parent == tmp_path
    if not WINDOWS:  # (Windows has no executable bit: its .cmd runs by its name)
        assert stat.S_IMODE(path.stat().st_mode) & 0o111
    with pytest.raises(ConfigError, match="not a folder"):
        launcher.install(tmp_path / "missing")


def test_cli_install_launcher_uses_this_interpreter(tmp_path: Path) -> None:
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "strava_auth_helper", "install-launcher", "--dir", str(desktop)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = list(desktop.iterdir())
    assert len(written) == 1
    assert str(written[0]) in result.stdout
    if WINDOWS:  # a shortcut to the pythonw.exe beside this interpreter
        target = shortcuts.read(written[0]).target
        assert target.lower() == str(Path(sys.executable).with_name("pythonw.exe")).lower()
    else:
        content = written[0].read_text(encoding="utf-8")
        assert parse_desktop_exec(content)[0] == os.path.abspath(sys.executable)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop-file-validate is Linux's")
def test_linux_file_passes_desktop_file_validate(tmp_path: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    require(validator is not None, "desktop-file-validate", "apt-get install desktop-file-utils")
    assert validator is not None
    path = launcher.install(tmp_path, kind="linux", python=f"/opt/{WEIRD}/bin/python3")
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


@pytest.fixture
def weird_python(tmp_path: Path) -> str:
    """An interpreter whose path has spaces, quotes, $, % and non-ASCII characters."""
    folder = tmp_path / WEIRD / "bin"
    folder.mkdir(parents=True)
    python = folder / "python3"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return str(python)


@POSIX_LAUNCHERS
@pytest.mark.parametrize("kind", ["linux", "macos"])
def test_launcher_command_line_runs_the_login_for_real(
    login_env: dict[str, str],
    token_path: Path,
    kind: str,
    strava: HTTPServer,
    weird_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expect_login(strava)
    with monkeypatch.context() as installing:  # no notify-send here: a terminal that pauses
        installing.setenv("PATH", str(tmp_path / "empty"))
        path = launcher.install(tmp_path, kind=kind, python=weird_python)
    argv = parse_desktop_exec(path.read_text()) if kind == "linux" else ["/bin/sh", str(path)]
    env = {**login_env, "STRAVA_CLIENT_ID": str(CLIENT_ID), "STRAVA_CLIENT_SECRET": CLIENT_SECRET}
    proc, url = started_login(
        argv,
        env=env,
    )
    assert "Jane" in browse_redirect(url, code=CODE, scope="read,activity:read_all")
    out, err = proc.communicate("\n", timeout=30)
    assert proc.returncode == 0, err
    assert "Logged in as Jane Runner" in out
    assert "Press Enter to close this window." in out
    assert read_token(token_path).athlete["id"] == 134815


@POSIX_LAUNCHERS
def test_double_click_sets_up_in_the_browser_and_keeps_only_what_strava_accepted(
    login_env: dict[str, str],
    strava: HTTPServer,
    weird_python: str,
    tmp_path: Path,
    isolated_env: Path,
    token_path: Path,
) -> None:
    expect_app_check(strava, secret="mistyped-secret", refused="client_secret")
    expect_app_check(strava)
    expect_login(strava)
    argv = parse_desktop_exec(
        launcher.install(tmp_path, kind="linux", python=weird_python).read_text()
    )
    first, url = started_login(argv, env=login_env, stdin=subprocess.DEVNULL)
    assert "/setup/" in url  # no credentials: the set-up page, not a prompt
    refused = fill_setup_page(url, CLIENT_ID, "mistyped-secret")
    assert refused.status_code == 401
    assert "Strava did not accept the <strong>Client Secret</strong>" in refused.text
    assert "mistyped-secret" not in refused.text  # never echoed
    assert f'value="{CLIENT_ID}"' in refused.text  # the ID is kept for the next try
    assert not (isolated_env / ".env").exists()  # a refused value is never kept
    went = fill_setup_page(url, CLIENT_ID, CLIENT_SECRET)
    assert went.status_code == 303
    page = browse_redirect(went.headers["Location"], code=CODE, scope="read,activity:read_all")
    assert "Connected, Jane!" in page
    assert "you can close this tab" in page
    assert "get_access_token" not in page  # what they can do now, in words: no code
    assert str(token_path) not in page  # nor a hidden folder's path
    assert "terminal" not in page.lower()  # nobody here has one
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert read_token(token_path).athlete["id"] == 134815
    saved = isolated_env / ".env"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert CLIENT_SECRET in saved.read_text()

    expect_app_check(strava)  # the next double-click: the saved app, checked once...
    expect_login(strava)
    second, url = started_login(argv, env=login_env, stdin=subprocess.DEVNULL)
    assert "/oauth/authorize" in url  # ...and straight to Strava's page
    assert "Connected, Jane!" in browse_redirect(url, code=CODE, scope="read,activity:read_all")
    assert second.wait(timeout=30) == 0


@POSIX_LAUNCHERS
def test_saved_credentials_strava_refuses_are_offered_for_replacement(
    login_env: dict[str, str], strava: HTTPServer, isolated_env: Path, token_path: Path
) -> None:
    save_credentials(Credentials(CLIENT_ID, "an-old-secret"))
    expect_app_check(strava, secret="an-old-secret", refused="client_secret")
    expect_app_check(strava)
    expect_login(strava)
    proc, url = started_login([*PY_M, "login", "--launcher"], env=login_env)
    page = http_get(url)
    assert "/setup/" in url
    assert "Strava did not accept the <strong>Client Secret</strong>" in page.text
    assert str(isolated_env / ".env") in page.text  # which saved value, and where
    assert f'required value="{CLIENT_ID}"' in page.text  # the Client ID kept in its field
    went = fill_setup_page(url, CLIENT_ID, CLIENT_SECRET)
    browse_redirect(went.headers["Location"], code=CODE, scope="read,activity:read_all")
    assert proc.wait(timeout=30) == 0
    assert settings.find_credentials().credentials == Credentials(CLIENT_ID, CLIENT_SECRET)


@POSIX_LAUNCHERS
def test_reset_credentials_forgets_the_saved_ones(
    login_env: dict[str, str], isolated_env: Path
) -> None:
    save_credentials(Credentials(CLIENT_ID, CLIENT_SECRET))
    (isolated_env / ".env").write_text((isolated_env / ".env").read_text() + "OTHER=kept\n")
    ran = subprocess.run(
        [*PY_M, "login", "--reset-credentials", "--no-browser", "--timeout", "0.1"],
        env=login_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert f"Forgot the app's credentials saved in {isolated_env / '.env'}" in ran.stdout
    assert ran.returncode == 1  # nothing left to log in with, and nobody to ask here
    assert "no Strava app credentials" in ran.stderr
    assert (isolated_env / ".env").read_text() == "OTHER=kept\n"


@POSIX_LAUNCHERS
def test_a_launcher_whose_browser_cannot_open_tells_the_desktop(
    login_env: dict[str, str], tmp_path: Path
) -> None:
    notified = fake_notify_send(tmp_path / "bin")
    env = {
        **login_env,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "BROWSER": "false",  # a browser that fails to start
        "STRAVA_CLIENT_ID": str(CLIENT_ID),
        "STRAVA_CLIENT_SECRET": CLIENT_SECRET,
    }
    proc, url = started_login([*PY_M, "login", "--launcher", "--timeout", "30"], env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline()]  # after "Waiting for the browser" and its hint
        while lines[-1] and "Could not open a browser" not in lines[-1] and len(lines) < 5:
            lines.append(proc.stdout.readline())
        assert "Could not open a browser" in lines[-1], lines
        said = notified.read_text()  # notify-send ran before that line was printed
        assert "Your web browser could not be opened" in said
        short = re.search(r"http://127\.0\.0\.1:\d+/go/\S+(?= to log in)", said)
        assert short is not None, said  # a short address to type, not Strava's long one
        assert len(short[0]) < 40
        went = requests.get(short[0], allow_redirects=False, timeout=10)
        assert went.status_code == 303
        assert went.headers["Location"] == url  # it leads where the browser should have gone
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize("kind", ["linux", "macos", "windows"])
def test_a_launcher_for_a_profile_logs_in_for_it(tmp_path: Path, kind: str) -> None:
    path = launcher.install(tmp_path, kind=kind, python="/usr/bin/python3", profile="club")
    assert "club" in path.name
    content = path.read_text()
    assert "--profile club login --launcher" in content
    if kind == "linux":
        assert parse_desktop_exec(content)[3:5] == ["--profile", "club"]
        assert "Name=Strava login (club)" in content


def test_cli_install_launcher_takes_the_profile(tmp_path: Path) -> None:
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "strava_auth_helper", "--profile", "club", "install-launcher"]
        + ["--dir", str(desktop)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = next(desktop.iterdir())
    if written.suffix == ".lnk":  # Windows' shortcut: as its shell reads it
        assert "--profile club login --launcher" in shortcuts.read(written).arguments
    else:
        assert "--profile club login --launcher" in written.read_text(encoding="utf-8")


def end_launched_logins(since: float) -> None:
    """End the logins a shortcut started since ``since``, found by their command line.

    Windows' shell starts them: they are no children of this process.
    """
    import psutil

    for process in psutil.process_iter(["cmdline", "create_time"]):
        with contextlib.suppress(psutil.Error):
            ours = process.info["create_time"] >= since - 1
            if ours and "--launcher" in (process.info["cmdline"] or []):
                process.kill()


@pytest.mark.skipif(not WINDOWS, reason="runs a shortcut with Windows' shell (the Windows leg)")
def test_the_windows_launcher_is_a_shortcut_to_pythonw_that_logs_in(
    login_env: dict[str, str],
    strava: HTTPServer,
    tmp_path: Path,
    isolated_env: Path,
    token_path: Path,
) -> None:
    # On the Windows leg this interpreter's own path holds a space and a non-ASCII letter
    # (the leg's venv), and so does the folder the shortcut goes in.
    desktop = tmp_path / "Bureau d'été"
    desktop.mkdir()
    installed = subprocess.run(
        [str(CONSOLE_SCRIPT), "install-launcher", "--dir", str(desktop)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    path = next(desktop.iterdir())
    assert path.suffix == ".lnk"
    shortcut = shortcuts.read(path)
    assert shortcut.target.lower() == str(Path(sys.executable).with_name("pythonw.exe")).lower()
    assert shortcut.arguments.endswith("-m strava_auth_helper login --launcher")  # no --pause
    with socket.socket() as listener:  # the person's browser: tells the test what it got
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(60)
        browser = tmp_path / "browser.py"
        browser.write_text(
            "import socket, sys\n"
            f"socket.create_connection(('127.0.0.1', {listener.getsockname()[1]}))"
            ".sendall(sys.argv[1].encode())\n"
        )
        env = {
            **login_env,
            # (forward slashes and %s: webbrowser splits $BROWSER as a POSIX shell would)
            "BROWSER": f'"{Path(sys.executable).as_posix()}" "{browser.as_posix()}" %s',
            "STRAVA_AUTH_PORT": "0",  # never the default port in a test
        }
        expect_app_check(strava)
        expect_login(strava)
        # As a double-click does: Windows' shell opens the shortcut.
        started = time.time()
        subprocess.run(["cmd", "/c", "start", "", str(path)], env=env, check=True, timeout=60)
        try:
            connection, _ = listener.accept()
            with connection:
                url = connection.recv(4096).decode()
            assert "/setup/" in url
            went = fill_setup_page(url, CLIENT_ID, CLIENT_SECRET)
            page = browse_redirect(
                went.headers["Location"], code=CODE, scope="read,activity:read_all"
            )
        finally:
            end_launched_logins(started)  # the shell's child is none of ours: found by its command
    assert "Connected, Jane!" in page
    assert read_token(token_path).athlete["id"] == 134815  # saved before the page was sent
    assert CLIENT_SECRET in (isolated_env / ".env").read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gio and Xvfb are Linux's")
def test_the_desktop_launcher_opened_by_gio_under_x_reaches_the_browser_without_a_terminal(
    login_env: dict[str, str],
    strava: HTTPServer,
    tmp_path: Path,
    isolated_env: Path,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require(shutil.which("gio") is not None, "gio", "apt-get install libglib2.0-bin")
    require(shutil.which("xvfb-run") is not None, "Xvfb", "apt-get install xvfb")
    notified = fake_notify_send(tmp_path / "bin")
    path_with_notify = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    with monkeypatch.context() as installing:
        installing.setenv("PATH", path_with_notify)
        desktop_file = launcher.install(tmp_path, kind="linux")
    assert "Terminal=false" in desktop_file.read_text()  # this desktop can notify
    browser = tmp_path / "browser.sh"  # the person's browser: says what it was given
    browser.write_text('#!/bin/sh\necho "browser opened: $1"\n')
    browser.chmod(0o755)
    env = {
        **login_env,
        "PATH": path_with_notify,
        "BROWSER": str(browser),
        "STRAVA_AUTH_PORT": "0",  # never the default port in a test
    }
    expect_app_check(strava)
    expect_login(strava)
    gio = subprocess.Popen(
        ["xvfb-run", "-a", "gio", "launch", str(desktop_file)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert gio.stdout is not None
    opened = next(line for line in gio.stdout if line.startswith("browser opened: "))
    url = opened.removeprefix("browser opened: ").strip()
    assert "/setup/" in url  # the set-up page, in the browser: no terminal was asked for
    went = fill_setup_page(url, CLIENT_ID, CLIENT_SECRET)
    page = browse_redirect(went.headers["Location"], code=CODE, scope="read,activity:read_all")
    assert "Connected, Jane!" in page
    gio.communicate(timeout=30)  # its pipe ends when the login does
    assert read_token(token_path).athlete["id"] == 134815
    assert CLIENT_SECRET in (isolated_env / ".env").read_text()
    assert not notified.exists()  # nothing went wrong that a page could not say


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_a_hanging_notify_send_still_lets_the_launchers_error_line_out(
    cli: Cli, busy_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = tmp_path / "bin" / "notify-send"
    hanging.parent.mkdir()
    hanging.write_text("#!/bin/sh\nexec sleep 60\n")  # a desktop whose notifier never answers
    hanging.chmod(0o755)
    monkeypatch.setenv("PATH", f"{hanging.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(notify, "NOTIFY_TIMEOUT", 0.5)
    ran = cli("login", "--launcher", "--port", str(busy_port))
    assert ran.code == 1
    assert ran.err.startswith(f"strava-auth: error: port {busy_port} is already in use")
    assert ran.err.count("\n") == 1  # the one line, and no TimeoutExpired traceback


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gio and Xvfb are Linux's")
def test_a_launcher_under_a_folder_with_a_percent_sign_is_launched_by_gio(tmp_path: Path) -> None:
    require(shutil.which("gio") is not None, "gio", "apt-get install libglib2.0-bin")
    require(shutil.which("xvfb-run") is not None, "Xvfb", "apt-get install xvfb")
    folder = tmp_path / "100% strava"
    folder.mkdir()
    python = folder / "python"  # stands in for the interpreter: says how it was run
    python.write_text('#!/bin/sh\nprintf "ran: %s\\n" "$@"\n')
    python.chmod(0o755)
    desktop_file = launcher.install(tmp_path, kind="linux", python=str(python))
    assert parse_desktop_exec(desktop_file.read_text())[:2] == ["env", str(python)]
    launched = subprocess.run(  # (its output ends once the program it started has ended too)
        ["xvfb-run", "-a", "gio", "launch", str(desktop_file)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ran = [line.removeprefix("ran: ") for line in launched.stdout.splitlines()]
    assert ran[:4] == ["-m", "strava_auth_helper", "login", "--launcher"]


def test_a_percent_and_an_equals_sign_in_the_interpreters_path_is_one_line() -> None:
    with pytest.raises(ConfigError, match="both % and ="):
        launcher.render("linux", "/home/a=b/100% strava/python")
