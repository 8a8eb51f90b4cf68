"""The package's layers: every import goes to a lower layer.

The package's layers: every import, lazy ones included, goes to a lower layer, so no import
circle can come back unnoticed. A new module must be given its place here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strava_auth_helper

# The package as imported (the source tree here, the installed wheel on the Windows leg).
PACKAGE = Path(strava_auth_helper.__file__).resolve().parent

# Bottom first. A module may import only modules of the layers below its own. The subpackages'
# own __init__ modules ("store", "strava", ...) hold a docstring only: Python imports them
# before any module in them, the valid-token path's included.
LAYERS = [
    {"version", "errors", "store", "strava", "browser_login", "flows", "demo", "cli"},
    # leaves: know nothing about tokens or each other
    {
        "store.location",
        "store.sharing",
        "safe_text",
        "strava.scopes",
        "strava.rate_limits",
        "browser_login.pages",
        "browser_login.http_server",
        "browser_login.browser",
        "browser_login.paste_reader",
        "browser_login.windows_shortcut",
    },
    {"store.quick_read"},
    {"store.private_files", "browser_login.catcher", "flows.rotation_hook"},
    {"settings", "store.lock", "store.token"},
    {"store.os_keyring", "strava.api"},
    {"store.save"},
    # the flows
    {"flows.refresh", "browser_login.flow"},
    {
        "flows.import_tokens",
        "flows.logout",
        "flows.profiles",
        "flows.stored_token",
        "flows.check",
        "browser_login.notebook",
        "browser_login.desktop",
        "demo.simulated_strava",
    },
    {"browser_login.login", "browser_login.launchers", "demo.walkthrough"},
    # the command line: shared parts, then one module per command, then the registry
    {"cli.common", "cli.prompts"},
    {
        "cli.login",
        "cli.token",
        "cli.status",
        "cli.refresh",
        "cli.import_",
        "cli.logout",
        "cli.export",
        "cli.store",
        "cli.demo",
        "cli.install_launcher",
        "cli.profiles",
    },
    {"cli.main"},
    # the faces users import, and the entry points
    {"entry"},
    {"requests_auth"},
    {"stravalib_support"},
    {"__init__", "__main__"},
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}
PACKAGES = {name for name in RANK if (PACKAGE / name.replace(".", "/")).is_dir()}


def module_names() -> set[str]:
    """Every module of the installed package, dotted.

    Every module of the installed package, dotted ("store.token"; a subpackage's
    ``__init__`` by the subpackage's name).
    """
    names = set()
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        names.add(".".join(parts))
    return names


def source_of(module: str) -> str:
    path = PACKAGE / module.replace(".", "/")
    path = path / "__init__.py" if module in PACKAGES else path.with_suffix(".py")
    return path.read_text(encoding="utf-8")


def _target(parts: list[str]) -> str:
    """The module a dotted import names: a module, a subpackage, or the package's __init__."""
    name = ".".join(parts)
    return name if name else "__init__"


def _imported(base: list[str], names: list[str]) -> set[str]:
    """What ``from <base> import <names>`` imports.

    What ``from <base> import <names>`` imports: the module ``base``; or, where ``base`` is
    a package, each name that is one of its modules, and its ``__init__`` for any other name.
    """
    target = _target(base)
    if target not in PACKAGES and target != "__init__":
        return {target}
    found = {".".join([*base, n]) for n in names if ".".join([*base, n]) in RANK}
    if len(found) < len(names):
        found.add(target)
    return found


def imports_in(source: str, module: str = "fastpath") -> set[str]:
    """The package's modules that ``source`` imports anywhere.

    The package's modules that ``source`` (of ``module``) imports anywhere, lazily inside a
    function too (``from . import NAME`` of something that is not a module imports that
    package's ``__init__``).
    """
    here = module.split(".")
    package = here if module in PACKAGES else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            base = base + (node.module.split(".") if node.module else [])
            found |= _imported(base, [a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            for name in names:
                parts = name.split(".")
                if parts[0] == PACKAGE.name:
                    names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
                    found |= _imported(parts[1:], names) if names else {_target(parts[1:])}
    return {m for m in found if m in RANK}


def upward_imports(module: str, source: str) -> set[str]:
    """What ``module`` (given its source) imports from its own layer or above."""
    return {m for m in imports_in(source, module) - {module} if RANK[m] >= RANK[module]}


def test_every_module_has_a_layer() -> None:
    assert module_names() == set(RANK), "place new modules in LAYERS (and drop removed ones)"


@pytest.mark.parametrize("module", sorted(RANK))
def test_imports_only_go_down(module: str) -> None:
    upward = upward_imports(module, source_of(module))
    assert not upward, f"{module} imports {sorted(upward)}, which are not below it"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_a_subpackage_init_imports_nothing(package: str) -> None:
    tree = ast.parse(source_of(package))
    assert all(isinstance(n, ast.Expr) for n in tree.body), f"{package}/__init__.py: a docstring"


def top_level_imports(module: str) -> set[str]:
    """The modules ``module`` imports when it is imported (not inside a function or an if)."""
    tree = ast.parse(source_of(module))
    return {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}


@pytest.mark.parametrize("module", ["store.location", "store.quick_read"])
def test_the_valid_token_path_is_cheap_standard_library_only(module: str) -> None:
    assert top_level_imports(module) <= {
        "__future__",
        "json",
        "os",
        "stat",
        "sys",
        "time",
        "location",
    }
    # sharing: only after Windows refused a read (a replace in progress), so not on the way
    assert imports_in(source_of(module), module) <= {"store.location", "store.sharing"}


def test_the_windows_retry_is_standard_library_only() -> None:
    assert imports_in(source_of("store.sharing"), "store.sharing") == set()
    assert top_level_imports("store.sharing") <= {
        "__future__",
        "os",
        "time",
        "collections.abc",
        "typing",
    }


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("store.quick_read", "def main():\n    from ..cli.main import main\n"),  # the old circle
        ("store.quick_read", "from .. import __version__\n"),  # the package's __init__
        ("store.quick_read", "import strava_auth_helper.entry\n"),
        ("store.quick_read", "from strava_auth_helper.cli import main\n"),
        ("store.token", "from .save import obtain_and_save\n"),  # a sibling above
        ("store.token", "from . import save\n"),
        ("strava.api", "from ..flows import refresh\n"),
        ("cli.status", "from .login import run\n"),  # a command needs another command
    ],
)
def test_the_check_sees_an_upward_import(module: str, source: str) -> None:
    assert upward_imports(module, source)
