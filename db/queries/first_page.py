"""The window's first page, read with the standard library's sqlite3 alone.

Importing SQLAlchemy and declaring the mapped classes takes several times longer than opening
a bare Qt window, so on start-up the window paints the current tab's first page from these
reads and loads the database layer after it is on screen. They answer only the unfiltered
view in its default order; anything else waits for ``db.queries.tracker`` and
``db.queries.details``, whose results a test keeps equal to these. Once the database is open,
``db.queries.tracker.page`` reads the tracker's default view and a search alone with this
module's ``tracker_rows`` too, on its session's connection: one SQL for both.

Every read is read-only (``readonly_uri``) and any surprise returns None: the caller then
opens the database the ordinary way, which explains problems properly.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from db.core.dates import PartialDate
from db.core.errors import MergedCopyError
from db.core.items import ItemFields, ItemKey, ReviewFields
from db.core.rules import rating_for
from db.core.search_words import COUNT_SQL, SAMPLE, SAMPLE_SQL, Plan, choose, fts_query, words
from db.core.vocabulary import AgencyRole, ReviewKind, Status, TrackedKind
from db.queries.rows import (
    OPEN_STATUSES,
    WORK_STATUSES,
    RecommendationRow,
    ReviewRow,
    agencies_by_item,
    tracker_row,
)
from db.store.logs import cause
from db.store.migrations import HEAD
from db.store.paths import SQLITE_MAGIC, read_start, readonly_uri

_log = logging.getLogger(__name__)

T = TypeVar("T")


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(readonly_uri(path), uri=True)) as conn:
        yield conn


def is_current(path: Path) -> bool:
    """Whether ``path`` is a casereview SQLite database at this version's schema."""
    try:
        if read_start(path) != SQLITE_MAGIC:  # see db.store.paths: no descriptor of it is closed
            return False
        with _reading(path) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except (OSError, sqlite3.Error):  # opened the usual way instead, which says why (no log)
        return False
    return row is not None and row[0] == HEAD


def merged_copy(path: Path) -> MergedCopyError | None:
    """The refusal a change to ``path`` would get if it is a copy merged back
    (``db.store.audit.refuse_if_merged``), read with sqlite3 alone: what the window says as a
    change begins while the database layer still loads. None if it is not, or cannot be
    read now (the change itself is refused all the same, when made)."""
    try:
        with _reading(path) as conn:
            row = conn.execute(
                "SELECT merged_at, merged_by FROM checkout_origin WHERE merged_at IS NOT NULL"
            ).fetchone()
        return None if row is None else MergedCopyError.merged(_moment(row[0]), row[1])
    except (sqlite3.Error, ValueError, TypeError) as exc:
        _log.warning("the copy's merge not read from the file: %s", cause(exc))
        return None


def _moment(stored: str) -> dt.datetime:
    """A timestamp as SQLAlchemy keeps it in SQLite (``UTCDateTime``): UTC, without a zone."""
    return dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC)


def _in(values: list[Status]) -> str:
    return ", ".join(f"'{status.value}'" for status in values)


# The tracker's columns in tracker_row's order, in the default order; ``{where}`` narrows them.
_PAGE = """
    SELECT r.id, coalesce(rv.reference, i.reference), r.kind, r.number,
           r.position, r.text, r.owner, r.target_date, r.status, r.inspection_id
    FROM recommendations AS r
    LEFT JOIN reviews AS rv ON rv.id = r.review_id
    LEFT JOIN inspections AS i ON i.id = r.inspection_id
    {where}
    ORDER BY r.source_key, r.position, r.id
    LIMIT ? OFFSET ?
"""

# A search's condition in each of its plans, as ``db.store.search.matches`` builds it: the
# same rows, the same order, at the same cost. Its one parameter is the FTS5 query. That
# only SORT sorts is checked by EXPLAIN QUERY PLAN (tests/db/queries/test_search_plans.py).
_MATCHES = {
    Plan.SORT: "WHERE r.id IN "
    "(SELECT rowid FROM recommendation_fts WHERE recommendation_fts MATCH ?)",
    # ``id + 0`` cannot be looked up by id, so SQLite walks the index of the order instead.
    Plan.WALK: "WHERE r.id + 0 IN "
    "(SELECT rowid FROM recommendation_fts WHERE recommendation_fts MATCH ?)",
    Plan.PROBE: "WHERE EXISTS (SELECT 1 FROM recommendation_fts WHERE "
    "recommendation_fts.rowid = r.id AND recommendation_fts MATCH ?)",
}


def tracker_rows(
    conn: Any,
    today: dt.date,
    *,
    limit: int,
    offset: int = 0,
    query: str = "",
    plan: Plan | None = None,
) -> list[RecommendationRow]:
    """A page of the tracker in its default order, unfiltered or, with ``query``, of the items
    holding each of its words, read on ``conn`` (a DB-API connection to the SQLite file:
    sqlite3's, or SQLCipher's), by the cheapest plan unless ``plan`` names one. What
    ``db.queries.tracker.page`` reads for these (every keystroke of a search), on its
    session's own connection: SQLAlchemy's statement machinery around the same SQL cost
    1.2-2.2 ms of the 4-9 a page takes (docs/performance.md, "The plan of a short prefix")."""
    terms = words(query)
    if not terms:
        return _tracker_rows(conn, "", (limit, offset), today)
    wanted = fts_query(terms)
    if plan is None:
        plan = choose(terms, offset + limit, conn.execute(SAMPLE_SQL, (wanted, SAMPLE)).fetchone())
    return _tracker_rows(conn, _MATCHES[plan], (wanted, limit, offset), today)


