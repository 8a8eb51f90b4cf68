"""login() in a real Jupyter kernel, running the example notebook.

login() in a real Jupyter kernel (ipykernel), running examples/notebook_login.ipynb against
the simulated Strava: the link is displayed, and the address the browser lands on is pasted
into the input box, as on Colab or a remote kernel where the redirect cannot reach it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from strava_auth_helper.browser_login.words import refused_advice
from strava_auth_helper.demo.simulated_strava import SimulatedStrava
from strava_auth_helper.store.token_file import read_token
from tests.helpers import ROOT

jupyter_client = pytest.importorskip(
    "jupyter_client", reason="the notebook test needs the test extra (ipykernel, jupyter_client)"
)

NOTEBOOK = ROOT / "examples" / "notebook_login.ipynb"


def test_every_cell_has_an_id_of_its_own() -> None:
    notebook = json.loads(NOTEBOOK.read_text())
    assert (notebook["nbformat"], notebook["nbformat_minor"]) >= (4, 5)  # ids are required
    ids = [cell.get("id") for cell in notebook["cells"]]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def code_cells() -> list[str]:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.fixture
def kernel(sim_env: SimulatedStrava, isolated_env: Path) -> Iterator[Any]:
    """A Python kernel with the simulation's settings and no browser (only Python on PATH)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PATH"] = str(Path(sys.executable).parent)
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(Path.cwd()))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def landing_address(authorize_url: str) -> str:
    """Press Authorize on the simulated page; where the browser would land.

    Press Authorize on the simulated page and return where the browser would land,
    without going there (on a remote kernel that address does not load).
    """
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form = [("redirect_uri", query["redirect_uri"]), ("state", query["state"])]
    form += [("action", "authorize")] + [("scope", s) for s in query["scope"].split(",")]
    accept = authorize_url.split("/oauth/authorize", 1)[0] + "/oauth/accept"
    answer = requests.post(accept, data=form, allow_redirects=False, timeout=10)
    return answer.headers["Location"]


def run_cell(client: Any, code: str, paste: bool = False) -> tuple[str, list[str]]:
    """Execute ``code``; answer its input box with the landing address of the link it shows.

    Returns what it printed and the HTML it displayed.
    """
    msg_id = client.execute(code, allow_stdin=True)
    printed, html, link, asked = "", [], None, None
    while True:
        try:
            msg = client.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            msg = None
        if msg and msg["parent_header"].get("msg_id") == msg_id:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                printed += content["text"]
            elif kind == "display_data":
                html.append(content["data"].get("text/html", ""))
                found = re.search(r'href="([^"]+)"', html[-1])
                link = unescape(found.group(1)) if found else link
            elif kind == "error":
                pytest.fail("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return printed, html
        with contextlib.suppress(queue.Empty):
            asked = client.get_stdin_msg(timeout=0.01)
        if asked is not None and link is not None:
            assert paste, "an input box nobody expected"
            client.input(landing_address(link))
            asked = None


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="Windows always has a default browser (os.startfile): the login opens it, no paste",
)
def test_the_example_notebook_logs_in_with_a_link_and_a_pasted_address(
    kernel: Any, sim_env: SimulatedStrava, isolated_env: Path
) -> None:
    login_cell, activities_cell = code_cells()
    printed, html = run_cell(kernel, login_cell, paste=True)
    assert any("open Strava's authorize page" in h for h in html)  # a clickable link
    assert "Logged in as Demo Athlete; scopes: read,activity:read_all" in printed
    assert read_token(isolated_env / "token.json").athlete["firstname"] == "Demo"
    printed, _ = run_cell(kernel, activities_cell)
    assert printed.splitlines() == ["Morning Run", "Lunch Ride", "Hill Repeats"]


def test_advice_at_a_terminal_keeps_a_links_address() -> None:
    said = refused_advice("client_secret", 4242).text()
    assert "your API settings page (https://www.strava.com/settings/api)" in said
