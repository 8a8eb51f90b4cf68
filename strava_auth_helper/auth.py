"""``StravaAuth``: a requests auth that adds a fresh bearer token and retries once on 401."""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase

from .fastpath import DEFAULT_MIN_TTL, PathArg, get_access_token
from .refresher import load_token


class StravaAuth(AuthBase):
    """Use with requests: ``requests.get(url, auth=StravaAuth())``.

    Every request gets ``Authorization: Bearer <token>`` with a token valid for at least
    ``min_ttl`` seconds. On a 401 from Strava the token is refreshed once and the request
    retried once.
    """

    def __init__(self, token_file: PathArg = None, *, min_ttl: float = DEFAULT_MIN_TTL) -> None:
        self.token_file = token_file
        self.min_ttl = min_ttl

    def __repr__(self) -> str:
        return f"StravaAuth(token_file={self.token_file!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = get_access_token(self.token_file, min_ttl=self.min_ttl)
        request.headers["Authorization"] = f"Bearer {token}"
        request.register_hook("response", self._retry_on_401)  # type: ignore[no-untyped-call]
        return request

    def _retry_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        first = response.request
        if response.status_code != 401 or getattr(first, "_strava_auth_retry", False):
            return response
        used = str(first.headers.get("Authorization", "")).removeprefix("Bearer ")
        token = self._token_after_401(used)
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        retry = first.copy()
        retry.headers["Authorization"] = f"Bearer {token}"
        retry._strava_auth_retry = True  # type: ignore[attr-defined]
        new: requests.Response = response.connection.send(retry, **kwargs)
        new.history.append(response)
        new.request = retry
        return new

    def _token_after_401(self, used: str) -> str:
        # Another process may have refreshed since this request was prepared: use its token.
        current = load_token(self.token_file)
        if current.access_token != used and current.is_fresh(self.min_ttl):
            return current.access_token
        return get_access_token(self.token_file, min_ttl=self.min_ttl, force=True)
