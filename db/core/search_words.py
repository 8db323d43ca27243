"""How a typed search becomes an FTS5 query, and which plan finds its first rows cheapest.

Plain values only, without SQLAlchemy: ``db.store.search`` builds the window's statements from
them, and ``db.queries.first_page`` answers a search typed while the database layer is still
loading with the same words, the same plan and so the same rows.
"""

from __future__ import annotations

import re
from enum import Enum

_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """The words of a typed query, lower-cased; punctuation and operators are dropped."""
    return [w.lower() for w in _WORD.findall(query)]


def fts_query(terms: list[str]) -> str:
    """FTS5's query for items holding every one of ``terms`` as a prefix."""
    return " ".join(f'"{term}"*' for term in terms)


class Plan(Enum):
    """How SQLite finds a search's rows in the default order (docs/performance.md, "Search
    as you type"). Every plan finds the same rows in the same order; only the cost differs."""

    SORT = "sort"  # read every match and sort them: cheapest when few items match
    WALK = "walk"  # walk the order's index, keeping the rows in the set of matches
    PROBE = "probe"  # walk the order's index, asking the full-text index about each row


# The first matches read to choose a plan: reading them costs about 0.1 ms.
SAMPLE = 2_000
# Fewer matches than this are sorted: walking the index would pass most of the items.
FEW = 1_000
# Rows the index may be walked past for PROBE: each question costs 15-30 microseconds.
PROBES = 500
# Terms this short are read from the index's prefix entries (``prefix='1 2 3'`` in migration
# 0002); a longer prefix, or several terms, makes each of PROBE's questions cost far more.
SHORT = 3

# What ``choose`` reads: how many of the first ``SAMPLE`` matches there are, and their ids'
# range. Its one parameter is the FTS5 query, its second ``SAMPLE``.
SAMPLE_SQL = (
    "SELECT count(*), min(rowid), max(rowid) FROM (SELECT rowid FROM "
    "recommendation_fts WHERE recommendation_fts MATCH ? LIMIT ?)"
)

# How many items match an FTS5 query, counted in the full-text index alone.
COUNT_SQL = "SELECT count(*) FROM recommendation_fts WHERE recommendation_fts MATCH ?"


def choose(terms: list[str], wanted: int, found: int, first: int | None, last: int | None) -> Plan:
    """The cheapest plan for the first ``wanted`` rows of the items matching ``terms``, from
    ``SAMPLE_SQL``'s answer: how many matches it read (``found``), and how thinly they are
    spread over the ids (``first`` to ``last``) tells about how far down the index the rows
    lie. An estimate only chooses the plan; the rows are the same whichever is chosen."""
    if found < FEW or first is None or last is None:
        return Plan.SORT
    density = found / (last - first + 1)
    if len(terms) == 1 and len(terms[0]) <= SHORT and wanted / density <= PROBES:
        return Plan.PROBE
    return Plan.WALK
