"""The plain rows and filters the window shows, and the tracker's statuses and orders.

Without SQLAlchemy (an import-linter contract), so the window can paint its first page (read by
``db.queries.first_page``) before the database layer is imported; ``db.queries.details`` and
``db.queries.tracker`` fill the same rows with SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from db.core.dates import PartialDate
from db.core.vocabulary import AgencyRole, Rating, ReviewKind, Status, TrackedKind

# Rows of the tracker read at a time, as the table scrolls: a keystroke in the search box
# reads the first page, so its size is most of a keystroke's query (200 rows: 8.0 ms at the
# median keystroke at 100,000 items; 100: 5.5; docs/performance.md). 100 rows still fill a
# window on a tall screen; past them the next page is read as the view reaches it.
PAGE_SIZE = 100
OPEN_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IMPLEMENTED]
WORK_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS]


@dataclass(frozen=True)
class ReviewRow:
    id: int
    reference: str
    kind: ReviewKind
    title: str
    commissioned_by: str
    published: PartialDate | None
    recommendations: int
    open: int
    overdue: int

    @property
    def progress(self) -> float | None:
        """The share of items needing no more work, or None for a review with none."""
        if not self.recommendations:
            return None
        return (self.recommendations - self.open) / self.recommendations


@dataclass(frozen=True)
class RecommendationRow:
    id: int
    source: str
    kind: TrackedKind
    number: str
    position: int
    text: str | None
    lead_agencies: tuple[str, ...]
    joint_agencies: tuple[str, ...]
    owner: str
    target_date: dt.date | None
    status: Status
    rating: Rating
    from_inspection: bool


CLOSED_STATUSES = [s for s in Status if not s.is_open]
# Worst first: sorting by rating brings what needs attention to the top.
RATING_ORDER = (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.BLUE)


class SortKey(StrEnum):
    SOURCE = "source"
    NUMBER = "number"
    TEXT = "text"
    LEAD = "lead"
    JOINT = "joint"
    OWNER = "owner"
    TARGET_DATE = "target_date"
    STATUS = "status"
    RATING = "rating"


@dataclass(frozen=True)
class TrackerFilter:
    """What the filter bar asks for; empty fields do not filter."""

    text: str = ""
    source: str | None = None  # a review's or an inspection's reference
    agency: str | None = None  # an organisation's name, as lead or joint agency
    statuses: frozenset[Status] = field(default_factory=frozenset)
    rating: Rating | None = None
    overdue: bool = False
    theme: str | None = None
    due_before: dt.date | None = None


@dataclass(frozen=True)
class FilterChoices:
    """What the filter bar's drop-downs offer."""

    sources: list[str]
    agencies: list[str]
    themes: list[str]


Agencies = dict[int, dict[AgencyRole, list[str]]]


def agencies_by_item(links: Iterable[tuple[int, AgencyRole, str]]) -> Agencies:
    """(item id, role, organisation) in link order, grouped by item and role."""
    grouped: Agencies = defaultdict(lambda: defaultdict(list))
    for item_id, role, name in links:
        grouped[item_id][role].append(name)
    return grouped


def tracker_row(found: tuple[Any, ...], agencies: Agencies, rating: Rating) -> RecommendationRow:
    """A tracker row from the page query's columns (id, source, kind, number, position, text,
    owner, target date, status, inspection id), already converted to Python values."""
    rec_id, source, kind, number, position, text, owner, target, status, inspection_id = found
    return RecommendationRow(
        id=rec_id,
        source=source or "",
        kind=kind,
        number=number,
        position=position,
        text=text,
        lead_agencies=tuple(agencies[rec_id][AgencyRole.LEAD]),
        joint_agencies=tuple(agencies[rec_id][AgencyRole.JOINT]),
        owner=owner,
        target_date=target,
        status=status,
        rating=rating,
        from_inspection=inspection_id is not None,
    )
