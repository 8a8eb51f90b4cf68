"""``StravaAuth``: a live token on Strava's API requests only, refreshed once on a 401."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from requests.auth import AuthBase
from requests.exceptions import UnrewindableBodyError
from requests.utils import rewind_body

from . import settings
from .commands.refresh import load_token
from .entry import get_access_token
from .errors import LOGIN_COMMAND, StravaAuthError
from .model.rules import DEFAULT_MIN_TTL
from .model.scopes import SCOPES, split_scopes
from .store.location import PathArg
from .strava.api import error_list

log = logging.getLogger(__name__)

_RETRIED = "_strava_auth_retried"
# Set on the requests this auth prepared itself (a redirect's copies do not carry it): only
# those may be sent again with a token.
_SENT_TOKEN = "_strava_auth_sent_token"
#: Seconds during which a token that a 401 made us refresh to is not refreshed again when
#: Strava refuses it too: an endpoint that always says 401 costs one refresh, not one a call.
REFRESH_AFTER_401_PAUSE = 60.0


class MissingScopeError(StravaAuthError, requests.HTTPError):
    """Strava refused a call because the token lacks a permission: log in again with it."""


class StravaAuth(AuthBase):
    """Use with requests: ``requests.get(url, auth=StravaAuth())``.

    Requests to Strava's API origins (the exact scheme, host and port of ``www.strava.com``
    and ``api-v3.strava.com``, or of ``STRAVA_BASE_URL`` and ``STRAVA_API_URL``) get
    ``Authorization: Bearer <token>`` with a token valid for at least ``min_ttl`` seconds;
    requests anywhere else get nothing, and nothing is added again after a redirect. When
    Strava answers 401 because the access token is invalid or expired, the token is
    refreshed (and saved) and the request sent once more, if its body can be sent again.
    A 401 for a missing permission is returned as it is, with a ``reason`` that names the
    missing scope (see :func:`raise_for_status`).
    """

    def __init__(
        self,
        token_file: PathArg = None,
        *,
        min_ttl: float = DEFAULT_MIN_TTL,
        profile: str | None = None,
    ) -> None:
        self.token_file = token_file
        self.min_ttl = min_ttl
        self.profile = profile
        # The access token the last 401 made us refresh to, and when (time.monotonic()).
        self._refreshed_after_401: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"StravaAuth(token_file={self.token_file!r}, profile={self.profile!r})"

    def _token(self, *, force: bool = False) -> str:
        return get_access_token(
            self.token_file, min_ttl=self.min_ttl, force=force, profile=self.profile
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Put the live token on ``request`` if it goes to Strava's API."""
        if not is_strava_api(request.url):
            return request  # a photo CDN, a webhook receiver...: the token stays home
        token = self._token()
        request.headers["Authorization"] = f"Bearer {token}"
        setattr(request, _SENT_TOKEN, token)
        request.register_hook("response", self._after_response)  # type: ignore[no-untyped-call]
        return request

    def _after_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        first = response.request
        if response.status_code != 401 or not is_strava_api(first.url):
            return response  # includes a 401 from another host after a redirect
        missing = missing_permission(response)
        if missing is not None:
            response.reason = self._missing_scope_reason(missing)
            return response  # refreshing cannot grant a permission
        used = getattr(first, _SENT_TOKEN, None)
        if used is None or first.headers.get("Authorization") != f"Bearer {used}":
            return response  # a redirect's hop: it carried no token of ours, and gets none
        if getattr(first, _RETRIED, False) or not _token_rejected(response):
            return response
        if self._just_refreshed_to(used):
            log.debug("401 for the token a refresh just gave: not refreshed again")
            return response
        return self._refresh_and_resend(response, used, kwargs)

    def _refresh_and_resend(
        self, response: requests.Response, used: str, send_kwargs: dict[str, Any]
    ) -> requests.Response:
        retry = response.request.copy()
        if not _rewind(retry):
            log.debug("401, but the request body cannot be sent again: not retried")
            return response
        token = self._token_after_401(used)
        retry.headers["Authorization"] = f"Bearer {token}"
        setattr(retry, _SENT_TOKEN, token)
        setattr(retry, _RETRIED, True)
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        new: requests.Response = response.connection.send(retry, **send_kwargs)
        new.history.append(response)
        new.request = retry
        return new

    def _token_after_401(self, used: str) -> str:
        # Another process may have refreshed since this request was prepared: use its token.
        current = load_token(self.token_file, profile=self.profile)
        if current.access_token != used and current.is_fresh(self.min_ttl):
            return current.access_token
        token = self._token(force=True)
        self._refreshed_after_401 = (token, time.monotonic())
        return token

    def _just_refreshed_to(self, token: str) -> bool:
        last = self._refreshed_after_401
        recent = last is not None and time.monotonic() - last[1] < REFRESH_AFTER_401_PAUSE
        return recent and last is not None and last[0] == token

    def _missing_scope_reason(self, scope: str) -> str:
        try:
            granted = load_token(self.token_file, profile=self.profile).scope
        except StravaAuthError:
            granted = None
        return missing_scope_message(scope, granted)


