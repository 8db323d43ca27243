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

# Revisions that change no table's columns nor any row (an index alone), each with the one
# before it: a database at one holds its data as at the other, so a copy taken at 0011 and
# opened (so upgraded) by a later casereview still merges with a shared database at 0012.
SAME_DATA: dict[str, str] = {"0012": "0011"}


def data_shape(revision: str) -> str:
    """The earliest revision that holds data as ``revision`` does (``SAME_DATA``)."""
    while revision in SAME_DATA:
        revision = SAME_DATA[revision]
    return revision


SCRIPT_LOCATION = Path(__file__).resolve().parent
