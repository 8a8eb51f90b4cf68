"""A simulated Strava on 127.0.0.1: its pages and endpoints (what they answer: strava_rules)."""

from __future__ import annotations

import json
import secrets
import ssl
import time
import urllib.request
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

from ..browser_login import pages
from ..browser_login.http_server import HeadTrackingHandler, LoopbackHTTPServer
from ..model.scopes import SCOPES
from .strava_rules import (
    ATHLETE,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    State,
    check_authorize,
    error,
    loopback_redirect_uri,
    revoke,
    token_answer,
)

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "SimulatedStrava", "loopback_redirect_uri"]
RATE_LIMITS = (200, 2000)  # requests per 15 minutes, per day
READ_RATE_LIMITS = (100, 1000)  # reads ("non-upload" requests) per 15 minutes, per day
ACTIVITIES = [
    {"id": 9001, "name": "Morning Run", "sport_type": "Run", "distance": 8012.5, "private": False},
    {"id": 9002, "name": "Lunch Ride", "sport_type": "Ride", "distance": 31250.0, "private": False},
    {
        "id": 9003,
        "name": "Hill Repeats",
        "sport_type": "Run",
        "distance": 6000.0,
        "private": True,
    },
]


class SimulatedStrava:
    """Serve the simulation on 127.0.0.1 (port 0: any free port) until closed.

    With ``ssl_context`` it speaks HTTPS (as stravalib requires), else plain HTTP. Like
    Strava from 4 January 2027 it serves the API twice: under the OAuth host's ``/api/v3``
    (:attr:`base_url`) and on a host of its own without the prefix (:attr:`api_base_url`,
    another port here), both with the same tokens.
    """

    def __init__(self, port: int = 0, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.state = State()
        self._server = _Server(port, _Handler, ssl_context=ssl_context)
        self._api_server = _Server(0, _Handler, ssl_context=ssl_context)
        self._server.api_prefix, self._api_server.api_prefix = "/api/v3", ""
        self._api_server.serves_oauth = False
        self._scheme = "https" if ssl_context else "http"
        for server in (self._server, self._api_server):
            server.state = self.state
            server.start()

    @property
    def base_url(self) -> str:
        """What ``STRAVA_BASE_URL`` should be (OAuth, and the API under ``/api/v3``)."""
        return f"{self._scheme}://127.0.0.1:{self._server.server_port}"

    @property
    def api_base_url(self) -> str:
        """What ``STRAVA_API_URL`` should be: the API on a host of its own, as from 2027."""
        return f"{self._scheme}://127.0.0.1:{self._api_server.server_port}"

    @property
    def requests(self) -> list[str]:
        """The calls made so far, as "METHOD /path" (token calls with their grant type)."""
        with self.state.lock:
            return list(self.state.requests)

    def expire_access_tokens(self) -> None:
        """Let every access token issued so far expire now (as six hours would)."""
        with self.state.lock:
            for token in self.state.access:
                self.state.access[token] = int(time.time()) - 1

    def close(self) -> None:
        """Stop serving."""
        self._server.stop()
        self._api_server.stop()

    def __enter__(self) -> SimulatedStrava:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def press_authorize(
    authorize_url: str, *, cancel: bool = False, untick: tuple[str, ...] = ()
) -> str:
    """Play the athlete without a browser: open the authorize page and press a button.

    Where Strava sends the athlete straight back (``approval_prompt=auto`` after an earlier
    grant), there is no button to press.

    Returns the body of the page the redirect lands on (the loopback catcher's page).
    """
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form = {"redirect_uri": query["redirect_uri"], "state": query.get("state", "")}
    form["action"] = "cancel" if cancel else "authorize"
    granted = [s for s in query.get("scope", "read").split(",") if s not in untick]
    body = urlencode([*form.items(), *(("scope", s) for s in granted)]).encode()
    accept = authorize_url.split("/oauth/authorize", 1)[0] + "/oauth/accept"
    # An opener of its own, with a TLS context made now: urllib's shared opener keeps the
    # context of its first use, so it would not see a CA bundle ($SSL_CERT_FILE) set later.
    https = urllib.request.HTTPSHandler(context=ssl.create_default_context())
    opener = urllib.request.build_opener(https)
    with opener.open(authorize_url, timeout=30) as page:
        if page.geturl() != authorize_url:  # approval_prompt=auto: sent back at once, unasked
            return str(page.read().decode("utf-8"))
    with opener.open(accept, data=body, timeout=30) as answer:
        return str(answer.read().decode("utf-8"))


def authorize_page(requested: list[str], query: dict[str, str]) -> pages.Page:
    """The simulated Strava's authorize page: ticked scope boxes, Authorize and Cancel."""
    boxes = "".join(
        f'<li><label><input type="checkbox" name="scope" value="{escape(s)}" checked> '
        f"{escape(SCOPES[s])} <code>{escape(s)}</code></label></li>"
        for s in requested
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{escape(query.get(k, ""))}">'
        for k in ("redirect_uri", "state")
    )
    body = (
        '<p class="note">This is <strong>strava-auth-helper\'s demo</strong>: a simulated '
        "Strava running on this computer. Nothing is sent to strava.com.</p>"
        "<p><strong>Demo App</strong> would like to:</p>"
        f'<form method="post" action="/oauth/accept">{hidden}<ul class="plain">{boxes}</ul>'
        '<p class="buttons"><button name="action" value="authorize" id="authorize">Authorize'
        '</button> <button name="action" value="cancel" id="cancel" class="secondary">Cancel'
        "</button></p></form>"
    )
    return pages.render(200, "Authorize Demo App", body, "", footer="")


class _Server(LoopbackHTTPServer):
    state: State
    api_prefix: str  # where the API's paths start: "/api/v3", or "" on the API's own host
    serves_oauth = True  # the API's own host serves the API only


_Answer = Callable[[set[str]], object]  # the granted scopes -> the API answer


class _Handler(HeadTrackingHandler):
    server: _Server
    timeout = 15

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass  # query strings carry codes: never print them

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        prefix = self.server.api_prefix
        api_path = url.path[len(prefix) :] if url.path.startswith(prefix + "/") else None
        if url.path == "/oauth/authorize" and self.server.serves_oauth:
            self._authorize_page(url.query)
        elif api_path == "/athlete":
            self._api(None, lambda scope: ATHLETE)
        elif api_path == "/athlete/activities":
            self._api("activity:read", _activities)
        else:
            self._json(404, error("Record Not Found", "resource", "", "not found"))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        form = {**parse_qs(url.query), **self._form()}  # (stravalib 1.x sends the query)
        got = {k: v[0] for k, v in form.items()}
        if not self.server.serves_oauth:
            self._json(404, error("Record Not Found", "resource", "", "not found"))
        elif url.path == "/oauth/accept":
            self._accept(form)
        elif url.path == "/oauth/token":
            self._token(got)
        elif url.path == "/oauth/revoke":
            self._revoke(got.get("token", ""))
        else:
            self._json(404, error("Record Not Found", "resource", "", "not found"))

    def _form(self) -> dict[str, list[str]]:
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        return parse_qs(self.rfile.read(length).decode("utf-8", "replace"))

    def _authorize_page(self, query_string: str) -> None:
        query = {k: v[0] for k, v in parse_qs(query_string).items()}
        problem = check_authorize(query)
        if problem:
            self._json(400, error("Bad Request", "Application", problem, "invalid"))
            return
        with self.server.state.lock:
            before = self.server.state.authorized
        if before is not None and query.get("approval_prompt") != "force":
            self._redirect(query["redirect_uri"], query.get("state", ""), before)  # unasked
            return
        requested = [s for s in query.get("scope", "read").split(",") if s in SCOPES]
        self._html(200, authorize_page(requested, query))

    def _accept(self, form: dict[str, list[str]]) -> None:
        redirect_uri = form.get("redirect_uri", [""])[0]
        if check_authorize({"client_id": "1", "redirect_uri": redirect_uri}):
            self._json(400, error("Bad Request", "Application", "redirect_uri", "invalid"))
            return
        state = form.get("state", [""])[0]
        if form.get("action", [""])[0] == "cancel":
            params = {"state": state, "error": "access_denied"}
            self.send_body(
                302, b"", "text/plain", {"Location": f"{redirect_uri}?{urlencode(params)}"}
            )
            return
        scope = ",".join(s for s in SCOPES if s in form.get("scope", []))
        with self.server.state.lock:
            self.server.state.authorized = scope
        self._redirect(redirect_uri, state, scope)

    def _redirect(self, redirect_uri: str, state: str, scope: str) -> None:
        """Back to the app with a new code for ``scope``."""
        code = secrets.token_hex(20)
        with self.server.state.lock:
            self.server.state.codes[code] = scope
        params = {"state": state, "code": code, "scope": scope}
        self.send_body(302, b"", "text/plain", {"Location": f"{redirect_uri}?{urlencode(params)}"})

    def _token(self, got: dict[str, str]) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append(f"POST /oauth/token {got.get('grant_type')}")
            status, body = token_answer(state, got)
        self._json(status, body)

    def _revoke(self, token: str) -> None:
        with self.server.state.lock:
            status, body = revoke(self.server.state, self.headers.get("Authorization"), token)
        self._json(status, body)

    def _api(self, needs: str | None, answer: _Answer) -> None:
        """An API call: a live bearer token, and the scope it needs (``x`` or ``x_all``)."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        state = self.server.state
        with state.lock:
            state.requests.append(f"GET {urlsplit(self.path).path}")
            state.api_calls += 1
            calls = state.api_calls
            live = bool(token) and state.access.get(token, 0) > time.time()
            scope = set(state.scope.split(","))
            refusal = state.api_refusal
        rate = {  # every API call here is a read: both pairs count it
            "X-RateLimit-Limit": ",".join(map(str, RATE_LIMITS)),
            "X-RateLimit-Usage": f"{calls},{calls}",
            "X-ReadRateLimit-Limit": ",".join(map(str, READ_RATE_LIMITS)),
            "X-ReadRateLimit-Usage": f"{calls},{calls}",
        }
        if refusal is not None:  # (an inactive app: before the token is even looked at)
            self._json(*refusal, rate)
        elif not live:
            body = error("Authorization Error", "Athlete", "access_token", "invalid")
            self._json(401, body, rate)
        elif needs is not None and not scope & {needs, needs + "_all"}:
            body = error("Authorization Error", "AccessToken", f"{needs}_permission", "missing")
            self._json(401, body, rate)
        else:
            self._json(200, answer(scope), rate)

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, json.dumps(body).encode(), "application/json", headers)

    def _html(self, status: int, page: pages.Page) -> None:
        self.send_body(status, page.html.encode(), "text/html; charset=utf-8")


def _activities(scope: set[str]) -> list[dict[str, object]]:
    """The fake activities the token may see (private ones need activity:read_all)."""
    shown = [a for a in ACTIVITIES if "activity:read_all" in scope or not a["private"]]
    return [
        {
            **activity,
            "type": activity["sport_type"],
            "moving_time": 1800 + 600 * i,
            "elapsed_time": 1900 + 600 * i,
            "start_date": f"2026-11-{20 + i}T07:30:00Z",
            "start_date_local": f"2026-11-{20 + i}T08:30:00Z",
            "timezone": "(GMT+01:00) Europe/Paris",
            "athlete": {"id": ATHLETE["id"], "resource_state": 1},
            "resource_state": 2,
        }
        for i, activity in enumerate(shown)
    ]
