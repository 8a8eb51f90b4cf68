"""Text from the network or the user, made safe for a terminal or a log, with no secret in it."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote

# C0 and C1 controls, DEL, and the invisible Unicode characters that reorder or hide text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+")
# Lone surrogates (from JSON's "\ud800"): no encoding can write them.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A run of this many characters of a secret is treated as the secret.
_PIECE = 8


def clean(text: object, limit: int = 200) -> str:
    """``text`` on one line, without controls, at most ``limit`` long.

    Controls become spaces, spaces collapse, lone surrogates become U+FFFD.
    """
    flat = " ".join(_CONTROL.sub(" ", _SURROGATE.sub("\ufffd", str(text))).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def print_safely(text: str, stream: TextIO | None = None) -> None:
    """``print(text)`` that no encoding can make fail.

    Under ``PYTHONIOENCODING=ascii:strict`` or on a cp1252 console, what the stream cannot
    encode is written as a backslash escape. What is shown must never decide whether
    something that already happened counts.
    """
    out = stream if stream is not None else sys.stdout
    try:
        print(text, file=out, flush=True)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=out, flush=True)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every run of eight or more characters of a secret hidden.

    Hidden as ``***``, the secret as it is or URL-encoded (as an echoed form body carries it).
    """
    forms = {f for s in secrets if s for f in (s, quote(s, safe=""), quote(s, safe="/"))}
    pieces = {f[i : i + _PIECE] for f in forms for i in range(len(f) - _PIECE + 1)}
    for short in (f for f in forms if 4 <= len(f) < _PIECE):
        text = text.replace(short, "***")
    hidden = [False] * len(text)
    for i in range(len(text) - _PIECE + 1):
        if text[i : i + _PIECE] in pieces:
            hidden[i : i + _PIECE] = [True] * _PIECE
    out: list[str] = []
    for char, is_hidden in zip(text, hidden, strict=True):
        if not is_hidden:
            out.append(char)
        elif not out or out[-1] != "***":
            out.append("***")
    return "".join(out)


def safe(text: object, secrets: Iterable[str | None] = (), limit: int = 200) -> str:
    """:func:`clean` then :func:`redact`: what may be printed of untrusted ``text``."""
    return redact(clean(text, limit), secrets)
