"""Fixtures the command-line tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import run


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A database made as a user makes one: ``casereview demo``."""
    path = tmp_path / "demo.sqlite3"
    result = run("demo", "--db", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return path
