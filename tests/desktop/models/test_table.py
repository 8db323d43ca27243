"""The table model on its own, without any widget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt

from desktop.models.table import ROW_ROLE, Column, RowTableModel, SortProxy, none_last


@dataclass(frozen=True)
class Row:
    name: str
    due: dt.date | None


COLUMNS = [
    Column("Name", lambda r: r.name),
    Column(
        "Due",
        lambda r: r.due.strftime("%d %B %Y") if r.due else "",
        sort_key=lambda r: none_last(r.due),
    ),
]


def test_rows_and_headers(qapp) -> None:  # type: ignore[no-untyped-def]
    model: RowTableModel[Row] = RowTableModel(COLUMNS)
    model.set_rows([Row("a", None), Row("b", dt.date(2026, 1, 1))])
    assert (model.rowCount(), model.columnCount()) == (2, 2)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Due"
    assert model.data(model.index(1, 1)) == "01 January 2026"
    assert model.data(model.index(0, 0), ROW_ROLE) == Row("a", None)


def test_sorting_uses_real_values_not_display_strings(qapp) -> None:  # type: ignore[no-untyped-def]
    model: RowTableModel[Row] = RowTableModel(COLUMNS)
    # As strings "02 March" sorts before "10 January"; as dates it must not.
    model.set_rows(
        [
            Row("march", dt.date(2026, 3, 2)),
            Row("none", None),
            Row("january", dt.date(2026, 1, 10)),
            Row("february", dt.date(2026, 2, 1)),
        ]
    )
    proxy = SortProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    names = [proxy.data(proxy.index(row, 0)) for row in range(proxy.rowCount())]
    assert names == ["january", "february", "march", "none"]


def test_set_rows_resets_the_model(qapp) -> None:  # type: ignore[no-untyped-def]
    model: RowTableModel[Row] = RowTableModel(COLUMNS)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_rows([Row("a", None)])
    model.set_rows([])
    assert resets == [True, True]
    assert model.rowCount() == 0
