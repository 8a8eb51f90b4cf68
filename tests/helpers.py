"""Helpers the tests share (fixtures are in conftest.py).

Helpers the tests share: constants, the fake Strava's answers, logins driven over real HTTP,
processes, and the Secret Service (fixtures are in conftest.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import re
import select
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper.browser_login.flow import LoginOptions, LoginResult, run_login
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)
from strava_auth_helper.errors import StravaAuthError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.scopes import DEFAULT_SCOPE
from strava_auth_helper.model.token import Token, token_bytes
from strava_auth_helper.settings import FoundCredentials
from strava_auth_helper.store.private_files import write_private
from strava_auth_helper.strava.api import APP_CHECK_CODE

#: The project's folder (a copy of it on the Windows leg).
ROOT = Path(__file__).resolve().parent.parent

CLIENT_ID = 4242


CLIENT_SECRET = "client-secret-d0-not-print"  # noqa: S105 - a test value


CODE = "code0123456789abcdef"


ACCESS = "access-token-0123456789"


REFRESH = "refresh-token-0123456789"


SECRETS = (CLIENT_SECRET, CODE, ACCESS, REFRESH)


#: The app's credentials as a login finds them in the person's own settings.
APP = FoundCredentials(Credentials(CLIENT_ID, CLIENT_SECRET))


NEW_ACCESS = "new-access-token-9876543210"


NEW_REFRESH = "new-refresh-token-9876543210"


def checked(server: HTTPServer) -> None:
    """Fail on requests nobody expected, handler errors, and expected requests never made."""
    server.check()
    assert not server.oneshot_handlers, f"expected requests never came: {server.format_matchers()}"


@dataclass(frozen=True)
class TLS:
    """A throw-away certificate authority and a server context for 127.0.0.1 (trustme)."""

    server: ssl.SSLContext
    ca_file: str


def sim_login(sim: SimulatedStrava, token_path: Path, scope: str = DEFAULT_SCOPE) -> LoginResult:
    """The real login against the simulation, the athlete pressing Authorize (no browser).

    The athlete's click runs on the login's browser thread, where a failure only means "no
    browser": it is raised here instead of a login that waits for its timeout.
    """
    failures: list[BaseException] = []

    def athlete(url: str) -> str:
        try:
            return press_authorize(url)
        except BaseException as exc:
            failures.append(exc)
            raise

    options = LoginOptions(token_path, sim.base_url, scope=scope, port=0, timeout=30)
    app = FoundCredentials(Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    try:
        return run_login(options, app, out=io.StringIO(), opener=athlete)
    except StravaAuthError:
        if failures:
            raise failures[0] from None
        raise


def base_of(server: HTTPServer) -> str:
    return server.url_for("/").rstrip("/")


def token_answer(
    access: str = ACCESS,
    refresh: str = REFRESH,
    expires_in: int = 21600,
    athlete: bool = True,
) -> dict[str, Any]:
    """A Strava token answer as documented."""
    answer: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_at": int(time.time()) + expires_in,
        "expires_in": expires_in,
        "refresh_token": refresh,
        "access_token": access,
    }
    if athlete:
        answer["athlete"] = {"id": 134815, "firstname": "Jane", "lastname": "Runner", "city": "X"}
    return answer


def stored(path: Path, expires_in: float, **extra: Any) -> Token:
    """Write a token file that expires ``expires_in`` seconds from now."""
    data = {
        **token_answer(),
        "expires_at": int(time.time() + expires_in),
        "scope": "read,activity:read_all",
        "client_id": CLIENT_ID,
        **extra,
    }
    token = Token.from_dict(data, "test")
    save(path, token)
    return token


def save(path: Path, token: Token) -> None:
    """Write ``token`` to ``path`` as the package does (atomic, private)."""
    write_private(path, token_bytes(token))


def refresh_answer() -> dict[str, Any]:
    return token_answer(access=NEW_ACCESS, refresh=NEW_REFRESH, athlete=False)


#: Strava's answer to a check of the app (api.refused_credential) by what it refuses.
APP_CHECK_ANSWERS: dict[str | None, tuple[int, dict[str, Any]]] = {
    None: (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}],
        },
    ),
    "client_id": (
        400,
        {
            "message": "Bad Request",
            "errors": [{"resource": "Application", "field": "client_id", "code": "invalid"}],
        },
    ),
    "client_secret": (
        401,
        {
            "message": "Authorization Error",
            "errors": [{"resource": "Application", "field": "", "code": "invalid"}],
        },
    ),
}


def expect_app_check(
    strava_server: HTTPServer,
    client_id: int = CLIENT_ID,
    secret: str = CLIENT_SECRET,
    refused: str | None = None,
) -> None:
    """Strava answers one check of these credentials before a login (register it first)."""
    form = {
        "client_id": str(client_id),
        "client_secret": secret,
        "code": APP_CHECK_CODE,
        "grant_type": "authorization_code",
    }
    status, answer = APP_CHECK_ANSWERS[refused]
    strava_server.expect_oneshot_request(
        "/oauth/token", method="POST", data=urlencode(form)
    ).respond_with_json(answer, status=status)


def expect_refresh(strava_server: HTTPServer, status: int = 200, body: Any = None) -> None:
    strava_server.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        refresh_answer() if body is None else body, status=status
    )


class LineQueue(io.TextIOBase):
    """A text stream whose complete lines can be awaited from another thread."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.text = ""
        self._partial = ""

    def write(self, s: str) -> int:
        self.text += s
        self._partial += s
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self.lines.put(line)
        return len(s)

    def wait_for(self, prefix: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line.startswith(prefix):
                return line


class LoginRun:
    """A login running on a thread; the test plays the browser.

    ``app`` is the app's credentials it finds (None: none, so it serves the set-up page).
    """

    def __init__(self, options: LoginOptions, app: FoundCredentials | None = APP) -> None:
        self.out = LineQueue()
        self.result: LoginResult | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(options, app), daemon=True)
        self._thread.start()
        self.url = self.out.wait_for("http")
        self.port = urlsplit(self.url).port  # (the set-up page's: the catcher's own)
        self.setup_url = self.url if "/setup/" in self.url else None
        if self.setup_url is None:
            self.authorize(self.url)

    def authorize(self, url: str) -> None:
        """Go on with Strava's authorize address ``url`` (the set-up page's answer)."""
        self.url = url
        query = parse_qs(urlsplit(self.url).query)
        self.state = query["state"][0]
        self.redirect_uri = query["redirect_uri"][0]
        self.port = urlsplit(self.redirect_uri).port

    def _run(self, options: LoginOptions, app: FoundCredentials | None) -> None:
        try:
            opener = lambda url: True  # noqa: E731 - the test is the browser
            self.result = run_login(options, app, out=cast(TextIO, self.out), opener=opener)
        except BaseException as exc:  # handed to the test
            self.error = exc

    def redirect(self, **params: str) -> str:
        """The callback URL a browser would be sent to."""
        from urllib.parse import urlencode

        return self.redirect_uri + "?" + urlencode(params)

    def finish(self, timeout: float = 10) -> LoginResult:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "login did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def failure(self, timeout: float = 10) -> BaseException:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "login did not finish"
        assert self.error is not None, "login succeeded but a failure was expected"
        return self.error