def _tracker_rows(
    conn: Any, where: str, parameters: tuple[Any, ...], today: dt.date
) -> list[RecommendationRow]:
    found = conn.execute(_PAGE.format(where=where), parameters).fetchall()
    ids = [row[0] for row in found]
    marks = ", ".join("?" * len(ids))
    links = conn.execute(
        "SELECT ra.recommendation_id, ra.role, o.name "
        "FROM recommendation_agencies AS ra "
        "JOIN organisations AS o ON o.id = ra.organisation_id "
        f"WHERE ra.recommendation_id IN ({marks}) "
        "ORDER BY ra.recommendation_id, ra.position",
        ids,
    ).fetchall()
    agencies = agencies_by_item((item, AgencyRole(role), name) for item, role, name in links)
    rows = []
    for rec_id, source, kind, number, position, text, owner, target, status, insp in found:
        target_date = dt.date.fromisoformat(target) if target else None
        state = Status(status)
        converted = (rec_id, source, TrackedKind(kind), number, position, text, owner,
                     target_date, state, insp)  # fmt: skip
        rows.append(tracker_row(converted, agencies, rating_for(state, target_date, today)))
    return rows


def tracker_page(
    path: Path, today: dt.date, limit: int
) -> tuple[list[RecommendationRow], int] | None:
    """The tracker's first ``limit`` rows, unfiltered in the default order, and the total.

    The same rows as ``db.queries.tracker.page(session, TrackerFilter(), today, limit=limit)``.
    """
    try:
        with _reading(path) as conn:
            total = conn.execute("SELECT count(*) FROM recommendations").fetchone()[0]
            rows = tracker_rows(conn, today, limit=limit)
        return rows, int(total)
    except (sqlite3.Error, ValueError) as exc:
        _log.warning("first page of the tracker not read early: %s", cause(exc))
        return None


def tracker_search(
    path: Path, query: str, today: dt.date, limit: int
) -> tuple[list[RecommendationRow], int] | None:
    """The first ``limit`` rows holding every word of ``query``, in the default order, and
    how many there are: a search typed while the database layer is still loading.

    The same rows as ``db.queries.tracker.page(session, TrackerFilter(text=query), today,
    limit=limit)`` and the same total as its ``count``, read by the same plan
    (``db.core.search_words``). A query with no words answers as ``tracker_page``.
    """
    terms = words(query)
    if not terms:
        return tracker_page(path, today, limit)
    try:
        with _reading(path) as conn:
            total = conn.execute(COUNT_SQL, (fts_query(terms),)).fetchone()[0]
            rows = tracker_rows(conn, today, limit=limit, query=query)
        return rows, int(total)
    except (sqlite3.Error, ValueError) as exc:  # the words are never logged: only the cause
        _log.warning("a search not answered from the file: %s", cause(exc))
        return None


def item_fields(path: Path, key: ItemKey) -> ItemFields | None:
    """What an edit of the item ``key`` names can change, and its version, or None when there
    is no such item (or anything else is wrong): an edit started while the database layer is
    still loading. The same as ``db.services.editing.item_fields``."""
    found = None
    try:
        with _reading(path) as conn:
            for table, column in (("reviews", "review_id"), ("inspections", "inspection_id")):
                found = conn.execute(
                    "SELECT r.id, r.number, r.text, r.actions, r.owner, r.target_date, "
                    f"r.version FROM recommendations AS r JOIN {table} AS s ON s.id = r.{column} "
                    "WHERE r.number = ? AND r.kind = ? AND s.reference = ?",
                    (key.number, key.kind.value, key.source),
                ).fetchone()
                if found is not None:
                    break
            if found is None:
                return None
            item = found[0]
            links = conn.execute(
                "SELECT ra.role, o.name FROM recommendation_agencies AS ra "
                "JOIN organisations AS o ON o.id = ra.organisation_id "
                "WHERE ra.recommendation_id = ? ORDER BY ra.position",
                (item,),
            ).fetchall()
            themes = conn.execute(
                "SELECT t.name FROM recommendation_themes AS rt "
                "JOIN themes AS t ON t.id = rt.theme_id "
                "WHERE rt.recommendation_id = ? ORDER BY t.name",
                (item,),
            ).fetchall()
        _, number, text, actions, owner, target, version = found
        return ItemFields(
            number=number,
            text=text,
            lead_agencies=tuple(n for role, n in links if AgencyRole(role) is AgencyRole.LEAD),
            joint_agencies=tuple(n for role, n in links if AgencyRole(role) is AgencyRole.JOINT),
            actions=actions,
            owner=owner,
            target_date=dt.date.fromisoformat(target) if target else None,
            themes=tuple(name for (name,) in themes),
            version=version,
        )
    except (sqlite3.Error, ValueError) as exc:
        _log.warning("an item's fields not read early: %s", cause(exc))
        return None


