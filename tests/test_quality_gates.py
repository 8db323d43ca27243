"""The quality gates run as part of the suite, so one command checks everything."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

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
