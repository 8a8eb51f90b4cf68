"""A fake Strava's answers, token files as the package writes them, and a fake desktop."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HandlerType, RequestMatcher
from werkzeug import Request, Response

from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.token import Token, token_bytes
from strava_auth_helper.settings import FoundCredentials
from strava_auth_helper.store.private_files import write_private
from strava_auth_helper.strava.api import APP_CHECK_CODE
from tests.helpers import ACCESS, CLIENT_ID, CLIENT_SECRET, NEW_ACCESS, NEW_REFRESH, REFRESH

#: The app's credentials as a login finds them in the person's own settings.
APP = FoundCredentials(Credentials(CLIENT_ID, CLIENT_SECRET))


def checked(server: HTTPServer) -> None:
    """Fail on requests nobody expected, handler errors, and expected requests never made."""
    server.check()
    assert not server.oneshot_handlers, f"expected requests never came: {server.format_matchers()}"


@dataclass(frozen=True)
class TLS:
    """A throw-away certificate authority and a server context for 127.0.0.1 (trustme)."""

    server: ssl.SSLContext
    ca_file: str


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


def strava_error(
    status: int, message: str, resource: str, field: str, code: str
) -> tuple[int, dict[str, Any]]:
    """Strava's error answer: its status, and a body with its message and one error."""
    error = {"resource": resource, "field": field, "code": code}
    return status, {"message": message, "errors": [error]}


#: Strava's answer to a check of the app (api.refused_credential) by what it refuses.
APP_CHECK_ANSWERS: dict[str | None, tuple[int, dict[str, Any]]] = {
    None: strava_error(400, "Bad Request", "AuthorizationCode", "code", "invalid"),
    "client_id": strava_error(400, "Bad Request", "Application", "client_id", "invalid"),
    "client_secret": strava_error(401, "Authorization Error", "Application", "", "invalid"),
    "inactive": strava_error(403, "Forbidden", "Application", "Status", "Inactive"),
}


def expect_app_check(
    strava_server: HTTPServer,
    client_id: int = CLIENT_ID,
    secret: str = CLIENT_SECRET,
    refused: str | None = None,
) -> None:
    """Strava answers one check of these credentials before a login (register it first)."""
    status, answer = APP_CHECK_ANSWERS[refused]
    strava_server.expect_oneshot_request(
        "/oauth/token", method="POST", data=_check_form(client_id, secret)
    ).respond_with_json(answer, status=status)


def _check_form(client_id: int, secret: str) -> str:
    """The form of a check of the app's credentials, as the package sends it."""
    form = {
        "client_id": str(client_id),
        "client_secret": secret,
        "code": APP_CHECK_CODE,
        "grant_type": "authorization_code",
    }
    return urlencode(form)


class CodeExchange(RequestMatcher):
    """``POST /oauth/token`` with a code, other than a check of the app's credentials."""

    def __init__(self) -> None:
        super().__init__("/oauth/token", method="POST")

    def match_data(self, request: Request) -> bool:
        form = request.form
        return form.get("grant_type") == "authorization_code" and form["code"] != APP_CHECK_CODE


def accept_app_checks(strava_server: HTTPServer) -> None:
    """Strava accepts :data:`APP`'s credentials whenever a login checks them (any number)."""
    status, answer = APP_CHECK_ANSWERS[None]
    strava_server.expect_request(
        "/oauth/token", method="POST", data=_check_form(CLIENT_ID, CLIENT_SECRET)
    ).respond_with_json(answer, status=status)


def beyond_checks(strava_server: HTTPServer) -> list[Request]:
    """The requests Strava got, but for the checks of the app's credentials."""
    return [
        request
        for request, _ in strava_server.log
        if request.form.get("code") != APP_CHECK_CODE or request.path != "/oauth/token"
    ]


def expect_exchange(
    strava_server: HTTPServer, answer: dict[str, Any] | None = None, status: int = 200
) -> None:
    """Strava answers one code exchange (not a check of the app) with ``answer``."""
    strava_server.expect(CodeExchange(), HandlerType.ONESHOT).respond_with_json(
        token_answer() if answer is None else answer, status=status
    )


def expect_login(
    strava_server: HTTPServer,
    answer: dict[str, Any] | None = None,
    *,
    api: tuple[int, dict[str, Any]] = (200, {"id": 134815}),
) -> None:
    """Strava answers one login: the code's exchange, and the API call after it.

    ``answer`` is the exchange's (default a token for Jane), ``api`` the status and body of
    the API call that tells an inactive app.
    """
    expect_exchange(strava_server, answer)
    expect_app_is_active(strava_server, *api)


def expect_app_is_active(
    strava_server: HTTPServer, status: int = 200, body: dict[str, Any] | None = None
) -> None:
    """Strava answers the API call a login makes once it has a token (``GET /athlete``)."""
    strava_server.expect_oneshot_request("/api/v3/athlete", method="GET").respond_with_json(
        {"id": 134815} if body is None else body, status=status
    )


def expect_refresh(strava_server: HTTPServer, status: int = 200, body: Any = None) -> None:
    strava_server.expect_oneshot_request("/oauth/token", method="POST").respond_with_json(
        refresh_answer() if body is None else body, status=status
    )


# Each racer says it is ready only once everything a refresh needs is imported: from then on
# it is a few microseconds from reading the token file (stale, or not there yet).
RACER = (
    "import sys; import strava_auth_helper.commands.refresh; from strava_auth_helper import "
    "get_access_token; print('ready', flush=True); print(get_access_token(*sys.argv[1:]))"
)


def race_for_a_refresh(strava_server: HTTPServer, count: int, *args: str) -> list[str]:
    """``count`` processes call ``get_access_token(*args)`` at once.

    ``count`` processes call ``get_access_token(*args)`` at once; Strava (the test's
    server) answers the first refresh only once all of them are ready, so the race is held
    open. Returns each one's output; fails if any of them failed. The refresh tokens
    Strava was sent are in ``strava_server.log``.
    """
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


def fake_notify_send(folder: Path) -> Path:
    """A notify-send that records its arguments (the desktop's notifications, here).

    POSIX only (a shell script); returns the file it records into.
    """
    folder.mkdir(exist_ok=True)
    script = folder / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{folder}/notified"\n')
    script.chmod(0o755)
    return folder / "notified"
