"""Get and keep Strava API tokens on your own computer."""

from __future__ import annotations

from importlib import import_module

from .entry import get_access_token
from .errors import (
    ConfigError,
    LockTimeoutError,
    LoginDeclined,
    LoginError,
    MissingCredentialsError,
    MissingExtraError,
    NotLoggedInError,
    RateLimitError,
    ReauthorizationRequired,
    ScopesNotGranted,
    StravaAuthError,
    StravaError,
    StravaUnavailableError,
    TokenFileError,
)
from .version import __version__

# Python imports this file before any submodule, `strava-auth token` included, so it holds
# only the valid-token path (entry and fastpath) and the errors. The rest of the public API
# is imported on first use; the names below are for type checkers and readers.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .auth import MissingScopeError, StravaAuth, api_base_url, raise_for_status
    from .login_api import login
    from .refresher import load_token
    from .token_file import Token
    from .with_stravalib import stravalib_client

_LAZY = {
    "MissingScopeError": ".auth",
    "StravaAuth": ".auth",
    "api_base_url": ".auth",
    "raise_for_status": ".auth",
    "load_token": ".refresher",
    "login": ".login_api",
    "Token": ".token_file",
    "stravalib_client": ".with_stravalib",
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
            f"{name} needs {exc.name}: pip install 'strava-auth-helper[{_EXTRAS[exc.name]}]'"
        ) from None
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "ConfigError",
    "LockTimeoutError",
    "LoginDeclined",
    "LoginError",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingScopeError",
    "NotLoggedInError",
    "RateLimitError",
    "ReauthorizationRequired",
    "ScopesNotGranted",
    "StravaAuth",
    "StravaAuthError",
    "StravaError",
    "StravaUnavailableError",
    "Token",
    "TokenFileError",
    "__version__",
    "api_base_url",
    "get_access_token",
    "load_token",
    "login",
    "raise_for_status",
    "stravalib_client",
]
