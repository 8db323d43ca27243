"""What several test modules share: imported by name, never through conftest."""

import datetime as dt
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository: pyproject.toml, docs/, resources/

TODAY = dt.date(2026, 11, 22)  # the day every test runs on, so that "overdue" never drifts

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
