"""The tracker query: every tracked item, filtered, sorted and paged by SQL.

At 100,000 recommendations the window must not load every row: it asks for a count and for
the page it shows, and each filter and sort is a WHERE or ORDER BY the database answers with
an index. The rating is derived in SQL by the same rule as ``db.core.rules.rating_for``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from db.core.rules import AT_RISK_WINDOW
from db.core.vocabulary import AgencyRole, Rating, Status, TrackedKind
from db.queries import first_page
from db.queries.rows import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    WORK_STATUSES,
    Agencies,
    FilterChoices,
    RecommendationRow,
    SortKey,
    TrackerFilter,
    agencies_by_item,
    tracker_row,
)
from db.store import search
from db.store.models import (
    Inspection,
    Organisation,
    Recommendation,
    RecommendationAgency,
    Review,
    Theme,
    recommendation_themes,
)


def rating_expression(today: dt.date) -> ColumnElement[str]:
    """SQL for ``rules.rating_for``; a test keeps the two in step."""
    status, target = Recommendation.status, Recommendation.target_date
    return case(
        (status.in_(CLOSED_STATUSES), literal(Rating.BLUE.value)),
        (status == Status.IMPLEMENTED, literal(Rating.GREEN.value)),
        (target.is_(None), literal(Rating.AMBER.value)),
        (target < today, literal(Rating.RED.value)),
        (
            and_(status == Status.NOT_STARTED, target <= today + AT_RISK_WINDOW),
            literal(Rating.AMBER.value),
        ),
        else_=literal(Rating.GREEN.value),
    )


def _rating_rank(today: dt.date) -> ColumnElement[int]:
    status, target = Recommendation.status, Recommendation.target_date
    red, amber, green, blue = range(4)
    return case(
        (status.in_(CLOSED_STATUSES), literal(blue)),
        (status == Status.IMPLEMENTED, literal(green)),
        (target.is_(None), literal(amber)),
        (target < today, literal(red)),
        (and_(status == Status.NOT_STARTED, target <= today + AT_RISK_WINDOW), literal(amber)),
        else_=literal(green),
    )


def _first_agency(role: AgencyRole) -> ColumnElement[str]:
    """The first name, alphabetically, among an item's agencies in ``role``."""
    return (
        select(func.min(Organisation.name))
        .join(RecommendationAgency, RecommendationAgency.organisation_id == Organisation.id)
        .where(
            RecommendationAgency.recommendation_id == Recommendation.id,
            RecommendationAgency.role == role,
        )
        .scalar_subquery()
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _conditions(
    dialect: str, flt: TrackerFilter, today: dt.date, plan: search.Plan = search.Plan.SORT
) -> list[Any]:
    """The WHERE of ``flt``; a search's words are left to bind (``_parameters``)."""
    conditions: list[Any] = []
    if search.words(flt.text):
        conditions.append(search.matches(dialect, plan))
    if flt.source:
        conditions.append(
            or_(
                Recommendation.review_id.in_(
                    select(Review.id).where(Review.reference == flt.source)
                ),
                Recommendation.inspection_id.in_(
                    select(Inspection.id).where(Inspection.reference == flt.source)
                ),
            )
        )
    if flt.agency:
        conditions.append(
            Recommendation.id.in_(
                select(RecommendationAgency.recommendation_id)
                .join(Organisation, Organisation.id == RecommendationAgency.organisation_id)
                .where(Organisation.name == flt.agency)
            )
        )
    if flt.statuses:
        conditions.append(Recommendation.status.in_(sorted(flt.statuses)))
    if flt.rating is not None:
        conditions.append(rating_expression(today) == flt.rating.value)
    if flt.overdue:
        conditions.append(
            and_(Recommendation.status.in_(WORK_STATUSES), Recommendation.target_date < today)
        )
    if flt.theme:
        conditions.append(
            Recommendation.id.in_(
                select(recommendation_themes.c.recommendation_id)
                .join(Theme, Theme.id == recommendation_themes.c.theme_id)
                .where(Theme.name == flt.theme)
            )
        )
    if flt.due_before is not None:
        conditions.append(
            and_(
                Recommendation.status.in_(OPEN_STATUSES),
                Recommendation.target_date < flt.due_before,
            )
        )
    return conditions


def _parameters(flt: TrackerFilter, dialect: str) -> dict[str, Any]:
    """What the statements built from ``_conditions`` are given for ``flt``."""
    if not search.words(flt.text):
        return {}
    return {search.PARAMETER: search.parameter(flt.text, dialect)}


def _search_only(session: Session, flt: TrackerFilter) -> bool:
    """Whether ``flt`` is a search on SQLite and nothing else: what ``db.store.search``'s
    plans and count answer."""
    return (
        _dialect(session) == "sqlite"
        and bool(search.words(flt.text))
        and flt == TrackerFilter(text=flt.text)
    )


def count(session: Session, flt: TrackerFilter, today: dt.date) -> int:
    if _search_only(session, flt):
        return search.count(session, flt.text)
    dialect = _dialect(session)
    query = select(func.count()).select_from(Recommendation)
    for condition in _conditions(dialect, flt, today):
        query = query.where(condition)
    return int(session.scalar(query, _parameters(flt, dialect)) or 0)


# Keys whose first part says "missing": items with no date or no joint agency stay last
# whichever way the column is sorted (SQLite and PostgreSQL would put NULLs at opposite ends).
_MISSING_LAST = (SortKey.TARGET_DATE, SortKey.JOINT)


# Keys whose order ix_recommendations_source_key_position gives, so a search need not sort.
_DEFAULT_ORDER = (SortKey.SOURCE, SortKey.NUMBER)


def _keys(sort: SortKey, today: dt.date) -> list[Any]:
    """The expressions ``sort`` orders by. Only the one asked for is built: building all nine
    (with their subqueries) took about 3 ms of every page read, more than a search's query."""
    if sort in _DEFAULT_ORDER:
        return [Recommendation.source_key, Recommendation.position]
    if sort is SortKey.TEXT:
        return [func.coalesce(Recommendation.text, "")]
    if sort is SortKey.LEAD:
        return [_first_agency(AgencyRole.LEAD)]
    if sort is SortKey.JOINT:
        joint = _first_agency(AgencyRole.JOINT)
        return [joint.is_(None), joint]
    if sort is SortKey.OWNER:
        return [Recommendation.owner]
    if sort is SortKey.TARGET_DATE:
        return [Recommendation.target_date.is_(None), Recommendation.target_date]
    if sort is SortKey.STATUS:
        return [
            case(
                *((Recommendation.status == s, literal(n)) for n, s in enumerate(Status)),
                else_=literal(99),
            )
        ]
    return [_rating_rank(today)]


def _order(sort: SortKey, descending: bool, today: dt.date) -> list[Any]:
    order = _keys(sort, today)
    if descending:
        order = [
            key if (sort in _MISSING_LAST and n == 0) else key.desc() for n, key in enumerate(order)
        ]
    return [*order, Recommendation.id]


def page(
    session: Session,
    flt: TrackerFilter,
    today: dt.date,
    *,
    sort: SortKey = SortKey.SOURCE,
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
    plan: search.Plan | None = None,
) -> list[RecommendationRow]:
    """One page of rows, in the asked order.

    A search alone, in the default order, is read by the cheapest of ``db.store.search``'s
    plans on SQLite (``plan`` names one instead, for tests and benchmarks); every other query
    by SORT, which suits any order and filter."""
    dialect = _dialect(session)
    if (
        dialect == "sqlite"
        and sort in _DEFAULT_ORDER
        and not descending
        and replace(flt, text="") == TrackerFilter()
        and limit <= _CHUNK
    ):
        # The tracker unfiltered, or a search alone, in the default order: what the window
        # reads at each keystroke. Read by db.queries.first_page's SQL, which a search typed
        # as the window starts reads from the file, here on the session's own connection.
        connection = session.connection().connection.driver_connection
        return first_page.tracker_rows(
            connection, today, limit=limit, offset=offset, query=flt.text, plan=plan
        )
    if plan is None:
        plan = search.Plan.SORT
        if sort in _DEFAULT_ORDER and _search_only(session, flt):
            plan = search.plan(session, flt.text, offset + limit)
    query = _page_query(
        dialect,
        replace(flt, text=""),
        searching=bool(search.words(flt.text)),
        today=today,
        sort=sort,
        descending=descending,
        plan=plan,
    )
    found = session.execute(query.offset(offset).limit(limit), _parameters(flt, dialect)).all()
    agencies = _agencies([row[0] for row in found], session)
    return [tracker_row(tuple(row[:-1]), agencies, Rating(str(row[-1]))) for row in found]


@lru_cache(maxsize=64)
def _page_query(
    dialect: str,
    others: TrackerFilter,
    *,
    searching: bool,
    today: dt.date,
    sort: SortKey,
    descending: bool,
    plan: search.Plan,
) -> Select[*tuple[Any, ...]]:
    """``page``'s statement for a filter (``others``, and a search if ``searching``), built
    once: typing changes only the words bound to it, and building it (aliases, the rating's
    CASE, the order) cost several times the query of a search in the default order."""
    review, inspection = aliased(Review), aliased(Inspection)
    query = (
        select(
            Recommendation.id,
            func.coalesce(review.reference, inspection.reference),
            Recommendation.kind,
            Recommendation.number,
            Recommendation.position,
            Recommendation.text,
            Recommendation.owner,
            Recommendation.target_date,
            Recommendation.status,
            Recommendation.inspection_id,
            rating_expression(today),  # last: the other columns are tracker_row's
        )
        .outerjoin(review, review.id == Recommendation.review_id)
        .outerjoin(inspection, inspection.id == Recommendation.inspection_id)
    )
    flt = replace(others, text="searching" if searching else "")
    for condition in _conditions(dialect, flt, today, plan):
        query = query.where(condition)
    return query.order_by(*_order(sort, descending, today))


def ids(
    session: Session,
    flt: TrackerFilter,
    today: dt.date,
    *,
    sort: SortKey = SortKey.SOURCE,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """The ids of the rows ``page`` would give, in the same order, in one query: what a
    selection of thousands of rows, most never shown, stands for."""
    dialect = _dialect(session)
    query = select(Recommendation.id)
    for condition in _conditions(dialect, flt, today):
        query = query.where(condition)
    query = query.order_by(*_order(sort, descending, today)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query, _parameters(flt, dialect)))


def identities(session: Session, item_ids: list[int]) -> list[tuple[str, str, TrackedKind]]:
    """(source, number, kind) of each item, in the order of ``item_ids``; an id no longer
    there is left out."""
    review, inspection = aliased(Review), aliased(Inspection)
    found: dict[int, tuple[str, str, TrackedKind]] = {}
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start : start + _CHUNK]
        for rec_id, source, number, kind in session.execute(
            select(
                Recommendation.id,
                func.coalesce(review.reference, inspection.reference),
                Recommendation.number,
                Recommendation.kind,
            )
            .outerjoin(review, review.id == Recommendation.review_id)
            .outerjoin(inspection, inspection.id == Recommendation.inspection_id)
            .where(Recommendation.id.in_(chunk))
        ):
            found[rec_id] = (source or "", number, TrackedKind(kind))
    return [found[i] for i in item_ids if i in found]


