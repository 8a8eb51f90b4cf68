"""Refreshing when needed: under the lock, the file re-read, the rotation saved first."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from .. import settings
from ..errors import (
    COMMAND,
    LOGIN_COMMAND,
    ConfigError,
    NotLoggedInError,
    ReauthorizationRequiredError,
    TokenFileError,
    UnsavedTokenError,
)
from ..model.app import ENV_CLIENT_ID, Credentials
from ..model.rules import MAX_MIN_TTL, min_ttl_in_range
from ..model.token import FROM_ENVIRONMENT, Profile, Token
from ..store import refresh_tokens
from ..store.location import PathArg
from ..store.lock import TokenLock
from ..store.paths import token_path
from ..store.token_file import obtain_and_save, read_token, token_in
from ..store.valid_token import Peek
from ..strava import api
from .rotation_hook import run_hook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenResult:
    """A live token, and the failure line of ``$STRAVA_AUTH_ON_ROTATE`` if handing it on failed.

    ``hook_failure`` is None when nothing failed, or nothing was rotated.
    """

    token: Token
    hook_failure: str | None = None


def load_token(token_file: PathArg = None, *, profile: str | None = None) -> Token:
    """The stored token (no network); its ``repr`` hides the secrets.

    Raises:
        NotLoggedInError: there is no token file.
        TokenFileError: the token file is unreadable or corrupt.
        ConfigError: ``profile`` is not a valid profile name.
    """
    return read_token(token_path(token_file, settings.resolve_profile(profile)))


def token_result(
    token_file: PathArg = None,
    *,
    min_ttl: float,
    force: bool,
    profile: str | Profile | None = None,
    seen: Peek | None = None,
) -> TokenResult:
    """The token, refreshed and saved first unless it stays valid for ``min_ttl`` seconds.

    See :func:`strava_auth_helper.get_access_token`. ``seen`` is what the valid-token read
    found for the same ``token_file`` and ``profile``: the file is then not read again
    before the lock (under it, it always is: another process may have refreshed meanwhile).
    """
    if not min_ttl_in_range(min_ttl):
        raise ValueError(f"min_ttl must be between 0 and {MAX_MIN_TTL} seconds, not {min_ttl}")
    if seen is not None:
        resolved, path = Profile(seen.profile), Path(seen.location)
    else:
        resolved = settings.resolve_profile(profile)
        path = token_path(token_file, resolved)
    try:
        before = _token_in(seen, path)
    except NotLoggedInError:
        if settings.refresh_token_from_env() is None:
            raise
        return adopt_from_env(path, resolved)
    if not force and before.is_fresh(min_ttl):
        return TokenResult(before)
    hook = settings.on_rotate_command()  # a hook that cannot run is refused before Strava
    with unsaved_to_the_hook(hook), TokenLock(path):
        current = read_token(path)  # another process may have refreshed while we waited
        refreshed_meanwhile = (current.refresh_token, current.access_token) != (
            before.refresh_token,
            before.access_token,
        )
        if current.is_fresh(min_ttl) and (refreshed_meanwhile or not force):
            log.debug("another process refreshed the token meanwhile")
            return TokenResult(current)
        try:
            new, sent = refresh_locked(path, current, resolved)
        except ReauthorizationRequiredError:
            fallback = _environment_instead(current)
            if fallback is None:
                raise
            new, sent = _adopt_locked(path, resolved, fallback)
    return TokenResult(new, hand_on_rotation(sent, new, hook))  # the lock is released


def _token_in(seen: Peek | None, path: Path) -> Token:
    """The token in the bytes ``seen`` read, else in the file read now (to say what is wrong)."""
    return read_token(path) if seen is None or seen.raw is None else token_in(seen.raw, path)


def refresh_locked(path: Path, current: Token, profile: Profile) -> tuple[Token, str]:
    """Refresh ``current`` and save the result; the caller holds the token lock.

    Returns:
        The new token, and the refresh token that was sent (to tell whether it rotated).
    """
    credentials = _credentials_for(current, profile)
    base_url = settings.base_url()
    where = refresh_tokens.of(current)
    sent = where.load(current)

    def ask_strava() -> Token:
        return current.refreshed(api.refresh(base_url, credentials, sent))

    new = obtain_and_save(path, ask_strava, current=current)
    log.debug("refreshed; rotated refresh token: %s", new.refresh_token != sent)
    return new, sent


def adopt_from_env(path: Path, profile: Profile) -> TokenResult:
    """Adopt ``$STRAVA_REFRESH_TOKEN`` where there is no token file: one refresh, saved.

    Under the lock: of several processes starting at once, one asks Strava.

    Raises:
        ReauthorizationRequiredError: Strava refuses that refresh token.
        StravaAuthError: as for a refresh.
    """
    hook = settings.on_rotate_command()
    with unsaved_to_the_hook(hook), TokenLock(path):
        try:
            return TokenResult(read_token(path))  # another process adopted it meanwhile
        except NotLoggedInError:
            pass
        from_env = settings.refresh_token_from_env()
        if from_env is None:  # unset while we waited for the lock
            raise NotLoggedInError(f"not logged in: no token file at {path}")
        new, sent = _adopt_locked(path, profile, from_env)
    return TokenResult(new, hand_on_rotation(sent, new, hook))


def _adopt_locked(path: Path, profile: Profile, refresh_token: str) -> tuple[Token, str]:
    credentials = settings.load_credentials(profile=profile)
    base_url = settings.base_url()

    def ask_strava() -> Token:
        refused = (
            f"Strava does not accept the refresh token in ${settings.ENV_REFRESH_TOKEN} "
            "(revoked, or rotated by an earlier run whose new one was not written back): "
            "log in on your computer and update the secret "
            f"(`{COMMAND} export --refresh-token`)"
        )
        token = prove_refresh_token(
            base_url, credentials, refresh_token, scope=None, refused=refused
        )
        return replace(token, source=FROM_ENVIRONMENT)

    new = obtain_and_save(path, ask_strava)
    log.debug("adopted the refresh token in $%s", settings.ENV_REFRESH_TOKEN)
    return new, refresh_token


def _environment_instead(current: Token) -> str | None:
    """``$STRAVA_REFRESH_TOKEN``, where it differs from the token file's refused one.

    A runner that restored a stale cached token file, and whose secret was updated since.
    """
    from_env = settings.refresh_token_from_env()
    if from_env is None or from_env == refresh_tokens.of(current).load(current):
        return None
    log.warning(
        "Strava refused the token file's refresh token; using the one in $%s instead",
        settings.ENV_REFRESH_TOKEN,
    )
    return from_env


@contextmanager
def unsaved_to_the_hook(hook: list[str] | None) -> Iterator[None]:
    """Hand a token Strava issued that could not be saved to the hook, if there is one.

    It is the one place that may still keep it; the error then says whether that worked.
    """
    try:
        yield
    except UnsavedTokenError as exc:
        if hook is None:
            raise
        unsaved = exc.token
        if not isinstance(unsaved, Token):  # (errors.py knows no Token: it is below it)
            raise
        failure = run_hook(hook, unsaved.refresh_token)
        outcome = (
            f"it was handed to {settings.ENV_ON_ROTATE} instead"
            if failure is None
            else f"handing it to {settings.ENV_ON_ROTATE} failed too: {failure}"
        )
        raise TokenFileError(f"{exc}; {outcome}") from None


def prove_refresh_token(
    base_url: str,
    credentials: Credentials,
    refresh_token: str,
    *,
    scope: str | None,
    refused: str,
) -> Token:
    """A token from a refresh token that came from elsewhere (the environment, an import).

    One refresh proves it.

    Raises:
        ReauthorizationRequiredError: with ``refused`` as its message, when Strava refuses it.
        StravaError: as for any refresh.
    """
    try:
        answer = api.refresh(base_url, credentials, refresh_token)
    except ReauthorizationRequiredError as exc:
        raise ReauthorizationRequiredError(refused) from exc
    return Token.from_response(answer, scope=scope, client_id=credentials.client_id)


def hand_on_rotation(sent: str, new: Token, hook: list[str] | None) -> str | None:
    """Hand a rotated refresh token on, once the file holds ``new`` (and no lock is held).

    If Strava rotated the refresh token ``sent``, run ``hook`` (``$STRAVA_AUTH_ON_ROTATE``,
    checked before Strava was asked) with the new one; without one, warn when the old one
    came from the environment, whose secret is now stale. Returns the hook's failure line,
    if any (it is logged as a WARNING too).
    """
    if new.refresh_token == sent:
        return None
    secret_file = settings.refresh_token_file() if new.source == FROM_ENVIRONMENT else None
    if secret_file is not None and _written_back(secret_file, new.refresh_token):
        return None
    if hook is not None:
        failure = run_hook(hook, new.refresh_token)
        if failure is not None:
            log.warning("%s", failure)
        return failure
    if new.source == FROM_ENVIRONMENT:
        log.warning(
            "Strava rotated the refresh token that came from %s: the secret it came from "
            "is now stale and the next run will be refused. Set %s to a command that stores "
            "the new one (e.g. `gh secret set %s`), or update the secret by hand "
            f"(`{COMMAND} export --refresh-token`)",
            secret_file or f"${settings.ENV_REFRESH_TOKEN}",
            settings.ENV_ON_ROTATE,
            settings.ENV_REFRESH_TOKEN,
        )
    return None


def _written_back(path: Path, refresh_token: str) -> bool:
    """Write a rotated refresh token back into the secret's file, in place; False: it cannot be.

    In place, keeping its owner and mode: a mounted secret cannot be replaced by another file.
    """
    if os.environ.get(settings.ENV_REFRESH_TOKEN, "").strip() or not os.access(path, os.W_OK):
        return False  # (the variable won over the file: it is the one gone stale)
    try:
        with open(path, "r+", encoding="utf-8") as secret:
            secret.truncate(0)
            secret.write(refresh_token + "\n")
            secret.flush()
            os.fsync(secret.fileno())
    except OSError as exc:
        log.warning("the rotated refresh token could not be written back to %s (%s)", path, exc)
        return False
    log.info("the rotated refresh token was written back to %s", path)
    return True


def _credentials_for(token: Token, profile: Profile) -> Credentials:
    credentials = settings.load_credentials(profile=profile)
    if token.client_id is not None and token.client_id != credentials.client_id:
        raise ConfigError(
            f"the token file was issued to client ID {token.client_id}, but the configured "
            f"{ENV_CLIENT_ID} is {credentials.client_id}; fix the variable or run "
            f"`{LOGIN_COMMAND}` again"
        )
    return credentials
