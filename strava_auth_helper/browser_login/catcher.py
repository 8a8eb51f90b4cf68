"""The loopback catcher: a stdlib HTTP server on 127.0.0.1 handing what arrives to the login."""

from __future__ import annotations

import hmac
import logging
import queue
import secrets
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from ..errors import PortInUseError
from ..settings import DEFAULT_PORT
from . import pages
from .arrivals import Arrival, Redirect, SetupForm, redirect_from_query
from .http_server import HOST, HeadTrackingHandler, LoopbackHTTPServer

log = logging.getLogger(__name__)

CALLBACK_PATH = "/authorization"
_MAX_TARGET = 4096  # longest request target accepted (a real redirect is a few hundred bytes)
#: Where the set-up page is served: this prefix and a one-time unguessable key.
SETUP_PREFIX = "/setup/"
#: Largest set-up form taken (a client ID and a secret are well under 200 bytes).
MAX_FORM = 4096


class Catcher:
    """Serve on 127.0.0.1 and hand each valid redirect and set-up form to the login, in order.

    One redirect is taken per try of the login (its ``state`` is single-use): later ones
    get :meth:`refusal` until :meth:`expect` starts the next try.
    """

    def __init__(self, port: int, state: str = "") -> None:
        """Bind at once (raises ``OSError`` if the port is taken) without serving yet."""
        self.state = state  # the newest try's (the address shown)
        self.states: tuple[str, ...] = (state,)  # every state of the try under way
        self._server = _Server(port, _Handler)
        self._server.catcher = self
        self._arrivals: queue.Queue[Arrival] = queue.Queue()
        self._lock = threading.Lock()
        self._open = True
        self._timed_out = False
        self._setup_page: Callable[[], pages.Page] | None = None
        self.setup_path: str | None = None  # the set-up page's one-time path, once served
        self._shortcut: tuple[str, str] | None = None  # (short path, where it leads)
        self.audience = pages.TERMINAL  # whom the catcher's own pages speak to

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

    def allowed_origins(self) -> list[str]:
        """``Origin`` values of the catcher's own pages."""
        return [f"http://{host}" for host in self.allowed_hosts()]

    def start(self) -> None:
        """Start serving in a background thread."""
        self._server.start()

    def serve_setup(self, page: Callable[[], pages.Page]) -> str:
        """Serve ``page()`` on a one-time path, and take its form; returns its address."""
        with self._lock:
            self.setup_path = self.setup_path or SETUP_PREFIX + secrets.token_urlsafe(24)
            self._setup_page = page
        return f"http://{HOST}:{self.port}{self.setup_path}"

    def shortcut(self, url: str) -> str:
        """A short address, to type by hand, that sends the browser on to ``url``."""
        with self._lock:
            self._shortcut = ("/go/" + secrets.token_urlsafe(6), url)  # 48 random bits
        return f"http://{HOST}:{self.port}{self._shortcut[0]}"

    def shortcut_target(self, path: str) -> str | None:
        """Where the short address at ``path`` sends the browser; None: no such address."""
        path_and_url = self._shortcut
        if path_and_url is None or not hmac.compare_digest(path, path_and_url[0]):
            return None
        return path_and_url[1]

    def setup_page(self, path: str) -> Callable[[], pages.Page] | None:
        """The set-up page, where ``path`` is its one-time path; else None."""
        expected = self.setup_path
        if expected is None or not hmac.compare_digest(path.encode(), expected.encode()):
            return None
        return self._setup_page

    def expect(self, state: str, *, same_try: bool = False) -> None:
        """Start a try: take the next valid redirect for ``state``.

        With ``same_try`` (the same app's credentials sent to Strava again: a form submitted
        twice) the try's earlier states stay valid too: the browser may follow either.
        """
        with self._lock:
            self.states = (*self.states, state) if same_try else (state,)
            self.state = state
            self._open = True

    def offer(self, redirect: Redirect, *, from_browser: bool = False) -> Arrival | None:
        """Hand a valid redirect to the login; None once this try took one (or it timed out)."""
        with self._lock:
            if not self._open:
                return None
            self._open = False
            return self._queue(redirect, from_browser)

    def submit(self, form: SetupForm) -> Arrival:
        """Hand the set-up form to the login."""
        return self._queue(form, True)

    def _queue(self, what: Redirect | SetupForm, from_browser: bool) -> Arrival:
        arrival = Arrival(what, from_browser=from_browser)
        self._arrivals.put(arrival)
        return arrival

    def next_arrival(self, timeout: float, *, last_chance: bool = True) -> Arrival | None:
        """The next redirect or form, or None after ``timeout`` seconds.

        On a timeout, unless ``last_chance`` is False, no redirect is taken any more (one
        that came just then still is). Answer what comes (:meth:`Arrival.answer`): its
        browser waits for that.
        """
        try:
            return self._arrivals.get(timeout=timeout)
        except queue.Empty:
            if not last_chance:
                return None
            with self._lock:
                self._open = False  # from now on no redirect is taken...
                if self._arrivals.empty():
                    self._timed_out = True
                    return None
            return self._arrivals.get_nowait()  # ...but one that came just now is handled

    def refusal(self) -> pages.Page:
        """The page for a valid redirect that came too late (another one, or the timeout)."""
        return pages.timed_out(self.audience) if self._timed_out else pages.finished()

    def close(self) -> None:
        """Answer what the login did not take (it is over), then stop serving."""
        self._open = False
        while not self._arrivals.empty():
            self._arrivals.get_nowait().answer(self.refusal())
        self._server.stop()

    def __enter__(self) -> Catcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What every page of the catcher carries besides its type and its policy (``Page.policy``):
