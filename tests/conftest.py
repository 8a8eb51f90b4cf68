"""Shared fixtures: an isolated environment, a fake Strava, and a login driven over real HTTP."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import select
import shutil
import signal
import socket
import ssl
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper import entry
from strava_auth_helper.demo_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DemoStrava,
    approve,
)
from strava_auth_helper.errors import StravaAuthError
from strava_auth_helper.login_flow import LoginOptions, LoginResult, run_login
from strava_auth_helper.private_files import write_private
from strava_auth_helper.scopes import DEFAULT_SCOPE
from strava_auth_helper.settings import Credentials
from strava_auth_helper.token_file import Token, token_bytes

CLIENT_ID = 4242
CLIENT_SECRET = "client-secret-d0-not-print"  # noqa: S105 - a test value
CODE = "code0123456789abcdef"
ACCESS = "access-token-0123456789"
REFRESH = "refresh-token-0123456789"
SECRETS = (CLIENT_SECRET, CODE, ACCESS, REFRESH)
NEW_ACCESS = "new-access-token-9876543210"
NEW_REFRESH = "new-refresh-token-9876543210"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the user's variables, config folder or current folder."""
    for name in list(os.environ):
        if name.startswith("STRAVA_") or name == "BROWSER":
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    monkeypatch.setenv("STRAVA_AUTH_CONFIG_DIR", str(config))
    # Never the default 5000, which a user's own login may hold: any free port, also for
    # the logins that take no --port (launchers, the notebook example, demo --serve).
    monkeypatch.setenv("STRAVA_AUTH_PORT", "0")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return config


@pytest.fixture
def with_creds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's credentials in the environment, as a user would export them."""
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET)


