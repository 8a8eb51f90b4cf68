"""The token: the ``Token`` model, the JSON document a token file holds, and its profile."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields, replace
from typing import Literal

from ..errors import COMMAND, LOGIN_COMMAND, LOGIN_HINT, HandedOverError, TokenFileError
from ..safe_text import clean
from .rules import IN_FILE, IN_KEYRING, epoch_seconds, number_below, token_fields
from .scopes import granted_scope, split_scopes

#: Where a refresh token lives: the token file, or the OS keyring (the file then names the
#: entry and holds no refresh token).
RefreshTokenPlace = Literal["file", "keyring"]
PLACES: tuple[RefreshTokenPlace, ...] = (IN_FILE, IN_KEYRING)
#: Token.source of a refresh token adopted from $STRAVA_REFRESH_TOKEN.
FROM_ENVIRONMENT = "environment"
_MAX_NAME = 200
_FROM_REFRESH = ("access_token", "refresh_token", "expires_at", "expires_in", "token_type")


@dataclass(frozen=True)
class Profile:
    """A profile resolved once (``settings.resolve_profile``): its folder name, or None for none."""

    name: str | None = None

    def __str__(self) -> str:
        return self.name or "(default)"


#: No profile: the default token, whatever $STRAVA_AUTH_PROFILE says.
NO_PROFILE = Profile()


@dataclass(frozen=True)
class Token:
    """One stored Strava token. Its ``repr`` never shows the access or refresh token."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    expires_in: int | None = None
    token_type: str = "Bearer"
    scope: str | None = None  # as granted, comma-separated; None when unknown
    athlete: dict[str, object] = field(default_factory=dict)  # id, firstname, lastname
    client_id: int | None = None
    # Where the refresh token first came from: "environment" ($STRAVA_REFRESH_TOKEN on a CI
    # runner or a server), whose secret store each rotation leaves stale; None: a login here.
    source: str | None = None
    # Where the refresh token lives: "file" (here, refresh_token) or "keyring" (the OS
    # keyring's entry keyring_entry; refresh_token is then "" until store.refresh_tokens
    # loads it).
    refresh_token_in: RefreshTokenPlace = IN_FILE
    keyring_entry: str | None = None
    extra: dict[str, object] = field(default_factory=dict, repr=False)  # unknown fields, kept

    def __post_init__(self) -> None:
        # Every way into a Token (a file, Strava's answer, an import, replace()) passes here:
        # the scope is only ever scope names, so it can never grow the file past its limit.
        object.__setattr__(self, "scope", granted_scope(self.scope))

    @property
    def scopes(self) -> list[str]:
        """The granted scopes as a list (empty when unknown)."""
        return split_scopes(self.scope)

    @property
    def athlete_name(self) -> str:
        """The athlete's first and last name, or their id, or 'unknown athlete'."""
        parts = [str(self.athlete.get(k) or "").strip() for k in ("firstname", "lastname")]
        name = " ".join(p for p in parts if p)
        if name:
            return clean(name, 100)  # a name from the network goes to the terminal
        return f"athlete {self.athlete['id']}" if self.athlete.get("id") else "unknown athlete"

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until the access token expires (negative once it has)."""
        return self.expires_at - (time.time() if now is None else now)

    def is_fresh(self, min_ttl: float, now: float | None = None) -> bool:
        """True when the access token stays valid for more than ``min_ttl`` seconds."""
        return self.seconds_left(now) > min_ttl

    def to_dict(self) -> dict[str, object]:
        """The JSON document written to disk (never the client secret)."""
        data = dict(self.extra)
        data.update((f.name, getattr(self, f.name)) for f in fields(self) if f.name != "extra")
        for name, usual in (
            ("source", None),
            ("refresh_token_in", IN_FILE),
            ("keyring_entry", None),
        ):
            if data[name] == usual:
                del data[name]  # the usual case: the file stays as it always was
        if self.refresh_token_in == IN_KEYRING:
            del data["refresh_token"]  # never in the file when it lives in the keyring
        return data

    def refreshed(self, response: dict[str, object]) -> Token:
        """A copy with what a refresh answer brings; athlete, scope and the rest kept."""
        new = Token.from_dict(response, "Strava's answer")
        return replace(self, **{name: getattr(new, name) for name in _FROM_REFRESH})

    @classmethod
    def from_response(
        cls, response: dict[str, object], *, scope: str | None, client_id: int
    ) -> Token:
        """Build a token from Strava's code-exchange answer and the granted scope."""
        token = cls.from_dict(response, "Strava's answer")
        return replace(token, scope=scope, client_id=client_id, extra={})

    @classmethod
    def from_dict(cls, data: object, source: str) -> Token:
        """Validate a parsed JSON object.

        Raises:
            TokenFileError: a required field is missing or has the wrong type.
        """
        if not isinstance(data, dict):
            raise TokenFileError(f"{source} is not a JSON object; {LOGIN_HINT}")
        if HANDED_OVER in data:
            raise HandedOverError(handed_over_message(data[HANDED_OVER], source))
        fields = token_fields(data)
        if fields is None:
            raise TokenFileError(
                f"{source} has no access_token, refresh_token and valid expires_at; {LOGIN_HINT}"
            )
        access, refresh, expiry = fields
        scope, token_type = data.get("scope"), data.get("token_type")
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=int(expiry),
            expires_in=_whole_number(data.get("expires_in")),
            token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
            scope=granted_scope(scope),
            athlete=athlete_fields(data.get("athlete")),
            client_id=_whole_number(data.get("client_id")),
            source=FROM_ENVIRONMENT if data.get("source") == FROM_ENVIRONMENT else None,
            refresh_token_in=IN_KEYRING if refresh == "" else IN_FILE,
            keyring_entry=_entry_name(data.get("keyring_entry")) if refresh == "" else None,
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )


