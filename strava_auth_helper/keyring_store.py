"""The OS keyring (Windows Credential Manager, macOS Keychain, the Secret Service on Linux
desktops), where a refresh token may live instead of the token file: one entry per profile
and app, holding nothing but the refresh token. Needs the ``keyring`` extra."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from .errors import MissingExtraError, StravaAuthError
from .safe_text import clean

log = logging.getLogger(__name__)

#: The keyring's service name for every entry of this package.
SERVICE = "strava-auth-helper"
_EXTRA = "pip install 'strava-auth-helper[keyring]'"
# Read to see that the keyring answers at all (never written).
_PROBE = "(probe)"
T = TypeVar("T")


class KeyringError(StravaAuthError):
    """The OS keyring cannot be used, or refused: the message says which, and what to do."""


def entry_name(profile: str | None, client_id: int | None) -> str:
    """The entry of a profile's refresh token for an app: ``<profile>/<client ID>``."""
    return f"{profile or 'default'}/{client_id if client_id is not None else 'unknown'}"


def check_usable() -> None:
    """Ask the keyring something, so that a login or import fails before Strava is asked.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`.
    """
    _call(lambda k: k.get_password(SERVICE, _PROBE))


def store(entry: str, refresh_token: str) -> None:
    """Put ``refresh_token`` in ``entry`` (replacing what it held).

    Raises:
        MissingExtraError: the ``keyring`` package is not installed.
        KeyringError: no usable keyring here, it is locked, or it refused.
    """
    _call(lambda k: k.set_password(SERVICE, entry, refresh_token))


def fetch(entry: str) -> str:
    """The refresh token in ``entry``.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`; KeyringError also when the
            entry is gone (deleted from the keyring by someone).
    """
    value = _call(lambda k: k.get_password(SERVICE, entry))
    if not value:
        raise KeyringError(
            f"the OS keyring has no entry '{SERVICE}' / '{entry}' (deleted?), where this "
            "token's refresh token lived: log in again (`strava-auth login --store keyring`)"
        )
    return str(value)


def delete(entry: str) -> None:
    """Remove ``entry``; one that is already gone is no error.

    Raises:
        MissingExtraError, KeyringError: as for :func:`store`.
    """
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
