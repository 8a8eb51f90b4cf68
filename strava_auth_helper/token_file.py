"""The token's shape on disk, reading it with clear errors, and atomic private writes."""

from __future__ import annotations

import json
import os
import time

from .errors import LockTimeoutError, NotLoggedInError, TokenFileError

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hot path
if TYPE_CHECKING:
    from pathlib import Path  # not at run time: pathlib costs the valid-token path

_ATHLETE_KEYS = ("id", "firstname", "lastname")
_LOGIN_HINT = "run `strava-auth login`"


class Token:
    """One stored Strava token. ``repr`` never shows the access or refresh token."""

    __slots__ = (
        "access_token",
        "refresh_token",
        "expires_at",
        "expires_in",
        "token_type",
        "scope",
        "athlete",
        "client_id",
        "extra",
    )

    def __init__(
        self,
        *,
        access_token: str,
        refresh_token: str,
        expires_at: int,
        expires_in: int | None = None,
        token_type: str = "Bearer",
        scope: str | None = None,
        athlete: dict[str, object] | None = None,
        client_id: int | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.expires_at = expires_at
        self.expires_in = expires_in
        self.token_type = token_type
        self.scope = scope
        self.athlete = athlete or {}
        self.client_id = client_id
        self.extra = extra or {}

    def __repr__(self) -> str:
        return (
            f"Token(athlete_id={self.athlete.get('id')!r}, scope={self.scope!r}, "
            f"expires_at={self.expires_at}, access_token='***', refresh_token='***')"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other.to_dict() == self.to_dict()

    __hash__ = None  # type: ignore[assignment]

    @property
    def scopes(self) -> list[str]:
        """The granted scopes as a list (empty when unknown)."""
        return [s for s in (self.scope or "").split(",") if s]

    @property
    def athlete_name(self) -> str:
        """The athlete's first and last name, or their id, or 'unknown athlete'."""
        parts = [str(self.athlete.get(k) or "").strip() for k in ("firstname", "lastname")]
        name = " ".join(p for p in parts if p)
        if name:
            return name
        return f"athlete {self.athlete['id']}" if self.athlete.get("id") else "unknown athlete"

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until the access token expires (negative once it has)."""
        return self.expires_at - (time.time() if now is None else now)

    def is_fresh(self, min_ttl: float, now: float | None = None) -> bool:
        """True when the access token stays valid for more than ``min_ttl`` seconds."""
        return self.seconds_left(now) > min_ttl

    def to_dict(self) -> dict[str, object]:
        """The JSON document written to disk (never the client secret)."""
        data: dict[str, object] = dict(self.extra)
        data.update(
            token_type=self.token_type,
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_at=self.expires_at,
            expires_in=self.expires_in,
            scope=self.scope,
            athlete=self.athlete,
            client_id=self.client_id,
        )
        return data

    @classmethod
    def from_response(
        cls, response: dict[str, object], *, scope: str | None, client_id: int
    ) -> Token:
        """Build a token from Strava's code-exchange answer."""
        token = cls.from_dict(response, "Strava's answer")
        athlete = response.get("athlete")
        token.athlete = _athlete(athlete)
        token.scope = scope
        token.client_id = client_id
        token.extra = {}
        return token

    def refreshed(self, response: dict[str, object]) -> Token:
        """A copy with the fields a refresh answer brings; everything else kept."""
        new = Token.from_dict(response, "Strava's answer")
        return Token(
            access_token=new.access_token,
            refresh_token=new.refresh_token,
            expires_at=new.expires_at,
            expires_in=new.expires_in,
            token_type=new.token_type,
            scope=self.scope,
            athlete=self.athlete,
            client_id=self.client_id,
            extra=self.extra,
        )

    @classmethod
    def from_dict(cls, data: object, source: str) -> Token:
        """Validate a parsed JSON object.

        Raises:
            TokenFileError: a required field is missing or has the wrong type.
        """
        if not isinstance(data, dict):
            raise TokenFileError(f"{source} is not a JSON object; {_LOGIN_HINT}")
        access, refresh, expires_at = (data.get(k) for k in _REQUIRED)
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            raise TokenFileError(f"{source} has no access_token/refresh_token; {_LOGIN_HINT}")
        if isinstance(expires_at, bool) or not isinstance(expires_at, int | float):
            raise TokenFileError(f"{source} has no numeric expires_at; {_LOGIN_HINT}")
        expires_in = data.get("expires_in")
        client_id = data.get("client_id")
        scope = data.get("scope")
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=int(expires_at),
            expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
            token_type=str(data.get("token_type") or "Bearer"),
            scope=scope if isinstance(scope, str) else None,
            athlete=_athlete(data.get("athlete")),
            client_id=client_id if isinstance(client_id, int) else None,
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )


_REQUIRED = ("access_token", "refresh_token", "expires_at")
_KNOWN = {*_REQUIRED, "expires_in", "token_type", "scope", "athlete", "client_id"}


def _athlete(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        return {}
    return {k: value[k] for k in _ATHLETE_KEYS if k in value}


def read_token(path: str | os.PathLike[str]) -> Token:
    """Read and validate the token file.

    Raises:
        NotLoggedInError: there is no file at ``path``.
        TokenFileError: the file cannot be read or is not a token (it is left in place).
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise NotLoggedInError(f"not logged in: no token file at {path}; {_LOGIN_HINT}") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise TokenFileError(f"cannot read token file {path}: {reason}") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise TokenFileError(
            f"token file {path} is not valid JSON (left as it is for you to inspect); {_LOGIN_HINT}"
        ) from None
    return Token.from_dict(data, f"token file {path}")


def write_token(path: Path, token: Token) -> None:
    """Write the token atomically with mode 0600 (callers hold the token lock)."""
    text = json.dumps(token.to_dict(), indent=2, sort_keys=True) + "\n"
    write_private(path, text.encode("utf-8"))


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path`` against concurrent writers."""
    return path.with_name(path.name + ".lock")


def temp_path(path: Path) -> Path:
    """The one temporary file a write goes through (a killed writer leaves at most this)."""
    return path.with_name(f".{path.name}.tmp")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: 0600 from creation, fsync, ``os.replace``.

    Folders it has to create get mode 0700. A crash at any instant leaves the old file
    or the new one, never a mix. Concurrent writers of the same path must hold its lock.
    """
    _make_private_dirs(path.parent)
    tmp = temp_path(path)
    fd = _create_exclusive(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _create_exclusive(tmp: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(tmp, flags, 0o600)
    except FileExistsError:
        tmp.unlink()  # left by a writer that was killed; we hold the lock, so it is stale
        return os.open(tmp, flags, 0o600)


def _make_private_dirs(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: Seconds to wait for another process that holds the token lock.
LOCK_TIMEOUT = 60.0


class TokenLock:
    """Cross-process lock beside the token file (filelock), with a bounded wait."""

    def __init__(self, path: Path, timeout: float | None = None) -> None:
        from filelock import FileLock  # only writers pay for it

        _make_private_dirs(path.parent)
        self._path = path
        self._timeout = LOCK_TIMEOUT if timeout is None else timeout
        self._lock = FileLock(str(lock_path(path)), timeout=self._timeout, mode=0o600)

    def __enter__(self) -> TokenLock:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise LockTimeoutError(
                f"another process has held the lock on {self._path} for over "
                f"{self._timeout:g} s; is another strava-auth or script stuck?"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
