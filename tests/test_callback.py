"""The catcher on its own: where it listens, how it parses redirects and pasted input."""

from __future__ import annotations

import socket

import pytest

from strava_auth_helper import pages
from strava_auth_helper.callback import Catcher, Redirect, parse_pasted, state_matches

from .conftest import http_get


def _catcher(port: int = 0) -> Catcher:
    return Catcher(port, "s" * 43, lambda r: pages.declined())


def test_listens_on_loopback_only_without_address_reuse() -> None:
    with _catcher() as catcher:
        sock = catcher._server.socket
        assert sock.getsockname()[0] == "127.0.0.1"
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 0
        assert catcher.redirect_uri == f"http://127.0.0.1:{catcher.port}/authorization"


def test_cannot_share_a_port_with_another_program(busy_port: int) -> None:
    with pytest.raises(OSError):  # noqa: PT011 - any bind failure is the point
        _catcher(busy_port)


def test_close_releases_the_port() -> None:
    catcher = _catcher()
    catcher.start()
    port = catcher.port
    catcher.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_only_the_first_valid_redirect_is_handled() -> None:
    handled: list[Redirect] = []

    def on_redirect(redirect: Redirect) -> pages.Page:
        handled.append(redirect)
        return pages.declined()

    with Catcher(0, "the-state", on_redirect) as catcher:
        catcher.start()
        first = http_get(catcher.redirect_uri, params={"state": "the-state", "error": "x"})
        second = http_get(catcher.redirect_uri, params={"state": "the-state", "error": "y"})
        assert catcher.wait(5)
    assert first.status_code == 200
    assert second.status_code == 409
    assert [r.error for r in handled] == ["x"]


def test_redirect_without_code_or_error_is_refused() -> None:
    with _catcher() as catcher:
        catcher.start()
        answer = http_get(catcher.redirect_uri, params={"state": catcher.state})
        assert answer.status_code == 400
        assert not catcher.wait(0)


@pytest.mark.parametrize(
    ("given", "ok"), [("abc", True), ("abd", False), ("ab", False), (None, False), ("", False)]
)
def test_state_matches(given: str | None, ok: bool) -> None:
    assert state_matches(given, "abc") is ok


def test_parse_pasted() -> None:
    url = "http://127.0.0.1:5000/authorization?state=abc&code=c0de1234&scope=read"
    parsed = parse_pasted(url + "\n", "abc")
    assert parsed is not None
    assert (parsed.code, parsed.scope, parsed.error) == ("c0de1234", "read", None)
    assert parse_pasted(url, "other") is None
    assert parse_pasted("  c0de1234abcd  ", "abc").code == "c0de1234abcd"  # type: ignore[union-attr]
    assert parse_pasted("hello world", "abc") is None
    assert parse_pasted("", "abc") is None
    denied = parse_pasted("state=abc&error=access_denied", "abc")
    assert denied is not None
    assert denied.error == "access_denied"


def test_redirect_repr_hides_the_code() -> None:
    assert "c0de1234" not in repr(Redirect("c0de1234", "read", None))
