"""The audit trail's hash chain: each entry's hash covers the hash before it and the entry's
own content, so an entry altered, removed or moved is found by walking the chain.

Without SQLAlchemy (an import-linter contract) and frozen: migration 0004 chains the entries already
written with it, and ``casereview check`` verifies with it, so the form of the content hashed never
changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from hashlib import sha256
from operator import itemgetter
from typing import Any

# The fields hashed, in order; the entry's id is not among them (ids only number the chain).
FIELDS = ("at", "actor", "action", "entity", "entity_id", "field", "old", "new")
GENESIS = "0" * 64  # what the first entry's hash covers in place of a previous hash
VERSION = "casereview-audit-1"


def stamp(at: dt.datetime | str) -> str:
    """A timestamp in one form whatever the database hands back: UTC, to the microsecond."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(sep="T", timespec="microseconds")


def entry_hash(previous: str, entry: Sequence[Any], stamped: str | None = None) -> str:
    """The hash of one entry: ``entry`` holds the values of ``FIELDS`` in order (``stamped``,
    when given, is ``stamp`` of its first, already worked out).

    The content hashed is each value prefixed by its length (an empty value by "-"), so no
    two different entries can run together into the same text.
    """
    at, *rest = entry
    return _hash(previous, stamped or stamp(at), rest)


def _hash(previous: str, stamped: str, rest: Iterable[Any]) -> str:
    """``entry_hash`` of the fields after ``at`` (``rest``), ``at`` already stamped."""
    parts = [VERSION, previous, stamped]
    parts += [f"{len(v)}:{v}" if v is not None else "-" for v in rest]
    return sha256("\n".join(parts).encode("utf-8")).hexdigest()


_REST = itemgetter(*FIELDS[1:])  # an entry's fields after ``at``, read in one C call


def link(previous: str, rows: Iterable[dict[str, Any]]) -> str:
    """Give each new entry (a dict of ``FIELDS``) its ``prev_hash`` and ``hash``, in order;
    returns the new head."""
    last_at: Any = None
    last_stamp = ""
    for row in rows:
        at = row["at"]
        if at is not last_at:  # a batch's entries share one timestamp: stamped once
            last_at, last_stamp = at, stamp(at)
        row["prev_hash"] = previous
        row["hash"] = previous = _hash(previous, last_stamp, _REST(row))
    return previous


def verify(entries: Iterable[Sequence[Any]]) -> list[str]:
    """Walk the chain, oldest first: each entry is (id, *FIELDS, prev_hash, hash).

    Returns what is wrong, at most a few sentences' worth: an entry whose content no longer
    matches its hash (altered), or whose previous hash is not the hash before it (an entry
    removed or moved before it).
    """
    problems: list[str] = []
    previous = GENESIS
    for entry_id, *fields, prev_hash, own_hash in entries:
        if prev_hash != previous:
            problems.append(
                f"audit entry {entry_id} does not follow the one before it (an entry was "
                "removed or moved)"
            )
        if own_hash != entry_hash(prev_hash or "", fields):
            problems.append(f"audit entry {entry_id} was altered after it was written")
        previous = own_hash or ""
        if len(problems) >= 3:
            problems.append("the checks stopped there")
            break
    return problems
