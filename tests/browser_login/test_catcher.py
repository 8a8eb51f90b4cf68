"""The catcher on its own: where it listens, how it parses redirects and pasted input."""

from __future__ import annotations

import socket
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
import requests

from strava_auth_helper.browser_login import pages
from strava_auth_helper.browser_login.arrivals import Redirect, parse_pasted, state_matches
from strava_auth_helper.browser_login.catcher import Catcher
from tests.helpers import http_get


def _catcher(port: int = 0) -> Catcher:
    return Catcher(port, "s" * 43)


def get_in_background(url: str, **params: str) -> Future[requests.Response]:
    """A browser's request that waits for its page while the test plays the login."""
    return ThreadPoolExecutor(1).submit(http_get, url, params=params)


def test_redirect_uri_is_the_bound_loopback_port() -> None:
    with _catcher() as catcher:
        assert catcher.redirect_uri == f"http://127.0.0.1:{catcher.port}/authorization"
        with socket.create_connection(("127.0.0.1", catcher.port), timeout=5):
            pass  # bound there, before it serves


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


def test_only_the_first_valid_redirect_is_handed_over_and_answered_by_the_login() -> None:
    with Catcher(0, "the-state") as catcher:
        catcher.start()
        first = get_in_background(catcher.redirect_uri, state="the-state", error="x")
        arrival = catcher.next_arrival(5)
        second = http_get(catcher.redirect_uri, params={"state": "the-state", "error": "y"})
        assert not first.done()  # the browser waits for the login's verdict
        assert arrival is not None
        arrival.answer(pages.declined())
        assert first.result().status_code == 200
        assert "declined" in first.result().text
    assert arrival.what == Redirect(None, None, "x")
    assert second.status_code == 409


def test_pasted_redirect_is_handed_over_and_closes_the_door() -> None:
    with _catcher() as catcher:
        catcher.start()
        assert catcher.offer(Redirect("c0de1234abcd", "read")) is not None
        arrival = catcher.next_arrival(5)
        assert arrival is not None
        assert arrival.what == Redirect("c0de1234abcd", "read")
        arrival.answer(pages.declined())  # nobody to answer: returns at once
        late = http_get(catcher.redirect_uri, params={"state": catcher.state, "code": "x"})
        assert late.status_code == 409


def test_after_a_timeout_nothing_is_accepted() -> None:
    with _catcher() as catcher:
        catcher.start()
        assert catcher.next_arrival(0.05) is None
        late = http_get(catcher.redirect_uri, params={"state": catcher.state, "code": "abc"})
        assert late.status_code == 409
        assert catcher.offer(Redirect("c0de1234abcd")) is None


def test_a_redirect_accepted_as_the_wait_ends_is_still_handed_over() -> None:
    with _catcher() as catcher:
        catcher.offer(Redirect("c0de1234abcd"))  # arrived, but nobody was waiting yet
        assert what_arrives(catcher, 0) == Redirect("c0de1234abcd")


def test_redirect_without_code_or_error_is_refused() -> None:
    with _catcher() as catcher:
        catcher.start()
        answer = http_get(catcher.redirect_uri, params={"state": catcher.state})
        assert answer.status_code == 400
        assert catcher.next_arrival(0) is None


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


def test_a_look_without_last_chance_keeps_the_door_open() -> None:
    with _catcher() as catcher:
        assert catcher.next_arrival(0, last_chance=False) is None
        assert catcher.offer(Redirect("c0de1234abcd")) is not None  # still accepted
        assert what_arrives(catcher, 0, last_chance=False) == Redirect("c0de1234abcd")


def what_arrives(catcher: Catcher, timeout: float, *, last_chance: bool = True) -> object:
    arrival = catcher.next_arrival(timeout, last_chance=last_chance)
    return None if arrival is None else arrival.what
