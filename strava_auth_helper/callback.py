"""The loopback catcher: a tiny stdlib HTTP server on 127.0.0.1 that waits for Strava's redirect.

It checks each request (path, Host header, method, ``state``) and hands the first valid
redirect to the caller of :meth:`Catcher.next_redirect`, which decides the page the browser
gets. It knows nothing about tokens.
"""

from __future__ import annotations

import hmac
import logging
import queue
import selectors
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import pages

log = logging.getLogger(__name__)

CALLBACK_PATH = "/authorization"
HOST = "127.0.0.1"
#: How long a browser's request waits for the login to decide its page. The exchange with
#: Strava has its own, shorter, HTTP timeouts; this only bounds a login that died.
REPLY_TIMEOUT = 120.0
#: How long the login waits for its page to reach the browser before it returns.
SEND_TIMEOUT = 10.0
_MAX_TARGET = 4096  # longest request target accepted (a real redirect is a few hundred bytes)


@dataclass(frozen=True)
class Redirect:
    """What Strava's redirect carried: a code (and the granted scope) or an error."""

    code: str | None = field(repr=False)  # a secret, if short-lived
    scope: str | None = None
    error: str | None = None


def state_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the redirect's ``state``."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def redirect_from_query(query: str, expected_state: str) -> Redirect | None:
    """The redirect in a query string, or None when ``state`` is missing or wrong."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not state_matches(params.get("state"), expected_state):
        return None
    return Redirect(params.get("code") or None, params.get("scope"), params.get("error") or None)


def parse_pasted(text: str, expected_state: str) -> Redirect | None:
    """A redirected URL (state checked) or a bare code pasted by the user; None if neither."""
    text = text.strip()
    if not text:
        return None
    if "?" in text or "=" in text:
        return redirect_from_query(text.split("?", 1)[-1], expected_state)
    if text.isalnum() and len(text) >= 8:
        return Redirect(text)
    return None


class Arrival:
    """A valid redirect and, when a browser brought it, the way back to that browser."""

    def __init__(self, redirect: Redirect, *, from_browser: bool) -> None:
        self.redirect = redirect
        self.page: queue.Queue[pages.Page] = queue.Queue(maxsize=1)
        self.sent = threading.Event()
        if not from_browser:
            self.sent.set()  # nobody to answer


class Catcher:
    """Serve on 127.0.0.1 and hand over the first valid redirect, once."""

    def __init__(self, port: int, state: str) -> None:
        """Bind at once (raises ``OSError`` if the port is taken) without serving yet."""
        self.state = state
        self._server = _Server(port, _Handler)
        self._server.catcher = self
        self._arrivals: queue.Queue[Arrival] = queue.Queue()
        self._lock = threading.Lock()
        self._open = True
        self._taken: Arrival | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return self._server.server_port

    @property
    def redirect_uri(self) -> str:
        """Where Strava must send the browser."""
        return f"http://{HOST}:{self.port}{CALLBACK_PATH}"

    def allowed_hosts(self) -> tuple[str, str]:
        """Host header values accepted (anything else may be a DNS-rebinding attack)."""
        return f"{HOST}:{self.port}", f"localhost:{self.port}"

    def start(self) -> None:
        """Start serving in a background thread."""
        self._server.start()

    def offer(self, redirect: Redirect, *, from_browser: bool = False) -> Arrival | None:
        """Hand a valid redirect to the login; None once one was taken (``state`` is single use)."""
        with self._lock:
            if not self._open:
                return None
            self._open = False
            arrival = Arrival(redirect, from_browser=from_browser)
            self._arrivals.put(arrival)
        return arrival

    def next_redirect(self, timeout: float) -> Redirect | None:
        """The first valid redirect (from the browser or pasted), or None after ``timeout``.

        Call :meth:`answer` once its outcome is known: the browser waits for that page.
        """
        try:
            arrival = self._arrivals.get(timeout=timeout)
        except queue.Empty:
            with self._lock:
                self._open = False  # from now on nothing is accepted...
                if self._arrivals.empty():
                    return None
            arrival = self._arrivals.get_nowait()  # ...but one that came just now is handled
        self._taken = arrival
        return arrival.redirect

    def answer(self, page: pages.Page) -> None:
        """Send ``page`` to the browser that brought the redirect; return once it went out."""
        if self._taken is None:
            return
        self._taken.page.put(page)
        if not self._taken.sent.wait(SEND_TIMEOUT):
            log.debug("the browser did not take its page in time")

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.stop()

    def __enter__(self) -> Catcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 that never shares its port and stops at once."""

    # Never share the port with another program: no SO_REUSEADDR (set on this class only).
    allow_reuse_address = False
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__((HOST, port), handler)
        self.ssl_context = ssl_context
        # serve_forever() polls for shutdown; a wake-up socket lets stop() end the loop at once.
        self._wake_up, self._wake_up_sender = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup we neither need nor want.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def start(self) -> None:
        """Serve on a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._serve, name="loopback-http", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_up, selectors.EVENT_READ)
            while not self._stopping:
                try:
                    ready = selector.select()
                except (OSError, ValueError):  # the sockets were closed under us by stop()
                    return
                for key, _ in ready:
                    if key.fileobj is self.socket and not self._stopping:
                        self._accept()

    def _accept(self) -> None:
        try:
            request, client_address = self.get_request()
        except OSError:
            return
        try:
            self.process_request(request, client_address)  # answered on a thread of its own
        except Exception:
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is not None:  # the TLS handshake happens here, on its own thread
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except OSError:
                self.shutdown_request(request)
                return
        super().process_request_thread(request, client_address)

    def stop(self) -> None:
        """Stop serving, release the port (connections being answered are left to finish)."""
        if self._stopping:
            return
        self._stopping = True
        self._wake_up_sender.send(b"\0")
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        self.server_close()
        self._wake_up.close()
        self._wake_up_sender.close()


class _Server(LoopbackHTTPServer):
    catcher: Catcher


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 15  # an idle connection is dropped; others are served on their own threads
    server_version = "strava-auth-helper"
    sys_version = ""

    def do_GET(self) -> None:
        catcher = self.server.catcher
        if len(self.path) > _MAX_TARGET:
            self._send(pages.bad_request("Request too long."), status=414)
            return
        host = (self.headers.get("Host") or "").lower()
        if host not in catcher.allowed_hosts():
            self._send(pages.bad_request("Unexpected Host header."))
            return
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._send(pages.not_found())
            return
        redirect = redirect_from_query(url.query, catcher.state)
        if redirect is None:
            self._send(pages.wrong_state())
        elif redirect.code is None and redirect.error is None:
            self._send(pages.bad_request("The redirect carried neither a code nor an error."))
        else:
            self._hand_over(catcher, redirect)

    def _hand_over(self, catcher: Catcher, redirect: Redirect) -> None:
        arrival = catcher.offer(redirect, from_browser=True)
        if arrival is None:
            self._send(pages.finished())
            return
        try:
            page = arrival.page.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            page = pages.failed("The login stopped before it could finish.")
        try:
            self._send(page)
        finally:
            arrival.sent.set()

    def _refuse_method(self) -> None:
        self._send(pages.bad_request("Only GET is served here."), status=405, allow="GET")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method

    def _send(self, page: pages.Page, status: int | None = None, allow: str | None = None) -> None:
        body = page.html.encode("utf-8")
        self.send_response(status or page.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        if allow:
            self.send_header("Allow", allow)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Never the query string: it holds the code and the state.
        path = urlsplit(getattr(self, "path", "")).path
        log.debug("%s %s -> %s", getattr(self, "command", "?"), path, code)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        log.debug("refused a malformed request")
