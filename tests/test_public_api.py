"""What the package exports is what its documentation names, and nothing it names is missing."""

from __future__ import annotations

import inspect
import re
import warnings

import pytest

import strava_auth_helper
from strava_auth_helper import errors
from tests.helpers import ROOT

#: The public callables whose docstrings say what they raise.
DOCUMENTED = ["get_access_token", "load_token", "login", "stravalib_client", "raise_for_status"]


def raised_names(obj: object) -> set[str]:
    """The exception names in the ``Raises:`` section of ``obj``'s docstring."""
    doc = inspect.getdoc(obj) or ""
    section = doc.split("Raises:", 1)[1] if "Raises:" in doc else ""
    section = re.split(r"\n\S", section, maxsplit=1)[0]  # up to the next section
    names = re.findall(r"^\s{4}([A-Z]\w+(?:, [A-Z]\w+)*):", section, re.MULTILINE)
    return {n for group in names for n in group.split(", ")}


#: What the package exports, by kind: each is what its name says, and nothing else is exported.
FUNCTIONS = {
    "api_base_url",
    "get_access_token",
    "load_token",
    "login",
    "raise_for_status",
    "rate_limits",
    "stravalib_client",
}
CLASSES = {"RateLimits", "StravaAuth", "Token"}
#: The names four errors had before: they still work, with a DeprecationWarning.
OLD_NAMES = ("LoginDeclined", "LoginTimeout", "ScopesNotGranted", "ReauthorizationRequired")
RENAMED = {old: f"{old}Error" for old in OLD_NAMES}


def exported(name: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (the renamed errors say it)
        return getattr(strava_auth_helper, name)


def test_the_exported_names_are_sorted_and_all_known() -> None:
    names = strava_auth_helper.__all__
    assert names == sorted(names)
    errors_ = {n for n in names if n.endswith("Error")}
    assert set(names) == FUNCTIONS | CLASSES | errors_ | set(RENAMED) | {"__version__"}


@pytest.mark.parametrize("name", strava_auth_helper.__all__)
def test_every_exported_name_is_what_it_says(name: str) -> None:
    value = exported(name)
    if name == "__version__":
        assert isinstance(value, str)
        assert re.fullmatch(r"\d+\.\d+\.\d+", value)
    elif name in FUNCTIONS:
        assert inspect.isfunction(value)
        assert value.__name__ == name
    elif name in RENAMED:
        assert value is exported(RENAMED[name])
    elif name.endswith("Error"):
        assert isinstance(value, type)
        assert issubclass(value, errors.StravaAuthError)
        assert value.__name__ == name
    else:
        assert isinstance(value, type)
        assert value.__name__ == name
        assert value.__module__.startswith("strava_auth_helper.")


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_exception_a_public_function_raises_is_exported(name: str) -> None:
    function = getattr(strava_auth_helper, name)
    assert "Raises:" in (inspect.getdoc(function) or ""), f"{name} says nothing of its errors"
    raised = raised_names(function) - {"ValueError", "TypeError"}
    assert raised <= set(strava_auth_helper.__all__)


def test_the_exception_tree_drawn_in_the_reference_is_what_is_exported() -> None:
    page = (ROOT / "docs" / "reference" / "errors.md").read_text(encoding="utf-8")
    drawn = set(re.findall(r"[└├]── (\w+)", page)) | {"StravaAuthError"}
    error_names = {n for n in strava_auth_helper.__all__ if n.endswith("Error")}
    assert error_names == drawn


@pytest.mark.parametrize(("old", "new"), RENAMED.items())
def test_the_names_errors_had_before_still_work_with_a_warning(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old} is now called {new}"):
        value = getattr(strava_auth_helper, old)
    assert value is getattr(strava_auth_helper, new)
