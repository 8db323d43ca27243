"""Alembic migrations for the casereview schema.

``REVISIONS`` lists every revision in order, so the application can tell "behind", "at head"
and "from a newer version" without importing Alembic; a test checks it against the scripts.
"""

from pathlib import Path

REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
)
HEAD = REVISIONS[-1]
SCRIPT_LOCATION = Path(__file__).resolve().parent
