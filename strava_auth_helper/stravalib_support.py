"""``stravalib_client()``: a stravalib ``Client`` whose every request carries a live token."""

from __future__ import annotations

import logging

import requests
from stravalib import Client
from stravalib.protocol import ApiV3
from stravalib.util.limiter import DefaultRateLimiter, RateLimiter

from .requests_auth import StravaAuth
from .settings import api_base_url
from .store.location import PathArg


class _Protocol(ApiV3):
    """stravalib's HTTP layer without its token handling.

    The session's :class:`StravaAuth` puts a live token on every request to Strava's API
    and saves every rotation.
    """

    def __init__(self, session: requests.Session, rate_limiter: RateLimiter | None) -> None:
        super().__init__(requests_session=session, rate_limiter=rate_limiter)
        self._api_base_url = api_base_url()

    def _check_credentials(self) -> None:
        """Leave stravalib's own refresh off.

        It reads STRAVA_CLIENT_ID/SECRET to refresh in memory only (the rotated refresh
        token would be lost), and warns when they are unset.
        """

    def resolve_url(self, url: str) -> str:
        """API paths go to ``STRAVA_BASE_URL``'s API (https://www.strava.com/api/v3 by default)."""
        if url.startswith(("https://", "http://")):
            return url
        return f"{self._api_base_url}/{url.strip('/')}"


class _Client(Client):
    def __init__(self, protocol: _Protocol) -> None:
        # Not Client.__init__: it builds its own ApiV3, with stravalib's refresh and warnings.
        # It sets these two attributes only (a test compares them with a plain Client's).
        self.log = logging.getLogger(f"{Client.__module__}.{Client.__name__}")
        self.protocol = protocol


def stravalib_client(
    token_file: PathArg = None,
    *,
    profile: str | None = None,
    rate_limit_requests: bool = True,
    rate_limiter: RateLimiter | None = None,
    requests_session: requests.Session | None = None,
    **token_arguments: object,
) -> Client:
    """A stravalib ``Client`` that never loses a rotated refresh token.

    Every request gets a live access token from :func:`strava_auth_helper.get_access_token`
    (refreshed and saved when needed), so a script can run for days. stravalib's own
    refresh is never engaged, and it logs no token warnings.

    Args:
        token_file: the token file (default: ``$STRAVA_TOKEN_FILE`` or the config folder).
        profile: a named profile's token (see :func:`strava_auth_helper.get_access_token`).
        rate_limit_requests: as for ``stravalib.Client``.
        rate_limiter: as for ``stravalib.Client``.
        requests_session: a session to use; its ``auth`` is replaced by :class:`StravaAuth`.
        **token_arguments: refused (a token, or anything else ``stravalib.Client`` takes
            that this function does not): the token comes from the token file.

    Raises:
        TypeError: a token, or anything else ``stravalib.Client`` does not take, was passed.
    """
    if token_arguments:
        raise TypeError(
            f"stravalib_client() takes no {', '.join(sorted(token_arguments))}: the token "
            "comes from the token file, kept fresh by strava-auth-helper"
        )
    if rate_limit_requests:
        rate_limiter = rate_limiter or DefaultRateLimiter()
    elif rate_limiter is not None:
        raise ValueError("Cannot specify rate_limiter object when rate_limit_requests is False")
    session = requests_session or requests.Session()
    session.auth = StravaAuth(token_file, profile=profile)
    return _Client(_Protocol(session, rate_limiter))
