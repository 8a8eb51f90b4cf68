"""Shared fixtures: an isolated environment, a fake Strava, and a login over real HTTP.

Shared fixtures: an isolated environment, a fake Strava, and a login driven over real HTTP
(the helpers they build on are in helpers.py).
"""

from __future__ import annotations

import io
import os
import socket
import ssl
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from strava_auth_helper import entry
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
)
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.strava import api
from tests.fakes import TLS, accept_app_checks, base_of, checked, fake_notify_send
from tests.helpers import CLIENT_ID, CLIENT_SECRET, WINDOWS, Ran
from tests.secret_service import secret_service


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """No workers for a quick run of named test files; one a core for the suite (``-n auto``).

    Starting the workers costs more than a file or two gains from them (1.0 s against 2.0 s
    for one file here); a folder, or the whole suite, keeps them.
    """
    named = [str(arg).split("::", 1)[0] for arg in config.args]
    return 0 if named and all(name.endswith(".py") for name in named) else None


@pytest.fixture(autouse=True)
def short_code_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused fresh code is offered again at once (Strava's ~2 s, shortened)."""
    monkeypatch.setattr(api, "CODE_RETRY_DELAY", 0.01)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the user's variables, config folder, current folder or desktop programs.

    A ``notify-send`` of the test's own comes first on PATH (it records what it is asked to
    show in ``desktop/notified``), whether or not the machine has one; a test that wants
    none takes it away itself.
    """
    for name in list(os.environ):
        if name.startswith("STRAVA_") or name == "BROWSER":
            monkeypatch.delenv(name)
    if not WINDOWS:
        fake_notify_send(tmp_path / "desktop")
        monkeypatch.setenv("PATH", f"{tmp_path / 'desktop'}{os.pathsep}{os.environ['PATH']}")
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
    accept_app_checks(httpserver)  # every login checks the app's credentials first
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


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return TLS(context, str(ca_file))


@pytest.fixture
def sim() -> Iterator[SimulatedStrava]:
    """The package's own simulated Strava, on a free port."""
    with SimulatedStrava() as server:
        yield server


@pytest.fixture
def rotating(sim: SimulatedStrava) -> None:
    """The simulation hands out a new refresh token on every refresh (Strava may, any time)."""
    sim.state.rotate_every = 1


@pytest.fixture
def sim_env(sim: SimulatedStrava, monkeypatch: pytest.MonkeyPatch) -> SimulatedStrava:
    """The simulation's address and app credentials in the environment, as a user's would be."""
    monkeypatch.setenv("STRAVA_BASE_URL", sim.base_url)
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(DEMO_CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    return sim


@pytest.fixture
def secure_sim(tls: TLS, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedStrava]:
    """The simulation over HTTPS, its CA trusted.

    The simulation over HTTPS (stravalib speaks nothing else), its CA trusted, and its
    address and app credentials exported as a stravalib user would (STRAVA_CLIENT_*).
    """
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", tls.ca_file)
    with SimulatedStrava(ssl_context=tls.server) as sim:
        monkeypatch.setenv("STRAVA_BASE_URL", sim.base_url)
        monkeypatch.setenv("STRAVA_CLIENT_ID", str(DEMO_CLIENT_ID))
        monkeypatch.setenv("STRAVA_CLIENT_SECRET", DEMO_CLIENT_SECRET)
        yield sim


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """``strava-auth ARGS`` run in this process, through the console script's ``main``.

    ``strava-auth ARGS`` run in this process, through the console script's ``main``, with
    ``stdin`` as its standard input (not a terminal). Runs in a real subprocess are kept for
    what only a process shows: the entry points, signals, terminals, logging.
    """

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


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "tokens" / "token.json"


@pytest.fixture
def login_env(strava: HTTPServer, token_path: Path) -> dict[str, str]:
    """The environment of a login run as a process of its own.

    The environment of a login run as a process of its own: this one's (the isolated
    config folder, STRAVA_BASE_URL at the test's Strava), ``token_path`` as its token file,
    and a "browser" that opens nothing (the test sends the redirect itself).
    """
    return {
        **os.environ,
        "STRAVA_TOKEN_FILE": str(token_path),
        "BROWSER": "cmd /c rem" if WINDOWS else "true",
    }


@pytest.fixture
def login_options(strava: HTTPServer, token_path: Path) -> LoginOptions:
    """A login of the app :data:`helpers.APP` (``LoginRun``'s) at the test's Strava."""
    return LoginOptions(
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


@pytest.fixture(scope="session")
def os_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables that make a process find a real OS keyring.

    The variables that make a process find a real OS keyring (add them to a test's own
    environment): on Linux a Secret Service of its own (see :func:`secret_service`); on
    Windows its Credential Manager (Wine's, on the Windows leg), and on macOS the login
    keychain, need none.
    """
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
