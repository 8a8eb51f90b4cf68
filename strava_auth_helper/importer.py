"""``strava-auth import``: adopt tokens a user already has (a hand-rolled script's, stravalib's).

The refresh token is proved by one refresh (its rotation saved); the athlete is asked for when
the input does not say who it is. The token file is written only after that, with the usual
rules, so an existing one is replaced only by a token that works.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

from . import keyring_store, settings, strava, token_store
from .errors import ConfigError, StravaError
from .fastpath import IN_KEYRING
from .refresher import adopted_token, after_rotation
from .scopes import SCOPES, split_scopes
from .token_file import LOGIN_HINT, Token, athlete_fields

log = logging.getLogger(__name__)

#: More than any token document; a longer input is refused without being parsed.
MAX_INPUT = 64 * 1024
_BARE_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{8,512}")
_ATHLETE_SCOPES = {"read", "read_all", "profile:read_all"}
_SHAPES = (
    "JSON with refresh_token (and optionally access_token, expires_at or stravalib's "
    "token_expires, athlete, scope), or a bare refresh token"
)


def parse_input(text: str) -> tuple[str, str | None, dict[str, object]]:
    """(refresh token, granted scope or None, athlete) from what the user gave.

    Raises:
        ConfigError: it is neither a token document nor a bare refresh token (the message
            never repeats the input: it may hold a secret).
    """
    if len(text) > MAX_INPUT:
        raise ConfigError(f"the input is over {MAX_INPUT // 1024} KiB: expected {_SHAPES}")
    text = text.strip().removeprefix("\ufeff").strip()  # a BOM, as some editors save JSON
    if text.startswith("{"):
        return _parse_document(text)
    if _BARE_TOKEN.fullmatch(text):
        return text, None, {}
    raise ConfigError(f"nothing to import: expected {_SHAPES}")


def _parse_document(text: str) -> tuple[str, str | None, dict[str, object]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ConfigError(f"the input is not valid JSON: expected {_SHAPES}") from None
    refresh = data.get("refresh_token") if isinstance(data, dict) else None
    if not (isinstance(refresh, str) and _BARE_TOKEN.fullmatch(refresh)):
        raise ConfigError(f"the JSON has no usable refresh_token: expected {_SHAPES}")
    return refresh, _scope(data.get("scope")), athlete_fields(data.get("athlete"))


def _scope(value: object) -> str | None:
    """The granted scope the input states: Strava's scope names only (never echoed: a value
    that is not one may be a token put in the wrong place)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        value = ",".join(value)  # some scripts save the scopes as a list
    if not isinstance(value, str):
        raise ConfigError("the JSON's scope is neither a string nor a list of strings")
    scopes = split_scopes(value)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ConfigError(
            f"the JSON's scope holds {len(unknown)} item(s) that are not Strava scopes "
            f"({', '.join(SCOPES)}); fix it, or leave scope out"
        )
    return ",".join(dict.fromkeys(scopes)) or None


def import_token(text: str, path: Path, profile: str | None = None, store: str = "file") -> Token:
    """Prove the refresh token in ``text`` with one refresh and save the result at ``path``.

    Raises:
        ConfigError: the input is not a token, or no app credentials are configured.
        ReauthorizationRequired: Strava refuses the refresh token; nothing was written.
        StravaError: Strava could not be reached; nothing was written.
    """
    refresh_token, scope, athlete = parse_input(text)
    if token_store.check_store(store) == IN_KEYRING:
        keyring_store.check_usable()  # before the refresh token is spent
    credentials = settings.load_credentials(profile=profile)
    base_url = settings.base_url()

    def ask_strava() -> Token:
        refused = (
            "Strava does not accept this refresh token (revoked, or replaced by a newer "
            f"one); nothing was written; {LOGIN_HINT}"
        )
        token = adopted_token(base_url, credentials, refresh_token, scope=scope, refused=refused)
        token = replace(token, athlete=athlete or _ask_athlete(base_url, token))
        return token_store.kept_in(token, store, settings.profile_name(profile))

    with token_store.locked(path):
        token = token_store.obtain_and_save(path, ask_strava)
        after_rotation(refresh_token, token)  # the secret it came from may need the new one
    return token


def _ask_athlete(base_url: str, token: Token) -> dict[str, object]:
    if token.scope is not None and not _ATHLETE_SCOPES & set(token.scopes):
        return {}  # the granted scopes do not allow it
    try:
        return athlete_fields(strava.athlete(base_url, token.access_token))
    except StravaError as exc:
        log.debug("could not ask Strava who the athlete is: %s", exc)
        return {}
