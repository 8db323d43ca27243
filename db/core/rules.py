"""The lifecycle's rules as plain values: where each status may go, how the rating is derived,
what closing needs.

Like all of ``db.core``, without SQLAlchemy (an import-linter contract), so the window's first paint
and its dialogs can use them before the database layer is imported; ``db.store.lifecycle`` applies
them to stored items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.core.vocabulary import Rating, Status

# An item not yet started whose target falls within this window is at risk (amber).
AT_RISK_WINDOW = dt.timedelta(days=28)

# Where each status may go next. Terminal statuses can be reopened to in progress, because
# assurance sometimes finds the work was not done after all.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NOT_STARTED: frozenset(Status) - {Status.NOT_STARTED},
    Status.IN_PROGRESS: frozenset(Status) - {Status.IN_PROGRESS, Status.NOT_STARTED},
    Status.IMPLEMENTED: frozenset(
        {Status.IN_PROGRESS, Status.CLOSED, Status.SUPERSEDED, Status.NOT_ACCEPTED}
    ),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
    Status.SUPERSEDED: frozenset({Status.IN_PROGRESS}),
    Status.NOT_ACCEPTED: frozenset({Status.NOT_STARTED, Status.IN_PROGRESS}),
}


def rating_for(status: Status, target_date: dt.date | None, today: dt.date) -> Rating:
    """The BRAG rating, derived and never stored.

    Blue: closed, superseded or not accepted (nothing more to do). Green: implemented and
    awaiting assurance, or open and on track. Amber: open with no target date, or not started
    with the target within four weeks. Red: open and past its target date.
    """
    if not status.is_open:
        return Rating.BLUE
    if status is Status.IMPLEMENTED:
        return Rating.GREEN
    if target_date is None:
        return Rating.AMBER
    if target_date < today:
        return Rating.RED
    if status is Status.NOT_STARTED and target_date - today <= AT_RISK_WINDOW:
        return Rating.AMBER
    return Rating.GREEN


@dataclass(frozen=True)
class Closure:
    """What closing needs: who gave assurance, and on what day."""

    assured_by: str
    on: dt.date
