"""Logins and commands driven as a person would: on threads, as processes, at a terminal."""

from __future__ import annotations

import io
import os
import queue
import re
import select
import signal
import subprocess
import threading
import time
import urllib.error
from collections.abc import Iterable, Iterator
from html import unescape
from pathlib import Path
from typing import TextIO, cast
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from strava_auth_helper.browser_login.flow import LoginOptions, LoginResult, run_login
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    press_authorize,
)
from strava_auth_helper.errors import StravaAuthError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.model.scopes import DEFAULT_SCOPE
from strava_auth_helper.settings import FoundCredentials
from tests.fakes import APP
from tests.helpers import CODE, WINDOWS, http_get


class LineQueue(io.TextIOBase):
    """A text stream whose complete lines can be awaited from another thread."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.text = ""
        self._partial = ""

    def write(self, s: str) -> int:
        self.text += s
        self._partial += s
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self.lines.put(line)
        return len(s)

    def wait_for(self, prefix: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line.startswith(prefix):
                return line


def kill_hard(pid: int) -> None:
    """End process ``pid`` at once.

    End process ``pid`` at once: SIGKILL, or TerminateProcess on Windows (what os.kill
    does there with any signal).
    """
    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


def kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` and, on Windows, its children.

    Kill ``proc`` and, on Windows, its children: a virtual environment's python.exe is a
    launcher that runs the real interpreter as its child, which proc.kill() would miss.
    """
    if WINDOWS:
        import psutil

        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
    proc.kill()