@pytest.fixture
def creds() -> Credentials:
    return Credentials(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def strava(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """pytest-httpserver playing Strava; STRAVA_BASE_URL points at it.

    At teardown it checks that every request matched what the test expected and that every
    one-shot expectation was met.
    """
    monkeypatch.setenv("STRAVA_BASE_URL", base_of(httpserver))
    yield httpserver
    checked(httpserver)


@pytest.fixture
def threaded_strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """A fake Strava that answers requests concurrently (one may stall)."""
    server = HTTPServer(threaded=True)
    server.start()
    monkeypatch.setenv("STRAVA_BASE_URL", base_of(server))
    yield server
    checked(server)
    server.clear()
    server.stop()


def checked(server: HTTPServer) -> None:
    """Fail on requests nobody expected, handler errors, and expected requests never made."""
    server.check()
    assert not server.oneshot_handlers, f"expected requests never came: {server.format_matchers()}"


@dataclass(frozen=True)
class TLS:
    """A throw-away certificate authority and a server context for 127.0.0.1 (trustme)."""

    server: ssl.SSLContext
    ca_file: str


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return TLS(context, str(ca_file))


@pytest.fixture
def sim() -> Iterator[DemoStrava]:
    """The package's own simulated Strava, on a free port."""
    with DemoStrava() as server:
        yield server


@pytest.fixture
def sim_env(sim: DemoStrava, monkeypatch: pytest.MonkeyPatch) -> DemoStrava:
    """The simulation's address and app credentials in the environment, as a user's would be."""
    monkeypatch.setenv("STRAVA_BASE_URL", sim.base_url)
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(DEMO_CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    return sim


@pytest.fixture
def secure_sim(tls: TLS, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoStrava]:
    """The simulation over HTTPS (stravalib speaks nothing else), its CA trusted, and its
    address and app credentials exported as a stravalib user would (STRAVA_CLIENT_*)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", tls.ca_file)
    with DemoStrava(ssl_context=tls.server) as sim:
        monkeypatch.setenv("STRAVA_BASE_URL", sim.base_url)
        monkeypatch.setenv("STRAVA_CLIENT_ID", str(DEMO_CLIENT_ID))
        monkeypatch.setenv("STRAVA_CLIENT_SECRET", DEMO_CLIENT_SECRET)
        yield sim


def sim_login(sim: DemoStrava, token_path: Path, scope: str = DEFAULT_SCOPE) -> LoginResult:
    """The real login against the simulation, the athlete pressing Authorize (no browser).

    The athlete's click runs on the login's browser thread, where a failure only means "no
    browser": it is raised here instead of a login that waits for its timeout."""
    failures: list[BaseException] = []

    def athlete(url: str) -> str:
        try:
            return approve(url)
        except BaseException as exc:
            failures.append(exc)
            raise

    options = LoginOptions(
        credentials=Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        token_path=token_path,
        base_url=sim.base_url,
        scope=scope,
        port=0,
        timeout=30,
    )
    try:
        return run_login(options, out=io.StringIO(), opener=athlete)
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
    """A login running on a thread; the test plays the browser."""

    def __init__(self, options: LoginOptions) -> None:
        self.out = LineQueue()
        self.result: LoginResult | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(options,), daemon=True)
        self._thread.start()
        self.url = self.out.wait_for("http")
        query = parse_qs(urlsplit(self.url).query)
        self.state = query["state"][0]
        self.redirect_uri = query["redirect_uri"][0]
        self.port = urlsplit(self.redirect_uri).port

    def _run(self, options: LoginOptions) -> None:
        try:
            self.result = run_login(options, out=self.out, opener=lambda url: True)
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
    """End process ``pid`` at once: SIGKILL, or TerminateProcess on Windows (what os.kill
    does there with any signal)."""
    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


def kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` and, on Windows, its children: a virtual environment's python.exe is a
    launcher that runs the real interpreter as its child, which proc.kill() would miss."""
    if WINDOWS:
        import psutil

        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
    proc.kill()


def assert_private(path: Path, mode: int = 0o600) -> None:
    """``path`` has ``mode`` (0600 for a file, 0700 for a folder) where modes exist; on
    Windows there is nothing to check per file (the per-user folder's ACL applies)."""
    if not WINDOWS:
        assert stat.S_IMODE(path.stat().st_mode) == mode, oct(path.stat().st_mode)


@dataclass(frozen=True)
class Ran:
    """What a command line did: exit status, standard output, standard error."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """``strava-auth ARGS`` run in this process, through the console script's ``main``, with
    ``stdin`` as its standard input (not a terminal). Runs in a real subprocess are kept for
    what only a process shows: the entry points, signals, terminals, logging."""

    def run(*args: str, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            code = entry.main(list(args))
        except SystemExit as exc:  # argparse: usage errors, --version, --help
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


class CliLogin:
    """``strava-auth login`` in a subprocess (``--no-browser`` unless ``browser``); the test
    plays the browser, or pastes into its standard input."""

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


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "tokens" / "token.json"


@pytest.fixture
def login_options(creds: Credentials, strava: HTTPServer, token_path: Path) -> LoginOptions:
    return LoginOptions(
        credentials=creds,
        token_path=token_path,
        base_url=base_of(strava),
        port=0,
        timeout=20,
        open_browser=False,
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.fixture
def resetting_server() -> Iterator[str]:
    """A base URL whose server accepts a connection and resets it without answering."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


class PtyProcess:
    """A subprocess whose stdin is a terminal (and that has no other controlling terminal).
    POSIX only: tests that use it are marked :data:`NEEDS_PTY`."""

    def __init__(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        import pty  # not on Windows

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=env
        )
        os.close(slave)
        self.output = b""

    def expect(self, text: str, timeout: float = 20) -> None:
        while text.encode() not in self.output:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"waited for {text!r}, got {self.output!r}"
            try:
                self.output += os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                break
        assert text.encode() in self.output

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


@pytest.fixture(scope="session")
def os_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables that make a process find a real OS keyring (add them to a test's own
    environment): on Linux a Secret Service of its own (see :func:`secret_service`); on
    Windows its Credential Manager (Wine's, on the Windows leg), and on macOS the login
    keychain, need none."""
    if not sys.platform.startswith("linux"):
        yield {}
        return
    with secret_service(tmp_path_factory.mktemp("keyring-home")) as extra:
        yield extra


@pytest.fixture
def own_secret_service(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A Secret Service for one test alone (one that locks it, say)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the Secret Service is Linux's")
    with secret_service(tmp_path / "keyring-home") as extra:
        yield extra


@contextlib.contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """gnome-keyring-daemon's Secret Service on a private D-Bus session, unlocked with a
    password on its standard input: the variables that find it."""
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
    "import sys; import strava_auth_helper.refresher; from strava_auth_helper import "
    "get_access_token; print('ready', flush=True); print(get_access_token(*sys.argv[1:]))"
)


def race_for_a_refresh(strava_server: HTTPServer, count: int, *args: str) -> list[str]:
    """``count`` processes call ``get_access_token(*args)`` at once; Strava (the test's
    server) answers the first refresh only once all of them are ready, so the race is held
    open. Returns each one's output; fails if any of them failed. The refresh tokens
    Strava was sent are in ``strava_server.log``."""
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
