"""The OS keyring, where a refresh token may live instead of the token file.

The OS keyring (Windows Credential Manager, macOS Keychain, the Secret Service on Linux
desktops), where a refresh token may live instead of the token file: one entry per profile
and app, holding nothing but the refresh token. Needs the ``keyring`` extra.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from ..errors import LOGIN_COMMAND, KeyringError, MissingExtraError
from ..safe_text import clean
from ..settings import Profile
from .token import Token

log = logging.getLogger(__name__)

#: The keyring's service name for every entry of this package.
SERVICE = "strava-auth-helper"
_EXTRA = "pip install 'strava-auth-helper[keyring]'"
# Read to see that the keyring answers at all (never written).
_PROBE = "(probe)"
T = TypeVar("T")


def entry_name(profile: Profile, client_id: int | None) -> str:
    """The entry of a profile's refresh token for an app: ``<profile>/<client ID>``."""
    return f"{profile.name or 'default'}/{client_id if client_id is not None else 'unknown'}"


def _entry_of(token: Token) -> str:
    # A token file whose entry name is missing or unreadable names no entry: the keyring then
    # has none by that name, and says so.
    return token.keyring_entry or ""


def check_usable() -> None:
    """Ask the keyring something, so that a login or import fails before Strava is asked.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`.
    """
    _call(lambda k: k.get_password(SERVICE, _PROBE))


def store(token: Token) -> None:
    """Put the token's refresh token in its entry (replacing what it held).

    Raises:
        MissingExtraError: the ``keyring`` package is not installed.
        KeyringError: no usable keyring here, it is locked, or it refused.
    """
    entry = _entry_of(token)
    _call(lambda k: k.set_password(SERVICE, entry, token.refresh_token))


def fetch(token: Token) -> str:
    """The refresh token in the token's entry.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`; KeyringError also when the
            entry is gone (deleted from the keyring by someone).
    """
    entry = _entry_of(token)
    value = _call(lambda k: k.get_password(SERVICE, entry))
    if not value:
        raise KeyringError(
            f"the OS keyring has no entry '{SERVICE}' / '{entry}' (deleted?), where this "
            f"token's refresh token lived: log in again (`{LOGIN_COMMAND} --store keyring`)"
        )
    return str(value)


def delete(token: Token) -> None:
    """Remove the token's entry; one that is already gone is no error.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`.
    """
    entry = _entry_of(token)
    if _call(lambda k: k.get_password(SERVICE, entry)) is None:
        log.debug("the keyring had no entry %s to delete", entry)
        return
    _call(lambda k: k.delete_password(SERVICE, entry))


def _call(action: Callable[[ModuleType], T]) -> T:
    keyring = _module()
    try:
        return action(keyring)
    except Exception as exc:  # a backend's own errors too (Windows' pywin32 errors): one line
        raise _error(keyring, exc) from None


def _module() -> ModuleType:
    # Imported here, when a keyring is used: it is an optional extra, and takes ~45 ms.
    try:
        import keyring
        import keyring.errors
    except ModuleNotFoundError:
        raise MissingExtraError(
            f"keeping the refresh token in the OS keyring needs: {_EXTRA}"
        ) from None
    return keyring


def _error(keyring: ModuleType, exc: Exception) -> KeyringError:
    errors = keyring.errors
    backend = clean(type(keyring.get_keyring()).__module__, 80)
    if isinstance(exc, errors.NoKeyringError | errors.InitError):
        return KeyringError(
            f"no usable OS keyring here ({backend}): on a server or CI runner keep the refresh "
            "token in the token file (`strava-auth store file`, or $STRAVA_REFRESH_TOKEN); on "
            "a desktop, start and unlock its keyring"
        )
    if isinstance(exc, errors.KeyringLocked):
        return KeyringError(
            "the OS keyring is locked: unlock it (log in to the desktop session, or open your "
            "keyring app) and try again"
        )
    return KeyringError(
        f"the OS keyring refused ({exc.__class__.__name__}, {backend}): allow "
        f"strava-auth-helper to use its '{SERVICE}' entries, or keep the refresh token in "
        "the token file (`strava-auth store file`)"
    )
