"""The profile a token belongs to: several athletes or apps, each with a token of its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A profile resolved once (``settings.resolve_profile``): its folder name, or None for none.

    The folder name is the profile's name in lower case; None is the default token.
    """

    name: str | None = None

    def __str__(self) -> str:
        return self.name or "(default)"


#: No profile: the default token, whatever $STRAVA_AUTH_PROFILE says.
NO_PROFILE = Profile()
