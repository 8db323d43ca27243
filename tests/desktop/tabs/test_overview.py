"""The Overview tab's charts, in the real window over a real database file, as drawn."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QFontMetricsF

from db.core.vocabulary import ReviewKind
from db.store.database import Database
from desktop.charts import PAPER, BarChart
from desktop.settings import Settings
from tests.helpers.exchange import run_import
from tests.helpers.spreadsheet_files import workbook_of
from tests.helpers.window import make_window, show_overview

# Ten partner agencies as a partnership names them, the longest first.
AGENCIES = [
    "Leicestershire Partnership NHS Trust Safeguarding Team",
    "Birmingham and Solihull Integrated Care Board",
    "Nottinghamshire Healthcare NHS Foundation Trust",
    "Coventry and Warwickshire Partnership NHS Trust",
    "West Midlands Police Public Protection Unit",
    "Derbyshire County Council Adult Social Care",
    "University Hospitals of Leicester NHS Trust",
    "Northamptonshire Children's Trust Early Help",
    "East Midlands Ambulance Service NHS Trust",
    "Staffordshire and Stoke-on-Trent ICB",
]


def ink_left_of_the_bars(chart: BarChart) -> int:
    """How far left of the bars the chart draws anything (the bars' names), in pixels, from
    the chart's own picture: what a user sees, whoever draws the names."""
    image = chart.grab().toImage()
    plot = chart.plot_area()
    left, rows = round(plot.left()), range(round(plot.top()), round(plot.bottom()), 2)
    paper = QColor(PAPER).rgb()
    for x in range(2, left - 1):  # past the card's border
        if any(image.pixel(x, y) != paper for y in rows):
            return left - x
    return 0


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
def test_ten_long_agency_names_stay_readable_beside_their_bars(
    qtbot: Any, db_file: Database, settings: Settings, tmp_path: Path, size: tuple[int, int]
) -> None:
    """At 1366x768 Qt Charts drew each of ten names as "…" (a name not fitting its bar's
    height), so no bar said whose it was: each name keeps at least its first three words, and
    its whole as the tooltip."""
    rows: list[list[object]] = [["Rec No.", "Recommendation", "Lead agency", "Status"]]
    for rank, agency in enumerate(AGENCIES):
        for _ in range(len(AGENCIES) - rank):  # each agency a different number of items
            rows.append([str(len(rows)), "Share information", agency, "In progress"])
    run_import(db_file, workbook_of(rows, tmp_path / "plan.xlsx"), review="LONG-NAMES")
    window = make_window(qtbot, db_file, settings)
    window.resize(*size)
    show_overview(window)
    qtbot.wait(50)
    chart = window.overview_tab.agency_chart
    metrics = QFontMetricsF(chart.font())
    three_words = max(metrics.horizontalAdvance(" ".join(a.split()[:3])) for a in AGENCIES)
    assert ink_left_of_the_bars(chart) >= three_words  # "…" alone was some 15 pixels
    shown = chart.names_shown()  # from the top bar down: the most items first
    assert [whole for _, whole in shown] == AGENCIES
    for agency, (name, _) in zip(AGENCIES, shown, strict=True):
        assert name == agency or (name.endswith("…") and agency.startswith(name[:-1]))
        assert name.startswith(" ".join(agency.split()[:3])), (agency, name)
    # The whole name is the tooltip of the shortened one, as it had been.
    _, _, place = chart._laid_out().names[0]
    assert chart._tip_at(place.center()) == AGENCIES[0]


def test_a_narrow_chart_keeps_its_whole_title_and_legend(
    qtbot: Any, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    """At 150 % scaling the room for the bars' names narrowed the title and the legend with
    them: "Open and closed items by lead age…", and "Am…" for Amber. Both now span the chart."""
    rows: list[list[object]] = [["Rec No.", "Recommendation", "Lead agency", "Status"]]
    rows += [[str(n), "Share information", a, "In progress"] for n, a in enumerate(AGENCIES)]
    run_import(db_file, workbook_of(rows, tmp_path / "plan.xlsx"), review="LONG-NAMES")
    window = make_window(qtbot, db_file, settings)
    window.resize(900, 560)  # a 1920x1080 screen at 150 %, less than its whole width
    show_overview(window)
    qtbot.wait(50)
    chart = window.overview_tab.agency_chart
    assert chart.plot_area().left() > 150  # the names' room, which had cut the rest short
    title = "Open and closed items by lead agency (top 10)"
    assert title in chart.texts()
    legend = chart.legend_area()
    # Centred across the whole chart, not squeezed into the plot beside the names.
    assert abs(legend.center().x() - chart.width() / 2) < 2
    assert legend.left() < chart.plot_area().left()
    assert chart.legend_shown() == ["Red", "Amber", "Green", "Blue"]  # each label whole


def test_axis_numbers_have_thousands_separators(
    qtbot: Any, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    """An older fault: a chart's axis read "1000 1500" where the rest of the window writes
    "1,500"."""
    rows: list[list[object]] = [["Rec No.", "Recommendation", "Lead agency", "Status"]]
    rows += [[str(n), "Share information", "Police", "In progress"] for n in range(1, 1501)]
    run_import(db_file, workbook_of(rows, tmp_path / "plan.xlsx"), review="MANY")
    window = make_window(qtbot, db_file, settings)
    window.resize(1440, 900)
    show_overview(window)
    qtbot.wait(50)
    chart = window.overview_tab.agency_chart
    chart.grab()  # laid out and drawn, as on screen
    labels = set(chart.texts())
    numbers = {label for label in labels if label.replace(",", "").isdigit()}
    assert any(int(n.replace(",", "")) >= 1000 for n in numbers), sorted(labels)
    assert all(f"{int(n.replace(',', '')):,}" == n for n in numbers), (
        numbers
    )  # "1,500", never "1500"
    # Each bar's value is its tooltip, with the thousands written as the axis writes them.
    tips = [tip for _, tip in chart.bars()]
    assert "Police: Amber 1,500" in tips or any(tip.endswith("1,500") for tip in tips), tips


def test_the_figures_are_read_off_the_gui_thread_and_again_after_a_change(
    qtbot: Any, sample_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100,000 items the figures take 0.7-1.3 s: read on the GUI thread, they held the
    window each time the tab was shown and each time another process changed the database
    while it was on show (found by a new user). They are read beside it; a change while
    they are read is read again once that read ends, so what is shown is never the older."""
    from db.exchange.document import Document, ReviewDoc, TrackedDoc
    from db.exchange.records import apply_document
    from db.queries import overview as figures
    from desktop.tabs.overview import WORKING

    readers: list[threading.Thread] = []
    read = figures.overview
    go = threading.Event()

    def watched(*args: Any, **kwargs: Any) -> Any:  # the real read, its thread noted
        readers.append(threading.current_thread())
        found = read(*args, **kwargs)
        if len(readers) == 1:
            go.wait(10)  # the first read, done before the change, ends after it
        return found

    monkeypatch.setattr(figures, "overview", watched)
    window = sample_window
    window.elsewhere.timer.stop()  # only the refresh below reads again
    tab = window.overview_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.reading and tab.totals.text() == WORKING  # the window went on meanwhile
    qtbot.waitUntil(lambda: len(readers) == 1)
    added = Document(
        reviews=[
            ReviewDoc(
                reference="LATE-1",
                kind=ReviewKind.SCR,
                title="Added while the figures were read (fictional)",
                recommendations=[TrackedDoc(number="1", text="Share the plan.")],
            )
        ]
    )
    with window.context.database.transaction("t") as session:
        apply_document(session, added)
    tab.refresh()  # as a change saved elsewhere makes the window read again
    go.set()
    qtbot.waitUntil(lambda: not tab.reading and "29 tracked items" in tab.totals.text())
    assert len(readers) == 2 and threading.main_thread() not in readers
    qtbot.wait(100)
    assert len(readers) == 2  # no more than the one read again


def test_a_read_that_fails_says_so_and_is_tried_when_the_tab_is_next_shown(
    qtbot: Any, sample_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures not read (another program holding the file locked to itself): one
    sentence on the tab, never a traceback, and read again when the tab is next shown."""
    import sqlite3
    from contextlib import closing

    from db.store import database as database_module

    window = sample_window
    window.elsewhere.timer.stop()
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 1)  # a second's wait, not ten
    window.context.reopen()
    path = window.context.database.location.path
    assert path is not None
    tab = window.overview_tab
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")  # kept until it closes
        other.execute("BEGIN EXCLUSIVE")
        other.execute("COMMIT")
        window.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda: not tab.reading, timeout=10000)
        said = tab.totals.text()
        assert said and "Traceback" not in said and "tracked items" not in said
        assert said.endswith(".") and "\n" not in said, said  # one sentence
        assert not tab.loaded
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.reading and "28 tracked items" in tab.totals.text())


def test_the_figures_are_shown_while_changes_keep_coming_faster_than_a_read(
    qtbot: Any, sample_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change that came while the figures were read had them thrown away and read again:
    with changes coming faster than a read (another process's edits one by one, at 100,000
    items where a read takes a second), no figures were ever shown, "Working out the
    figures…" for as long as the changes went on. What was read is shown, and read again."""
    import time

    from PySide6.QtCore import QTimer

    from db.queries import overview as figures

    read = figures.overview

    def slow(*args: Any, **kwargs: Any) -> Any:  # the real read, as long as a large one's
        found = read(*args, **kwargs)
        time.sleep(0.15)
        return found

    monkeypatch.setattr(figures, "overview", slow)
    window = sample_window
    tab = window.overview_tab
    changes = QTimer(window)
    changes.setInterval(40)
    changes.timeout.connect(tab.refresh)  # as each change saved elsewhere makes it
    window.tabs.setCurrentWidget(tab)
    changes.start()
    try:
        qtbot.waitUntil(lambda: "28 tracked items" in tab.totals.text(), timeout=2000)
        assert changes.isActive()  # while the changes still came
    finally:
        changes.stop()
    qtbot.waitUntil(lambda: not tab.reading, timeout=5000)