def raise_for_status(response: requests.Response) -> None:
    """``response.raise_for_status()``, naming the scope a 401 says is missing.

    That 401 raises :class:`MissingScopeError`, whose message names the login to run.

    Raises:
        MissingScopeError: Strava refused the call for lack of a permission.
        requests.HTTPError: any other 4xx or 5xx answer.
    """
    missing = missing_permission(response) if response.status_code == 401 else None
    if missing is None:
        response.raise_for_status()
        return
    said = str(response.reason or "")  # StravaAuth has already written the message there
    message = said if LOGIN_COMMAND in said else missing_scope_message(missing, None)
    raise MissingScopeError(message, response=response)


def missing_scope_message(scope: str, granted: str | None) -> str:
    """What to say when Strava refuses a call for lack of ``scope``."""
    wanted = split_scopes(granted) or ["read"]
    wanted += [scope] if scope not in wanted else []
    return (
        f"Unauthorized: the token lacks Strava's {scope} permission "
        f"(granted: {granted or 'unknown'}); run `{LOGIN_COMMAND} --scope "
        f"{','.join(wanted)} --force` and leave every box ticked"
    )


def is_strava_api(url: str | None) -> bool:
    """True when ``url`` has the exact origin (scheme, host and port) of Strava's API.

    Strava's API is at two origins while it moves: ``www.strava.com`` (``/api/v3``) and
    ``api-v3.strava.com`` (or ``$STRAVA_BASE_URL``'s and ``$STRAVA_API_URL``'s).
    """
    if url is None:
        return False
    found = settings.origin(url)
    return bool(found) and found in settings.api_origins()


def _token_rejected(response: requests.Response) -> bool:
    """Strava says the access token itself is invalid or expired (refreshing can help).

    Also an ``Application`` 401 with no field: the API never sees the app's secret, so it
    is the token that was refused *(observed)*.
    """
    return any(
        (e.get("field") == "access_token" and e.get("code") in ("invalid", "expired"))
        or (e.get("resource") == "Application" and not e.get("field"))
        for e in error_list(response)
    )


def missing_permission(response: requests.Response) -> str | None:
    """The scope a 401 says the token lacks (``activity:read_permission`` -> ``activity:read``)."""
    for e in error_list(response):
        field = str(e.get("field") or "")
        if e.get("code") == "missing" and field.endswith("_permission"):
            scope = field.removesuffix("_permission")
            return scope if scope in SCOPES else field
    return None


def _rewind(request: requests.PreparedRequest) -> bool:
    """Make the body ready to be sent again: True for none, bytes or a rewound file."""
    if request.body is None or isinstance(request.body, bytes | str):
        return True
    try:
        rewind_body(request)
    except UnrewindableBodyError:  # a generator, a socket, a pipe...
        return False
    return True
