"""Get and keep Strava API tokens on your own computer."""

from __future__ import annotations

from .errors import (
    ConfigError,
    LockTimeoutError,
    LoginDeclined,
    LoginError,
    MissingCredentialsError,
    NotLoggedInError,
    RateLimitError,
    ReauthorizationRequired,
    StravaAuthError,
    StravaError,
    StravaUnavailableError,
    TokenFileError,
)
from .refresher import get_access_token, load_token
from .token_file import Token

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hot path
if TYPE_CHECKING:
    from .auth import StravaAuth

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # StravaAuth needs requests; importing it lazily keeps `get_access_token` cheap.
    if name == "StravaAuth":
        from .auth import StravaAuth

        return StravaAuth
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "LockTimeoutError",
    "LoginDeclined",
    "LoginError",
    "MissingCredentialsError",
    "NotLoggedInError",
    "RateLimitError",
    "ReauthorizationRequired",
    "StravaAuth",
    "StravaAuthError",
    "StravaError",
    "StravaUnavailableError",
    "Token",
    "TokenFileError",
    "__version__",
    "get_access_token",
    "load_token",
]
