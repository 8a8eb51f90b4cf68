"""The loopback catcher: a tiny stdlib HTTP server on 127.0.0.1 that waits for Strava's redirect.

It checks the request (path, Host header, method, ``state``) and hands a valid redirect to a
callback that returns the page to show; it knows nothing about tokens.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from urllib.parse import parse_qs, urlsplit

from . import pages

log = logging.getLogger(__name__)

CALLBACK_PATH = "/authorization"
HOST = "127.0.0.1"
_MAX_TARGET = 4096  # longest request target accepted (a real redirect is a few hundred bytes)


class Redirect:
    """What Strava's redirect carried: a code (and granted scope) or an error."""

    __slots__ = ("code", "scope", "error")

    def __init__(self, code: str | None, scope: str | None, error: str | None) -> None:
        self.code = code
        self.scope = scope
        self.error = error

    def __repr__(self) -> str:  # the code is a secret
        code = "'***'" if self.code else "None"
        return f"Redirect(code={code}, scope={self.scope!r}, error={self.error!r})"


OnRedirect = Callable[[Redirect], pages.Page]


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
        return Redirect(text, None, None)
    return None


class Catcher:
    """Serve on 127.0.0.1 until one valid redirect has been handled, or the caller gives up."""

    def __init__(self, port: int, state: str, on_redirect: OnRedirect) -> None:
        """Bind at once (raises ``OSError`` if the port is taken) without serving yet."""
        self.state = state
        self._on_redirect = on_redirect
        self._server = _Server((HOST, port), _Handler)
        self._server.catcher = self
        self._lock = threading.Lock()
        self._used = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """Where Strava must send the browser."""
        return f"http://{HOST}:{self.port}{CALLBACK_PATH}"

    def allowed_hosts(self) -> tuple[str, str]:
        """Host header values accepted (anything else may be a DNS-rebinding attack)."""
        return f"{HOST}:{self.port}", f"localhost:{self.port}"

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Block until a redirect was handled and answered; False on timeout."""
        return self._done.wait(timeout)

    def submit(self, redirect: Redirect) -> tuple[pages.Page, bool]:
        """Handle a redirect exactly once: (page, True) for the one accepted.

        Later ones get the 'already finished' page and False. Whoever got True calls
        :meth:`finish` once the page is out, which ends :meth:`wait`.
        """
        with self._lock:
            if self._used:
                return pages.finished(), False
            self._used = True
        return self._on_redirect(redirect), True

    def finish(self) -> None:
        """Mark the login as handled (after the page went out)."""
        self._done.set()

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Catcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server for 127.0.0.1 that never shares its port."""

    # Never share the port with another program: no SO_REUSEADDR (set on this class only).
    allow_reuse_address = False
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup we neither need nor want.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])


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
            self._answer(catcher, redirect)

    def _answer(self, catcher: Catcher, redirect: Redirect) -> None:
        accepted = False
        try:
            page, accepted = catcher.submit(redirect)
            self._send(page)
        finally:
            if accepted:
                catcher.finish()

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
