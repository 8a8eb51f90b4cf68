"""A simulated Strava on 127.0.0.1: authorize page, token and deauthorize endpoints.

It behaves like the real service as described in Strava's documentation: single-use codes,
6-hour access tokens (the same one is returned while more than an hour remains), refresh
token rotation (the old refresh token is refused at once), and the same error shapes.
Used by ``strava-auth demo`` and by the project's end-to-end tests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from . import pages
from .callback import LoopbackHTTPServer
from .strava import SCOPES

DEMO_CLIENT_ID = 1
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - the simulation's own, not a real secret
ACCESS_LIFETIME = 6 * 3600
ATHLETE = {"id": 1000001, "firstname": "Demo", "lastname": "Athlete", "city": "Loopback"}


@dataclass
class _State:
    codes: dict[str, str] = field(default_factory=dict)  # code -> granted scope
    access: dict[str, int] = field(default_factory=dict)  # access token -> expires_at
    refresh_token: str | None = None
    requests: list[str] = field(default_factory=list)  # "POST /oauth/token refresh_token", ...
    lock: threading.Lock = field(default_factory=threading.Lock)


class DemoStrava:
    """Serve the simulation on 127.0.0.1 (port 0: any free port) until closed."""

    def __init__(self, port: int = 0) -> None:
        self.state = _State()
        self._server = _Server(port, _Handler)
        self._server.state = self.state
        self._server.start()

    @property
    def base_url(self) -> str:
        """What ``STRAVA_BASE_URL`` should be."""
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[str]:
        """The token and deauthorize calls made so far (no secrets)."""
        with self.state.lock:
            return list(self.state.requests)

    def close(self) -> None:
        """Stop serving."""
        self._server.stop()

    def __enter__(self) -> DemoStrava:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def approve(authorize_url: str, *, cancel: bool = False, untick: tuple[str, ...] = ()) -> str:
    """Play the athlete without a browser: open the authorize page and press a button.

    Returns the body of the page the redirect lands on (the loopback catcher's page).
    """
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form = {"redirect_uri": query["redirect_uri"], "state": query.get("state", "")}
    form["action"] = "cancel" if cancel else "authorize"
    granted = [s for s in query.get("scope", "read").split(",") if s not in untick]
    body = urlencode([*form.items(), *(("scope", s) for s in granted)]).encode()
    accept = authorize_url.split("/oauth/authorize", 1)[0] + "/oauth/accept"
    with urllib.request.urlopen(accept, data=body, timeout=30) as answer:  # noqa: S310 - loopback
        return str(answer.read().decode("utf-8"))


class _Server(LoopbackHTTPServer):
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 15

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # query strings carry codes: never print them

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/oauth/authorize":
            self._json(404, _error("Record Not Found", "resource", "", "not found"))
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        problem = _check_authorize(query)
        if problem:
            self._json(400, _error("Bad Request", "Application", problem, "invalid"))
            return
        requested = [s for s in query.get("scope", "read").split(",") if s in SCOPES]
        self._html(200, pages.demo_authorize(requested, SCOPES, query))

    def do_POST(self) -> None:
        form = self._form()
        path = urlsplit(self.path).path
        if path == "/oauth/accept":
            self._accept(form)
        elif path == "/oauth/token":
            self._token(form)
        elif path == "/oauth/deauthorize":
            self._deauthorize(form)
        else:
            self._json(404, _error("Record Not Found", "resource", "", "not found"))

    def _form(self) -> dict[str, list[str]]:
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        return parse_qs(self.rfile.read(length).decode("utf-8", "replace"))

    def _accept(self, form: dict[str, list[str]]) -> None:
        redirect_uri = form.get("redirect_uri", [""])[0]
        if _check_authorize({"client_id": "1", "redirect_uri": redirect_uri}):
            self._json(400, _error("Bad Request", "Application", "redirect_uri", "invalid"))
            return
        params = {"state": form.get("state", [""])[0]}
        if form.get("action", [""])[0] == "cancel":
            params["error"] = "access_denied"
        else:
            code = secrets.token_hex(20)
            scope = ",".join(s for s in SCOPES if s in form.get("scope", []))
            with self.server.state.lock:
                self.server.state.codes[code] = scope
            params.update(code=code, scope=scope)
        self.send_response(302)
        self.send_header("Location", f"{redirect_uri}?{urlencode(params)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, form: dict[str, list[str]]) -> None:
        got = {k: v[0] for k, v in form.items()}
        state = self.server.state
        with state.lock:
            state.requests.append(f"POST /oauth/token {got.get('grant_type')}")
            status, body = _token_answer(state, got)
        self._json(status, body)

    def _deauthorize(self, form: dict[str, list[str]]) -> None:
        token = form.get("access_token", [""])[0]
        state = self.server.state
        with state.lock:
            state.requests.append("POST /oauth/deauthorize")
            if state.access.get(token, 0) <= time.time():
                self._json(401, _error("Authorization Error", "Athlete", "access_token", "invalid"))
                return
            state.access.clear()
            state.refresh_token = None
        self._json(200, {"access_token": token})

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, page: pages.Page) -> None:
        data = page.html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def _check_authorize(query: dict[str, str]) -> str | None:
    """The field Strava would complain about, if any."""
    if query.get("client_id") != str(DEMO_CLIENT_ID):
        return "client_id"
    host = urlsplit(query.get("redirect_uri", "")).hostname
    if host not in ("127.0.0.1", "localhost"):
        return "redirect_uri"
    return None


def _error(message: str, resource: str, field_name: str, code: str) -> dict[str, object]:
    return {
        "message": message,
        "errors": [{"resource": resource, "field": field_name, "code": code}],
    }


def _token_answer(state: _State, got: dict[str, str]) -> tuple[int, dict[str, object]]:
    if got.get("client_id") != str(DEMO_CLIENT_ID):
        return 400, _error("Bad Request", "Application", "client_id", "invalid")
    if got.get("client_secret") != DEMO_CLIENT_SECRET:
        return 401, _error("Authorization Error", "Application", "", "invalid")
    grant = got.get("grant_type")
    if grant == "authorization_code":
        if state.codes.pop(got.get("code", ""), None) is None:  # single use
            return 400, _error("Bad Request", "AuthorizationCode", "code", "invalid")
        return 200, {**_issue(state, new_access=True), "athlete": ATHLETE}
    if grant == "refresh_token":
        if not state.refresh_token or got.get("refresh_token") != state.refresh_token:
            return 400, _error("Bad Request", "RefreshToken", "refresh_token", "invalid")
        current = max(state.access.items(), key=lambda kv: kv[1], default=None)
        renew = current is None or current[1] - time.time() <= 3600
        return 200, _issue(state, new_access=renew)
    return 400, _error("Bad Request", "grant_type", "", "invalid")


def _issue(state: _State, *, new_access: bool) -> dict[str, object]:
    now = int(time.time())
    if new_access or not state.access:
        state.access[secrets.token_hex(20)] = now + ACCESS_LIFETIME
    access, expires_at = max(state.access.items(), key=lambda kv: kv[1])
    state.refresh_token = secrets.token_hex(20)  # rotation: the old one is refused from now on
    return {
        "token_type": "Bearer",
        "access_token": access,
        "expires_at": expires_at,
        "expires_in": expires_at - now,
        "refresh_token": state.refresh_token,
    }
