"""Get and keep Strava API tokens on your own computer."""

from __future__ import annotations

from importlib import import_module

from .entry import get_access_token
from .errors import (
    AppCredentialsError,
    AppInactiveError,
    ConfigError,
    HandedOverError,
    KeyringError,
    LockTimeoutError,
    LoginDeclined,
    LoginDeclinedError,
    LoginError,
    LoginTimeout,
    LoginTimeoutError,
    MissingCredentialsError,
    MissingExtraError,
    NotLoggedInError,
    PortInUseError,
    RateLimitError,
    ReauthorizationRequired,
    ReauthorizationRequiredError,
    ReservationError,
    ScopesNotGranted,
    ScopesNotGrantedError,
    StravaAuthError,
    StravaError,
    StravaUnavailableError,
    TokenFileError,
    UnsafeFolderError,
    UnsavedTokenError,
)
from .version import __version__

# Python imports this file before any submodule, `strava-auth token` included, so it holds
# only the valid-token path (``entry``, ``store.location``, ``store.quick_read``) and the
# errors. The rest of the public API
# is imported on first use; the names below are for type checkers and readers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .browser_login.login import login
    from .flows.refresh import load_token
    from .requests_auth import (
        MissingScopeError,
        StravaAuth,
        api_base_url,
        raise_for_status,
        rate_limits,
    )
    from .store.token import Token
    from .strava.rate_limits import RateLimits
    from .stravalib_support import stravalib_client

_LAZY = {
    "MissingScopeError": ".requests_auth",
    "StravaAuth": ".requests_auth",
    "api_base_url": ".requests_auth",
    "raise_for_status": ".requests_auth",
    "rate_limits": ".requests_auth",
    "RateLimits": ".strava.rate_limits",
    "load_token": ".flows.refresh",
    "login": ".browser_login.login",
    "Token": ".store.token",
    "stravalib_client": ".stravalib_support",
}
_EXTRAS = {"stravalib": "stravalib"}  # a missing module -> the extra that installs it


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = import_module(_LAZY[name], __name__)
    except ModuleNotFoundError as exc:
        if exc.name not in _EXTRAS:
            raise
        raise MissingExtraError(
            f"{name} needs {exc.name}: pip install '.[{_EXTRAS[exc.name]}]' in a clone of "
            f"strava-auth-helper (once published: 'strava-auth-helper[{_EXTRAS[exc.name]}]')"
        ) from None
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "AppCredentialsError",
    "AppInactiveError",
    "ConfigError",
    "HandedOverError",
    "KeyringError",
    "LockTimeoutError",
    "LoginDeclined",
    "LoginDeclinedError",
    "LoginError",
    "LoginTimeout",
    "LoginTimeoutError",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingScopeError",
    "NotLoggedInError",
    "PortInUseError",
    "RateLimitError",
    "RateLimits",
    "ReauthorizationRequired",
    "ReauthorizationRequiredError",
    "ReservationError",
    "ScopesNotGranted",
    "ScopesNotGrantedError",
    "StravaAuth",
    "StravaAuthError",
    "StravaError",
    "StravaUnavailableError",
    "Token",
    "TokenFileError",
    "UnsafeFolderError",
    "UnsavedTokenError",
    "__version__",
    "api_base_url",
    "get_access_token",
    "load_token",
    "login",
    "raise_for_status",
    "rate_limits",
    "stravalib_client",
]
