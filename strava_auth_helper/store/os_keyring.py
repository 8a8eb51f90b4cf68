"""The OS keyring's calls (the ``keyring`` extra): bounded in time, each failure one line."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from ..errors import COMMAND, KeyringError, MissingExtraError
from ..model.token import Profile
from ..safe_text import clean

log = logging.getLogger(__name__)

#: Seconds any one keyring call may take: a backend waiting on an unlock prompt nobody sees
#: (a Secret Service under cron) would otherwise block a refresh, and its lock, for ever.
KEYRING_TIMEOUT = 20.0
#: The keyring's service name for every entry of this package.
SERVICE = "strava-auth-helper"
_EXTRA = (
    "pip install '.[keyring]' in a clone of strava-auth-helper "
    "(once published: 'strava-auth-helper[keyring]')"
)
#: Read to see that the keyring answers at all (never written).
PROBE = "(probe)"
T = TypeVar("T")


def entry_name(profile: Profile, client_id: int | None, token_file: Path) -> str:
    """The entry of one token file's refresh token: ``<profile>/<client ID>/<file>``.

    ``<file>`` is a digest of the token file's absolute path: every token file has an entry of
    its own (two files of one app and profile never share one), and the same file the same
    one (a new login replaces its own entry). The file records the name, so a file that is
    moved keeps finding its entry.
    """
    import hashlib  # (only a login or a move names an entry: status and profiles never pay)

    where = os.path.normcase(os.path.abspath(token_file)).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(where).hexdigest()[:16]
    app = client_id if client_id is not None else "unknown"
    return f"{profile.name or 'default'}/{app}/{digest}"


def call(action: Callable[[ModuleType], T]) -> T:
    """``action(keyring)``, within :data:`KEYRING_TIMEOUT`; a failure is one line.

    Raises:
        MissingExtraError: the ``keyring`` package is not installed.
        KeyringError: no usable keyring here, it is locked, it refused, or did not answer.
    """
    keyring = _module()
    try:
        return _within(KEYRING_TIMEOUT, lambda: action(keyring))
    except _NoAnswerError:
        raise KeyringError(
            f"the OS keyring did not answer within {KEYRING_TIMEOUT:g} s (is it waiting for "
            "an unlock prompt that nobody sees?): unlock it, or keep the refresh token in the "
            f"token file (`{COMMAND} store file`, or $STRAVA_REFRESH_TOKEN on a server)"
        ) from None
    except Exception as exc:  # a backend's own errors too (Windows' pywin32 errors): one line
        raise _error(keyring, exc) from None


class _NoAnswerError(Exception):
    """A keyring call that did not return in time."""


def _within(seconds: float, action: Callable[[], T]) -> T:
    """``action()``'s result, or its exception, from a worker thread.

    _NoAnswerError after ``seconds``: the thread is left to finish or hang on its own (a
    daemon).
    """
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome.append((True, action()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))
        done.set()

    threading.Thread(target=work, name="os-keyring", daemon=True).start()
    if not done.wait(seconds):
        raise _NoAnswerError
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]  # (what action returned: a T)


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
            f"token in the token file (`{COMMAND} store file`, or $STRAVA_REFRESH_TOKEN); on "
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
        f"the token file (`{COMMAND} store file`)"
    )
