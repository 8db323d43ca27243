"""How a typed search becomes an FTS5 query, and which plan finds its first rows cheapest.

Plain values only, without SQLAlchemy: ``db.store.search`` builds the window's statements from
them, and ``db.queries.first_page`` answers a search typed while the database layer is still
loading with the same words, the same plan and so the same rows.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

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
# What one of PROBE's questions costs, in matches put in WALK's set: 25-37 microseconds a
# question against 0.16-0.2 a match (SQLite 3.40, 100,000 items, docs/performance.md "The
# plan of a short prefix"). PROBE asks about ``wanted / density`` rows; WALK puts
# ``density * items`` matches in its set.
QUESTION = 190
# Terms this short are read from the index's prefix entries (``prefix='1 2 3'`` in migration
# 0002); a longer prefix, or several terms, makes each of PROBE's questions cost far more.
SHORT = 3

# What ``choose`` reads: how many of the first ``SAMPLE`` matches there are, their ids' range,
# and the highest item id (about how many items there are). Its one parameter is the FTS5
# query, its second ``SAMPLE``.
SAMPLE_SQL = (
    "SELECT count(*), min(rowid), max(rowid), (SELECT max(id) FROM recommendations) "
    "FROM (SELECT rowid FROM recommendation_fts WHERE recommendation_fts MATCH ? LIMIT ?)"
)

# How many items match an FTS5 query, counted in the full-text index alone.
COUNT_SQL = "SELECT count(*) FROM recommendation_fts WHERE recommendation_fts MATCH ?"


def choose(terms: list[str], wanted: int, sample: tuple[Any, ...]) -> Plan:
    """The cheapest plan for the first ``wanted`` rows of the items matching ``terms``, from
    ``SAMPLE_SQL``'s answer (``sample``): how many matches it read, how thinly they are
    spread over the ids (the first to the last), and about how many items there are (the
    highest id): together, about how many rows PROBE would ask about and how many matches
    WALK would gather. An estimate only chooses the plan; the rows are the same whichever is
    chosen."""
    found, first, last, items = sample
    if found < FEW or first is None or last is None:
        return Plan.SORT
    density = found / (last - first + 1)
    if len(terms) != 1 or len(terms[0]) > SHORT:
        return Plan.WALK
    questions = wanted / density
    gathered = density * max(items or 0, last)
    return Plan.PROBE if questions * QUESTION < gathered else Plan.WALK
