"""``strava-auth import``: adopt tokens one already has, proved by a refresh before any write."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from .. import settings
from ..errors import LOGIN_HINT, ConfigError, StravaError
from ..model.rules import looks_like_token
from ..model.scopes import check_scopes
from ..model.token import Profile, Token, athlete_fields, token_bytes
from ..store import refresh_tokens
from ..store.lock import TokenLock
from ..store.private_files import write_private
from ..store.token_file import obtain_and_save, read_token
from ..strava import api
from .refresh import TokenResult, hand_on_rotation, prove_refresh_token, unsaved_to_the_hook

log = logging.getLogger(__name__)

#: More than any token document; a longer input is refused without being parsed.
MAX_INPUT = 64 * 1024
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
    if looks_like_token(text):
        return text, None, {}
    raise ConfigError(f"nothing to import: expected {_SHAPES}")


def _parse_document(text: str) -> tuple[str, str | None, dict[str, object]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ConfigError(f"the input is not valid JSON: expected {_SHAPES}") from None
    refresh = data.get("refresh_token") if isinstance(data, dict) else None
    if not (isinstance(refresh, str) and looks_like_token(refresh)):
        raise ConfigError(f"the JSON has no usable refresh_token: expected {_SHAPES}")
    return refresh, _scope(data.get("scope")), athlete_fields(data.get("athlete"))


def _scope(value: object) -> str | None:
    """The granted scope the input states, checked against Strava's scope names.

    Never echoed: a value that is not one may be a token put in the wrong place.
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        value = ",".join(value)  # some scripts save the scopes as a list
    if not isinstance(value, str):
        raise ConfigError("the JSON's scope is neither a string nor a list of strings")
    return check_scopes(value, source="the JSON's scope")


def read_input(name: str, limit: int = MAX_INPUT) -> str:
    """What ``strava-auth import`` adopts: the file ``name``, or standard input for ``-``.

    Standard input is asked for without echo on a terminal; at most ``limit`` + 1 bytes are
    read, as UTF-8 (a BOM is dropped).

    Raises:
        ConfigError: there is no standard input, or the input is not UTF-8 text.
        OSError: the file cannot be read.
    """
    if name != "-":
        with open(name, "rb") as f:
            return _utf8(f.read(limit + 1), limit)
    if sys.stdin is None:
        raise ConfigError("no input: give a FILE, or pipe the token in")
    if sys.stdin.isatty():
        return getpass.getpass("Paste the refresh token or the JSON on one line (not shown): ")
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream with no bytes under it (tests, embedding)
        return sys.stdin.read(limit + 1)
    return _utf8(stream.read(limit + 1), limit)


def _utf8(data: bytes, limit: int) -> str:
    if len(data) > limit:  # too long anyway (and maybe cut inside a character): said later
        return data.decode("utf-8", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("the input is not UTF-8 text (nothing was imported)") from None


def import_token(text: str, path: Path, profile: Profile, store: str = "file") -> TokenResult:
    """Prove the refresh token in ``text`` with one refresh and save the result at ``path``.

    The rotated token is saved before anything else can fail or be interrupted; the athlete,
    where the input does not say who it is, is asked for afterwards and filled in.

    Returns:
        The saved token, and the rotation hook's failure line if it failed.

    Raises:
        ConfigError: the input is not a token, no app credentials are configured, or the
            rotation hook cannot be run (nothing was spent).
        ReauthorizationRequiredError: Strava refuses the refresh token; nothing was written.
        StravaError: Strava could not be reached; nothing was written.
    """
    refresh_token, scope, athlete = parse_input(text)
    place = refresh_tokens.place(store)
    place.check_usable()  # before the refresh token is spent
    hook = settings.on_rotate_command()  # likewise
    credentials = settings.load_credentials(profile=profile)
    base_url = settings.base_url()

    def ask_strava() -> Token:
        refused = (
            "Strava does not accept this refresh token (revoked, or replaced by a newer "
            f"one); nothing was written; {LOGIN_HINT}"
        )
        token = prove_refresh_token(
            base_url, credentials, refresh_token, scope=scope, refused=refused
        )
        return place.assign(replace(token, athlete=athlete), path, profile)

    with unsaved_to_the_hook(hook), TokenLock(path):
        token = obtain_and_save(path, ask_strava)  # the rotation: saved first
    failure = hand_on_rotation(refresh_token, token, hook)  # the secret it came from
    if not athlete:
        token = _with_the_athlete(path, token)
    return TokenResult(token, failure)


def _with_the_athlete(path: Path, token: Token) -> Token:
    """``token`` with the athlete Strava says it belongs to, written into its file too.

    As it is where Strava does not say; and not written where the file changed meanwhile.
    """
    found = _ask_athlete(settings.api_base_url(), token)
    if not found:
        return token
    with TokenLock(path):
        current = read_token(path)
        if current.access_token != token.access_token:
            return current  # refreshed meanwhile by another process: it is the one that counts
        named = replace(current, athlete=found)
        write_private(path, token_bytes(named))
    return replace(token, athlete=found)


def _ask_athlete(api_base_url: str, token: Token) -> dict[str, object]:
    if token.scope is not None and not _ATHLETE_SCOPES & set(token.scopes):
        return {}  # the granted scopes do not allow it
    try:
        return athlete_fields(api.athlete(api_base_url, token.access_token))
    except StravaError as exc:
        log.debug("could not ask Strava who the athlete is: %s", exc)
        return {}
