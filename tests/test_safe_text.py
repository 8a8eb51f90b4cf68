"""What may be printed of untrusted text: no secret, no piece of one, no control character."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from strava_auth_helper.safe_text import clean, print_safely, redact, safe

SECRET = "s3cr3t/v4lue+with=signs"  # noqa: S105 - a test value


@pytest.mark.parametrize(
    "text",
    [
        f"client_secret={SECRET}",
        f"echoed form: client_secret={quote(SECRET, safe='')}&code=x",
        f"path form: {quote(SECRET, safe='/')}",
        f"a piece of it: ...{SECRET[3:13]}...",
        f"its end: {SECRET[-8:]}",
        f"twice: {SECRET} and {SECRET}",
    ],
    ids=["whole", "url-encoded", "url-encoded, slashes kept", "a piece", "its end", "twice"],
)
def test_no_run_of_eight_characters_of_a_secret_survives(text: str) -> None:
    out = redact(text, [SECRET])
    forms = [SECRET, quote(SECRET, safe=""), quote(SECRET, safe="/")]
    assert "***" in out
    for form in forms:
        assert not any(form[i : i + 8] in out for i in range(len(form) - 7)), out


def test_what_is_not_secret_is_kept_and_a_hidden_run_is_one_mark() -> None:
    assert redact(f"before {SECRET} after", [SECRET]) == "before *** after"
    assert redact("nothing to hide here", [SECRET, None, ""]) == "nothing to hide here"


def test_seven_characters_of_a_secret_are_no_secret() -> None:
    # Shorter runs are everyday text ("s3cr3t/" could be anything): only 8 or more count.
    assert redact(f"x{SECRET[:7]}x", [SECRET]) == f"x{SECRET[:7]}x"


def test_a_short_secret_is_hidden_whole_and_a_tiny_one_not_at_all() -> None:
    assert redact("code=ab12c here", ["ab12c"]) == "code=*** here"
    assert redact("a b c", ["a"]) == "a b c"  # under 4 characters: it would hide everything


def test_clean_makes_one_line_of_anything() -> None:
    assert clean("a\nb\x1b[31m\u202ec\ud800") == "a b [31m c\ufffd"
    assert clean("x" * 300, 10) == "x" * 9 + "…"


def test_safe_cleans_then_redacts() -> None:
    assert safe(f"Strava said:\n{SECRET}", [SECRET]) == "Strava said: ***"


def test_printing_never_fails_on_an_encoding() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    print_safely("Zoë ✓", stream)
    stream.seek(0)
    assert stream.read() == "Zo\\xeb \\u2713\n"
