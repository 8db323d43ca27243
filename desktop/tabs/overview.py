"""The Overview tab: ratings per agency and per review as charts, what is overdue, the
deadlines coming up, and a summary of inspection grades."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError
from db.core.vocabulary import Rating, Status
from db.queries import overview as figures
from db.queries.rows import RecommendationRow
from db.queries.themes import ThemeYears, themes_by_year
from desktop.background import run_in_thread
from desktop.charts import BarChart, Series
from desktop.context import AppContext
from desktop.models.table import Column, RowTableModel, none_last
from desktop.palette import grade_colours, rating_bar, rating_colours, series_colour
from desktop.tabs.common import Tab, TablePage, configure_table, make_table

CHART_ROWS = 10
THEMES_CHARTED = 6  # the themes with most items, charted by year (all are in the table)
WORKING = "Working out the figures\u2026"

OVERDUE_COLUMNS: list[Column[RecommendationRow]] = [
    Column("Source", lambda r: r.source, width=170),
    Column("Number", lambda r: r.number, width=60),
    Column("Lead", lambda r: "; ".join(r.lead_agencies), width=220),
    Column(
        "Target date",
        lambda r: format_date(r.target_date),
        sort_key=lambda r: none_last(r.target_date),
        width=130,
    ),
    Column("Text", lambda r: r.text or "(text not yet entered)", tooltip=lambda r: r.text or ""),
]


class OverviewTab(Tab):
    """Its figures are read off the GUI thread (``load``): at 100,000 items they take 0.7 s
    to 1.3 s, which held the window each time the tab was shown, and each time another
    process changed the database while it was on show (found by a new user)."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.reading = False  # a read is under way (``load``)
        self._read_again = False  # asked to load while it was: what it reads may be stale
        self.totals = QLabel()
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.totals.setAccessibleName("Totals by rating")
        self.agency_chart = self._chart("Open and closed items by lead agency (top 10)")
        self.review_chart = self._chart("Items by review (top 10)")
        self.overdue_model: RowTableModel[RecommendationRow] = RowTableModel(OVERDUE_COLUMNS, self)
        self.overdue_view = make_table(self.overdue_model, "Overdue items table")
        self.deadlines = QLabel()
        self.deadlines.setWordWrap(True)
        self.deadlines.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.deadlines.setTextFormat(Qt.TextFormat.RichText)
        self.deadlines.setAccessibleName("Coming deadlines")
        self.grades = QLabel()
        self.grades.setTextFormat(Qt.TextFormat.RichText)
        self.grades.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.grades.setAccessibleName("Grades summary")
        self.breakdown_choice = QComboBox()
        self.breakdown_choice.addItems(["By lead agency", "By review"])
        self.breakdown_choice.setAccessibleName("Count items by")
        self.breakdown_choice.currentIndexChanged.connect(lambda *_: self._fill_breakdown())
        self.breakdown = QTableWidget()
        configure_table(self.breakdown, "Counts by status and rating", [])
        self.breakdown.setSortingEnabled(False)
        self._data: figures.Overview | None = None
        grid = QGridLayout()
        grid.addWidget(self.totals, 0, 0, 1, 2)
        grid.addWidget(self.agency_chart, 1, 0)
        grid.addWidget(self.review_chart, 1, 1)
        tables = QTabWidget()
        tables.setAccessibleName("Overview tables")
        tables.addTab(self.overdue_view, "Overdue")
        counts_panel = QWidget()
        counts_layout = QVBoxLayout(counts_panel)
        counts_layout.setContentsMargins(4, 4, 4, 4)
        counts_layout.addWidget(self.breakdown_choice)
        counts_layout.addWidget(self.breakdown, 1)
        tables.addTab(counts_panel, "Counts")
        # Confirmed repeats of earlier learning by theme (issue 25): a tab of its own, where
        # a third box beside the deadlines and grades left each too little room at 1366x768.
        self.repeats = QLabel()
        self.repeats.setObjectName("repeatsByTheme")
        self.repeats.setAccessibleName("Repeated learning by theme")
        self.repeats.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        tables.addTab(self._scrolling(self.repeats), "Repeats by theme")
        # Learning themes over time (issue 25): the most frequent themes charted by year of
        # publication, and every theme's counts below.
        self.themes_chart = BarChart(
            "Items by learning theme and year published",
            horizontal=False,
            stacked=False,
            empty="No item has a learning theme yet.",
        )
        # Lower than the charts above: with their 260 pixels the tab needed more height than
        # a 1366x768 screen's window has, and scrolled.
        self.themes_chart.setMinimumHeight(200)
        self.themes_chart.setObjectName("themesChart")
        self.themes_table = QLabel()
        self.themes_table.setObjectName("themesByYear")
        self.themes_table.setAccessibleName("Learning themes by year")
        self.themes_table.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        themes_panel = QWidget()
        themes_layout = QVBoxLayout(themes_panel)
        themes_layout.setContentsMargins(4, 4, 4, 4)
        themes_layout.addWidget(self.themes_chart, 3)
        themes_layout.addWidget(self._scrolling(self.themes_table), 2)
        tables.addTab(themes_panel, "Themes by year")
        self.tables = tables
        grid.addWidget(tables, 2, 0)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self._box("Coming deadlines", self._scrolling(self.deadlines)), 1)
        side_layout.addWidget(self._box("Inspection grades", self._scrolling(self.grades)), 1)

        grid.addWidget(side, 2, 1)
        grid.setRowStretch(1, 5)
        grid.setRowStretch(2, 4)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        content = QWidget()
        content.setLayout(grid)
        # The charts and tables need some 640 pixels of height: unscrolled, the window grew
        # past the bottom of a 1366x768 screen to make room (and stayed so on every tab).
        content.setAccessibleName("Overview")
        self.page = TablePage(
            self._scrolling(content),
            "Nothing to summarise yet: add a review or load the sample data.",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)

    @staticmethod
    def _box(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.addWidget(widget)
        return box

    @staticmethod
    def _scrolling(widget: QWidget) -> QScrollArea:
        """A list (or the whole tab) that scrolls when the window is short, rather than being
        cut off or making the window grow."""
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setAccessibleName(widget.accessibleName())
        return area

    @staticmethod
    def _chart(title: str) -> BarChart:
        chart = BarChart(title, horizontal=True, stacked=True)
        chart.setMinimumHeight(260)
        return chart

    def load(self) -> None:
        """Read the figures off the GUI thread and show them as they arrive; what was shown
        stays until then ("Working out the figures…" the first time). Asked again while a
        read runs, it reads once more after it (a change may have come since it began)."""
        self.loaded = True
        if self.reading:
            self._read_again = True
            return
        self.reading, self._read_again = True, False
        if self._data is None:
            self.totals.setText(WORKING)
        database, today = self.context.database, self.context.today()

        def read() -> tuple[figures.Overview, ThemeYears]:
            with database.session() as session:
                return figures.overview(session, today), themes_by_year(session)

        # Its failure (the database closed or gone) is logged there, and said on the tab.
        run_in_thread(self, "overview", read, lambda found: self._arrived(database, today, found))

    def _arrived(
        self,
        database: object,
        today: dt.date,
        read: tuple[figures.Overview, ThemeYears] | Exception,
    ) -> None:
        """The figures read from ``database`` as of ``today``, or the error that stopped it."""
        self.reading = False
        again = self._read_again  # a change came while it read
        if database is not self.context.database or (again and isinstance(read, Exception)):
            if self.loaded:  # read for a database since closed, or failed since a change: again
                self.load()
            return
        if isinstance(read, Exception):
            self.totals.setText(
                html.escape(
                    str(read)
                    if isinstance(read, CaseReviewError)
                    else "The figures could not be read; they are read again when the tab "
                    "is next shown."
                )
            )
            self.loaded = False  # read again when next shown
            return
        data, themes = read
        # Shown even with a change since: newer than what is shown, if not the newest. Thrown
        # away, no figures were shown at all while changes came faster than a read (another
        # process's edits one by one at 100,000 items: "Working out the figures…" throughout).
        self._show(data, themes, today)
        if again and self.loaded:
            self.load()

    def _show(self, data: figures.Overview, themes: ThemeYears, today: dt.date) -> None:
        total = sum(data.totals.values())
        self.page.show_rows(total)
        chips = "&nbsp;&nbsp;".join(
            f"<span style='background:{rating_colours(r)[0].name()};color:"
            f"{rating_colours(r)[1].name()}'>&nbsp;{r.label}: {data.totals[r]:,}&nbsp;</span>"
            for r in (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.BLUE)
        )
        self.totals.setText(f"<b>{total:,} tracked items</b>&nbsp;&nbsp;&nbsp;{chips}")
        self._fill_chart(self.agency_chart, data.by_agency[:CHART_ROWS])
        self._fill_chart(self.review_chart, data.by_review[:CHART_ROWS])
        self.overdue_model.set_rows(data.overdue)
        shown = len(data.overdue)
        self.tables.setTabText(
            0,
            f"Overdue: {data.overdue_total:,}"
            + (f" ({shown:,} longest shown)" if data.overdue_total > shown else ""),
        )
        self._data = data
        self._fill_breakdown()
        self.deadlines.setText(self._deadlines_html(data, today))
        self.grades.setText(self._grades_html(data))
        self.repeats.setText(self._repeats_html(data))
        self._fill_themes_chart(themes)
        self.themes_table.setText(themes_html(themes))

    def save_settings(self) -> None:
        """Nothing to remember: the overview always shows everything."""

    def _fill_breakdown(self) -> None:
        if self._data is None:
            return
        rows = (
            self._data.by_agency
            if self.breakdown_choice.currentIndex() == 0
            else self._data.by_review
        )
        columns = [s.label for s in Status] + [r.label for r in Rating] + ["Total"]
        self.breakdown.clear()
        self.breakdown.setColumnCount(len(columns))
        self.breakdown.setRowCount(len(rows))
        self.breakdown.setHorizontalHeaderLabels(columns)
        self.breakdown.setVerticalHeaderLabels([r.name for r in rows])
        self.breakdown.verticalHeader().setVisible(True)
        for r, row in enumerate(rows):
            values = [row.by_status[s] for s in Status] + [row.by_rating[x] for x in Rating]
            for c, value in enumerate([*values, row.total]):
                item = QTableWidgetItem(f"{value:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.breakdown.setItem(r, c, item)
        for c in range(len(columns)):
            self.breakdown.setColumnWidth(c, 92)

    @staticmethod
    def _fill_chart(chart: BarChart, rows: list[figures.Breakdown]) -> None:
        """A bar for each row, the most items at the top, in the colours of its ratings."""
        chart.set_data(
            [r.name for r in rows],
            [
                Series(rating.label, rating_bar(rating), tuple(r.by_rating[rating] for r in rows))
                for rating in (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.BLUE)
            ],
        )

    def _fill_themes_chart(self, themes: ThemeYears) -> None:
        """The six themes with most items, a bar each per year (the last ten years)."""
        years = themes.years[-10:]
        self.themes_chart.set_data(
            [str(year) for year in years],
            [
                Series(name, series_colour(n), tuple(by_year.get(year, 0) for year in years))
                for n, (name, by_year, _) in enumerate(themes.rows[:THEMES_CHARTED])
            ]
            if years
            else [],
        )

    @staticmethod
    def _deadlines_html(data: figures.Overview, today: dt.date) -> str:
        if not data.deadlines:
            return "<p style='color:#666'>No deadlines in the next four months.</p>"
        rows = []
        for deadline in data.deadlines:  # the list scrolls: all that were read, not 14
            days = deadline.days_left(today)
            when = (
                f"<span style='color:#8e1b1b'>{-days} days ago</span>"
                if days < 0
                else ("today" if days == 0 else f"in {days} days")
            )
            rows.append(
                f"<tr><td>{format_date(deadline.due)}</td><td>{when}</td>"
                f"<td>{deadline.what}</td><td style='color:#555'>{deadline.source}</td></tr>"
            )
        table = "<table cellpadding='3'>" + "".join(rows) + "</table>"
        more = data.deadlines_total - len(rows)
        if more > 0:
            table += f"<p style='color:#555'>and {more:,} more</p>"
        return table

    @staticmethod
    def _repeats_html(data: figures.Overview) -> str:
        """Confirmed repeats of earlier learning by theme (issue 25), most first."""
        if not data.repeats_by_theme:
            return (
                "<p style='color:#666'>No repeats confirmed yet: an item's Similar earlier "
                "learning offers them.</p>"
            )
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td align='right'>{count:,}</td></tr>"
            for name, count in data.repeats_by_theme
        )
        return f"<table cellpadding='3'>{rows}</table>"

    @staticmethod
    def _grades_html(data: figures.Overview) -> str:
        if not data.grades:
            return "<p style='color:#666'>No graded inspections yet.</p>"
        cells = []
        for grade in data.grades:
            colours = grade_colours(grade.position, grade.scheme_size)
            style = f"background:{colours[0].name()};color:{colours[1].name()}" if colours else ""
            noun = "area" if grade.count == 1 else "areas"
            cells.append(
                f"<tr><td style='{style}'>&nbsp;{grade.grade}&nbsp;</td>"
                f"<td align='right'>{grade.count:,}</td><td>{noun}</td></tr>"
            )
        return "<table cellpadding='3'>" + "".join(cells) + "</table>"


def themes_html(themes: ThemeYears) -> str:
    """Every theme's items by year published, most items first (the chart shows the first)."""
    if themes.is_empty:
        return "<p style='color:#666'>No item has a learning theme yet.</p>"
    years = themes.years
    undated = any(u for _, _, u in themes.rows)
    head = "".join(f"<th align='right'>{year}</th>" for year in years)
    head += "<th align='right'>Not yet published</th>" if undated else ""
    body = []
    for name, by_year, not_yet in themes.rows:
        cells = "".join(f"<td align='right'>{by_year.get(y, 0) or ''}</td>" for y in years)
        cells += f"<td align='right'>{not_yet or ''}</td>" if undated else ""
        body.append(f"<tr><td>{html.escape(name)}</td>{cells}</tr>")
    return (
        f"<table cellpadding='3'><tr><th align='left'>Theme</th>{head}</tr>"
        + "".join(body)
        + "</table>"
    )
