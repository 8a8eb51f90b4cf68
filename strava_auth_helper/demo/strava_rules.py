"""What the simulated Strava answers, as real Strava does (its docs, and what users saw it do)."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEMO_CLIENT_ID = 1
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - the simulation's own, not a real secret
ACCESS_LIFETIME = 6 * 3600
ATHLETE = {"id": 1000001, "firstname": "Demo", "lastname": "Athlete", "city": "Loopback"}
_Answer = tuple[int, dict[str, object]]


def error(message: str, resource: str, field_name: str, code: str) -> dict[str, object]:
    """Strava's error body: its message and one error."""
    return {
        "message": message,
        "errors": [{"resource": resource, "field": field_name, "code": code}],
    }


#: What every API call of a lapsed Standard Tier app gets (its OAuth still works *(observed)*).
INACTIVE: _Answer = (403, error("Forbidden", "Application", "Status", "Inactive"))
#: An API call's 401 as another client recorded it: the token, named as the application.
APP_401: _Answer = (401, error("Authorization Error", "Application", "", "invalid"))


@dataclass
class State:
    """What the simulated Strava knows, and the knobs that make it behave as real Strava can."""

    codes: dict[str, str] = field(default_factory=dict)  # code -> granted scope
    access: dict[str, int] = field(default_factory=dict)  # access token -> expires_at
    scope: str = ""  # what the athlete granted
    refresh_token: str | None = None
    requests: list[str] = field(default_factory=list)  # "POST /oauth/token refresh_token", ...
    api_calls: int = 0
    refreshes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: How many times a brand-new code is refused (``AuthorizationCode/code/invalid``) before
    #: it is taken: real Strava does this now and then, and takes it a moment later.
    refuse_new_codes: int = 0
    #: Every how many refreshes the refresh token changes: Strava's "may or may not be the
    #: same"; most refreshes return the same one (1: every refresh rotates).
    rotate_every: int = 3
    #: What every API call is answered instead (e.g. :data:`INACTIVE`); OAuth is unchanged.
    api_refusal: _Answer | None = None
    refusals: dict[str, int] = field(default_factory=dict)  # code -> times refused so far
    #: What the athlete last authorized: ``approval_prompt=auto`` grants it again, unasked.
    authorized: str | None = None


def check_authorize(query: dict[str, str]) -> str | None:
    """The field Strava would complain about, if any."""
    if query.get("client_id") != str(DEMO_CLIENT_ID):
        return "client_id"
    if not loopback_redirect_uri(query.get("redirect_uri", "")):
        return "redirect_uri"
    return None


def loopback_redirect_uri(uri: str) -> bool:
    r"""True for an http(s) address on 127.0.0.1 or localhost, read as a browser reads it.

    No backslash (a browser takes it for a slash, so ``http://evil\\@127.0.0.1/`` goes to
    evil), no user name, no other scheme (``javascript:``), no missing one (``//host``).
    """
    if "\\" in uri or any(c.isspace() or ord(c) < 32 for c in uri):
        return False
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not uri.startswith(parts.scheme + "://"):
        return False
    host, _, port = parts.netloc.rpartition(":") if ":" in parts.netloc else (parts.netloc, "", "")
    return host in ("127.0.0.1", "localhost") and (port == "" or port.isdigit())


def revoke(state: State, authorization: str | None, token: str) -> _Answer:
    """``POST /oauth/revoke``: the app's HTTP Basic credentials and either token.

    Revoking one revokes both, and an unknown token is no error (RFC 7009). Wrong
    credentials get a 401 with no errors in it *(observed)*.
    """
    if _basic_credentials(authorization) != (str(DEMO_CLIENT_ID), DEMO_CLIENT_SECRET):
        return 401, {"message": "Authorization Error", "errors": []}
    state.requests.append("POST /oauth/revoke")
    if token and (token == state.refresh_token or token in state.access):
        state.access.clear()
        state.refresh_token, state.authorized = None, None
    return 200, {}


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic ``Authorization`` header, else None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


def token_answer(state: State, got: dict[str, str]) -> _Answer:
    """``POST /oauth/token``: a code's exchange or a refresh (the app is checked first)."""
    if got.get("client_id") != str(DEMO_CLIENT_ID):
        return 400, error("Bad Request", "Application", "client_id", "invalid")
    if got.get("client_secret") != DEMO_CLIENT_SECRET:
        return 401, error("Authorization Error", "Application", "", "invalid")
    grant = got.get("grant_type")
    if grant == "authorization_code":
        code = got.get("code", "")
        refused = state.refusals.get(code, 0)
        if code in state.codes and refused < state.refuse_new_codes:
            state.refusals[code] = refused + 1  # refused now, taken a moment later
            return 400, error("Bad Request", "AuthorizationCode", "code", "invalid")
        scope = state.codes.pop(code, None)  # single use
        if scope is None:
            return 400, error("Bad Request", "AuthorizationCode", "code", "invalid")
        state.scope = scope
        return 200, {**_issue(state, new_access=True, rotate=True), "athlete": ATHLETE}
    if grant == "refresh_token":
        if not state.refresh_token or got.get("refresh_token") != state.refresh_token:
            return 400, error("Bad Request", "RefreshToken", "refresh_token", "invalid")
        state.refreshes += 1
        current = max(state.access.values(), default=0)
        rotate = state.refreshes % max(1, state.rotate_every) == 0
        return 200, _issue(state, new_access=current - time.time() <= 3600, rotate=rotate)
    return 400, error("Bad Request", "grant_type", "", "invalid")


def _issue(state: State, *, new_access: bool, rotate: bool) -> dict[str, object]:
    now = int(time.time())
    if new_access or not state.access:
        state.access[secrets.token_hex(20)] = now + ACCESS_LIFETIME
    access, expires_at = max(state.access.items(), key=lambda kv: kv[1])
    if rotate or state.refresh_token is None:  # the old one is refused from now on
        state.refresh_token = secrets.token_hex(20)
    return {
        "token_type": "Bearer",
        "access_token": access,
        "expires_at": expires_at,
        "expires_in": expires_at - now,
        "refresh_token": state.refresh_token,
    }
