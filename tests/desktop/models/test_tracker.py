"""The Recommendations table model on its own, without a view: paging, sorting, filtering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from db.core.vocabulary import Rating
from db.queries.rows import TrackerFilter
from db.services.generate import generate
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.models.tracker import COLUMNS, PAGE_SIZE, RATING_COLUMN, TrackerModel
from tests.helpers import TODAY


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(tmp_path / "big.sqlite3")), create=True)
    with database.transaction("t") as session:
        generate(session, reviews=3, recommendations=PAGE_SIZE * 2 + 50, seed=5, today=TODAY)
    yield database
    database.close()


def test_rows_are_read_a_page_at_a_time_as_they_are_shown(qapp, big: Database) -> None:  # type: ignore[no-untyped-def]
    model = TrackerModel(big, lambda: TODAY)
    model.reload()
    # Until the count comes, the views know of the first page; reaching its end counts.
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE_SIZE * 2 + 50
    assert not model.canFetchMore()
    assert model.data(model.index(PAGE_SIZE * 2 + 49, 0))
    assert model.pages_read == [2]  # the last page alone, not the one before it
    ids = [model.row(n).id for n in range(model.rowCount())]  # type: ignore[union-attr]
    assert len(set(ids)) == model.rowCount()
    assert ids == model.ids()  # the same rows, in the same order, as the one-query ids
    assert model.row(model.rowCount()) is None


def test_the_total_is_counted_after_the_first_page(qtbot, big: Database) -> None:  # type: ignore[no-untyped-def]
    model = TrackerModel(big, lambda: TODAY)
    with qtbot.waitSignal(model.total_changed, timeout=3000) as signal:
        model.reload()
        assert model.total is None  # not yet: the first page comes first
    assert signal.args == [PAGE_SIZE * 2 + 50]


def test_sorting_asks_the_database(qapp, big: Database) -> None:  # type: ignore[no-untyped-def]
    model = TrackerModel(big, lambda: TODAY)
    column = next(i for i, c in enumerate(COLUMNS) if c.title == "Target date")
    model.sort(column, Qt.SortOrder.DescendingOrder)
    dates = [r.target_date for r in model.rows if r.target_date]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] >= max(r.target_date for r in model.rows if r.target_date)


def test_filter_and_roles(qapp, big: Database) -> None:  # type: ignore[no-untyped-def]
    model = TrackerModel(big, lambda: TODAY)
    model.set_filter(TrackerFilter(rating=Rating.RED))
    assert model.rows and all(r.rating is Rating.RED for r in model.rows)
    index = model.index(0, RATING_COLUMN)
    assert model.data(index) == "Red"
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Source"


def test_a_new_filter_tells_the_views_only_what_changed(qapp, big: Database) -> None:  # type: ignore[no-untyped-def]
    model = TrackerModel(big, lambda: TODAY)
    model.reload()
    model.fetchMore()  # counted: the views know of every row
    resets: list[bool] = []
    changed: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    replaced: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda first, last, *_: changed.append((first.row(), last.row())))
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.replaced.connect(lambda: replaced.append(True))
    # The default order is by source: the first source's items are the rows shown first.
    source = model.rows[0].source
    in_source = sum(1 for n in range(model.rowCount()) if model.row(n).source == source)  # type: ignore[union-attr]
    model.set_filter(TrackerFilter(source=source))
    assert (resets, changed, replaced) == ([], [], [True])  # the rows on top stayed as they were
    assert removed == [(in_source, PAGE_SIZE * 2 + 49)]
    fresh = TrackerModel(big, lambda: TODAY)
    fresh.set_filter(TrackerFilter(source=source))
    assert model.rows == fresh.rows and model.rowCount() == fresh.rowCount() == in_source
    model.set_filter(TrackerFilter(source=model.rows[-1].source, text="the"))
    assert resets == [] and changed  # some rows changed: they alone are repainted
    fresh.set_filter(model.filter)
    assert model.rows == fresh.rows and model.rowCount() == fresh.rowCount()
    assert all(
        model.data(model.index(n, 0)) == fresh.data(fresh.index(n, 0))
        for n in range(model.rowCount())
    )
    model.set_filter(TrackerFilter())
    assert inserted and resets == []
    assert model.rowCount() == PAGE_SIZE  # until counted again