def review_rows(path: Path, today: dt.date) -> list[ReviewRow] | None:
    """Every review with its counts: the same rows as ``db.queries.details.review_rows``."""
    try:
        with _reading(path) as conn:
            found = conn.execute(
                f"""
                SELECT rv.id, rv.reference, rv.kind, rv.title, o.name, rv.published,
                       count(r.id),
                       sum(CASE WHEN r.status IN ({_in(OPEN_STATUSES)}) THEN 1 ELSE 0 END),
                       sum(CASE WHEN r.status IN ({_in(WORK_STATUSES)}) AND r.target_date < ?
                           THEN 1 ELSE 0 END)
                FROM reviews AS rv
                LEFT JOIN organisations AS o ON rv.commissioned_by_id = o.id
                LEFT JOIN recommendations AS r ON r.review_id = rv.id
                GROUP BY rv.id, o.name
                ORDER BY rv.reference
                """,
                (today.isoformat(),),
            ).fetchall()
        return [
            ReviewRow(
                id=row[0],
                reference=row[1],
                kind=ReviewKind(row[2]),
                title=row[3],
                commissioned_by=row[4] or "",
                published=PartialDate.parse(row[5]) if row[5] else None,
                recommendations=row[6] or 0,
                open=row[7] or 0,
                overdue=row[8] or 0,
            )
            for row in found
        ]
    except (sqlite3.Error, ValueError) as exc:
        _log.warning("first page of the reviews not read early: %s", cause(exc))
        return None


def review_fields(path: Path, reference: str) -> ReviewFields | None:
    """What an edit of the review ``reference`` can change, and its version, or None when
    there is no such review (or anything else is wrong): the Reviews tab's detail and an
    edit started while the database layer is still loading. The same as
    ``db.services.editing.review_fields``."""
    try:
        with _reading(path) as conn:
            found = conn.execute(
                "SELECT rv.id, rv.reference, rv.kind, rv.title, rv.subject, o.name, "
                "rv.published, rv.summary, rv.version FROM reviews AS rv "
                "LEFT JOIN organisations AS o ON o.id = rv.commissioned_by_id "
                "WHERE rv.reference = ?",
                (reference,),
            ).fetchone()
            if found is None:
                return None
            themes = conn.execute(
                "SELECT t.name FROM review_themes AS rt JOIN themes AS t ON t.id = rt.theme_id "
                "WHERE rt.review_id = ? ORDER BY t.name",
                (found[0],),
            ).fetchall()
        _, ref, kind, title, subject, commissioned_by, published, summary, version = found
        return ReviewFields(
            reference=ref,
            kind=ReviewKind(kind),
            title=title,
            subject=subject,
            commissioned_by=commissioned_by or "",
            published=PartialDate.parse(published) if published else None,
            summary=summary,
            themes=tuple(name for (name,) in themes),
            version=version,
        )
    except (sqlite3.Error, ValueError) as exc:
        _log.warning("a review's fields not read early: %s", cause(exc))
        return None


def organisation_names(path: Path) -> list[str] | None:
    """Every organisation's name, in order: ``db.queries.details.organisation_names``."""
    try:
        with _reading(path) as conn:
            return [
                name for (name,) in conn.execute("SELECT name FROM organisations ORDER BY name")
            ]
    except sqlite3.Error as exc:
        _log.warning("the organisations not read early: %s", cause(exc))
        return None


class ReadAhead:
    """The reads of one file's first page, each started in a thread of its own as soon as the
    file is known, so that SQLite works on them while the window is being built (the standard
    library's sqlite3 lets other threads run while SQLite works).

    ``take`` hands over the result of a read started with the same function and arguments,
    once; any other read is made there and then. So a caller never gets another call's rows.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._started: dict[tuple[Any, ...], tuple[threading.Thread, list[Any]]] = {}

    def start(self, read: Callable[..., T | None], *args: Any) -> None:
        """Start ``read(path, *args)``: one of this module's reads, which answer None when
        anything is wrong."""
        result: list[Any] = [None]

        def run() -> None:
            try:
                result[0] = read(self.path, *args)
            except Exception as exc:  # no early page, then: the caller opens the database instead
                _log.warning("a first page not read early: %s", cause(exc))
                result[0] = None

        thread = threading.Thread(target=run, name="casereview-read-ahead", daemon=True)
        self._started[(read, *args)] = (thread, result)
        thread.start()

    def take(self, read: Callable[..., T | None], *args: Any) -> T | None:
        """What ``read(path, *args)`` answers: from the read started for it, if there is one."""
        started = self._started.pop((read, *args), None)
        if started is None:
            return read(self.path, *args)
        thread, result = started
        thread.join()
        answer: T | None = result[0]
        return answer

    @property
    def waiting(self) -> int:
        """How many reads were started and not yet taken."""
        return len(self._started)