#: no referrer for Strava's pages (the address holds the code), no framing, no sniffing, no
#: keep-alive.
_PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
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
        target = catcher.shortcut_target(url.path)
        if target is not None:
            self._send_on(target)
            return
        if url.path != CALLBACK_PATH:
            setup = catcher.setup_page(url.path)
            self._send(setup() if setup is not None else pages.not_found())
            return
        redirect = redirect_from_query(url.query, catcher.states)
        if redirect is None:
            self._send(pages.wrong_state(catcher.audience))
        elif not redirect.complete:
            self._send(pages.bad_request("The redirect carried neither a code nor an error."))
        else:
            self._hand_over(catcher, redirect)

    def _hand_over(self, catcher: Catcher, redirect: Redirect) -> None:
        arrival = catcher.offer(redirect, from_browser=True)
        if arrival is None:
            self._send(catcher.refusal())
        else:
            self._send_reply(arrival)

    def _send_reply(self, arrival: Arrival) -> None:
        reply = arrival.reply()
        try:
            if isinstance(reply, pages.Page):
                self._send(reply)
            else:  # on to Strava's authorize page
                self._send_on(reply)
        finally:
            arrival.replied()

    def _send_on(self, location: str) -> None:
        """303: the browser GETs ``location`` (Strava is not told of this page)."""
        headers = dict(_PAGE_HEADERS, Location=location, **{"Referrer-Policy": "no-referrer"})
        self.send_body(303, b"", "text/plain; charset=utf-8", headers)

    def do_POST(self) -> None:
        """The set-up form; nothing else takes a POST."""
        catcher = self.server.catcher
        hosts = [h.lower() for h in self.headers.get_all("Host") or []]
        setup = catcher.setup_page(urlsplit(self.path).path)
        if setup is None or len(self.path) > _MAX_TARGET:
            self._refuse_method()
            return
        if len(hosts) != 1 or hosts[0] not in catcher.allowed_hosts():
            self._send(pages.bad_request("Unexpected Host header."))
            return
        if not self._from_own_page(catcher):
            self.close_connection = True
            self._send(pages.bad_request("This form is taken from its own page only.", 403))
            return
        form = self._read_form()
        if form is None:
            self.close_connection = True
            self._send(pages.bad_request("That is not the set-up form."))
            return
        typed = SetupForm(form.get("client_id", ""), form.get("client_secret", ""))
        self._send_reply(catcher.submit(typed))

    def _from_own_page(self, catcher: Catcher) -> bool:
        """A browser says where a form comes from: only the catcher's own page is taken.

        Every browser sends ``Origin`` with a form's POST; ``Sec-Fetch-Site`` where it has
        it. A request with neither is no browser's form: refused too.
        """
        origins = self.headers.get_all("Origin") or []
        site = self.headers.get_all("Sec-Fetch-Site") or []
        if not origins and not site:
            return False
        if origins and (len(origins) != 1 or origins[0].lower() not in catcher.allowed_origins()):
            return False
        return not site or site == ["same-origin"]

    def _read_form(self) -> dict[str, str] | None:
        kind = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            return None
        if kind != "application/x-www-form-urlencoded" or not 0 <= length <= MAX_FORM:
            return None
        try:
            text = self.rfile.read(length).decode("utf-8")
            fields = parse_qs(text, keep_blank_values=True, max_num_fields=10, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        if any(len(v) != 1 for v in fields.values()):
            return None
        return {k: v[0] for k, v in fields.items()}

    def _refuse_method(self) -> None:
        self._send(pages.bad_request("Only GET is served here."), status=405, allow="GET")

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _refuse_method

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
        headers["Content-Security-Policy"] = page.policy
        headers["Referrer-Policy"] = page.referrer
        body = page.html.encode("utf-8")
        self.send_body(status or page.status, body, "text/html; charset=utf-8", headers)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Never the query string: it holds the code and the state.
        path = urlsplit(getattr(self, "path", "")).path
        log.debug("%s %s -> %s", getattr(self, "command", "?"), path, code)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        log.debug("refused a malformed request")


def bind(port: int | None, say: Callable[[str], None]) -> Catcher:
    """A catcher on ``port``; with None, on 5000, or any free port if that one is busy.

    Raises:
        PortInUseError: ``port`` is taken.
    """
    if port is not None:
        try:
            return Catcher(port)
        except OSError:
            raise PortInUseError(
                f"port {port} is already in use (another program, or a login that ended "
                "moments ago); pick another with --port, or --port 0 for any free port"
            ) from None
    try:
        return Catcher(DEFAULT_PORT)
    except OSError:
        catcher = Catcher(0)
        why = " (on macOS, AirPlay Receiver uses it)" if sys.platform == "darwin" else ""
        say(f"Port {DEFAULT_PORT} is busy{why}; using port {catcher.port} instead.")
        return catcher
