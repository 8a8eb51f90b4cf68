"""The project's promises about itself: the README's commands, CI, packaging metadata."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import strava_auth_helper

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(python3 -m venv .*)\n```", text)


def test_readme_test_command_is_what_ci_runs() -> None:
    commands = readme_commands()
    assert len(commands) == 2, "the README must show exactly two set-up commands"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[1] in ci
    assert "pytest" in commands[1]


def test_setup_cfg_holds_metadata_and_pyproject_only_build_and_tools() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r"^\[project[.\]]", pyproject, re.MULTILINE)
    assert re.search(r"^\[build-system\]", pyproject, re.MULTILINE)
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert cfg["metadata"]["license"] == "MIT"
    assert (
        "strava-auth = strava_auth_helper.entry:main"
        in cfg["options.entry_points"]["console_scripts"]
    )
    requires = cfg["options"]["install_requires"]
    for dep in ("requests", "python-dotenv", "filelock", "platformdirs"):
        assert dep in requires
    assert "pytest-httpserver" in cfg["options.extras_require"]["test"]


def test_license_and_classifiers_match_the_metadata() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    classifiers = cfg["metadata"]["classifiers"].split("\n")
    assert "Typing :: Typed" in classifiers
    low = int(cfg["options"]["python_requires"].removeprefix(">=3."))
    versions = {c.rsplit(".", 1)[1] for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c)}
    said = re.search(r"Python 3\.(\d+) to 3\.(\d+)\.", (ROOT / "README.md").read_text())
    assert said is not None
    assert int(said[1]) == low
    assert versions == {str(v) for v in range(low, int(said[2]) + 1)}  # as the README says
    run = re.search(r'NEWEST_PYTHONS:-"([^"]+)"', (ROOT / ".ci" / "newest-pythons").read_text())
    assert run is not None
    assert f"3.{said[2]}" in run[1].split()  # ...and CI runs the newest one
    assert not any("License ::" in c for c in classifiers)  # `license = MIT` says it


def test_the_sdist_holds_the_tests_the_docs_and_the_examples(tmp_path: Path) -> None:
    if not (ROOT / "strava_auth_helper").is_dir():
        pytest.skip("built from a clone (the Windows leg has a copy of the tests only)")
    # From a copy without what a build leaves (an old SOURCES.txt would fill the gaps).
    left = shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "_build", "build", "dist")
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=left)
    build = "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    argv = [sys.executable, "-c", build, str(tmp_path)]
    subprocess.run(argv, cwd=source, check=True, capture_output=True)
    with tarfile.open(next(tmp_path.glob("*.tar.gz"))) as sdist:
        names = sdist.getnames()
    top = names[0].split("/", 1)[0]
    for wanted in (
        "tests/test_entry.py",
        "docs/conf.py",
        "docs/reference/cli.md",
        "examples/notebook_login.ipynb",
        "CHANGELOG.md",
        "LICENSE",
    ):
        assert f"{top}/{wanted}" in names
    assert not [n for n in names if "/_build/" in n or n.endswith(".pyc")]


def test_the_changelog_has_this_versions_entry() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(
        rf"^## \[{re.escape(strava_auth_helper.__version__)}\] - \d{{4}}-\d\d-\d\d$",
        changelog,
        re.MULTILINE,
    )


def test_package_is_typed() -> None:
    assert (Path(strava_auth_helper.__file__).parent / "py.typed").exists()


def test_the_lowest_run_pins_exactly_the_floors() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    extras = cfg["options.extras_require"]
    requirements = cfg["options"]["install_requires"].split("\n")
    tools = ("test", "lint", "docs")  # the project's own tools: their floors are not promises
    requirements += [r for name in extras if name not in tools for r in extras[name].split("\n")]
    floors = {}
    for requirement in filter(None, (r.strip() for r in requirements)):
        found = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert found, f"{requirement}: every dependency has a floor"
        floors[found[1].lower()] = version(found[2])
    lines = (ROOT / ".ci" / "lowest.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    assert {name.lower(): version(v) for name, v in pins} == floors


def version(text: str) -> tuple[int, ...]:
    """'1.0.0' and '1.0' alike: (1,)."""
    parts = [int(p) for p in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)
