"""The main window: reviews, recommendations and inspection grades, read-only for now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db import queries
from db.dataset import counts, load_sample
from db.dates import format_date
from db.engine import Database
from db.errors import CaseReviewError
from db.vocabulary import REVIEW_KIND_ABBREVIATIONS, Rating, Status, TrackedKind
from desktop import __version__
from desktop.palette import grade_colours, rating_colours
from desktop.table_model import RIGHT, Column, RowTableModel, SortProxy, none_last

R = TypeVar("R")
# Worst first, so sorting by rating brings what needs attention to the top.
RATING_ORDER = [Rating.RED, Rating.AMBER, Rating.GREEN, Rating.BLUE]

REVIEW_COLUMNS: list[Column[queries.ReviewRow]] = [
    Column("Reference", lambda r: r.reference, width=190),
    Column(
        "Kind",
        lambda r: REVIEW_KIND_ABBREVIATIONS[r.kind],
        tooltip=lambda r: r.kind.label,
        width=90,
    ),
    Column("Title", lambda r: r.title, tooltip=lambda r: r.title, width=380),
    Column("Commissioned by", lambda r: r.commissioned_by, width=260),
    Column(
        "Published",
        lambda r: r.published.display() if r.published else "",
        sort_key=lambda r: none_last(r.published.earliest() if r.published else None),
        width=130,
    ),
    Column(
        "Recommendations",
        lambda r: str(r.recommendations),
        sort_key=lambda r: r.recommendations,
        align=RIGHT,
        width=125,
    ),
    Column("Open", lambda r: str(r.open), sort_key=lambda r: r.open, align=RIGHT, width=60),
    Column(
        "Overdue", lambda r: str(r.overdue), sort_key=lambda r: r.overdue, align=RIGHT, width=70
    ),
]


def _text(row: queries.RecommendationRow) -> str:
    return row.text if row.text is not None else "(text not yet entered)"


RECOMMENDATION_COLUMNS: list[Column[queries.RecommendationRow]] = [
    Column("Source", lambda r: r.source, width=165),
    Column(
        "Number",
        lambda r: r.number if r.kind is TrackedKind.RECOMMENDATION else f"AFI {r.number}",
        sort_key=lambda r: (r.source, r.position),
        tooltip=lambda r: r.kind.label,
        width=55,
    ),
    Column("Text", _text, tooltip=_text, width=320),
    Column("Lead agencies", lambda r: "; ".join(r.lead_agencies), width=175),
    Column("Joint agencies", lambda r: "; ".join(r.joint_agencies), width=165),
    Column("Owner", lambda r: r.owner, width=165),
    Column(
        "Target date",
        lambda r: format_date(r.target_date),
        sort_key=lambda r: none_last(r.target_date),
        width=125,
    ),
    Column(
        "Status",
        lambda r: r.status.label,
        sort_key=lambda r: list(Status).index(r.status),
        width=105,
    ),
    Column(
        "Rating",
        lambda r: r.rating.label,
        sort_key=lambda r: RATING_ORDER.index(r.rating),
        colours=lambda r: rating_colours(r.rating),
        width=80,
    ),
]

INSPECTION_COLUMNS: list[Column[queries.InspectionRow]] = [
    Column(
        "Published",
        lambda r: format_date(r.published_on),
        sort_key=lambda r: none_last(r.published_on),
        width=140,
    ),
    Column("Inspected", lambda r: r.organisation, width=220),
    Column("Inspectorate", lambda r: r.inspectorate, width=100),
    Column("Title", lambda r: r.title, tooltip=lambda r: r.title, width=360),
]

AREA_COLUMNS: list[Column[queries.AreaRow]] = [
    Column("Area", lambda r: r.name, tooltip=lambda r: r.name, width=420),
    Column(
        "Grade",
        lambda r: r.grade or "Not graded",
        sort_key=lambda r: none_last(r.grade_position),
        colours=lambda r: grade_colours(r.grade_position, r.grade_count),
        width=170,
    ),
    Column("Narrative", lambda r: r.narrative, tooltip=lambda r: r.narrative, width=400),
]


def make_table(model: RowTableModel[Any], name: str) -> QTableView:
    """A sortable, read-only table with fixed row heights and the declared column widths."""
    proxy = SortProxy(model)
    proxy.setSourceModel(model)
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for number, column in enumerate(model.columns):
        view.setColumnWidth(number, column.width)
    return view


class EmptyState(QWidget):
    """What a tab shows when there is nothing in it: a sentence saying why, not a blank grid."""

    def __init__(self, message: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        label = QLabel(message)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: palette(placeholder-text); font-size: 11pt;")
        layout.addStretch()
        layout.addWidget(label)
        layout.addStretch()


class TablePage(QStackedWidget):
    """A table, or its empty-state message when the table has no rows."""

    def __init__(self, view: QTableView, empty_message: str) -> None:
        super().__init__()
        self.view = view
        self.addWidget(view)
        self.addWidget(EmptyState(empty_message))

    def show_rows(self, count: int) -> None:
        self.setCurrentIndex(0 if count else 1)


class MainWindow(QMainWindow):
    """The casereview window over one open database."""

    data_loaded = Signal()

    def __init__(self, database: Database, today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__()
        self.database = database
        self.today = today
        self.setWindowTitle(f"{database.location.name} \u2014 casereview")
        self.resize(1440, 900)

        self.review_model: RowTableModel[queries.ReviewRow] = RowTableModel(REVIEW_COLUMNS, self)
        self.recommendation_model: RowTableModel[queries.RecommendationRow] = RowTableModel(
            RECOMMENDATION_COLUMNS, self
        )
        self.inspection_model: RowTableModel[queries.InspectionRow] = RowTableModel(
            INSPECTION_COLUMNS, self
        )
        self.area_model: RowTableModel[queries.AreaRow] = RowTableModel(AREA_COLUMNS, self)

        self.reviews_page = TablePage(
            make_table(self.review_model, "Reviews table"),
            "No reviews yet. Load the sample data from the File menu to see how casereview "
            "works, or import a casereview file with 'casereview import'.",
        )
        self.recommendations_page = TablePage(
            make_table(self.recommendation_model, "Recommendations table"),
            "No recommendations yet. They appear here from every review and inspection.",
        )
        self.inspections_view = make_table(self.inspection_model, "Inspections table")
        self.areas_view = make_table(self.area_model, "Graded areas table")
        self.inspections_page = TablePage(self._inspections_splitter(), "No inspections yet.")
        self.inspections_view.selectionModel().currentRowChanged.connect(self._show_areas)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sections")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.reviews_page, "&Reviews")
        self.tabs.addTab(self.recommendations_page, "Re&commendations")
        self.tabs.addTab(self.inspections_page, "&Inspection grades")

        self.empty_banner = self._banner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.empty_banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self.counts_label = QLabel()
        self.location_label = QLabel(f"Data: {database.location}")
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.location_label)
        self._build_menus()

    def _inspections_splitter(self) -> QSplitter:
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.inspections_view)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 6, 0, 0)
        self.areas_title = QLabel()
        self.areas_title.setStyleSheet("font-weight: 600; padding: 2px 4px;")
        lower_layout.addWidget(self.areas_title)
        lower_layout.addWidget(self.areas_view)
        splitter.addWidget(lower)
        splitter.setSizes([300, 500])
        return splitter

    def _banner(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("emptyBanner")
        frame.setStyleSheet(
            "#emptyBanner { background: #fff7e0; border-bottom: 1px solid #e0c97a; }"
        )
        row = QHBoxLayout(frame)
        row.setContentsMargins(12, 8, 12, 8)
        text = QLabel(
            "This database is empty. Load the sample data (the seed facts and a fictional "
            "review) to try casereview?"
        )
        text.setStyleSheet("color: #3d3000;")
        self.load_sample_button = QPushButton("Load the sample data")
        self.load_sample_button.setAccessibleName("Load the sample data")
        self.load_sample_button.clicked.connect(self.load_sample_data)
        row.addWidget(text, 1)
        row.addWidget(self.load_sample_button)
        frame.hide()
        return frame

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.load_sample_action = QAction("Load &sample data", self)
        self.load_sample_action.triggered.connect(self.load_sample_data)
        file_menu.addAction(self.load_sample_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        refresh = QAction("&Refresh", self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        view_menu.addAction(refresh)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About casereview", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def refresh(self) -> None:
        """Read everything the tabs show, in one short session."""
        today = self.today()
        with self.database.session() as session:
            reviews = queries.review_rows(session, today)
            recommendations = queries.recommendation_rows(session, today)
            inspections = queries.inspection_rows(session)
            totals = counts(session)
        self.review_model.set_rows(reviews)
        self.recommendation_model.set_rows(recommendations)
        self.inspection_model.set_rows(inspections)
        self.reviews_page.show_rows(len(reviews))
        self.recommendations_page.show_rows(len(recommendations))
        self.inspections_page.show_rows(len(inspections))
        if inspections:
            self.inspections_view.selectRow(0)
        else:
            self.area_model.set_rows([])
        self.empty_banner.setVisible(totals.is_empty)
        self.load_sample_action.setEnabled(totals.is_empty)
        overdue = sum(r.overdue for r in reviews)
        self.counts_label.setText(f"{totals.describe()}; {overdue} overdue review recommendations")
        self.data_loaded.emit()

    def _show_areas(self, current: Any, _previous: Any = None) -> None:
        if not current.isValid():
            return
        proxy = self.inspections_view.model()
        source_index = proxy.mapToSource(current)  # type: ignore[attr-defined]
        inspection = self.inspection_model.row_at(source_index)
        with self.database.session() as session:
            self.area_model.set_rows(queries.area_rows(session, inspection.id))
        published = format_date(inspection.published_on, "date not recorded")
        self.areas_title.setText(f"Graded areas: {inspection.title} (published {published})")

    def load_sample_data(self) -> None:
        try:
            with self.database.transaction() as session:
                if not counts(session).is_empty:
                    raise CaseReviewError(
                        "The sample data can only be loaded into an empty database."
                    )
                load_sample(session, self.today())
        except CaseReviewError as exc:
            QMessageBox.warning(self, "casereview", exc.message)
            return
        self.refresh()
        self.statusBar().showMessage("Sample data loaded.", 5000)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About casereview",
            f"<b>casereview {__version__}</b><p>Tracks the learning from safeguarding case "
            "reviews and inspections for review panels. Works offline; your data stays in "
            f"{self.database.location}.</p>",
        )
