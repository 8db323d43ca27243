"""New recommendations of an imported review, written in bulk.

An import of a whole tracker adds tens of thousands of items; one ORM object per row (and
per agency, update and evidence item) costs seconds per thousand and hundreds of megabytes.
Here each kind of row goes in as one ``executemany`` per batch, with what the ORM path would
also write: the timestamps, ``search_text`` and ``source_key`` (``db.store.search``), and a "create"
entry in the audit trail per row in the form ``db.store.audit`` writes. The same rules are checked
first (``db.store.lifecycle.check_values``). tests/db/exchange/test_exchange.py keeps the two paths
equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import Any, TypeVar, cast

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from db.core.dates import utc_now
from db.core.errors import DocumentError, RuleError
from db.core.fields import distinct
from db.core.vocabulary import AgencyRole
from db.exchange.document import TrackedDoc
from db.store.audit import chain_head, created_entries
from db.store.audit_chain import link
from db.store.lifecycle import check_values
from db.store.models import (
    AuditEntry,
    Evidence,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    Review,
    Theme,
    recommendation_themes,
)
from db.store.search import search_text_of, source_key_of

BATCH = 2000
_NOTHING = object()  # matches no cell: nothing converted yet
FTS_TRIGGER = "recommendation_fts_insert"  # made by migration 0002
T = TypeVar("T")


def _insert(connection: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` through the driver, each column's type conversion looked up once.

    SQLAlchemy's own ``insert(table)`` with a list of dicts does the same conversions but
    spends as long again per row on bookkeeping this path does not need (measured: 4 s of a
    100,000-row import). Every row must have the same keys, named as the table's columns.
    """
    if not rows:
        return
    dialect = connection.dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)})"
    )
    # Rows are read with one C-level itemgetter; only columns with a conversion are touched,
    # and a value that is the very object the row before had (the batch's timestamp, its
    # review, a status) reuses that row's converted value instead of converting it again.
    read = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    convert = [(n, process) for n, process in enumerate(processors) if process is not None]
    before: list[Any] = [_NOTHING] * len(names)
    after: list[Any] = [None] * len(names)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        raw = read(row)
        if convert:
            cells = list(raw)
            for n, process in convert:
                value = cells[n]
                if value is None:
                    continue
                if value is not before[n]:
                    before[n], after[n] = value, process(value)
                cells[n] = after[n]
            raw = tuple(cells)
        values.append(raw)
    connection.exec_driver_sql(statement, values)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _batches(items: Sequence[T], size: int = BATCH) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def add_new_items(
    session: Session,
    review: Review,
    items: list[tuple[int, TrackedDoc]],
    organisation: Callable[[str], Organisation],
    themes: Callable[[list[str]], list[Theme]],
) -> None:
    """Insert ``items`` (position, document) as new recommendations of ``review``.

    ``organisation`` and ``themes`` find or add those records (the importer's own lookups).
    Raises ``DocumentError`` naming the item when one breaks a rule; the caller's transaction
    then keeps nothing.
    """
    for _, doc in items:
        try:
            check_values(
                f"Recommendation {doc.number} of {review.reference}",
                status=doc.status,
                reason=doc.status_reason,
                assured_by=doc.assured_by,
                evidence_count=len(doc.evidence),
            )
        except RuleError as exc:
            raise DocumentError(
                f"review '{review.reference}', recommendation '{doc.number}': {exc.message}"
            ) from exc
    org_ids: dict[str, Organisation] = {}
    theme_ids: dict[str, Theme] = {}
    for _, doc in items:
        for name in (*doc.lead_agencies, *doc.joint_agencies):
            if name not in org_ids:
                org_ids[name] = organisation(name)
        # Keyed ignoring case, as db.core.fields.distinct lists themes.
        for theme in themes([t for t in doc.themes if t.casefold() not in theme_ids]):
            theme_ids[theme.name.casefold()] = theme
    session.flush()  # the review, organisations and themes have their ids now
    with _search_index_after(session.connection()):
        for batch in _batches(items):
            _add_batch(session, review, batch, org_ids, theme_ids)
    session.expire(review, ["recommendations"])


