"""What the login tells a person, written once: HTML for a page, text for a terminal."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..errors import (
    AppCredentialsError,
    AppInactiveError,
    CodeRefusedError,
    StravaAuthError,
    StravaUnavailableError,
    TokenFileError,
)
from ..model.app import SETTINGS_URL, STANDARD_TIER_ATHLETES


@dataclass(frozen=True)
class Mark:
    """Text shown as ``kind`` ("strong", "code" or "a"), with ``href`` for a link."""

    kind: str
    text: str
    href: str = ""

    def html(self) -> str:
        """The text in its tag (escaped); a link opens in a new tab."""
        if self.kind == "a":
            return (
                f'<a href="{escape(self.href)}" target="_blank" rel="noopener noreferrer">'
                f"{escape(self.text, quote=False)}</a>"
            )
        return f"<{self.kind}>{escape(self.text, quote=False)}</{self.kind}>"


class Words:
    """A piece of advice: text and :class:`Mark` parts, said the same on a page and a terminal."""

    def __init__(self, *parts: str | Mark) -> None:
        self.parts = parts

    def html(self) -> str:
        """For a page: every part escaped."""
        return "".join(p.html() if isinstance(p, Mark) else escape(p, False) for p in self.parts)

    def text(self) -> str:
        """For a terminal: the marks' text, a link's address after it (nothing to click)."""
        return "".join(
            (f"{p.text} ({p.href})" if p.kind == "a" else p.text) if isinstance(p, Mark) else p
            for p in self.parts
        )

    def __add__(self, other: Words) -> Words:
        return Words(*self.parts, *other.parts)


def strong(text: str) -> Mark:
    """Text that matters most (a field's name on Strava's page)."""
    return Mark("strong", text)


def code(text: str) -> Mark:
    """Text to type or copy as it is (a command, a path)."""
    return Mark("code", text)


def link(text: str, href: str = SETTINGS_URL) -> Mark:
    """A link (by default, Strava's API settings page)."""
    return Mark("a", text, href)


def refused_advice(field: str, client_id: int, saved_in: Path | None = None) -> Words:
    """What Strava refused of the app's credentials (``field``), and where to copy it again."""
    where = Words(" (the one saved in ", code(str(saved_in)), ")") if saved_in else Words()
    if field == "client_id":
        return (
            Words("Strava knows no app with the Client ID ", strong(str(client_id)))
            + where
            + Words(": copy it again from ", link("your API settings page"), ".")
        )
    return (
        Words("Strava did not accept the ", strong("Client Secret"))
        + where
        + Words(
            f" for the app with the Client ID {client_id}: copy it again from ",
            link("your API settings page"),
            " (press “show” next to it).",
        )
    )


#: Refused on Strava's own page, never here: said on the failure pages' help, and at the
#: terminal when a login timed out.
ATHLETE_LIMIT = (
    "Strava says “Limit of connected athletes exceeded”",
    Words(
        "A new app serves only the account that created it (a Standard Tier app up to "
        f"{STANDARD_TIER_ATHLETES} athletes): log in to Strava as the app's owner, give this "
        "athlete an app of their own, or have the app's limit raised."
    ),
)

#: Strava's own JSON error page, shown instead of its authorize page: nothing reaches the
#: login. Said while a login waits, on the failure pages' help, and when it timed out.
STRAVA_ERROR_PAGE = (
    "Strava shows an error naming redirect_uri or client_id",
    Words(
        "Set the app's ",
        strong("Authorization Callback Domain"),
        " to ",
        code("localhost"),
        " and copy its Client ID again, both on ",
        link("your API settings page"),
        ".",
    ),
)

#: What the set-up page says of a Client ID or Client Secret that cannot be one.
NOT_A_CLIENT_ID = Words(
    "The ", strong("Client ID"), " is a number: Strava shows it above the Client Secret."
)
NOT_A_SECRET = Words(
    "That ",
    strong("Client Secret"),
    " does not look like one: copy it again (press “show” next to it on Strava's page).",
)


def failure_advice(exc: StravaAuthError) -> Words | None:
    """What to do about a failed login, in a person's words, where it is known."""
    if isinstance(exc, AppInactiveError):
        return Words(
            "Strava says this app is inactive (a Standard Tier app needs a subscription): "
            "only its owner can reactivate it, on ",
            link("Strava's API settings page"),
            ". Logging in again cannot help until then.",
        )
    if isinstance(exc, AppCredentialsError):
        return Words(
            "Strava did not accept the app's Client ID or Client Secret as they are set on "
            "this computer (not by this login): correct them where they are set."
        )
    if isinstance(exc, StravaUnavailableError):
        return Words("Strava could not be reached: check this computer's internet connection.")
    if isinstance(exc, TokenFileError):
        return Words("Strava handed over the token, but it could not be saved on this computer.")
    if isinstance(exc, CodeRefusedError):
        return Words(
            "Strava did not take its one-time code (it had expired, was used already, or "
            "was refused twice)."
        )
    return None
