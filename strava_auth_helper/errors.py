"""The one exception family: every message is one line that says what the user must do next."""

from __future__ import annotations

import os
import sys

# COMMAND (the command as this person types it: see command()), LOGIN_COMMAND (the one that
# makes a new token: every message that asks for a login names it) and LOGIN_HINT (the end
# of a message whose way out is a new login) are worked out on first use (__getattr__
# below): the valid-token path imports this module, and never needs them.
_COMMANDS: dict[str, str] = {}


def command() -> str:
    """``strava-auth`` as the person who installed this package can type it.

    ``strava-auth`` where their ``PATH`` finds one (an activated venv, pipx, ``uv tool``);
    else this install's console script by its path (a venv that was not activated: the
    README's ``.venv/bin/strava-auth``); else ``python -m strava_auth_helper`` with this
    interpreter. Every next step a message prints is then true as printed.
    """
    name = "strava-auth.exe" if os.name == "nt" else "strava-auth"
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and os.path.isfile(os.path.join(folder, name)):
            return "strava-auth"
    script = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(script):
        return shell_quoted(script.removesuffix(".exe"))
    return f"{shell_quoted(sys.executable)} -m strava_auth_helper"


def shell_quoted(path: str) -> str:
    """``path`` as one word of this OS's shell (quoted where it must be)."""
    if os.name == "nt":
        return f'"{path}"' if " " in path else path
    import shlex

    return shlex.quote(path)


def __getattr__(name: str) -> str:
    if name not in ("COMMAND", "LOGIN_COMMAND", "LOGIN_HINT"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _COMMANDS:
        said = command()
        _COMMANDS.update(
            COMMAND=said, LOGIN_COMMAND=f"{said} login", LOGIN_HINT=f"run `{said} login`"
        )
    return _COMMANDS[name]


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


class HandedOverError(NotLoggedInError):
    """The token was handed over to another place (``strava-auth export --move``).

    The message says where, when, and how to have a token here again.
    """


class TokenFileError(StravaAuthError):
    """The token file exists but cannot be read or is not a token."""


class UnsafeFolderError(TokenFileError):
    """The folder a private file goes in can be changed by other users."""


class ReservationError(TokenFileError):
    """The space for a write could not be set aside: nothing was changed."""


class UnsavedTokenError(TokenFileError):
    """Strava issued a new token, but it could not be saved (the old one may be dead now).

    ``token`` is the new token, for the one place that may still keep it (the rotation
    hook); its ``repr`` hides the tokens.
    """

    def __init__(self, message: str, token: object) -> None:
        super().__init__(message)
        self.token = token


class ReauthorizationRequiredError(StravaAuthError):
    """Strava no longer accepts the stored refresh token: log in again."""


class StravaError(StravaAuthError):
    """Strava answered with an error (its message); ``status`` is the HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimitError(StravaError):
    """Strava's rate limit was hit."""


class StravaUnavailableError(StravaError):
    """Strava could not be reached, timed out, or answered 5xx."""


class AppCredentialsError(StravaError):
    """Strava refused the app's client ID or its client secret.

    ``field`` says which: ``"client_id"`` (no such app) or ``"client_secret"`` (not this
    app's secret). A login that asked for them asks again.
    """

    def __init__(self, message: str, status: int | None, field: str) -> None:
        super().__init__(message, status)
        self.field = field


class CodeRefusedError(StravaError):
    """Strava refused the login's one-time code; ``expired`` when it said the code expired.

    A brand-new code refused as invalid is offered once more after a pause (Strava sometimes
    refuses a fresh code and takes it seconds later).
    """

    def __init__(self, message: str, status: int | None, *, expired: bool) -> None:
        super().__init__(message, status)
        self.expired = expired


class AppInactiveError(StravaError):
    """Strava refuses every call of this app (403 ``Application``/``Status``/``Inactive``).

    A lapsed subscription, not a dead token: the app's owner must reactivate it on Strava's
    API settings page, and a new login cannot help. The token file is kept as it is.
    """

    exit_code = 6


class LoginError(StravaAuthError):
    """The browser login did not complete."""


class LoginDeclinedError(LoginError):
    """The athlete pressed Cancel on Strava's page."""


class ScopesNotGrantedError(LoginError):
    """Logged in, and the token saved, but the athlete unticked some of the scopes asked for.

    ``token`` is the saved token; ``missing_scopes`` lists what was not granted.
    """

    exit_code = 3

    def __init__(self, message: str, token: object, missing_scopes: list[str]) -> None:
        super().__init__(message)
        self.token = token
        self.missing_scopes = missing_scopes


class LoginTimeoutError(LoginError):
    """No redirect arrived in time."""


class PortInUseError(LoginError):
    """The port the user asked for is taken by another program."""


class KeyringError(StravaAuthError):
    """The OS keyring cannot be used, or refused: the message says which, and what to do."""


class MissingExtraError(StravaAuthError, ImportError):
    """An optional integration was used without its extra installed."""


class LockTimeoutError(StravaAuthError):
    """Another process held the token lock for too long."""


def os_reason(exc: OSError) -> str:
    """What went wrong in an ``OSError``, in a few words ("No space left on device")."""
    return exc.strerror or exc.__class__.__name__
