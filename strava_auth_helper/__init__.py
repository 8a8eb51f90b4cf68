"""Get and keep Strava API tokens on your own computer."""

from __future__ import annotations

import warnings
from importlib import import_module

from .entry import get_access_token
from .errors import (
    AppCredentialsError,
    AppInactiveError,
    CodeRefusedError,
    ConfigError,
    HandedOverError,
    KeyringError,
    LockTimeoutError,
    LoginDeclinedError,
    LoginError,
    LoginTimeoutError,
    MissingCredentialsError,
    MissingExtraError,
    NotLoggedInError,
    PortInUseError,
    RateLimitError,
    ReauthorizationRequiredError,
    ReservationError,
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
# only the valid-token path (``entry``, ``store.location``, ``store.valid_token``) and the
# errors. The rest of the public API is imported on first use; the names below are for type
# checkers and readers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .commands.login import login
    from .commands.refresh import load_token
    from .model.token import Token
    from .requests_auth import MissingScopeError, StravaAuth, raise_for_status
    from .settings import api_base_url
    from .strava.rate_limits import RateLimits, rate_limits
    from .stravalib_support import stravalib_client

_LAZY = {
    "MissingScopeError": ".requests_auth",
    "StravaAuth": ".requests_auth",
    "api_base_url": ".settings",
    "raise_for_status": ".requests_auth",
    "rate_limits": ".strava.rate_limits",
    "RateLimits": ".strava.rate_limits",
    "load_token": ".commands.refresh",
    "login": ".commands.login",
    "Token": ".model.token",
    "stravalib_client": ".stravalib_support",
}
_EXTRAS = {"stravalib": "stravalib"}  # a missing module -> the extra that installs it
#: The names four errors had before 0.4 (pep8-naming wants them to end in "Error"): they still
#: work, with a DeprecationWarning, until the first release on the package index.
_RENAMED = {
    "LoginDeclined": "LoginDeclinedError",
    "LoginTimeout": "LoginTimeoutError",
    "ReauthorizationRequired": "ReauthorizationRequiredError",
    "ScopesNotGranted": "ScopesNotGrantedError",
}


def __getattr__(name: str) -> object:
    if name in _RENAMED:
        new = _RENAMED[name]
        warnings.warn(f"{name} is now called {new}", DeprecationWarning, stacklevel=2)
        return globals()[new]
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
    "CodeRefusedError",
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
