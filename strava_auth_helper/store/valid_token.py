"""The valid-token read: locate, read, check expiry, return; the standard library only."""

from __future__ import annotations

import json
import os
import stat
import time

from ..model.rules import min_ttl_in_range, token_fields
from .location import PathArg, token_location

#: A token file is well under 1 KiB; anything this large is not one.
MAX_TOKEN_FILE = 64 * 1024


class Peek:
    """One read of the token file: where it is, whose (a profile's folder name), what it holds.

    ``raw`` is the file's bytes, None where it could not be read; ``data`` their JSON, None
    where they are none.
    """

    __slots__ = ("location", "profile", "raw", "data")

    def __init__(self, location: str, profile: str | None, raw: bytes | None) -> None:
        self.location, self.profile, self.raw = location, profile, raw
        self.data = _json(raw)

    def fresh_access_token(self, min_ttl: float) -> str | None:
        """The access token if it stays valid for more than ``min_ttl`` seconds, else None."""
        fields = token_fields(self.data) if min_ttl_in_range(min_ttl) else None
        if fields is None or fields[2] - time.time() <= min_ttl:
            return None
        return fields[0]


def peek(token_file: PathArg = None, profile: str | None = None) -> Peek | None:
    """Read the token file once; None where the profile name or the folder cannot be had.

    Never raises: the ordinary code explains whatever is wrong.
    """
    found = token_location(token_file, profile=profile)
    if found is None:
        return None
    location, folder = found
    try:
        raw: bytes | None = read_token_bytes(location)
    except (OSError, ValueError):
        raw = None
    return Peek(location, folder, raw)


def _json(raw: bytes | None) -> object:
    # json's own decoder, as is: any keyword argument makes json.loads build a new one (slow).
    # NaN and Infinity pass here; the ordinary code reads the same bytes strictly.
    try:
        return None if raw is None else json.loads(raw)
    except (ValueError, RecursionError):
        return None


class NotATokenFileError(ValueError):
    """The path holds something that cannot be a token file (the message says what)."""


def read_token_bytes(location: str) -> bytes:
    """The file's bytes: a regular file only (a FIFO would block), at most 64 KiB.

    Raises:
        OSError: it cannot be opened (FileNotFoundError when it is not there).
        NotATokenFileError: it is not a regular file, or too large.
    """
    try:
        fd = os.open(location, _READ_FLAGS)
    except PermissionError:  # on Windows, maybe only while another process replaces it
        from .windows_retry import retry_while_in_use  # (imported only then: start-up time)

        fd = retry_while_in_use(lambda: os.open(location, _READ_FLAGS))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotATokenFileError("not a regular file")
        chunks = []
        size = 0
        while chunk := os.read(fd, MAX_TOKEN_FILE + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_TOKEN_FILE:
                raise NotATokenFileError(f"larger than {MAX_TOKEN_FILE // 1024} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


# O_NONBLOCK: a FIFO must not block the open (POSIX); O_BINARY: no text mode (Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
