"""The valid-token read: the token while it is valid, else None.

The valid-token read: the token while it is valid, and None for anything the ordinary
code must explain.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from strava_auth_helper.store import valid_token
from tests.fakes import stored
from tests.helpers import ACCESS


def valid_access_token(path: Path, min_ttl: float = 300) -> str | None:
    """What the valid-token read answers for the token file at ``path``."""
    found = valid_token.peek(path)
    assert found is not None  # an explicit file always has a place
    assert found.location == str(path)
    return found.fresh_access_token(min_ttl)


def token_doc(**fields: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "access_token": ACCESS,
        "refresh_token": "r",
        "expires_at": int(time.time()) + 3600,
    }
    doc.update(fields)
    return doc


def test_valid_token_is_returned(token_path: Path) -> None:
    stored(token_path, 1000)
    assert valid_access_token(token_path, 900) == ACCESS
    assert valid_access_token(token_path, 1100) is None


ODD_CONTENTS: dict[str, Callable[[], str]] = {
    "near expiry": lambda: json.dumps(token_doc(expires_at=int(time.time()) + 100)),
    "bool expiry": lambda: json.dumps(token_doc(expires_at=True)),
    "string expiry": lambda: json.dumps(token_doc(expires_at="2099-01-01")),
    "1e300 expiry": lambda: json.dumps(token_doc(expires_at=1e300)),
    "empty access token": lambda: json.dumps(token_doc(access_token="")),
    "no refresh token": lambda: json.dumps(token_doc(refresh_token=None)),
    "Infinity": lambda: '{"access_token": "a", "refresh_token": "r", "expires_at": Infinity}',
    "NaN": lambda: '{"access_token": "a", "refresh_token": "r", "expires_at": NaN}',
    "deep nesting": lambda: "[" * 100_000 + "]" * 100_000,
    "a list": lambda: "[1, 2]",
    "not JSON": lambda: "{not json",
    "empty": lambda: "",
}


@pytest.mark.parametrize("name", list(ODD_CONTENTS))
def test_anything_odd_goes_to_the_ordinary_code(token_path: Path, name: str) -> None:
    token_path.parent.mkdir(parents=True)
    token_path.write_text(ODD_CONTENTS[name]())
    assert valid_access_token(token_path) is None


def test_missing_file_and_impossible_min_ttl_go_to_the_ordinary_code(token_path: Path) -> None:
    assert valid_access_token(token_path) is None
    stored(token_path, 3600)
    assert valid_access_token(token_path, min_ttl=3601) is None
    assert valid_access_token(token_path, min_ttl=float("nan")) is None
