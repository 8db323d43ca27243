"""File ▸ Backups: the copies casereview keeps beside the database, and restoring one."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError
from db.store.backups import KeptCopy, kept_copies, restore
from db.store.location import Location
from db.store.logs import cause
from db.store.paths import backups_folder
from desktop.qtutils import fit_to_screen, open_folder, with_access_keys

_log = logging.getLogger(__name__)

EMPTY = (
    "No copies yet. casereview keeps one in this folder when it opens the database after a "
    "change, and always before an upgrade, an import, a change to many records or a restore."
)


def _taken(copy: KeptCopy) -> str:
    return f"{format_date(copy.taken.date())}, {copy.taken:%H:%M}"


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024)} KB"


class BackupsDialog(QDialog):
    """Lists the copies, newest first; restores the chosen one after asking.

    ``restored`` is where the database it replaced was kept, once a restore has been made.
    """

    def __init__(self, location: Location, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert location.path is not None
        self.location = location
        self.database = location.path
        self.restored: Path | None = None
        self.setWindowTitle("Backups")
        fit_to_screen(self, QSize(760, 420), parent)
        self.copies = kept_copies(self.database)

        intro = QLabel(
            f"Copies of {self.database.name} kept in {backups_folder(self.database)}. "
            "Restoring one replaces the database; a copy of it as it is now is kept first."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.copies), 3)
        self.table.setAccessibleName("Backups")
        self.table.setHorizontalHeaderLabels(["Taken", "Why", "Size"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for row, copy in enumerate(self.copies):
            size = QTableWidgetItem(_size(copy.path))
            size.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, item in enumerate(
                (QTableWidgetItem(_taken(copy)), QTableWidgetItem(copy.described), size)
            ):
                item.setToolTip(str(copy.path))
                self.table.setItem(row, column, item)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(not self.copies)
        self.table.setVisible(bool(self.copies))

        buttons = with_access_keys(QDialogButtonBox(QDialogButtonBox.StandardButton.Close))
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setEnabled(False)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        folder = QPushButton("Open &folder")
        folder.setEnabled(backups_folder(self.database).is_dir())
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.restore_button.clicked.connect(self.restore_chosen)
        folder.clicked.connect(self._open_folder)
        self.table.itemSelectionChanged.connect(self._chosen_changed)
        self.table.doubleClicked.connect(lambda _: self.restore_chosen())

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(buttons)
        if self.copies:
            self.table.selectRow(0)

    def chosen(self) -> KeptCopy | None:
        rows = self.table.selectionModel().selectedRows()
        return self.copies[rows[0].row()] if rows else None

    def _chosen_changed(self) -> None:
        copy = self.chosen()
        self.restore_button.setEnabled(copy is not None and copy.reason != "damaged")

    def restore_chosen(self) -> None:
        copy = self.chosen()
        if copy is None or copy.reason == "damaged":
            return
        answer = QMessageBox.question(
            self,
            "Restore this copy?",
            f"Replace {self.database.name} with the copy taken on {_taken(copy)}? Changes made "
            "since then will not be in it; a copy of the database as it is now is kept first.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,  # Enter keeps the database: replacing it is a choice
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.restored = restore(copy.path, self.location)
        except CaseReviewError as exc:
            _log.info("backup not restored: %s", cause(exc))
            QMessageBox.warning(self, "casereview", exc.message)
            return
        self.accept()

    def _open_folder(self) -> None:
        refused = open_folder(backups_folder(self.database), "the backups folder")
        if refused is not None:
            QMessageBox.warning(self, "casereview", refused)
