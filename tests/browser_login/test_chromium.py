"""End to end in a real browser: headless Chromium (Debian's) driven by Playwright.

Locally these skip when Chromium or Playwright is missing (the reason says how to enable them);
with CI=true a missing browser fails instead. No browser is downloaded at test time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from strava_auth_helper.browser_login import pages
from strava_auth_helper.browser_login.flow import LoginOptions
from strava_auth_helper.browser_login.words import Words, failure_advice, refused_advice
from strava_auth_helper.demo.simulated_strava import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    SimulatedStrava,
    authorize_page,
)
from strava_auth_helper.errors import AppInactiveError, LoginDeclinedError
from strava_auth_helper.model.app import Credentials
from strava_auth_helper.settings import FoundCredentials
from strava_auth_helper.store.token_file import read_token
from tests.helpers import require
from tests.terminals import LoginRun

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
    options = LoginOptions(token_path, sim.base_url, port=0, timeout=60, open_browser=False)
    return LoginRun(options, FoundCredentials(Credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)))


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


#: Every page a person may see: the catcher's, for each audience where it differs, and the
#: simulated Strava's authorize page.
ALL_PAGES = {
    "setup": pages.setup(
        "/setup/k",
        strava_origin="https://www.strava.com",
        saved_to="/home/z/.config/strava-auth-helper/.env",
    ),
    "setup-refused": pages.setup(
        "/setup/k",
        strava_origin="https://www.strava.com",
        client_id=4242,
        problem=refused_advice("client_secret", 4242),
    ),
    "success": pages.success("Zoë", ["read", "activity:read_all"], [], "/home/z/.config/x/t.json"),
    "success-desktop": pages.success(
        "Zoë", ["read", "activity:read_all"], [], "/home/z/t.json", pages.DESKTOP
    ),
    "missing-scope": pages.success("Zoë", ["read"], ["activity:read_all"], "/home/z/t.json"),
    "missing-scope-desktop": pages.success(
        "Zoë", ["read"], ["activity:read_all"], "/home/z/t.json", pages.DESKTOP
    ),
    "inactive-desktop": pages.failed(
        "Strava answered 403 Forbidden (Application/Status/Inactive)",
        pages.DESKTOP,
        failure_advice(AppInactiveError("inactive", 403)),
        saved=True,
    ),
    "missing-scope-notebook": pages.success(
        "Zoë", ["read"], ["activity:read_all"], "/home/z/t.json", pages.NOTEBOOK
    ),
    "declined": pages.declined(),
    "declined-desktop": pages.declined(pages.DESKTOP),
    "wrong-state": pages.wrong_state(),
    "error": pages.failed("Strava answered 400 Bad Request (AuthorizationCode/code/expired)"),
    "error-desktop": pages.failed("Strava answered 503", pages.DESKTOP, Words("Strava is away.")),
    "asked-in-terminal": pages.asked_again_in_terminal(refused_advice("client_id", 1)),
    "timed-out": pages.timed_out(pages.NOTEBOOK),
    "not-found": pages.not_found(),
    "demo-authorize": authorize_page(
        ["read", "activity:read_all"], {"redirect_uri": "http://127.0.0.1:1/a", "state": "s"}
    ),
}

#: The widths a page must fit without sideways scrolling: a 320 px phone, a 1280 px window
#: at 200% zoom (640 CSS pixels), and the window itself.
WIDTHS = [("phone", 320, 1), ("zoom-200", 640, 2), ("desktop", 1280, 1)]


@pytest.fixture(scope="module", params=WIDTHS, ids=[w[0] for w in WIDTHS])
def offline_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, str, int]]:
    """A page of the given width that cannot reach any network, shared by the page checks."""
    size, width, scale = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 740}, device_scale_factor=scale, offline=True
    )
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
    assert scroll_width <= width  # no sideways scrolling on a phone, nor at 200% zoom
    assert font_size >= 16
    assert requested == []  # renders offline: no fonts, images or scripts fetched


@pytest.fixture(scope="module", params=["light", "dark"])
def scheme_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, str]]:
    """A page in the light or the dark colour scheme (``prefers-color-scheme``)."""
    context = browser.new_context(color_scheme=request.param, offline=True)
    yield context.new_page(), request.param
    context.close()


@pytest.mark.parametrize("name", list(ALL_PAGES))
def test_pages_pass_axe_core_in_both_colour_schemes(
    scheme_page: tuple[Any, str], name: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, scheme = scheme_page
    page.set_content(ALL_PAGES[name].html)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = sum(int(v) for v in background[4:-1].split(",")) < 3 * 100
    assert dark == (scheme == "dark")  # it honours prefers-color-scheme
    results = Axe().run(page)
    serious = [
        f"{v['id']}: {v['help']} ({v['nodes'][0]['html'][:80]})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


#: What a keyboard can reach on a page (Tab moves through these, in order).
FOCUSABLE = "a[href], button:not([hidden]), input:not([type=hidden]), summary"


@pytest.mark.parametrize("name", list(ALL_PAGES))
def test_every_control_is_reached_with_the_keyboard_and_shows_its_focus(
    page: Any, name: str
) -> None:
    page.set_content(ALL_PAGES[name].html)
    # What can be seen and used: a link in a closed <details> is reached once it is opened.
    expected = page.eval_on_selector_all(
        FOCUSABLE, "els => els.filter(e => e.checkVisibility()).length"
    )
    reached = []
    for _ in range(expected + 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.tagName, [...document.querySelectorAll('*')].indexOf(e),"
            " s.outlineStyle !== 'none' || s.boxShadow !== 'none'] }"
        )
        if focused[0] == "BODY":
            break
        reached.append(focused)
    assert len({tuple(r[:2]) for r in reached}) == expected
    assert all(shown for _, _, shown in reached)  # a visible focus ring on each


def test_the_setup_page_is_filled_and_sent_with_the_keyboard_alone(
    page: Any, sim: SimulatedStrava, isolated_env: Path, token_path: Path, tmp_path: Path
) -> None:
    run = setup_login(sim, token_path)
    assert run.setup_url is not None
    page.goto(run.setup_url)
    while page.evaluate("document.activeElement.id") != "client_id":
        page.keyboard.press("Tab")
    page.keyboard.type(str(DEMO_CLIENT_ID))
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_CLIENT_SECRET)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/oauth/authorize\?"))
    page.screenshot(path=tmp_path / "after-setup.png")
    assert page.inner_text("h1") == "Authorize Demo App"


def setup_login(sim: SimulatedStrava, token_path: Path) -> LoginRun:
    """A login with no credentials (as the launcher starts it): the set-up page first."""
    options = LoginOptions(token_path, sim.base_url, port=0, timeout=60, audience=pages.DESKTOP)
    return LoginRun(options, None)


def test_a_page_from_another_origin_cannot_post_credentials_to_the_login(
    page: Any, sim: SimulatedStrava, strava: HTTPServer, isolated_env: Path, token_path: Path
) -> None:
    run = setup_login(sim, token_path)
    assert run.setup_url is not None  # even knowing the one-time address...
    strava.expect_request("/favicon.ico").respond_with_data("", status=404)
    strava.expect_request("/evil").respond_with_data(
        f'<form method="post" action="{run.setup_url}">'
        f'<input name="client_id" value="{DEMO_CLIENT_ID}">'
        '<input name="client_secret" value="attackers-secret">'
        '<button id="go">go</button></form>',
        content_type="text/html",
    )
    page.goto(strava.url_for("/evil"))
    with page.expect_response(run.setup_url) as answer:
        page.click("#go")
    assert answer.value.status == 403  # ...a form from elsewhere is refused
    assert "its own page only" in page.inner_text("main")
    assert sim.requests == []  # Strava was never asked about those values
    assert not (isolated_env / ".env").exists()
    assert run.result is None  # the login still waits for its own page's form
    assert run.error is None


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


#: ``strava-auth login`` as its own process.
LOGIN = [sys.executable, "-m", "strava_auth_helper", "login"]


@contextlib.contextmanager
def login_opening_chromium(
    playwright: Any, argv: list[str], env: dict[str, str], profile: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Any]]:
    """A login that opens the blocking Chromium (its $BROWSER), and that Chromium, driven.

    Its output goes to files beside ``profile`` (login.out, login.err): not pipes, which
    Chromium would inherit and keep open after the login ended.
    """
    out_file, err_file = (
        (profile.parent / "login.out").open("w+"),
        (profile.parent / "login.err").open("w+"),
    )
    with out_file, err_file:
        login = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file
        )
        port = int(wait_for_file(profile / "DevToolsActivePort").splitlines()[0])
        chromium = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        try:
            yield login, chromium
        finally:
            chromium.new_browser_cdp_session().send("Browser.close")
            if login.poll() is None:
                login.kill()


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
    argv = [*LOGIN, "--port", "0", "--timeout", "60", "--token-file", str(token_path)]
    with login_opening_chromium(playwright, argv, env, profile) as (login, chromium):
        page = next(p for c in chromium.contexts for p in c.pages if "/oauth/authorize" in p.url)
        page.wait_for_selector("#authorize")
        page.click("#authorize")
        page.wait_for_url("http://127.0.0.1:*/authorization?*")
        page.screenshot(path=tmp_path / "opened-by-login.png")
        assert page.inner_text("h1") == "Connected, Demo!"
        status = login.wait(timeout=30)  # ends though the browser it opened still runs
    out, err = (tmp_path / "login.out").read_text(), (tmp_path / "login.err").read_text()
    assert status == 0, err
    assert "Logged in as Demo Athlete" in out
    assert read_token(token_path).athlete["firstname"] == "Demo"


def test_a_person_sets_up_in_the_browser_and_logs_in_as_the_launcher_does(
    playwright: Any,
    sim: SimulatedStrava,
    blocking_browser_script: tuple[str, Path],
    isolated_env: Path,
    token_path: Path,
    tmp_path: Path,
) -> None:
    script, profile = blocking_browser_script
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRAVA_CLIENT")}
    env.update(BROWSER=script, STRAVA_BASE_URL=sim.base_url, STRAVA_TOKEN_FILE=str(token_path))
    argv = [*LOGIN, "--launcher", "--port", "0", "--timeout", "60"]
    with login_opening_chromium(playwright, argv, env, profile) as (login, chromium):
        page = next(p for c in chromium.contexts for p in c.pages if "/setup/" in p.url)
        page.wait_for_selector("form")
        page.screenshot(path=tmp_path / "setup.png", full_page=True)
        page.get_by_label("Client ID").fill(str(DEMO_CLIENT_ID))
        page.get_by_label("Client Secret").fill("a-mistyped-secret")
        page.get_by_role("button", name="Continue to Strava").click()
        page.wait_for_selector("[role=alert]")
        page.screenshot(path=tmp_path / "setup-refused.png", full_page=True)
        assert "did not accept the Client Secret" in page.inner_text("[role=alert]")
        assert page.get_by_label("Client ID").input_value() == str(DEMO_CLIENT_ID)
        assert page.get_by_label("Client Secret").input_value() == ""  # never sent back
        assert not (isolated_env / ".env").exists()
        page.get_by_label("Client Secret").fill(DEMO_CLIENT_SECRET)
        page.get_by_role("button", name="Continue to Strava").click()
        page.wait_for_selector("#authorize")
        page.click("#authorize")
        page.wait_for_url("http://127.0.0.1:*/authorization?*")
        page.screenshot(path=tmp_path / "success-desktop.png", full_page=True)
        assert page.inner_text("h1") == "Connected, Demo!"
        said = page.inner_text("main")
        assert "There is nothing else to do; you can close this tab." in said  # in words:
        assert "get_access_token" not in said  # no code, and no hidden folder's path
        assert str(token_path) not in said
        status = login.wait(timeout=30)
    assert status == 0, (profile.parent / "login.err").read_text()
    assert read_token(token_path).athlete["firstname"] == "Demo"
    saved = (isolated_env / ".env").read_text()
    assert f"STRAVA_CLIENT_SECRET='{DEMO_CLIENT_SECRET}'" in saved
    assert "a-mistyped-secret" not in saved
