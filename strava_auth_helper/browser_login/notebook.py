"""The login in a notebook: the address as a link, and an input box.

The login in a notebook (a running IPython kernel): the address as a link, and an input
box for the address the browser lands on where the redirect cannot reach the kernel.
"""

from __future__ import annotations

import sys
from html import escape
from typing import TextIO

from .catcher import Catcher, Redirect, parse_pasted
from .flow import NOT_THIS_LOGIN, Frontend

PASTE_PROMPT = (
    "Paste the address your browser landed on (or just press Enter once the page said Connected): "
)


def running_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel.

    IPython is never imported for this: a kernel has loaded it already.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class NotebookFrontend(Frontend):
    """A clickable link instead of a bare address, and the input box for a paste.

    A clickable link instead of a bare address; ``input()`` (the notebook's input box)
    for a pasted address.
    """

    def show_address(self, url: str) -> None:
        """The authorize address as a link that opens in a new tab."""
        self._link("Authorize access to Strava:", url, "open Strava's authorize page")

    def show_setup(self, url: str) -> None:
        """The set-up page's address as a link (the app's credentials are typed there)."""
        self._link("No Strava app is set up on this computer yet:", url, "set it up in the browser")

    def _link(self, before: str, url: str, text: str) -> None:
        """A link to ``url`` after ``before`` (both texts are this module's own)."""
        from IPython.display import HTML, display  # loaded already: we are in its kernel

        link = (
            f'<p>{before} <a href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer">{text}</a></p>'
        )
        display(HTML(link))  # type: ignore[no-untyped-call]

    def wait(self, catcher: Catcher, timeout: float, paste: TextIO | None) -> Redirect | None:
        """The first valid redirect, from the browser or typed into the input box."""
        if paste is None:
            return catcher.next_redirect(timeout)
        while True:  # the input box blocks: the redirect may also have come meanwhile
            redirect = catcher.next_redirect(0, last_chance=False)
            if redirect is not None:
                return redirect
            text = input(PASTE_PROMPT)
            pasted = parse_pasted(text, catcher.state)
            if pasted is not None:
                catcher.offer(pasted)
            elif text.strip():
                self.say(NOT_THIS_LOGIN)
