"""What a fresh install gets: every package the code imports is declared, and the lock pins every one.

A machine that already has packages hides an undeclared one (lxml's HTML cleaner moved into a package of
its own and a fresh install lost it); these tests read the declarations, not the machine."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from conftest import PROJECT

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalised(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))


def _declared(*extras: str) -> set[str]:
    requirements = list(PYPROJECT["dependencies"])
    for extra in extras:
        requirements += PYPROJECT["optional-dependencies"][extra]
    return {_requirement_name(r) for r in requirements if not r.startswith("gwr-topics")}


def _imported_modules(folder) -> set[str]:
    """Top-level names of every module the package's files import, lazy imports included."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"topics"}


def _distribution(module: str) -> str:
    """The installed distribution that provides an imported module (its own name when none does)."""
    found = packages_distributions().get(module)
    return _normalised(found[0] if found else module)


def test_every_package_the_code_imports_is_declared():
    declared = _declared("parquet")
    undeclared = sorted(m for m in _imported_modules(PROJECT / "topics") if _distribution(m) not in declared)
    assert undeclared == []


def test_the_html_reader_has_its_cleaner():
    # trafilatura imports lxml's HTML cleaner, which lxml >= 5.2 no longer carries
    assert "lxml-html-clean" in _declared()
    import trafilatura  # noqa: F401  the import that failed on a fresh install


def test_the_lock_pins_every_declared_package_to_one_version():
    pins = {}
    for line in (PROJECT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned with =="
            pins[_normalised(name)] = version
    assert _declared("test", "parquet") - set(pins) == set()


def test_ci_builds_fresh_environments_and_tests_the_lock_and_the_newest_releases():
    script = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-m venv" in script and 'rm -rf "$venv"' in script
    assert "-c requirements.lock" in script and "suite newest" in script
