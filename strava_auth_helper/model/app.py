"""The Strava app: its client ID and secret, the names they are set by, and its settings page."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigError
from .rules import looks_like_token

#: Strava's page of the person's apps: their client ID and secret, and their status.
SETTINGS_URL = "https://www.strava.com/settings/api"
ENV_CLIENT_ID = "STRAVA_CLIENT_ID"
ENV_CLIENT_SECRET = "STRAVA_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
#: How many athletes a Standard Tier app serves (Strava's developer program from June 2026).
STANDARD_TIER_ATHLETES = 10


@dataclass(frozen=True)
class Credentials:
    """The Strava app's client ID and secret; the secret never shows in a repr."""

    client_id: int
    client_secret: str = field(repr=False)


def parse_client_id(value: str | int, source: str) -> int:
    """A client ID as a number.

    Raises:
        ConfigError: ``value`` (from ``source``) is not a whole number; it is not repeated,
            since what was pasted there may well be the client secret.
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) <= 0 or len(text) > 18:
        raise ConfigError(
            f"the client ID from {source} must be a whole number "
            f"(the 'Client ID' at {SETTINGS_URL}, not the secret)"
        )
    return int(text)


def parse_client_secret(value: str, source: str) -> str:
    """A client secret as typed or read, without surrounding spaces.

    Raises:
        ConfigError: it holds what no secret can (a character pasted along with it, unseen,
            would break the HTTP header it goes in); the value is never repeated.
    """
    text = value.strip()
    if not looks_like_token(text):
        raise ConfigError(
            f"the client secret from {source} holds characters a Client Secret cannot have "
            f"(an invisible one, pasted along with it?): copy it again from {SETTINGS_URL}"
        )
    return text