@contextmanager
def _search_index_after(connection: Any) -> Iterator[None]:
    """On SQLite, index the new rows for full-text search in one statement at the end.

    The FTS5 table is kept by a trigger per inserted row, which costs seven times what one
    ``INSERT ... SELECT`` costs at 100,000 rows. The trigger is dropped and made again inside
    this transaction, so it is back whatever happens; other connections never see it gone.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    found = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (FTS_TRIGGER,)
    ).scalar()
    if found is None:
        yield
        return
    connection.exec_driver_sql(f"DROP TRIGGER {FTS_TRIGGER}")
    # Read after the DROP, which took the write lock: no other writer adds rows meanwhile.
    first = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM recommendations").scalar()
    yield
    connection.exec_driver_sql(
        "INSERT INTO recommendation_fts(rowid, search_text) "
        "SELECT id, search_text FROM recommendations WHERE id > ?",
        (first,),
    )
    connection.exec_driver_sql(found)


def _add_batch(
    session: Session,
    review: Review,
    items: list[tuple[int, TrackedDoc]],
    orgs: dict[str, Organisation],
    theme_objects: dict[str, Theme],
) -> None:
    connection = session.connection()
    now = utc_now()
    source_key = source_key_of(review=review.reference)
    rows: list[dict[str, Any]] = [
        {
            "review_id": review.id,
            "inspection_id": None,
            "kind": doc.kind,
            "number": doc.number,
            "position": position,
            "text": doc.text,
            "actions": doc.actions,
            "owner": doc.owner,
            "target_date": doc.target_date,
            "status": doc.status,
            "status_reason": doc.status_reason,
            "area_id": None,
            "concern_id": None,
            "assured_by": doc.assured_by,
            "assured_on": doc.assured_on,
            "closed_on": doc.closed_on,
            "search_text": search_text_of(
                doc.number, doc.text, doc.actions, doc.owner, [u.note for u in doc.updates]
            ),
            "source_key": source_key,
            "created_at": now,
            "updated_at": now,
        }
        for position, doc in items
    ]
    _insert(connection, _table(Recommendation), rows)
    # (review, number) is unique, so the new rows are found by their numbers.
    numbers = [doc.number for _, doc in items]
    found = connection.execute(
        select(Recommendation.number, Recommendation.id).where(
            Recommendation.review_id == review.id, Recommendation.number.in_(numbers)
        )
    )
    ids: dict[str, int] = {row[0]: row[1] for row in found}
    for row in rows:
        row["id"] = ids[row["number"]]
    audit = created_entries(
        session, inspect(Recommendation), rows, [str(row["id"]) for row in rows]
    )

    links, theme_rows, updates, evidence = [], [], [], []
    for _, doc in items:
        rec_id = ids[doc.number]
        wanted = [(n, AgencyRole.LEAD) for n in doc.lead_agencies]
        wanted += [(n, AgencyRole.JOINT) for n in doc.joint_agencies]
        for position, (name, role) in enumerate(wanted, start=1):
            links.append(
                {
                    "recommendation_id": rec_id,
                    "organisation_id": orgs[name].id,
                    "role": role,
                    "position": position,
                }
            )
        theme_rows += [
            {"recommendation_id": rec_id, "theme_id": theme_objects[name.casefold()].id}
            for name in distinct(doc.themes)
        ]
        updates += [
            {
                "recommendation_id": rec_id,
                "on": u.date,
                "author": u.author,
                "status": u.status,
                "note": u.note,
                "recorded_at": now,
                "withdrawn_at": u.withdrawn_at,
                "withdrawn_by": u.withdrawn_by,
                "withdrawn_reason": u.withdrawn_reason,
            }
            for u in doc.updates
        ]
        evidence += [
            {
                "recommendation_id": rec_id,
                "description": e.description,
                "reference": e.reference,
                "file_name": e.file_name,
                "media_type": e.media_type,
                "content": e.content,
                "added_by": e.added_by,
                "added_at": e.added_at or now,
            }
            for e in doc.evidence
        ]
    if links:
        _insert(connection, _table(RecommendationAgency), links)
        audit += created_entries(
            session,
            inspect(RecommendationAgency),
            links,
            [f"{r['recommendation_id']},{r['organisation_id']}" for r in links],
        )
    if theme_rows:
        _insert(connection, recommendation_themes, theme_rows)
    for model, new_rows in ((ProgressUpdate, updates), (Evidence, evidence)):
        if new_rows:
            _insert_children(connection, model, new_rows, set(ids.values()))
            audit += created_entries(
                session, inspect(model), new_rows, [str(r["id"]) for r in new_rows]
            )
    link(chain_head(connection), audit)
    _insert(connection, _table(AuditEntry), audit)


def _insert_children(
    connection: Any, model: Any, rows: list[dict[str, Any]], parents: set[int]
) -> None:
    """Insert rows of an id-numbered child table and give each dict its new id.

    The new recommendations had no children before, so every child row of theirs is one of
    these, and each parent's rows come back in the order they went in (ids only grow).
    """
    table = _table(model)
    column = {prop.key: prop.columns[0].name for prop in model.__mapper__.column_attrs}
    _insert(connection, table, [{column[k]: v for k, v in r.items()} for r in rows])
    parent = table.c.recommendation_id
    found: dict[int, list[int]] = defaultdict(list)
    for row_id, parent_id in connection.execute(
        select(table.c.id, parent)
        .where(parent.between(min(parents), max(parents)))
        .order_by(table.c.id)
    ):
        if parent_id in parents:
            found[parent_id].append(row_id)
    taken: dict[int, int] = defaultdict(int)
    for row in rows:
        parent_id = row["recommendation_id"]
        row["id"] = found[parent_id][taken[parent_id]]
        taken[parent_id] += 1
