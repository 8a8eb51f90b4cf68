"""How a login talks to the person: lines at a terminal (and its prompts), or a notebook's link."""

from __future__ import annotations

import getpass
import sys
from html import escape
from typing import TextIO

from ..errors import ConfigError
from ..model.app import SETTINGS_URL, Credentials, parse_client_id, parse_client_secret
from ..safe_text import print_safely
from ..settings import missing_credentials_message
from .arrivals import Arrival, parse_pasted
from .catcher import Catcher
from .paste_reader import PasteReader
from .words import Words

NOT_THIS_LOGIN = "That is not this login's redirect address or code; try again."
PASTE_PROMPT = (
    "Paste the address your browser landed on (or just press Enter once the page said Connected): "
)


class Frontend:
    """Lines on a terminal (``out``, default standard output).

    With ``prompts`` (a terminal the person types at), the app's credentials are asked for
    here rather than on the set-up page.
    """

    def __init__(self, out: TextIO | None = None, *, prompts: bool = False) -> None:
        self.out = out or sys.stdout
        self.prompts = prompts

    def say(self, line: str) -> None:
        """One line of progress."""
        print_safely(line, self.out)

    def show_address(self, url: str) -> None:
        """The authorize address, on a line of its own."""
        self.say("Open this address in a browser to authorize access to Strava:")
        self.say(url)

    def waiting(self, timeout: float, hint: tuple[str, Words] | None, short: str = "") -> None:
        """The login waits for the browser: for how long, how to cancel, and ``hint``.

        ``short`` is a short address that leads to the page the browser should show.
        """
        self.say(f"Waiting for the browser (up to {_span(timeout)}; {self.cancel} to cancel)...")
        if hint is not None:
            self.say(f"If {hint[0]}: {hint[1].text()}")

    cancel = "press Ctrl+C"

    def browser_failed(self, short: str) -> None:
        """No browser could be opened; ``short`` leads where it should have gone."""
        self.say("Could not open a browser: open the address above yourself.")

    def show_setup(self, url: str) -> None:
        """The set-up page's address (the app's credentials are typed there)."""
        self.say("Set up this computer's Strava app in the browser, at:")
        self.say(url)

    def introduce_prompts(self, problem: Words | None) -> None:
        """Why the app's credentials are asked for: none yet, or ``problem`` with the saved ones."""
        if problem is None:
            self.say(
                f"No Strava app credentials found. Create an app at {SETTINGS_URL} "
                "(Authorization Callback Domain: localhost), then copy its values here."
            )
            return
        self.say(problem.text())
        self.say(
            "Type the app's values again; they replace the saved ones once Strava accepts them."
        )

    def ask_credentials(self, client_id: int | None) -> Credentials:
        """The app's Client ID (unless ``client_id`` is known) and Client Secret, typed.

        Raises:
            ConfigError: what was typed is not a client ID, or nothing was typed.
        """
        try:
            if client_id is None:
                client_id = parse_client_id(input("Client ID: "), "your input")
            else:
                self.say(f"Client ID: {client_id}")
            secret = getpass.getpass("Client Secret (not shown): ").strip()
        except EOFError:
            raise ConfigError(missing_credentials_message()) from None
        if not secret:
            raise ConfigError("no client secret given")
        return Credentials(client_id, parse_client_secret(secret, "your input"))

    def keep_credentials(self) -> bool:
        """Whether typed credentials are to be saved once Strava accepted them (Enter: yes)."""
        try:
            answer = input(
                "Save them on this computer (readable only by you) once Strava accepts them? [Y/n] "
            )
        except EOFError:
            raise ConfigError(missing_credentials_message()) from None
        return answer.strip().lower() in ("", "y", "yes")

    def wait(self, catcher: Catcher, timeout: float, paste: TextIO | None) -> Arrival | None:
        """What comes next for the login (see :meth:`Catcher.next_arrival`), or None.

        A redirect pasted into ``paste`` counts too; reading it stops when this returns, so the
        stream is left for whoever reads it next.
        """
        if paste is None:
            return catcher.next_arrival(timeout)
        reader = PasteReader(paste, lambda line: self._pasted(line, catcher))
        reader.start()
        try:
            return catcher.next_arrival(timeout)
        finally:
            reader.stop()

    def _pasted(self, line: str, catcher: Catcher) -> bool:
        redirect = parse_pasted(line, catcher.states)
        if redirect is None:
            self.say(NOT_THIS_LOGIN)
            return False
        catcher.offer(redirect)
        return True


def running_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel (IPython is never imported for this).

    A kernel has loaded IPython already.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class NotebookFrontend(Frontend):
    """A clickable link instead of a bare address, and the input box for a pasted one."""

    cancel = "interrupt the kernel"

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

    def wait(self, catcher: Catcher, timeout: float, paste: TextIO | None) -> Arrival | None:
        """What comes next, from the browser or typed into the notebook's input box."""
        if paste is None:
            return catcher.next_arrival(timeout)
        while True:  # the input box blocks: the redirect may also have come meanwhile
            arrival = catcher.next_arrival(0, last_chance=False)
            if arrival is not None:
                return arrival
            text = input(PASTE_PROMPT)
            pasted = parse_pasted(text, catcher.states)
            if pasted is not None:
                catcher.offer(pasted)
            elif text.strip():
                self.say(NOT_THIS_LOGIN)


def _span(seconds: float) -> str:
    """300 -> "5 min", 90 -> "90 s"."""
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
