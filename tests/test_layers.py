"""The package's layers: every import, lazy ones included, goes to a lower layer, so no import
circle can come back unnoticed. A new module must be given its place here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strava_auth_helper

# The package as imported (the source tree here, the installed wheel on the Windows leg).
PACKAGE = Path(strava_auth_helper.__file__).resolve().parent

# Bottom first. A module may import only modules of the layers below its own.
LAYERS = [
    {"version", "errors"},
    # leaves: know nothing about tokens or each other
    {"fastpath", "safe_text", "scopes", "pages", "loopback", "browser", "paste_reader"},
    {"private_files", "callback", "rotation_hook", "keyring_store"},
    {"settings", "token_lock", "token_file"},
    {"strava", "token_store", "demo_strava"},
    # the flows
    {"refresher", "login_flow"},
    {"importer", "logout", "profiles", "notebook", "launcher", "prompts"},
    {"login_api", "demo"},
    {"cli"},
    # the faces users import, and the entry points
    {"entry"},
    {"auth"},
    {"with_stravalib"},
    {"__init__", "__main__"},
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def imports_in(source: str) -> set[str]:
    """The package's modules that ``source`` imports anywhere, lazily inside a function too
    (``from . import NAME`` of something that is not a module imports ``__init__``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found |= {a.name if a.name in RANK else "__init__" for a in node.names}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            for name in names:
                parts = name.split(".")
                if parts[0] == PACKAGE.name:
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def upward_imports(module: str, source: str) -> set[str]:
    """What ``module`` (given its source) imports from its own layer or above."""
    return {m for m in imports_in(source) - {module} if RANK[m] >= RANK[module]}


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(RANK), "place new modules in LAYERS (and drop removed ones)"


@pytest.mark.parametrize("module", sorted(RANK))
def test_imports_only_go_down(module: str) -> None:
    source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    upward = upward_imports(module, source)
    assert not upward, f"{module} imports {sorted(upward)}, which are not below it"


def test_fastpath_is_a_leaf_of_the_standard_library_only() -> None:
    source = (PACKAGE / "fastpath.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    top_level = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    assert top_level <= {"__future__", "json", "os", "stat", "sys", "time"}
    assert imports_in(source) == set()


@pytest.mark.parametrize(
    "source",
    [
        "def main():\n    from .cli import main\n",  # how the old circle was made
        "from . import __version__\n",  # the package's __init__, from below
        "import strava_auth_helper.entry\n",
        "from strava_auth_helper import cli\n",
    ],
)
def test_the_check_sees_an_upward_import(source: str) -> None:
    assert upward_imports("fastpath", source)
