"""Where a refresh token lives: one interface, two places (the token file, the OS keyring)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from ..errors import LOGIN_COMMAND, ConfigError, KeyringError
from ..model.rules import IN_FILE, IN_KEYRING
from ..model.token import PLACES, Profile, RefreshTokenPlace, Token
from . import os_keyring
from .os_keyring import SERVICE

log = logging.getLogger(__name__)


class Place:
    """The token file: its ``refresh_token`` field holds the refresh token."""

    name: RefreshTokenPlace = IN_FILE

    def check_usable(self) -> None:
        """Raise now, before Strava is asked, if a refresh token cannot be kept here."""

    def assign(self, token: Token, path: Path, profile: Profile) -> Token:
        """``token`` (of the token file ``path``) marked to keep its refresh token here."""
        return in_file(token)

    def load(self, token: Token) -> str:
        """The refresh token of ``token``."""
        return token.refresh_token

    def save(self, token: Token) -> None:
        """Keep ``token``'s refresh token here, before its file is written."""

    def delete(self, token: Token) -> None:
        """Forget ``token``'s refresh token (a logout, a move elsewhere)."""

    def describe(self, token: Token) -> str:
        """Where the refresh token is, for a person."""
        return "in the token file"

    def removal_hint(self, token: Token) -> str:
        """How to remove by hand a refresh token a delete could not."""
        return ""


class Keyring(Place):
    """The OS keyring (needs the ``keyring`` extra): an entry of its own per token file.

    The token file names the entry (``keyring_entry``) and holds no refresh token.
    """

    name: RefreshTokenPlace = IN_KEYRING

    def check_usable(self) -> None:
        """Ask the keyring something (raises KeyringError, MissingExtraError)."""
        os_keyring.call(lambda k: k.get_password(SERVICE, os_keyring.PROBE))

    def assign(self, token: Token, path: Path, profile: Profile) -> Token:
        """``token`` marked to keep its refresh token in its file's own entry."""
        entry = os_keyring.entry_name(profile, token.client_id, path)
        return replace(token, refresh_token_in=IN_KEYRING, keyring_entry=entry)

    def load(self, token: Token) -> str:
        """The refresh token in the token's entry (raises KeyringError, MissingExtraError).

        An entry that is gone (deleted by someone) is a KeyringError too.
        """
        entry = _entry(token)
        value = os_keyring.call(lambda k: k.get_password(SERVICE, entry))
        if not value:
            raise KeyringError(
                f"the OS keyring has no entry '{SERVICE}' / '{entry}' (deleted?), where this "
                f"token's refresh token lived: log in again (`{LOGIN_COMMAND} --store keyring`)"
            )
        return str(value)

    def save(self, token: Token) -> None:
        """Put the refresh token in the token's entry (raises KeyringError, MissingExtraError)."""
        entry = _entry(token)
        os_keyring.call(lambda k: k.set_password(SERVICE, entry, token.refresh_token))

    def delete(self, token: Token) -> None:
        """Remove the token's entry (one that is gone already is no error).

        Raises:
            KeyringError, MissingExtraError: the keyring cannot be used, or refused.
        """
        entry = _entry(token)
        held = os_keyring.call(lambda k: k.get_password(SERVICE, entry))
        if held is None:
            log.debug("the keyring's entry %s is gone already", entry)
            return
        os_keyring.call(lambda k: k.delete_password(SERVICE, entry))

    def describe(self, token: Token) -> str:
        """The keyring and the entry's name."""
        return f"in the OS keyring (entry {token.keyring_entry!r} of '{SERVICE}')"

    def removal_hint(self, token: Token) -> str:
        """The keyring app, or the ``keyring`` command."""
        entry = token.keyring_entry
        return (
            f"remove the entry '{entry}' of '{SERVICE}' with your keyring app (or `keyring del "
            f"{SERVICE} {entry}`)"
        )


def _entry(token: Token) -> str:
    # A token file whose entry name is missing or unreadable names no entry: the keyring then
    # has none by that name, and says so.
    return token.keyring_entry or ""


_PLACES: dict[str, Place] = {IN_FILE: Place(), IN_KEYRING: Keyring()}


def place(name: str) -> Place:
    """The place called ``name``.

    Raises:
        ConfigError: a refresh token cannot live there (it is not "file" or "keyring").
    """
    if name not in _PLACES:
        raise ConfigError(f"a refresh token lives in {' or '.join(PLACES)}, not {name!r}")
    return _PLACES[name]


def of(token: Token) -> Place:
    """Where ``token``'s refresh token lives."""
    return _PLACES[token.refresh_token_in]


def in_file(token: Token) -> Token:
    """``token`` marked to keep its refresh token in its file."""
    return replace(token, refresh_token_in=IN_FILE, keyring_entry=None)


def whole(token: Token) -> Token:
    """``token`` with its refresh token loaded from wherever it lives.

    Raises:
        KeyringError, MissingExtraError: it lives in the keyring, which cannot give it.
    """
    return replace(token, refresh_token=of(token).load(token))
