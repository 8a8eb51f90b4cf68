"""The examples under examples/ do what the README says."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from .conftest import ACCESS, REFRESH, stored

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_requests_example_calls_the_api_with_the_stored_token(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json({"id": 134815, "firstname": "Jane", "lastname": "Runner"})
    example = load_example("requests_athlete")
    me = example.athlete(strava.url_for("/api/v3"), str(token_path))
    assert me["firstname"] == "Jane"
    strava.check_assertions()


def test_stravalib_example_hands_over_the_three_fields(
    token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[dict[str, object]] = []

    class FakeClient:  # records what the example hands to stravalib.Client
        def __init__(self, **kwargs: object) -> None:
            created.append(kwargs)

    fake = types.ModuleType("stravalib")
    fake.Client = FakeClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "stravalib", fake)
    token = stored(token_path, 3600)
    load_example("stravalib_client").make_client(str(token_path))
    assert created == [
        {"access_token": ACCESS, "refresh_token": REFRESH, "token_expires": token.expires_at}
    ]