_CHUNK = 5_000  # ids per IN list: within every backend's limit on bound parameters


# The agencies of a page's items, built once (``page``'s ids are bound to it).
_AGENCIES = (
    select(RecommendationAgency.recommendation_id, RecommendationAgency.role, Organisation.name)
    .join(Organisation, Organisation.id == RecommendationAgency.organisation_id)
    .where(RecommendationAgency.recommendation_id.in_(bindparam("ids", expanding=True)))
    .order_by(RecommendationAgency.recommendation_id, RecommendationAgency.position)
)


def _agencies(ids: list[int], session: Session) -> Agencies:
    if not ids:
        return agencies_by_item([])
    found = session.execute(_AGENCIES, {"ids": ids})
    return agencies_by_item((item, role, name) for item, role, name in found)


def filter_choices(session: Session) -> FilterChoices:
    sources = [
        *session.scalars(select(Review.reference).order_by(Review.reference)),
        *session.scalars(select(Inspection.reference).order_by(Inspection.reference)),
    ]
    agencies = list(
        session.scalars(
            select(Organisation.name)
            .where(Organisation.id.in_(select(RecommendationAgency.organisation_id).distinct()))
            .order_by(Organisation.name)
        )
    )
    themes = list(
        session.scalars(
            select(Theme.name)
            .where(Theme.id.in_(select(recommendation_themes.c.theme_id).distinct()))
            .order_by(Theme.name)
        )
    )
    return FilterChoices(sources=sources, agencies=agencies, themes=themes)
