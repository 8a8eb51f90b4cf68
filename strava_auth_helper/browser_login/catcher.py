"""The loopback catcher: a tiny stdlib HTTP server on 127.0.0.1 that waits for Strava's redirect.

It checks each request (path, Host header, method, ``state``) and hands the first valid
redirect to the caller of :meth:`Catcher.next_redirect`, which decides the page the browser
gets. It knows nothing about tokens.
"""

from __future__ import annotations

import hmac
import logging
import queue
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from ..safe_text import clean
from ..strava.scopes import granted_scope
from . import pages
from .http_server import HOST, HeadTrackingHandler, LoopbackHTTPServer

log = logging.getLogger(__name__)

CALLBACK_PATH = "/authorization"
#: How long a browser's request waits for the login to decide its page. The exchange with
#: Strava has its own, shorter, HTTP timeouts; this only bounds a login that died.
REPLY_TIMEOUT = 120.0
#: How long the login waits for its page to reach the browser before it returns.
SEND_TIMEOUT = 10.0
_MAX_TARGET = 4096  # longest request target accepted (a real redirect is a few hundred bytes)
#: Longest pasted bare code taken (Strava's are 40 characters).
MAX_CODE = 256


@dataclass(frozen=True)
class Redirect:
    """What Strava's redirect carried: a code (and the granted scope) or an error."""

    code: str | None = field(repr=False)  # a secret, if short-lived
    scope: str | None = None
    error: str | None = None

    @property
    def complete(self) -> bool:
        """It carries a code or an error: something that ends the login.

        The one rule for a redirect, whether a browser brought it or it was pasted.
        """
        return self.code is not None or self.error is not None


def state_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the redirect's ``state``."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def redirect_from_query(query: str, expected_state: str) -> Redirect | None:
    """The redirect in a query string, or None when ``state`` is missing or wrong."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not state_matches(params.get("state"), expected_state):
        return None
    error = clean(params["error"], 100) if params.get("error") else None
    return Redirect(params.get("code") or None, granted_scope(params.get("scope")), error)


def parse_pasted(text: str, expected_state: str) -> Redirect | None:
    """A pasted redirect address or bare code; None if it is neither.

    A redirected URL (state checked, and a code or an error in it) or a bare code pasted
    by the user; None if neither.
    """
    text = text.strip().split("#", 1)[0]  # a fragment (Strava adds #_=_) is not part of it
    if not text:
        return None
    if "?" in text or "=" in text:
        redirect = redirect_from_query(text.split("?", 1)[-1], expected_state)
        return redirect if redirect is not None and redirect.complete else None
    if text.isascii() and text.isalnum() and 8 <= len(text) <= MAX_CODE:
        return Redirect(text)
    return None


class PendingRedirect:
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
        self._pending: queue.Queue[PendingRedirect] = queue.Queue()
        self._lock = threading.Lock()
        self._open = True
        self._timed_out = False
        self._taken: PendingRedirect | None = None

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

    def offer(self, redirect: Redirect, *, from_browser: bool = False) -> PendingRedirect | None:
        """Hand a valid redirect to the login; None once one was taken (``state`` is single use)."""
        with self._lock:
            if not self._open:
                return None
            self._open = False
            arrival = PendingRedirect(redirect, from_browser=from_browser)
            self._pending.put(arrival)
        return arrival

    def next_redirect(self, timeout: float, *, last_chance: bool = True) -> Redirect | None:
        """The first valid redirect, or None after ``timeout``.

        The first valid redirect (from the browser or pasted), or None after ``timeout``;
        then, unless ``last_chance`` is False, nothing more is accepted.

        Call :meth:`answer` once its outcome is known: the browser waits for that page.
        """
        try:
            arrival = self._pending.get(timeout=timeout)
        except queue.Empty:
            if not last_chance:
                return None
            with self._lock:
                self._open = False  # from now on nothing is accepted...
                if self._pending.empty():
                    self._timed_out = True
                    return None
            arrival = self._pending.get_nowait()  # ...but one that came just now is handled
        self._taken = arrival
        return arrival.redirect

    def refusal(self) -> pages.Page:
        """The page for a valid redirect that came too late.

        The page for a valid redirect that came too late (another one, or the timeout,
        ended the login).
        """
        return pages.timed_out() if self._timed_out else pages.finished()

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


#: What every page of the catcher carries besides its type: no referrer for Strava's pages
#: (the address holds the code), no framing, no script, no sniffing, no keep-alive.
_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Connection": "close",
}


class _Server(LoopbackHTTPServer):
    catcher: Catcher


class _Handler(HeadTrackingHandler):
    server: _Server
    timeout = 15  # an idle connection is dropped; others are served on their own threads
    server_version = "strava-auth-helper"
    sys_version = ""

    def do_GET(self) -> None:
        catcher = self.server.catcher
        if len(self.path) > _MAX_TARGET:
            self._send(pages.bad_request("Request too long."), status=414)
            return
        hosts = [h.lower() for h in self.headers.get_all("Host") or []]
        if len(hosts) != 1 or hosts[0] not in catcher.allowed_hosts():
            self._send(pages.bad_request("Unexpected Host header."))
            return
        url = urlsplit(self.path)
        if not self.path.startswith("/") or url.scheme or url.netloc:  # absolute-form, //host
            self._send(pages.bad_request("Unexpected request target."))
            return
        if url.path != CALLBACK_PATH:
            self._send(pages.not_found())
            return
        redirect = redirect_from_query(url.query, catcher.state)
        if redirect is None:
            self._send(pages.wrong_state())
        elif not redirect.complete:
            self._send(pages.bad_request("The redirect carried neither a code nor an error."))
        else:
            self._hand_over(catcher, redirect)

    def _hand_over(self, catcher: Catcher, redirect: Redirect) -> None:
        arrival = catcher.offer(redirect, from_browser=True)
        if arrival is None:
            self._send(catcher.refusal())
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

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own error pages (400, 414, 431, 501, 505) with this server's headers.
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        if self.request_version == "HTTP/0.9":  # an unparsable request line: answer in 1.0
            self.request_version = "HTTP/1.0"
        self._send(pages.bad_request(f"{code} {phrase}."), status=code)

    def _send(self, page: pages.Page, status: int | None = None, allow: str | None = None) -> None:
        headers = dict(_PAGE_HEADERS, **({"Allow": allow} if allow else {}))
        body = page.html.encode("utf-8")
        self.send_body(status or page.status, body, "text/html; charset=utf-8", headers)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Never the query string: it holds the code and the state.
        path = urlsplit(getattr(self, "path", "")).path
        log.debug("%s %s -> %s", getattr(self, "command", "?"), path, code)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        log.debug("refused a malformed request")
