"""The one exception family: every message says what the user must do next."""

from __future__ import annotations


class StravaAuthError(Exception):
    """Base of every error this package raises on purpose.

    The message is one line, safe to print: it never contains a token, a code or the
    client secret. ``exit_code`` is what the command line exits with.
    """

    exit_code = 1


class ConfigError(StravaAuthError):
    """Client credentials or another setting is missing or malformed."""


class MissingCredentialsError(ConfigError):
    """No client ID or client secret could be found anywhere."""


class NotLoggedInError(StravaAuthError):
    """There is no token file yet: the user must run ``strava-auth login``."""


class TokenFileError(StravaAuthError):
    """The token file exists but cannot be read or is not a token."""


class ReauthorizationRequired(StravaAuthError):
    """Strava no longer accepts the stored refresh token: log in again."""


class StravaError(StravaAuthError):
    """Strava answered with an error (status and Strava's own message)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimitError(StravaError):
    """Strava's rate limit was hit."""


class StravaUnavailableError(StravaError):
    """Strava could not be reached, timed out, or answered 5xx."""


class LoginError(StravaAuthError):
    """The browser login did not complete."""


class LoginDeclined(LoginError):
    """The athlete pressed Cancel on Strava's page."""


class ScopesNotGranted(LoginError):
    """Logged in, and the token saved, but the athlete unticked some of the scopes asked for.

    ``token`` is the saved token; ``missing_scopes`` lists what was not granted.
    """

    exit_code = 3

    def __init__(self, message: str, token: object, missing_scopes: list[str]) -> None:
        super().__init__(message)
        self.token = token
        self.missing_scopes = missing_scopes


class LoginTimeout(LoginError):
    """No redirect arrived in time."""


class PortInUseError(LoginError):
    """The port the user asked for is taken by another program."""


class MissingExtraError(StravaAuthError, ImportError):
    """An optional integration was used without its extra installed."""


class LockTimeoutError(StravaAuthError):
    """Another process held the token lock for too long."""


def os_reason(exc: OSError) -> str:
    """What went wrong in an ``OSError``, in a few words ("No space left on device")."""
    return exc.strerror or exc.__class__.__name__
