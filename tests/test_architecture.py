"""The house rules of docs/architecture.md, checked on the code's own imports:

1. stages are layered in pipeline order, and no module imports a module of a later stage;
2. what reads a finished run (comparison, report, inference, validation) reaches, directly or through
   any chain of imports, only the run-folder package, the shared shapes (assignment, mapping, the
   lexicon, the result) and its own helpers: never the stages that made the units and tokens, a model
   class, the runner or its executor. It reads what the run wrote, never recomputes it."""

from __future__ import annotations

import ast

import pytest

from conftest import PROJECT

PACKAGE = PROJECT / "topics"

# pipeline order, as docs/architecture.md lists it: module (or package) → stage number
STAGES = {
    "topics": 0, "topics.labels": 0, "topics.errors": 0, "topics.rules": 0, "topics.documents": 0, "topics.result": 0, "topics.versions": 0,
    "topics.tomlfile": 0, "topics.outputs": 0, "topics.settings": 0, "topics.formula": 0, "topics.where": 0,
    "topics.files": 0, "topics.regions": 0,
    "topics.run_files": 0,
    "topics.ingest.reading": 1, "topics.ingest.formats": 1, "topics.ingest.script": 1,
    "topics.ingest.layout": 2,
    "topics.lexicon": 3, "topics.word_lists": 3,
    "topics.ingest.structure": 4,
    "topics.ingest": 5, "topics.ingest.duplicates": 5, "topics.ingest.checks": 5,
    "topics.token_table": 6, "topics.tokenize": 6,
    "topics.vectorize": 7, "topics.suggest": 7,
    "topics.models": 8,
    "topics.mapping": 9,
    "topics.assignment": 10,
    "topics.metrics": 11,
    "topics.config": 12, "topics.run_folder": 13,
    "topics.comparison": 14, "topics.report": 14, "topics.inference": 14, "topics.validation": 14,
    "topics.evaluation": 14,
    "topics.running": 15, "topics.execution": 15,
    "topics.api": 16,
    "topics.commands": 17, "topics.cli": 17, "topics.__main__": 17,
}
READS_RUNS = ("topics.comparison", "topics.report", "topics.inference", "topics.validation")
# what a reader of runs may reach: the run folder, the shapes of what it holds, and the readers themselves
READERS_REACH = (*(module for module, stage in STAGES.items() if stage == 0 and module != "topics"),
                 "topics.run_folder", "topics.assignment", "topics.mapping", "topics.lexicon", "topics.word_lists",
                 "topics.metrics", "topics.token_table", *READS_RUNS)  # the metrics count windows on token tables


def module_name(path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int:
    """The stage of a module or of the package it is in (the bare package face matches only itself)."""
    name = module
    while name not in STAGES or (name == "topics" and module != "topics"):
        if name.count(".") == 0 or name == "topics":
            raise KeyError(f"{module}: no stage in tests/test_architecture.py's STAGES")
        name = name.rsplit(".", 1)[0]
    return STAGES[name]


def imports_of(path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of a topics module, lazy ones inside functions included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import api` names a module
                candidate = f"{target}.{alias.name}"
                is_module = (PROJECT / (candidate.replace(".", "/") + ".py")).exists() or (
                    PROJECT / candidate.replace(".", "/")).is_dir()
                found.append((node.lineno, candidate if is_module else target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, target) for line, target in found if target == "topics" or target.startswith("topics.")]


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_stage():
    for path in sorted(PACKAGE.rglob("*.py")):
        stage_of(module_name(path))  # KeyError names a module the map misses


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_module_imports_a_later_stage(path):
    own = stage_of(module_name(path))
    later = [f"line {line}: {target} (stage {stage_of(target)})" for line, target in imports_of(path)
             if stage_of(target) > own]
    assert not later, f"{module_name(path)} (stage {own}) imports a later stage: " + "; ".join(later)


def _module_file(module: str):
    """The source file of a topics module (its package's __init__.py for a package)."""
    base = PROJECT / module.replace(".", "/")
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def reachable(module: str) -> dict[str, str]:
    """Every topics module ``module`` imports directly or through others, each with one chain that leads there."""
    chains, todo = {module: module}, [module]
    while todo:
        current = todo.pop()
        path = _module_file(current)
        if not path.exists():
            continue
        for _, target in imports_of(path):
            target = target if _module_file(target).exists() else target.rsplit(".", 1)[0]
            if target not in chains and target != "topics":
                chains[target] = f"{chains[current]} → {target}"
                todo.append(target)
    return chains


@pytest.mark.parametrize("path", [p for p in SOURCES if module_name(p).startswith(READS_RUNS)],
                         ids=lambda p: str(p.relative_to(PROJECT)))
def test_what_reads_a_run_reaches_only_the_run_folder_and_its_shapes(path):
    chains = reachable(module_name(path))
    outside = [chain for target, chain in chains.items() if not target.startswith(READERS_REACH)]
    assert not outside, f"{module_name(path)} reaches beyond the run folder and its shapes: {outside}"


def test_the_map_knows_the_package_face_only_imports_lazily():
    """topics/__init__.py imports the API inside a function, on first use: `import topics` stays light."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert top_level == []
