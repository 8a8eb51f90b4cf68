"""The token's shape, clear read errors, and atomic private writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from strava_auth_helper.errors import NotLoggedInError, TokenFileError
from strava_auth_helper.model.token import Token
from strava_auth_helper.store.token_file import read_token
from tests.fakes import save, token_answer
from tests.helpers import ACCESS, REFRESH


def make_token(**overrides: object) -> Token:
    data = {**token_answer(), "scope": "read", "client_id": 1, **overrides}
    return Token.from_dict(data, "test")


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    token = make_token(custom_field="kept")
    save(path, token)
    again = read_token(path)
    assert again == token
    assert again.extra == {"custom_field": "kept"}
    assert again.athlete == {"id": 134815, "firstname": "Jane", "lastname": "Runner"}


def test_repr_hides_tokens() -> None:
    text = repr(make_token())
    assert ACCESS not in text
    assert REFRESH not in text
    assert "134815" in text


def test_missing_file_says_login(tmp_path: Path) -> None:
    with pytest.raises(NotLoggedInError, match="strava-auth login") as caught:
        read_token(tmp_path / "none.json")
    assert str(tmp_path / "none.json") in str(caught.value)


@pytest.mark.parametrize(
    "content", [b"{not json", b"[]", b'{"access_token": "a"}', b"\xff\xfe", b""]
)
def test_corrupt_file_is_a_clear_error_and_left_in_place(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(TokenFileError, match="strava-auth login"):
        read_token(path)
    assert path.read_bytes() == content


def test_expiry_helpers() -> None:
    token = make_token(expires_at=1000)
    assert token.seconds_left(now=400) == 600
    assert token.is_fresh(300, now=400)
    assert not token.is_fresh(600, now=400)


def test_written_json_is_what_stravalib_needs(tmp_path: Path) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    save(path, make_token())
    data = json.loads(path.read_text())
    assert {"access_token", "refresh_token", "expires_at"} <= set(data)
    assert isinstance(data["expires_at"], int)


ODD_FILES = {
    "Infinity": '{"access_token": "a", "refresh_token": "r", "expires_at": Infinity}',
    "NaN": '{"access_token": "a", "refresh_token": "r", "expires_at": NaN}',
    "1e300": '{"access_token": "a", "refresh_token": "r", "expires_at": 1e300}',
    "huge int": '{"access_token": "a", "refresh_token": "r", "expires_at": ' + "9" * 5000 + "}",
    "deep nesting": '{"access_token": "a", "refresh_token": "r", "x": '
    + "[" * 50_000
    + "]" * 50_000
    + "}",
    "too large": '{"access_token": "a", "refresh_token": "r", "pad": "' + "x" * 100_000 + '"}',
}


@pytest.mark.parametrize("name", list(ODD_FILES))
def test_odd_values_are_a_token_file_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    path.write_text(ODD_FILES[name])
    with pytest.raises(TokenFileError, match="strava-auth login"):
        read_token(path)


def test_odd_values_stored_in_a_sane_file_are_dropped() -> None:
    token = make_token(
        expires_in=float("inf"),
        client_id=10**30,
        athlete={"id": "1; DROP", "firstname": {"nested": True}, "lastname": "L" * 10_000},
        scope="read," * 1000,
    )
    assert token.expires_in is None
    assert token.client_id is None
    assert token.athlete == {"lastname": "L" * 200}
    assert token.scope == "read"  # scope names, each once: never longer than 16 of them


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="Windows has no FIFOs in the file system")
def test_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "d" / "t.json"
    path.parent.mkdir()
    os.mkfifo(path)
    with pytest.raises(TokenFileError, match="not a regular file"):
        read_token(path)  # returns at once: nobody ever writes into that FIFO
