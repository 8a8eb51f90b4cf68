"""Reading the token file, with an error that says what is wrong and what to do."""

from __future__ import annotations

import json
import os

from ..errors import LOGIN_HINT, NotLoggedInError, TokenFileError, os_reason
from ..model.token import Token
from .valid_token import NotATokenFileError, no_constants, read_token_bytes

#: Space set aside for a token file before Strava is asked for one (a token file is well
#: under 1 KiB; a refresh keeps whatever else the file holds, hence the current size too).
RESERVE = 4096


def read_token(path: str | os.PathLike[str]) -> Token:
    """Read and validate the token file.

    Raises:
        NotLoggedInError: there is no file at ``path``.
        TokenFileError: the file cannot be read or is not a token (it is left in place).
    """
    try:
        raw = read_token_bytes(os.fspath(path))
    except FileNotFoundError:
        raise NotLoggedInError(f"not logged in: no token file at {path}; {LOGIN_HINT}") from None
    except NotATokenFileError as exc:
        raise TokenFileError(f"{path} is {exc}, not a token file; {LOGIN_HINT}") from None
    except OSError as exc:
        raise TokenFileError(f"cannot read token file {path}: {os_reason(exc)}") from None
    try:
        data = json.loads(raw, parse_constant=no_constants)
    except (ValueError, RecursionError):
        raise TokenFileError(
            f"token file {path} is not valid JSON (left as it is for you to inspect); {LOGIN_HINT}"
        ) from None
    return Token.from_dict(data, f"token file {path}")
