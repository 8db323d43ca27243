"""A tracked item's name, and the fields an edit of it or of a review changes: plain values
without SQLAlchemy, so that the window can start an edit from the file while the database
layer is still loading (``db.queries.first_page.item_fields`` and ``review_fields``).
``db.services.editing`` reads and writes them through the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from db.core.dates import PartialDate
from db.core.vocabulary import ReviewKind, TrackedKind


@dataclass(frozen=True)
class ItemKey:
    """A tracked item named as people name it: "recommendation 7 of SCR-1".

    A review and an inspection may share a reference, each with a recommendation 1:
    ``inspection`` says whose it is where the window knows (the row chosen, ``key_of``);
    None, as typed on the command line, is the review's if it has one, else the
    inspection's. It takes no part in comparing keys, which name items as people do."""

    source: str
    number: str
    kind: TrackedKind = TrackedKind.RECOMMENDATION
    inspection: bool | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ItemFields:
    number: str
    text: str | None
    lead_agencies: tuple[str, ...] = ()
    joint_agencies: tuple[str, ...] = ()
    actions: str = ""
    owner: str = ""
    target_date: dt.date | None = None
    themes: tuple[str, ...] = ()
    # The item's version when these fields were read (None for fields typed in a dialog).
    version: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ReviewFields:
    reference: str
    kind: ReviewKind
    title: str
    subject: str = ""
    commissioned_by: str = ""
    published: PartialDate | None = None
    summary: str = ""
    themes: tuple[str, ...] = ()
    # The review's version when these fields were read (None for fields typed in a dialog).
    version: int | None = field(default=None, compare=False)