class PtyProcess:
    """A subprocess whose stdin is a terminal (and that has no other controlling terminal).

    POSIX only: tests that use it are marked :data:`NEEDS_PTY`.
    """

    def __init__(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        import pty  # not on Windows

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=env
        )
        os.close(slave)
        self.output = b""

    def expect(self, text: str, timeout: float = 20, *, times: int = 1) -> None:
        """Read until ``text`` was written (``times`` times, counting what came before)."""
        while self.output.count(text.encode()) < times:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"waited for {text!r}, got {self.output!r}"
            try:
                self.output += os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                break
        assert self.output.count(text.encode()) >= times

    def send(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def lines(self) -> Iterator[str]:
        return iter(self.output.decode(errors="replace").splitlines())


def wait_for_login_url(lines: Iterable[str]) -> str:
    """The authorize address a login prints, as soon as it is printed.

    The authorize address a login prints on a line of its own, as soon as it is printed
    (``lines`` is read no further: the login's later lines are left for the test).
    """
    for line in lines:
        if line.startswith("http"):
            return line.strip()
    pytest.fail("the login ended without printing the address to open")


def started_login(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: int = subprocess.PIPE
) -> tuple[subprocess.Popen[str], str]:
    """A login started as its own process (text pipes), and the address it printed."""
    proc = subprocess.Popen(
        argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, wait_for_login_url(proc.stdout)


class CliLogin:
    """``strava-auth login`` in a subprocess; the test plays the browser.

    ``strava-auth login`` in a subprocess (``--no-browser`` unless ``browser``); the test
    plays the browser, or pastes into its standard input.
    """

    def __init__(
        self,
        cmd: list[str],
        *args: str,
        browser: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        flags = [] if browser else ["--no-browser"]
        self.proc = subprocess.Popen(
            [*cmd, "login", *flags, "--port", "0", "--timeout", "30", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.head = self.read_until("http")
        self.url = self.head.splitlines()[-1].strip()
        query = parse_qs(urlsplit(self.url).query)
        self.state = query["state"][0]
        self.redirect_uri = query["redirect_uri"][0]
        self.port = urlsplit(self.redirect_uri).port
        self.redirect = f"{self.redirect_uri}?state={self.state}&code={CODE}"

    def read_until(self, text: str) -> str:
        """Everything printed so far, up to the first line with ``text``."""
        assert self.proc.stdout is not None
        head = getattr(self, "head", "")
        for line in self.proc.stdout:
            head += line
            if text in line:
                self.head = head
                return head
        assert self.proc.stderr is not None
        pytest.fail(f"never printed {text!r}: {head}{self.proc.stderr.read()}")

    def browse(self, **params: str) -> str:
        return http_get(self.redirect_uri, params={"state": self.state, **params}).text

    def finish(self, paste: str = "") -> tuple[int, str, str]:
        # Read the rest through the same file object: lines it has already buffered while
        # looking for the address would be lost to communicate(), which reads the pipe.
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self.proc.stdin.write(paste)
        self.proc.stdin.close()
        out, err = self.proc.stdout.read(), self.proc.stderr.read()
        return self.proc.wait(timeout=30), self.head + out, err


def sim_login(sim: SimulatedStrava, token_path: Path, scope: str = DEFAULT_SCOPE) -> LoginResult:
    """The real login against the simulation, the athlete pressing Authorize (no browser).

    The athlete's click runs on the login's browser thread, where a failure only means "no
    browser": it is raised here instead of a login that waits for its timeout.
    """
    failures: list[BaseException] = []

    def athlete(url: str) -> str:
        try:
            return press_authorize(url)
        except BaseException as exc:
            failures.append(exc)
            raise

    options = LoginOptions(token_path, sim.base_url, scope=scope, port=0, timeout=30)
    app = FoundCredentials(Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
    try:
        return run_login(options, app, out=io.StringIO(), opener=athlete)
    except StravaAuthError:
        if failures and not isinstance(failures[0], urllib.error.HTTPError):
            raise failures[0] from None
        raise  # (the page it answered with said so too)


class LoginRun:
    """A login running on a thread; the test plays the browser.

    ``app`` is the app's credentials it finds (None: none, so it serves the set-up page).
    """

    def __init__(self, options: LoginOptions, app: FoundCredentials | None = APP) -> None:
        self.out = LineQueue()
        self.result: LoginResult | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(options, app), daemon=True)
        self._thread.start()
        self.url = self.out.wait_for("http")
        self.port = urlsplit(self.url).port  # (the set-up page's: the catcher's own)
        self.setup_url = self.url if "/setup/" in self.url else None
        if self.setup_url is None:
            self.authorize(self.url)

    def authorize(self, url: str) -> None:
        """Go on with Strava's authorize address ``url`` (the set-up page's answer)."""
        self.url = url
        query = parse_qs(urlsplit(self.url).query)
        self.state = query["state"][0]
        self.redirect_uri = query["redirect_uri"][0]
        self.port = urlsplit(self.redirect_uri).port

    def _run(self, options: LoginOptions, app: FoundCredentials | None) -> None:
        try:
            opener = lambda url: True  # noqa: E731 - the test is the browser
            self.result = run_login(options, app, out=cast(TextIO, self.out), opener=opener)
        except BaseException as exc:  # handed to the test
            self.error = exc

    def redirect(self, **params: str) -> str:
        """The callback URL a browser would be sent to."""
        return self.redirect_uri + "?" + urlencode(params)

    def finish(self, timeout: float = 10) -> LoginResult:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "login did not finish"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def failure(self, timeout: float = 10) -> BaseException:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "login did not finish"
        assert self.error is not None, "login succeeded but a failure was expected"
        return self.error


def fill_setup_page(
    url: str, client_id: int | str, secret: str, *, origin: str | None = None
) -> requests.Response:
    """Send the set-up page's form as its browser would; the catcher's answer (not followed).

    Sent with the ``Origin`` a browser gives it (the page's own, unless ``origin`` says).
    """
    page = http_get(url)
    assert page.status_code in (200, 401), page.text
    found = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert found is not None, "the set-up page has no form"
    own = url.split("/setup/", 1)[0]
    return requests.post(
        own + unescape(found.group(1)),
        data={"client_id": str(client_id), "client_secret": secret},
        headers={"Origin": origin or own, "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
        timeout=30,
    )


def browse_redirect(authorize_url: str, **params: str) -> str:
    """Play Strava's redirect back to the login for ``authorize_url``; the page it shows."""
    query = parse_qs(urlsplit(authorize_url.strip()).query)
    redirect = query["redirect_uri"][0]
    return http_get(redirect, params={"state": query["state"][0], **params}).text
