"""The house rules CI can check from the source alone (brief: layers, module size, private names, tests).

- imports point down: tools -> firmware -> hal -> protocols (architecture.md);
- no module imports another module's underscore names (a private name is its module's business);
- no production module is over 600 lines;
- no test module imports another test module: shared vectors and helpers live in their own modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"protocols": 0, "hal": 1, "firmware": 2, "tools": 3}
CHECKED = (*LAYERS, "bench", "fuzz", "tests", "examples")
MAX_LINES = 600


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for top in CHECKED:
        for path in sorted((ROOT / top).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_bytes(), str(path))


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    """(absolute module, imported names) of every import statement."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


MODULES = list(_modules())


def test_imports_point_down() -> None:
    upward = [
        f"{path}: {module}"
        for path, tree in MODULES
        if path.parts[0] in LAYERS
        for module, _names in _imports(tree)
        if LAYERS.get(module.split(".")[0], -1) > LAYERS[path.parts[0]]
    ]
    assert not upward


def test_no_module_imports_another_modules_underscore_names() -> None:
    private = [
        f"{path}: {module} {name}"
        for path, tree in MODULES
        for module, names in _imports(tree)
        if module.split(".")[0] in CHECKED
        for name in names or [module.rsplit(".", 1)[-1]]
        if _is_private(name)
    ]
    assert not private


def test_no_production_module_is_over_600_lines() -> None:
    long = [
        f"{path}: {lines}"
        for path, _tree in MODULES
        if path.parts[0] in LAYERS
        if (lines := len((ROOT / path).read_text("utf-8").splitlines())) > MAX_LINES
    ]
    assert not long


def test_no_test_module_imports_another() -> None:
    crossing = [
        f"{path}: {module}"
        for path, tree in MODULES
        if path.parts[0] == "tests"
        for module, _names in _imports(tree)
        if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert not crossing
