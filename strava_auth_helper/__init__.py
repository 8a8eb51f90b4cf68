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

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "LockTimeoutError",
    "LoginDeclined",
    "LoginError",
    "MissingCredentialsError",
    "NotLoggedInError",
    "RateLimitError",
    "ReauthorizationRequired",
    "StravaAuthError",
    "StravaError",
    "StravaUnavailableError",
    "TokenFileError",
    "__version__",
]
