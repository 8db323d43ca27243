"""File ▸ Take a copy offline…: what to take to a meeting, where to write it, and, for a plain
database, a passphrase for the copy (advised: a laptop is easily lost). The check-out itself is
db.services.checkout's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from db.services.editing import Problems
from db.store.atomic import unfit_target
from db.store.cipher import MINIMUM_LENGTH, Passphrase, PassphraseError, check_new
from desktop.dialogs.forms import FormDialog
from desktop.dialogs.passphrase import secret_field

if TYPE_CHECKING:
    from db.services.meetings import MeetingKey

WHOLE, MEETING, CHOSEN = "whole", "meeting", "chosen"
_KIND = Qt.ItemDataRole.UserRole  # an entry's kind: "review" or "inspection"


@dataclass(frozen=True)
class CopyChoice:
    """What the dialog was given: the scope's parts, the file, the copy's own passphrase."""

    reviews: tuple[str, ...]
    inspections: tuple[str, ...]
    meeting: MeetingKey | None
    target: Path
    passphrase: Passphrase | None


class TakeCopyDialog(FormDialog):
    """Chooses the scope (the whole database, the agenda of the meeting selected in the
    Meetings tab, or chosen reviews and inspections), the new file and its passphrase."""

    def __init__(
        self,
        *,
        reviews: list[str],
        inspections: list[str],
        meeting: MeetingKey | None,
        suggested: Path,
        encrypted: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Take a copy offline", parent)
        self.setObjectName("takeCopy")
        intro = QLabel(
            "The copy is a new database file to work on where there is no network, such as "
            "a meeting room; this database notes that it was taken. Bring its changes back "
            "with File ▸ Merge a copy back; a copy is merged once, so take a new one for the "
            "next meeting."
        )
        intro.setWordWrap(True)
        self.form.insertRow(0, intro)
        intro.setMinimumHeight(intro.heightForWidth(520))
        self._meeting = meeting
        self.scope = QComboBox()
        self.scope.addItem("The whole database", WHOLE)
        if meeting is not None:
            self.scope.addItem(f"The agenda of {meeting}, with what it needs", MEETING)
        self.scope.addItem("Chosen reviews and inspections", CHOSEN)
        self.add_row("scope", "&What", self.scope)
        self.sources = QListWidget()
        self.sources.setObjectName("sources")
        for kind, references in (("review", reviews), ("inspection", inspections)):
            for reference in references:
                entry = QListWidgetItem(f"{reference} ({kind})")
                entry.setData(_KIND, (kind, reference))
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Unchecked)
                self.sources.addItem(entry)
        self.add_row("sources", "&Reviews and inspections", self.sources)
        self.scope.currentIndexChanged.connect(self._scope_changed)
        self._scope_changed()
        self.target = QLineEdit(str(suggested))
        self.target.setObjectName("target")
        browse = QPushButton("Choose &file…")
        browse.clicked.connect(self._browse)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.target, 1)
        line.addWidget(browse)
        self.add_row("target", "&Save as", row)
        self.encrypted = encrypted
        self.first: QLineEdit | None = None
        self.second: QLineEdit | None = None
        if encrypted:
            said = QLabel("The copy is encrypted with this database's passphrase.")
            said.setWordWrap(True)
            self.form.addRow(said)
        else:
            advice = QLabel(
                "A laptop is easily lost or stolen: give the copy a passphrase, so that "
                "nobody without it can read what it holds. Leave both empty for a copy that is "
                "not encrypted."
            )
            advice.setWordWrap(True)
            self.form.addRow(advice)
            self.first = self.add_row(
                "passphrase",
                "&Passphrase",
                secret_field("passphrase"),
                f"At least {MINIMUM_LENGTH} characters; three or four unrelated words work well.",
            )
            self.second = self.add_row("again", "A&gain", secret_field("again"))
        self.chosen: CopyChoice | None = None
        self.check = self._check

    def _scope_changed(self) -> None:
        self.sources.setEnabled(self.scope.currentData() == CHOSEN)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the copy as", self.target.text(), "SQLite database (*.sqlite3)"
        )
        if name:
            self.target.setText(name)

    def _ticked(self) -> list[tuple[str, str]]:
        found = []
        for row in range(self.sources.count()):
            entry = self.sources.item(row)
            if entry.checkState() == Qt.CheckState.Checked:
                found.append(entry.data(_KIND))
        return found

    def _check(self) -> Problems:
        problems = Problems()
        scope = self.scope.currentData()
        ticked = self._ticked() if scope == CHOSEN else []
        if scope == CHOSEN and not ticked:
            problems.add("sources", "Tick the reviews and inspections to take.")
        target = Path(self.target.text().strip()).expanduser()
        if not self.target.text().strip():
            problems.add("target", "Give the name of the new file to write the copy to.")
        elif os.path.lexists(target):
            problems.add("target", f"{target} exists already; give another name.")
        else:
            unfit = unfit_target(target)
            if unfit is not None:
                problems.add("target", unfit)
        passphrase = self._passphrase(problems)
        if not problems:
            self.chosen = CopyChoice(
                reviews=tuple(ref for kind, ref in ticked if kind == "review"),
                inspections=tuple(ref for kind, ref in ticked if kind == "inspection"),
                meeting=self._meeting if scope == MEETING else None,
                target=target,
                passphrase=passphrase,
            )
        return problems

    def _passphrase(self, problems: Problems) -> Passphrase | None:
        """The copy's own passphrase, or None (a plain copy, or one with the database's)."""
        if self.first is None or self.second is None:
            return None
        first, second = self.first.text(), self.second.text()
        if not first and not second:
            return None
        try:
            chosen = check_new(first)
        except PassphraseError as exc:
            problems.add("passphrase", exc.message)
            return None
        if second != first:
            problems.add("again", "The two passphrases differ; type the same one twice.")
            return None
        return chosen