_KNOWN = {f.name for f in fields(Token)} - {"extra"}


#: The field of a token file whose token was handed over (``strava-auth export --move``):
#: ``{"at": epoch seconds, "to": where it went}``. Such a file holds no token any more.
HANDED_OVER = "handed_over"


def handed_over(token: Token, to: str, at: float | None = None) -> bytes:
    """The content of a token file whose token went to ``to``: who it was, no token."""
    record = {"at": int(time.time() if at is None else at), "to": to}
    kept = {"athlete": token.athlete, "client_id": token.client_id, "scope": token.scope}
    return (json.dumps({HANDED_OVER: record, **kept}, indent=2, sort_keys=True) + "\n").encode()


def handed_over_message(record: object, source: str) -> str:
    """What a command says where the token was handed over (from the file's record)."""
    info = record if isinstance(record, dict) else {}
    to = clean(info.get("to") or "another computer or secret store", 120)
    at = epoch_seconds(info.get("at"))
    when = time.strftime(" on %Y-%m-%d %H:%M", time.localtime(at)) if at is not None else ""
    return (
        f"the token in {source} was handed over{when} to {to} (`{COMMAND} export --move`): "
        f"to have one here again, run `{LOGIN_COMMAND}`, or `{COMMAND} import` a token "
        "exported from there (and stop using it there)"
    )


def describe_expiry(seconds: float) -> str:
    """'in 5 h 59 min', 'expired 3 min ago; ...' (refreshes happen on use)."""
    minutes = int(abs(seconds) // 60)
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    if seconds > 0:
        return f"in {span}"
    return f"expired {span} ago; it is refreshed on next use"


def _entry_name(value: object) -> str | None:
    # A keyring entry's name, as this package writes it: "<profile>/<client ID>/<digest>".
    if isinstance(value, str) and 0 < len(value) <= 80 and value.isprintable():
        return value
    return None


def _whole_number(value: object) -> int | None:
    # JSON numbers beyond 2**53 (or NaN, inf, bool) are no client ID or lifetime: unknown.
    number = number_below(value, 2**53 + 1)
    return None if number is None else int(number)


def athlete_fields(value: object) -> dict[str, object]:
    """The athlete's id and names out of Strava's athlete object.

    Nothing else is stored, and nothing of the wrong type or an unreasonable size.
    """
    if not isinstance(value, dict):
        return {}
    kept: dict[str, object] = {}
    athlete_id = _whole_number(value.get("id"))
    if athlete_id is not None:
        kept["id"] = athlete_id
    for name in ("firstname", "lastname"):
        text = value.get(name)
        if isinstance(text, str):
            kept[name] = text[:_MAX_NAME]
    return kept


def token_bytes(token: Token) -> bytes:
    """The token file's content."""
    return (json.dumps(token.to_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")
