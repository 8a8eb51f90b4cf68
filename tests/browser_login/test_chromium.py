"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright.

Locally these skip when Chromium or Playwright is missing (the reason says how to enable them);
with CI=true a missing browser fails instead. No browser is downloaded at test time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strava_auth_helper.browser_login import pages
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
)
from strava_auth_helper.errors import LoginDeclinedError
from strava_auth_helper.settings import Credentials
from strava_auth_helper.store.token import read_token
from tests.helpers import LoginRun, require

# Debian's Chromium drives these: on the Windows leg there is no browser to drive.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="drives Debian's Chromium (Linux)")

# $CHROMIUM: another Chromium-based browser in its place (the GitHub workflow uses Chrome).
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    require(
        importlib.util.find_spec("playwright") is not None,
        "Playwright (Python package)",
        "pip install -e '.[test]'",
    )
    require(os.access(CHROMIUM, os.X_OK), "Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    yield context.new_page()
    context.close()


def demo_login(sim: SimulatedStrava, token_path: Path) -> LoginRun:
    return LoginRun(
        LoginOptions(
            credentials=Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            token_path=token_path,
            base_url=sim.base_url,
            port=0,
            timeout=60,
            open_browser=False,
        )
    )


def press(page: Any, run: LoginRun, button: str, screenshot: Path) -> None:
    """Click a button on the simulated authorize page and land on the catcher's page."""
    page.click(button)
    page.wait_for_url(f"http://127.0.0.1:{run.port}/authorization?*")
    page.screenshot(path=screenshot)


def test_authorize_lands_on_success_page(
    sim: SimulatedStrava, page: Any, token_path: Path, tmp_path: Path
) -> None:
    run = demo_login(sim, token_path)
    page.goto(run.url)
    page.screenshot(path=tmp_path / "authorize.png")
    press(page, run, "#authorize", tmp_path / "success.png")
    assert page.inner_text("h1") == "Connected, Demo!"
    assert "activity:read_all" in page.inner_text("main")
    assert str(token_path) in page.inner_text("main")
    run.finish()
    assert read_token(token_path).athlete["lastname"] == "Athlete"


def test_unticked_scope_is_named_on_the_page(
    sim: SimulatedStrava, page: Any, token_path: Path, tmp_path: Path
) -> None:
    run = demo_login(sim, token_path)
    page.goto(run.url)
    page.uncheck("input[value='activity:read_all']")
    press(page, run, "#authorize", tmp_path / "missing-scope.png")
    assert "Some permissions were not granted" in page.inner_text("main")
    assert "activity:read_all" in page.inner_text("div.note")
    assert run.finish().missing_scopes == ["activity:read_all"]


def test_cancel_lands_on_declined_page(
    sim: SimulatedStrava, page: Any, token_path: Path, tmp_path: Path
) -> None:
    run = demo_login(sim, token_path)
    page.goto(run.url)
    press(page, run, "#cancel", tmp_path / "declined.png")
    assert page.inner_text("h1") == "Access declined"
    assert "strava-auth login" in page.inner_text("main")
    assert isinstance(run.failure(), LoginDeclinedError)
    assert not token_path.exists()


ALL_PAGES = {
    "success": pages.success("Zoë", ["read", "activity:read_all"], [], "/home/z/.config/x/t.json"),
    "missing-scope": pages.success("Zoë", ["read"], ["activity:read_all"], "/home/z/t.json"),
    "declined": pages.declined(),
    "wrong-state": pages.wrong_state(),
    "error": pages.failed("Strava answered 400 Bad Request (AuthorizationCode/code/expired)"),
}


@pytest.fixture(
    scope="module", params=[("phone", 360), ("desktop", 1280)], ids=["phone", "desktop"]
)
def offline_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, str, int]]:
    """A page of the given width that cannot reach any network, shared by the page checks."""
    size, width = request.param
    context = browser.new_context(viewport={"width": width, "height": 740}, offline=True)
    yield context.new_page(), size, width
    context.close()


@pytest.mark.parametrize("name", list(ALL_PAGES))
def test_pages_fit_the_window_and_load_nothing_external(
    offline_page: tuple[Any, str, int], tmp_path: Path, name: str
) -> None:
    page, size, width = offline_page
    requested: list[str] = []

    def note(request: Any) -> None:
        requested.append(request.url)

    page.on("request", note)
    try:
        page.set_content(ALL_PAGES[name].html)
        page.screenshot(path=tmp_path / f"{name}-{size}.png", full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    finally:
        page.remove_listener("request", note)
    assert scroll_width <= width  # no sideways scrolling on a phone
    assert font_size >= 16
    assert requested == []  # renders offline: no fonts, images or scripts fetched


@pytest.fixture
def blocking_browser_script(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A BROWSER command that runs headless Chromium in the foreground.

    A BROWSER command that runs headless Chromium in the foreground (it blocks until
    Chromium exits) with a DevTools port the test can drive.
    """
    profile = tmp_path / "profile"
    script = tmp_path / "browser.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo $$ > "{tmp_path}/chromium.pid"\n'
        f'exec "{CHROMIUM}" --headless {" ".join(FLAGS)} --remote-debugging-port=0 '
        f'--user-data-dir="{profile}" "$1"\n'
    )
    script.chmod(0o755)
    yield str(script), profile
    pid_file = tmp_path / "chromium.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def wait_for_file(path: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)  # polling for Chromium's DevTools port file, not timing anything
    return path.read_text()


def test_default_login_opens_the_browser_itself(
    playwright: Any,
    sim: SimulatedStrava,
    blocking_browser_script: tuple[str, Path],
    token_path: Path,
    tmp_path: Path,
) -> None:
    script, profile = blocking_browser_script
    env = dict(os.environ)
    env.update(
        BROWSER=script,
        STRAVA_BASE_URL=sim.base_url,
        STRAVA_CLIENT_ID=str(DEMO_CLIENT_ID),
        STRAVA_CLIENT_SECRET=DEMO_CLIENT_SECRET,
    )
    # Files, not pipes: Chromium inherits them and outlives the login.
    out_file, err_file = (tmp_path / "login.out").open("w+"), (tmp_path / "login.err").open("w+")
    login = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "strava_auth_helper",
            "login",
            "--port",
            "0",
            "--timeout",
            "60",
            "--token-file",
            str(token_path),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_file,
        stderr=err_file,
    )
    port = int(wait_for_file(profile / "DevToolsActivePort").splitlines()[0])
    chromium = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
    try:
        page = next(p for c in chromium.contexts for p in c.pages if "/oauth/authorize" in p.url)
        page.wait_for_selector("#authorize")
        page.click("#authorize")
        page.wait_for_url("http://127.0.0.1:*/authorization?*")
        page.screenshot(path=tmp_path / "opened-by-login.png")
        assert page.inner_text("h1") == "Connected, Demo!"
        status = login.wait(timeout=30)  # ends though the browser it opened still runs
    finally:
        chromium.new_browser_cdp_session().send("Browser.close")
    out, err = (tmp_path / "login.out").read_text(), (tmp_path / "login.err").read_text()
    assert status == 0, err
    assert "Logged in as Demo Athlete" in out
    assert read_token(token_path).athlete["firstname"] == "Demo"
