"""The quality gates run as part of the suite, so one command checks everything."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

GATES = {
    "ruff lint": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy"],
    "import-linter": ["lint-imports"],
}


@pytest.mark.slow
@pytest.mark.parametrize("gate", GATES)
def test_gate_passes(gate: str) -> None:
    command = GATES[gate]
    if command[0] == "lint-imports":
        found = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
        command = [found]
    result = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{gate} failed:\n{result.stdout}\n{result.stderr}"


def _imported_modules(path: Path) -> list[str]:
    """Every module a file imports, and every name it imports from one, relative imports
    spelled out in full (``from tests.desktop import test_window`` imports a module too)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def _test_module_in(module: str) -> str | None:
    """The conftest or test module that an import reaches into, if it reaches into one."""
    parts = module.split(".")
    for end, part in enumerate(parts):
        if parts[0] == "tests" and (part == "conftest" or part.startswith("test_")):
            return ".".join(parts[: end + 1])
    return None


def test_tests_share_helpers_only_through_tests_helpers() -> None:
    """What several test modules share lives in tests/helpers: a helper imported from a conftest
    or from another test module hides where it lives and ties one test module to another."""
    offending = {
        f"{path.relative_to(ROOT)} imports from {reached}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for module in _imported_modules(path)
        if (reached := _test_module_in(module))
    }
    assert not offending, "import these from tests/helpers instead:\n" + "\n".join(
        sorted(offending)
    )
