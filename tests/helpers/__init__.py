"""What several test modules share: imported by name, never through conftest."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: pyproject.toml, docs/, resources/
