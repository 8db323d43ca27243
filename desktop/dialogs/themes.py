"""Edit ▸ Learning themes…: the managed list of learning themes (issue 25), each with how many
items and reviews carry it; one renamed, or merged into another. The changes are
db.services.themes'; each is saved at once, audited, and the window reads again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.core.errors import CaseReviewError
from db.services.themes import ThemeCount
from desktop.qtutils import with_access_keys

_NAME = Qt.ItemDataRole.UserRole


class ThemesDialog(QDialog):
    """Lists ``read()``'s themes; ``change(kind, old, new)`` renames ("rename") or merges
    ("merge") and returns what was done, raising ``CaseReviewError`` for a refusal."""

    def __init__(
        self,
        read: Callable[[], list[ThemeCount]],
        change: Callable[[str, str, str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("themes")
        self.setWindowTitle("Learning themes")
        self.setMinimumSize(480, 420)
        self._read, self._change = read, change
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Themes say what learning an item or a review carries. Rename one, or merge it "
            "into another: its items and reviews take the other theme. Each change is saved at "
            "once and kept in the audit trail; Edit ▸ Undo takes it back once this is closed."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("themeList")
        self.list.setAccessibleName("Learning themes")
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.rename_button = QPushButton("&Rename…")
        self.merge_button = QPushButton("&Merge into…")
        self.rename_button.clicked.connect(self.rename)
        self.merge_button.clicked.connect(self.merge)
        row.addWidget(self.rename_button)
        row.addWidget(self.merge_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.said = QLabel()
        self.said.setObjectName("said")
        self.said.setWordWrap(True)
        layout.addWidget(self.said)
        buttons = with_access_keys(QDialogButtonBox(QDialogButtonBox.StandardButton.Close))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        self.list.clear()
        for theme in self._read():
            items = f"{theme.items:,} item{'s' if theme.items != 1 else ''}"
            reviews = f"{theme.reviews:,} review{'s' if theme.reviews != 1 else ''}"
            entry = QListWidgetItem(f"{theme.name} ({items}, {reviews})")
            entry.setData(_NAME, theme.name)
            self.list.addItem(entry)
            if theme.name == select:
                self.list.setCurrentItem(entry)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._enable()

    def _enable(self) -> None:
        chosen = self.current() is not None
        self.rename_button.setEnabled(chosen)
        self.merge_button.setEnabled(chosen and self.list.count() > 1)

    def current(self) -> str | None:
        entry = self.list.currentItem()
        return None if entry is None else str(entry.data(_NAME))

    def rename(self) -> None:
        old = self.current()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename theme", f"New name for {old}:", text=old)
        if ok and new.strip() and new.strip() != old:
            self._apply("rename", old, new.strip())

    def merge(self) -> None:
        old = self.current()
        if old is None:
            return
        others = [str(self.list.item(n).data(_NAME)) for n in range(self.list.count())]
        others = [name for name in others if name != old]
        into, ok = QInputDialog.getItem(self, "Merge theme", f"Merge {old} into:", others, 0, False)
        if ok and into:
            self._apply("merge", old, into)

    def _apply(self, kind: str, old: str, new: str) -> None:
        try:
            said = self._change(kind, old, new)
        except CaseReviewError as exc:
            self.said.setText(exc.message)
            return
        self.said.setText(said)
        self.refresh(select=new)