PY_M = [sys.executable, "-m", "strava_auth_helper"]


#: The console script pip installed beside this interpreter (strava-auth.exe on Windows).
CONSOLE_SCRIPT = Path(sys.executable).with_name(
    "strava-auth.exe" if sys.platform == "win32" else "strava-auth"
)


WINDOWS = sys.platform == "win32"


#: For tests that need a POSIX terminal (the pty module).
NEEDS_PTY = pytest.mark.skipif(WINDOWS, reason="needs a POSIX pseudo-terminal (pty)")


#: For tests that check POSIX file modes: on Windows the per-user folder's ACL, not a mode,
#: keeps other users out.
POSIX_MODES = pytest.mark.skipif(WINDOWS, reason="checks POSIX file modes (Windows has ACLs)")


def kill_hard(pid: int) -> None:
    """End process ``pid`` at once.

    End process ``pid`` at once: SIGKILL, or TerminateProcess on Windows (what os.kill
    does there with any signal).
    """
    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


def kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` and, on Windows, its children.

    Kill ``proc`` and, on Windows, its children: a virtual environment's python.exe is a
    launcher that runs the real interpreter as its child, which proc.kill() would miss.
    """
    if WINDOWS:
        import psutil

        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
    proc.kill()


def assert_private(path: Path, mode: int = 0o600) -> None:
    """``path`` has ``mode`` where modes exist.

    ``path`` has ``mode`` (0600 for a file, 0700 for a folder) where modes exist; on
    Windows there is nothing to check per file (the per-user folder's ACL applies).
    """
    if not WINDOWS:
        assert stat.S_IMODE(path.stat().st_mode) == mode, oct(path.stat().st_mode)


@dataclass(frozen=True)
class Ran:
    """What a command line did: exit status, standard output, standard error."""

    code: int
    out: str
    err: str


class CliLogin:
    """``strava-auth login`` in a subprocess; the test plays the browser.

    ``strava-auth login`` in a subprocess (``--no-browser`` unless ``browser``); the test
    plays the browser, or pastes into its standard input.
    """

    def __init__(
        self,
        cmd: list[str],
        *args: str,
        browser: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        flags = [] if browser else ["--no-browser"]
        self.proc = subprocess.Popen(
            [*cmd, "login", *flags, "--port", "0", "--timeout", "30", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.head = self.read_until("http")
        self.url = self.head.splitlines()[-1].strip()
        query = parse_qs(urlsplit(self.url).query)
        self.state = query["state"][0]
        self.redirect_uri = query["redirect_uri"][0]
        self.port = urlsplit(self.redirect_uri).port
        self.redirect = f"{self.redirect_uri}?state={self.state}&code={CODE}"

    def read_until(self, text: str) -> str:
        """Everything printed so far, up to the first line with ``text``."""
        assert self.proc.stdout is not None
        head = getattr(self, "head", "")
        for line in self.proc.stdout:
            head += line
            if text in line:
                self.head = head
                return head
        assert self.proc.stderr is not None
        pytest.fail(f"never printed {text!r}: {head}{self.proc.stderr.read()}")

    def browse(self, **params: str) -> str:
        return http_get(self.redirect_uri, params={"state": self.state, **params}).text

    def finish(self, paste: str = "") -> tuple[int, str, str]:
        # Read the rest through the same file object: lines it has already buffered while
        # looking for the address would be lost to communicate(), which reads the pipe.
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.proc.stdin.write(paste)
        self.proc.stdin.close()
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        return self.proc.wait(timeout=30), self.head + out, err


def http_get(url: str, **kwargs: Any) -> requests.Response:
    """A browser's GET, bounded so that a hung server fails the test instead of hanging it."""
    return requests.get(url, timeout=10, **kwargs)


def http_post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=10, **kwargs)


class PtyProcess:
    """A subprocess whose stdin is a terminal (and that has no other controlling terminal).

    POSIX only: tests that use it are marked :data:`NEEDS_PTY`.
    """

    def __init__(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        import pty  # not on Windows

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=env
        )
        os.close(slave)
        self.output = b""

    def expect(self, text: str, timeout: float = 20, *, times: int = 1) -> None:
        """Read until ``text`` was written (``times`` times, counting what came before)."""
        while self.output.count(text.encode()) < times:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"waited for {text!r}, got {self.output!r}"
            try:
                self.output += os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                break
        assert self.output.count(text.encode()) >= times

    def send(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def lines(self) -> Iterator[str]:
        return iter(self.output.decode(errors="replace").splitlines())


def require(found: bool, what: str, how: str) -> None:
    """Skip locally when a system tool is missing; in CI (CI=true) that is a failure."""
    if found:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing in CI: {how} (.ci/run should have done it)")
    pytest.skip(f"{what} not installed; to run this test: {how}")


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


# Each racer says it is ready only once everything a refresh needs is imported: from then on
# it is a few microseconds from reading the token file (stale, or not there yet).
RACER = (
    "import sys; import strava_auth_helper.commands.refresh; from strava_auth_helper import "
    "get_access_token; print('ready', flush=True); print(get_access_token(*sys.argv[1:]))"
)


def race_for_a_refresh(strava_server: HTTPServer, count: int, *args: str) -> list[str]:
    """``count`` processes call ``get_access_token(*args)`` at once.

    ``count`` processes call ``get_access_token(*args)`` at once; Strava (the test's
    server) answers the first refresh only once all of them are ready, so the race is held
    open. Returns each one's output; fails if any of them failed. The refresh tokens
    Strava was sent are in ``strava_server.log``.
    """
    all_ready = threading.Event()

    def slow_refresh(request: Request) -> Response:
        all_ready.wait(10)  # answer only once every process is up and on its way
        return Response(json.dumps(refresh_answer()), content_type="application/json")

    strava_server.expect_request("/oauth/token", method="POST").respond_with_handler(slow_refresh)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
    all_ready.set()
    results = [
        (str(p.stdout and p.stdout.read()), str(p.stderr and p.stderr.read())) for p in procs
    ]
    assert [p.wait(timeout=60) for p in procs] == [0] * count, [err for _, err in results]
    return [out.strip() for out, _ in results]


def refresh_tokens_sent(strava_server: HTTPServer) -> list[str]:
    return [r.form["refresh_token"] for r, _ in strava_server.log if r.path == "/oauth/token"]


def wait_for_login_url(lines: Iterable[str]) -> str:
    """The authorize address a login prints, as soon as it is printed.

    The authorize address a login prints on a line of its own, as soon as it is printed
    (``lines`` is read no further: the login's later lines are left for the test).
    """
    for line in lines:
        if line.startswith("http"):
            return line.strip()
    pytest.fail("the login ended without printing the address to open")


def started_login(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: int = subprocess.PIPE
) -> tuple[subprocess.Popen[str], str]:
    """A login started as its own process (text pipes), and the address it printed."""
    proc = subprocess.Popen(
        argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, wait_for_login_url(proc.stdout)


def fill_setup_page(
    url: str, client_id: int | str, secret: str, *, origin: str | None = None
) -> requests.Response:
    """Send the set-up page's form as its browser would; the catcher's answer (not followed).

    Sent with the ``Origin`` a browser gives it (the page's own, unless ``origin`` says).
    """
    page = http_get(url)
    assert page.status_code in (200, 401), page.text
    found = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert found is not None, "the set-up page has no form"
    own = url.split("/setup/", 1)[0]
    return requests.post(
        own + unescape(found.group(1)),
        data={"client_id": str(client_id), "client_secret": secret},
        headers={"Origin": origin or own, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=30,
    )


def browse_redirect(authorize_url: str, **params: str) -> str:
    """Play Strava's redirect back to the login for ``authorize_url``; the page it shows."""
    query = parse_qs(urlsplit(authorize_url.strip()).query)
    redirect = query["redirect_uri"][0]
    return http_get(redirect, params={"state": query["state"][0], **params}).text
