"""The window's similar earlier learning (issue 25): one index of every item's terms per open
database (db.queries.similar), built off the GUI thread the first time it is asked for, and
brought up to date from the audit trail before each question, so an edit here or in another
process is in the next answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from db.core.errors import CaseReviewError
from db.store.logs import cause
from desktop import heap
from desktop.background import give_way, run_in_thread

if TYPE_CHECKING:
    from db.queries.similar import Match, SimilarityIndex
    from db.store.database import Database

_log = logging.getLogger(__name__)

# More items changed since the index last read them than this (an import, in this process
# or another), and it is built again off the GUI thread rather than brought up to date on it.
CAUGHT_UP_AT_MOST = 500


class _Window(Protocol):
    """What of the window's context this needs (desktop.context.AppContext, which makes it:
    naming that here would make the two modules import each other)."""

    @property
    def database(self) -> Database: ...


class SimilarLearning(QObject):
    """Answers ``matches``; says ``ready`` once an index asked for has been built, and
    ``failed`` if its build failed instead (``matches`` then builds it again when next asked:
    whoever waits should say so rather than call it straight back, or it would build again at
    once, over and over while the file stays locked)."""

    ready = Signal()
    failed = Signal()

    def __init__(self, context: _Window, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._index: SimilarityIndex | None = None
        self._of: Database | None = None  # the database the index is of
        self._building: Database | None = None

    def matches(self, text: str, source: str, item_id: int | None = None) -> list[Match] | None:
        """The earlier learning like ``text`` of sources other than ``source`` (and, for the
        item ``item_id``, none published after its own source), shown from ``SHOWN``; None
        while the index is being built (``ready`` follows)."""
        database = self.context.database  # first: opening it waits for the layer's import
        from db.queries.similar import SHOWN

        if self._index is None or self._of is not database:
            self._start(database)
            return None
        index = self._index
        try:
            with database.session() as session:
                if not index.catch_up(session, most=CAUGHT_UP_AT_MOST):
                    self._index = None  # many changed (an import): built again, as at first
                    self._start(database)
                    return None
                own = index.source_of(item_id) if item_id is not None else None
                found = index.similar(
                    session, text, exclude_source=source, limit=5, published_by=own and own[1]
                )
        except CaseReviewError as exc:  # the database gone: say nothing rather than fail
            _log.info("similar learning not looked for: %s", cause(exc))
            return []
        return [m for m in found if m.score >= SHOWN]

    def _start(self, database: Database) -> None:
        if self._building is database:
            return
        self._building = database

        def build() -> SimilarityIndex:
            from db.queries.similar import SimilarityIndex

            # What each reading of the items freed (their texts and terms) would otherwise
            # stay the window's: 5-6 MB at 100,000 items (issue 26). Given back after the
            # first too, the second's postings (6 MB, kept) come on top of the index alone.
            with database.snapshot() as session:  # read twice, so as one snapshot
                index = SimilarityIndex.build(
                    session, between_readings=heap.give_back_freed_memory, pause=give_way
                )
            heap.give_back_freed_memory()
            return index

        # Its failure (the database busy, say) is logged there; said by ``failed``.
        run_in_thread(
            self,
            "similar-learning",
            build,
            lambda built: self._take(database, built),
            gives_way=True,
        )

    def _take(self, database: Database, built: SimilarityIndex | Exception) -> None:
        if isinstance(built, Exception):  # the build failed: tried again when next asked
            if self._building is database:  # (it had stayed "being built" for ever)
                self._building = None
                if database is self.context.database:
                    self.failed.emit()
            return
        if database is not self.context.database:
            return  # built for a database the window has since closed
        self._index, self._of = built, database
        self._building = None
        self.ready.emit()
