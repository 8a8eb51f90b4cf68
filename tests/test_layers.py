"""The package's layers: every import goes to a lower layer, or stays in its own folder.

The layers rank the package's folders and top-level modules, bottom first: a new module
takes its folder's place, with no edit here. Inside a folder, modules import each other
freely, but never in a circle; every import counts, lazy ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strava_auth_helper

# The package as imported (the source tree here, the installed wheel on the Windows leg).
PACKAGE = Path(strava_auth_helper.__file__).resolve().parent

#: Bottom first: each unit (a folder, or a module at the top) may import only units of the
#: layers below its own (and its own folder's modules).
LAYERS = [
    {"version", "errors", "safe_text"},  # the words every layer uses
    {"model"},  # what a token, a scope, a profile and the app are
    {"store", "strava"},  # the token at rest; Strava over HTTP: neither knows the other
    {"settings"},  # where configuration comes from
    {"browser_login", "launchers"},  # the browser login's parts; double-click launchers
    {"demo"},  # the simulated Strava (it serves pages of the browser login)
    {"commands"},  # one home per command's logic
    {"cli"},  # parsing: one module per command, calling its home
    {"entry"},  # the console script and get_access_token(): the fast answer first
    {"requests_auth"},
    {"stravalib_support"},
    {"__init__", "__main__"},
]
UNIT_RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def module_names() -> set[str]:
    """Every module of the installed package, dotted ("store.lock"; a subpackage by its name)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        names.add(".".join(parts))
    return names


MODULES = module_names()
PACKAGES = {name for name in MODULES if (PACKAGE / name.replace(".", "/")).is_dir()}


def unit(module: str) -> str:
    """The folder or top-level module ``module`` belongs to (its place in the layers)."""
    return module.split(".")[0]


def source_of(module: str) -> str:
    path = PACKAGE / module.replace(".", "/")
    path = path / "__init__.py" if module in PACKAGES else path.with_suffix(".py")
    return path.read_text(encoding="utf-8")


def _target(parts: list[str]) -> str:
    """The module a dotted import names: a module, a subpackage, or the package's __init__."""
    name = ".".join(parts)
    return name if name else "__init__"


def _imported(base: list[str], names: list[str]) -> set[str]:
    """What ``from <base> import <names>`` imports: the module, or a package's modules.

    Where ``base`` is a package: each name that is one of its modules, and its ``__init__``
    for any other name.
    """
    target = _target(base)
    if target not in PACKAGES and target != "__init__":
        return {target}
    found = {".".join([*base, n]) for n in names if ".".join([*base, n]) in MODULES}
    if len(found) < len(names):
        found.add(target)
    return found


def imports_in(source: str, module: str, *, lazy: bool = True) -> set[str]:
    """The package's modules that ``source`` (of ``module``) imports.

    Anywhere, lazily inside a function too, unless ``lazy`` is False (then only what
    importing the module imports); ``from . import NAME`` of something that is not a module
    imports that package's ``__init__``.
    """
    here = module.split(".")
    package = here if module in PACKAGES else here[:-1]
    tree = ast.parse(source)
    nodes = ast.walk(tree) if lazy else iter(tree.body)
    found: set[str] = set()
    for node in nodes:
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
    return {m for m in found if m in MODULES}


def upward_imports(module: str, source: str) -> set[str]:
    """What ``module`` (given its source) imports from its own layer or above.

    Modules of its own folder do not count (the circle test looks at those).
    """
    return {
        m
        for m in imports_in(source, module) - {module}
        if unit(m) != unit(module) and UNIT_RANK[unit(m)] >= UNIT_RANK[unit(module)]
    }


def test_every_folder_and_top_module_has_a_layer() -> None:
    assert {unit(m) for m in MODULES} == set(UNIT_RANK), "place new folders in LAYERS"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module: str) -> None:
    upward = upward_imports(module, source_of(module))
    assert not upward, f"{module} imports {sorted(upward)}, which are not below it"


def circle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to it, if there is one."""
    trail: list[str] = [start]
    seen: set[str] = set()

    def walk(module: str) -> bool:
        for nxt in sorted(graph[module]):
            if nxt == start:
                trail.append(nxt)
                return True
            if nxt not in seen:
                seen.add(nxt)
                trail.append(nxt)
                if walk(nxt):
                    return True
                trail.pop()
        return False

    return trail if walk(start) else None


IMPORTS = {m: imports_in(source_of(m), m) - {m} for m in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_circle(module: str) -> None:
    circle = circle_through(module, IMPORTS)
    assert circle is None, " -> ".join(circle or [])


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
    } | {
        node.module.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
    }


def loaded_with(module: str) -> set[str]:
    """The package's modules that importing ``module`` imports, itself included."""
    done: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current not in done:
            done.add(current)
            todo += imports_in(source_of(current), current, lazy=False)
    packages = {".".join(m.split(".")[:i]) for m in done for i in range(1, m.count(".") + 1)}
    return done | packages


#: The valid-token path: what `strava-auth token` and get_access_token() import for a valid
#: token, and the standard library's cheap modules it may use.
VALID_TOKEN_PATH = {
    "__init__",
    "version",
    "errors",
    "entry",
    "cli",
    "cli.command_line",
    "model",
    "model.rules",
    "store",
    "store.location",
    "store.valid_token",
}
CHEAP = {"__future__", "json", "os", "stat", "sys", "time", "importlib", "warnings"}


def test_the_valid_token_path_is_cheap_standard_library_only() -> None:
    assert loaded_with("__init__") == VALID_TOKEN_PATH
    for module in VALID_TOKEN_PATH:
        assert top_level_imports(module) <= CHEAP, module


def test_the_windows_retry_is_standard_library_only() -> None:
    # The valid-token read imports it only after Windows refused a read (a replace in
    # progress), so it is not on the way; then it must cost little.
    assert imports_in(source_of("store.windows_retry"), "store.windows_retry") == set()
    cheap = {"__future__", "os", "time", "collections", "typing"}
    assert top_level_imports("store.windows_retry") <= cheap


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("store.valid_token", "def main():\n    from ..cli.main import main\n"),  # the old circle
        ("store.valid_token", "from .. import __version__\n"),  # the package's __init__
        ("store.valid_token", "import strava_auth_helper.entry\n"),
        ("store.lock", "from strava_auth_helper.settings import resolve_profile\n"),
        ("strava.api", "from ..store import lock\n"),  # a sibling on its floor
        ("model.token", "from ..store.token_file import read_token\n"),
        ("strava.api", "from ..commands import refresh\n"),
        ("browser_login.flow", "from ..launchers.notify import notify\n"),
        ("cli.status", "from ..entry import main\n"),
    ],
)
def test_the_check_sees_an_upward_import(module: str, source: str) -> None:
    assert upward_imports(module, source)


def test_the_check_sees_a_circle_inside_a_folder() -> None:
    graph = dict(IMPORTS)
    graph["store.private_files"] = graph["store.private_files"] | {"store.lock"}  # and back
    assert circle_through("store.lock", graph) == [
        "store.lock",
        "store.private_files",
        "store.lock",
    ]
