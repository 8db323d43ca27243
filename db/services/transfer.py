"""Export, as the command line and the window both do it: one workflow, called by both.

The data set is read in a session that holds no lock, rendered in the chosen format, then
written through the caller's writer inside a short transaction that records the export in the
audit trail: a file that cannot be written rolls the entry back, so the trail names only
exports that happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from db.exchange import Document, collect_document, dump_document
from db.store.audit import record
from db.store.database import Database

FORMATS = ("json", "xlsx", "csv")


def collect(database: Database, today: dt.date, reviews: Sequence[str] = ()) -> Document:
    """Everything the database holds, or only the reviews named (and what they need)."""
    with database.session() as session:
        return collect_document(session, today, list(reviews))


def render(doc: Document, fmt: str, today: dt.date) -> bytes:
    """``doc`` as a file of the format ``fmt`` (json, xlsx or csv)."""
    if fmt == "json":
        return dump_document(doc).encode("utf-8")
    from db.exchange.spreadsheets import write_csv, write_xlsx

    if fmt == "xlsx":
        return write_xlsx(doc, today)
    if fmt == "csv":
        return write_csv(doc, today)
    raise ValueError(f"casereview writes {', '.join(FORMATS)}, not {fmt}")


def write_export(
    database: Database,
    doc: Document,
    data: bytes,
    *,
    fmt: str,
    name: str,
    actor: str,
    write: Callable[[bytes], None],
) -> None:
    """Write ``data`` with ``write`` and record the export (its file's ``name``, format and
    reviews) in the audit trail, in one short transaction: a failure to write rolls the
    entry back, and reading the data held no lock."""
    described = {"format": fmt, "reviews": [r.reference for r in doc.reviews]}
    with database.transaction(actor) as session:
        record(session, entity="exports", entity_id=name, new=described)
        write(data)
