"""Size limits of issue #11: no production module over 600 lines, no function over 80.

A long module or function is where a newcomer gets lost; the limits hold for everything under
``src/fahuo`` except tests and migrations (generated).
"""

from __future__ import annotations

import ast
from pathlib import Path

import fahuo

SRC = Path(fahuo.__file__).resolve().parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _production_modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if "tests" not in path.relative_to(SRC).parts and "migrations" not in path.relative_to(SRC).parts
    )


def test_the_scan_sees_the_production_code() -> None:
    names = {path.relative_to(SRC).as_posix() for path in _production_modules()}
    assert "kit/money.py" in names
    assert not any("/tests/" in name or name.startswith("tests/") for name in names)


def test_no_production_module_is_over_600_lines() -> None:
    long = {
        path.relative_to(SRC).as_posix(): count
        for path in _production_modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_production_function_is_over_80_lines() -> None:
    long: dict[str, int] = {}
    for path in _production_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
                count = node.end_lineno - node.lineno + 1
                if count > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(SRC).as_posix()}:{node.name}"] = count
    assert long == {}, f"functions over {MAX_FUNCTION_LINES} lines: {long}"
