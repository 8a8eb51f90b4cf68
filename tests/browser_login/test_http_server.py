"""The loopback server under load: slow connections, a full descriptor table, resets."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer

from strava_auth_helper.browser_login.http_server import HeadTrackingHandler, LoopbackHTTPServer
from tests.fakes import expect_login
from tests.helpers import CODE
from tests.terminals import started_login

# Runs `python -m strava_auth_helper ARGS` with the open-file limit lowered to 256, the
# default of macOS's Terminal.
LIMITED = (
    "import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256));"
    "os.execv(sys.executable, [sys.executable, '-m', 'strava_auth_helper', *sys.argv[1:]])"
)


class _Quiet(HeadTrackingHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[LoopbackHTTPServer]:
    srv = LoopbackHTTPServer(0, _Quiet)
    yield srv
    srv.stop()


def test_listens_on_loopback_only_without_address_reuse(server: LoopbackHTTPServer) -> None:
    assert server.socket.getsockname()[0] == "127.0.0.1"
    assert server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: the port is ours alone
        assert server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE) == 1


def test_another_program_asking_for_address_reuse_cannot_take_the_port(
    server: LoopbackHTTPServer,
) -> None:
    # On Windows a second socket with SO_REUSEADDR could bind the same port unless the first
    # has SO_EXCLUSIVEADDRUSE. (Under Wine both map to Linux sockets, where the bind fails
    # anyway: there this proves the option is accepted, real Windows proves the rest.)
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError):  # noqa: PT011 - any bind failure is the point
            other.bind(("127.0.0.1", server.server_port))


def closed_by_server(sock: socket.socket, timeout: float = 5) -> bool:
    """True once the server has ended the connection (waits at most ``timeout``)."""
    sock.settimeout(timeout)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="counts descriptors in Linux's /proc")
@pytest.mark.usefixtures("with_creds")
def test_a_flood_of_slow_connections_does_not_starve_the_redirect(
    strava: HTTPServer, tmp_path: Path
) -> None:
    expect_login(strava)
    args = ["login", "--no-browser", "--port", "0", "--timeout", "60"]
    login, url = started_login(
        [sys.executable, "-c", LIMITED, *args, "--token-file", str(tmp_path / "t.json")],
        stdin=subprocess.DEVNULL,
    )
    query = parse_qs(urlsplit(url).query)
    redirect = query["redirect_uri"][0]
    flood = []
    for _ in range(300):  # more than the login's 256 descriptors, each sending a byte
        sock = socket.socket()
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", urlsplit(redirect).port or 0))
            sock.sendall(b"G")
        except OSError:
            sock.close()
            continue
        flood.append(sock)
    stop = threading.Event()
    threading.Thread(target=trickle, args=(flood, stop), daemon=True).start()
    try:
        wait_until_the_flood_landed(login.pid, flood)
        # The real redirect, under that load, must be answered within 2 s.
        page = requests.get(
            redirect, params={"state": query["state"][0], "code": CODE}, timeout=(2, 2)
        )
    finally:
        stop.set()
        for sock in flood:
            sock.close()
    assert page.status_code == 200
    out, err = login.communicate(timeout=30)
    assert login.returncode == 0, err
    assert "Traceback" not in err


def trickle(flood: list[socket.socket], stop: threading.Event) -> None:
    """The attack: slow connections that never finish their request head.

    The attack: every connection sends one more byte every 2 s (under any per-read
    timeout), so that none of them ever finishes or goes idle.
    """
    while not stop.wait(2):
        for sock in flood:
            with contextlib.suppress(OSError):
                sock.send(b"E")


def wait_until_the_flood_landed(pid: int, flood: list[socket.socket]) -> None:
    """Until the login holds, or has closed, nearly all of the flood (Linux: /proc).

    A server that keeps up drops the slow connections; one that does not fills its
    descriptor table with them. Either way the flood has then landed.
    """
    closed: set[socket.socket] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        readable, _, _ = select.select([s for s in flood if s not in closed], [], [], 0.05)
        closed.update(s for s in readable if closed_by_server(s, 0.01))
        held = sum(_is_socket(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
        if held + len(closed) >= 230:
            return
    pytest.fail(f"the flood never landed: {held} held, {len(closed)} closed")


def _is_socket(link: str) -> bool:
    try:
        return os.readlink(link).startswith("socket:")
    except FileNotFoundError:  # closed meanwhile
        return False


def test_accept_failure_pauses_instead_of_spinning(server: LoopbackHTTPServer) -> None:
    calls: list[int] = []
    third_call = threading.Event()

    def out_of_descriptors() -> tuple[socket.socket, object]:
        calls.append(1)
        if len(calls) == 3:
            third_call.set()
        raise OSError(errno.EMFILE, "Too many open files")

    server.get_request = out_of_descriptors  # type: ignore[method-assign]
    server.accept_pause = 0.05
    server.start()
    with socket.create_connection(("127.0.0.1", server.server_port)):  # never accepted
        assert third_call.wait(5)
        server.stop()
    assert len(calls) <= 5  # a busy loop makes thousands of calls in the same time


def test_a_request_head_must_arrive_whole_within_the_deadline(
    server: LoopbackHTTPServer,
) -> None:
    server.head_deadline = 0.3
    server.start()
    with socket.create_connection(("127.0.0.1", server.server_port)) as slow:
        stop = threading.Event()

        def trickle() -> None:  # the attack: one byte at a time, each resetting a timeout
            for byte in b"GET / HTTP/1.1\r\nX-Padding: " + b"x" * 1000:
                if stop.wait(0.02):
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return

        threading.Thread(target=trickle, daemon=True).start()
        try:
            assert closed_by_server(slow)
        finally:
            stop.set()
    answer = requests.get(f"http://127.0.0.1:{server.server_port}/", timeout=5)
    assert answer.status_code == 204  # a prompt request is still served


def test_past_the_cap_the_oldest_unfinished_connection_is_dropped(
    server: LoopbackHTTPServer,
) -> None:
    server.max_connections = 3
    server.start()
    idle = [socket.create_connection(("127.0.0.1", server.server_port)) for _ in range(4)]
    try:
        for sock in idle:
            sock.sendall(b"GET")
        assert closed_by_server(idle[0])
        idle[1].setblocking(False)
        with pytest.raises(BlockingIOError):  # still open, still waiting
            idle[1].recv(1)
    finally:
        for sock in idle:
            sock.close()


def test_a_client_reset_is_no_news(
    server: LoopbackHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.start()
    answered = threading.Event()
    original = server.shutdown_request

    def note(request: object) -> None:
        original(request)
        answered.set()

    server.shutdown_request = note  # type: ignore[method-assign]
    sock = socket.create_connection(("127.0.0.1", server.server_port))
    sock.sendall(b"GET /partial")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # a TCP reset mid-request
    # The server lives on: the next request is answered.
    url = f"http://127.0.0.1:{server.server_port}/"
    assert requests.get(url, timeout=10).status_code == 204
    if sys.platform != "win32":  # Windows' accept() may drop a connection reset before it
        assert answered.wait(5)  # ...Linux hands it to a handler, which ends quietly
    assert "Traceback" not in capsys.readouterr().err
