"""What the package exports is what its documentation names, and nothing it names is missing."""

from __future__ import annotations

import inspect
import re

import pytest

import strava_auth_helper
from strava_auth_helper import errors

#: The public callables whose docstrings say what they raise.
DOCUMENTED = ["get_access_token", "load_token", "login", "stravalib_client", "raise_for_status"]


def raised_names(obj: object) -> set[str]:
    """The exception names in the ``Raises:`` section of ``obj``'s docstring."""
    doc = inspect.getdoc(obj) or ""
    section = doc.split("Raises:", 1)[1] if "Raises:" in doc else ""
    section = re.split(r"\n\S", section, maxsplit=1)[0]  # up to the next section
    names = re.findall(r"^\s{4}([A-Z]\w+(?:, [A-Z]\w+)*):", section, re.MULTILINE)
    return {n for group in names for n in group.split(", ")}


def test_every_exported_name_exists() -> None:
    for name in strava_auth_helper.__all__:
        assert getattr(strava_auth_helper, name) is not None, name
    assert sorted(strava_auth_helper.__all__) == strava_auth_helper.__all__


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_exception_a_public_function_raises_is_exported(name: str) -> None:
    function = getattr(strava_auth_helper, name)
    assert "Raises:" in (inspect.getdoc(function) or ""), f"{name} says nothing of its errors"
    raised = raised_names(function) - {"ValueError", "TypeError"}
    assert raised <= set(strava_auth_helper.__all__)


def test_the_exception_tree_drawn_in_errors_is_what_is_exported() -> None:
    drawn = set(re.findall(r"[└├]── (\w+)", errors.__doc__ or "")) | {"StravaAuthError"}
    exported = {
        name
        for name in strava_auth_helper.__all__
        if isinstance(getattr(strava_auth_helper, name), type)
        and issubclass(getattr(strava_auth_helper, name), errors.StravaAuthError)
    }
    # The old names are the same classes as the drawn ones.
    assert {getattr(strava_auth_helper, n).__name__ for n in exported} == drawn


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("LoginDeclined", "LoginDeclinedError"),
        ("LoginTimeout", "LoginTimeoutError"),
        ("ScopesNotGranted", "ScopesNotGrantedError"),
        ("ReauthorizationRequired", "ReauthorizationRequiredError"),
    ],
)
def test_the_names_exceptions_had_before_still_work(old: str, new: str) -> None:
    assert getattr(strava_auth_helper, old) is getattr(strava_auth_helper, new)
    assert old in strava_auth_helper.__all__
