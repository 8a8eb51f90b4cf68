"""What reaches the login through the catcher, and how the request that brought it is answered."""

from __future__ import annotations

import contextlib
import hmac
import logging
import queue
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from ..model.scopes import granted_scope
from ..safe_text import clean
from . import pages

log = logging.getLogger(__name__)

#: How long a browser's request waits for the login to decide its page. The exchange with
#: Strava has its own, shorter, HTTP timeouts; this only bounds a login that died.
REPLY_TIMEOUT = 120.0
#: How long the login waits for its page to reach the browser before it returns.
SEND_TIMEOUT = 10.0
#: Longest pasted bare code taken (Strava's are 40 characters).
MAX_CODE = 256


@dataclass(frozen=True)
class Redirect:
    """What Strava's redirect carried: a code (and the granted scope) or an error."""

    code: str | None = field(repr=False)  # a secret, if short-lived
    scope: str | None = None
    error: str | None = None

    @property
    def complete(self) -> bool:
        """It carries a code or an error: something that ends the login.

        The one rule for a redirect, whether a browser brought it or it was pasted.
        """
        return self.code is not None or self.error is not None


States = str | tuple[str, ...]


def state_matches(given: str | None, expected: States) -> bool:
    """Constant-time comparison of the redirect's ``state`` with each one ``expected``."""
    if given is None:
        return False
    found = False
    for state in (expected,) if isinstance(expected, str) else expected:
        found |= bool(state) and hmac.compare_digest(given.encode(), state.encode())
    return found


def redirect_from_query(query: str, expected_state: States) -> Redirect | None:
    """The redirect in a query string, or None when ``state`` is missing or wrong."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not state_matches(params.get("state"), expected_state):
        return None
    error = clean(params["error"], 100) if params.get("error") else None
    return Redirect(params.get("code") or None, granted_scope(params.get("scope")), error)


def parse_pasted(text: str, expected_state: States) -> Redirect | None:
    """A pasted redirect address or bare code; None if it is neither.

    An address must have this login's ``state``, and a code or an error.
    """
    text = text.strip().split("#", 1)[0]  # a fragment (Strava adds #_=_) is not part of it
    if not text:
        return None
    if "?" in text or "=" in text:
        redirect = redirect_from_query(text.split("?", 1)[-1], expected_state)
        return redirect if redirect is not None and redirect.complete else None
    if text.isascii() and text.isalnum() and 8 <= len(text) <= MAX_CODE:
        return Redirect(text)
    return None


@dataclass(frozen=True)
class SetupForm:
    """What the set-up page's form carried, as typed (checked by the login)."""

    client_id: str
    client_secret: str = field(repr=False)


class Arrival:
    """A redirect (from the browser or pasted) or a set-up form, waiting for the login's answer.

    The request that brought it waits for :meth:`answer`: a page, or (to a form) the address
    the browser goes to next.
    """

    def __init__(self, what: Redirect | SetupForm, *, from_browser: bool) -> None:
        self.what = what
        self._reply: queue.Queue[pages.Page | str] = queue.Queue(maxsize=1)
        self._sent = threading.Event()
        if not from_browser:
            self._sent.set()  # nobody to answer

    def answer(self, reply: pages.Page | str) -> None:
        """Send ``reply`` to the browser that brought this (the first answer only).

        Returns once it went out, or could not.
        """
        with contextlib.suppress(queue.Full):  # answered already
            self._reply.put_nowait(reply)
        if not self._sent.wait(SEND_TIMEOUT):
            log.debug("the browser did not take its page in time")

    def reply(self) -> pages.Page | str:
        """The login's answer, for the request that waits (a failure page if none came)."""
        try:
            return self._reply.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            return pages.failed("The login stopped before it could finish.")

    def replied(self) -> None:
        """The answer went out (or could not)."""
        self._sent.set()
