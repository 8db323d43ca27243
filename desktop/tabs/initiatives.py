"""The Initiatives tab: work agencies do that inspectors noted or that answers a
recommendation; create, edit and link each to the findings, areas and recommendations it
answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import PartialDate, parse_user_partial_date
from db.exchange.document import InitiativeDoc, LinkDoc
from db.queries import details as queries
from db.services import editing
from db.services.editing import LinkChoice, Problems
from desktop.commands import DeleteInitiative, SaveInitiative, run, run_from
from desktop.context import AppContext
from desktop.dialogs.forms import FormDialog
from desktop.models.table import ROW_ROLE, Column, RowTableModel
from desktop.tabs.common import Tab, TablePage, make_table, open_rows_with, row_action

COLUMNS: list[Column[queries.InitiativeRow]] = [
    Column("Initiative", lambda r: r.name, width=230),
    Column("Organisation", lambda r: r.organisation, width=220),
    Column("Started", lambda r: r.started.display() if r.started else "", width=110),
    Column(
        "Answers", lambda r: "; ".join(r.answers), tooltip=lambda r: "\n".join(r.answers), width=420
    ),
    Column("Description", lambda r: r.description, tooltip=lambda r: r.description),
]
LINK_ROLE = Qt.ItemDataRole.UserRole + 5


class InitiativeDialog(FormDialog):
    def __init__(
        self,
        check: Callable[[InitiativeDoc], Problems],
        organisations: list[str],
        choices: list[LinkChoice],
        doc: InitiativeDoc | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit initiative" if doc else "New initiative", parent)
        self.name = QLineEdit()
        self.add_row("name", "&Name", self.name)
        self.organisation = QComboBox()
        self.organisation.setEditable(True)
        self.organisation.addItems(["", *organisations])
        self.add_row("organisation", "Or&ganisation", self.organisation)
        self.started = QLineEdit()
        self.add_row("started", "&Started", self.started, "For example 2021 or March 2021")
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(90)
        self.add_row("description", "&Description", self.description)
        self.links = QListWidget()
        self.links.setAccessibleName("What the initiative answers")
        self.links.setMaximumHeight(120)
        self.choice = QComboBox()
        self.choice.setAccessibleName("A finding or area to link")
        for choice in choices:
            self.choice.addItem(choice.label)
        self._choices = choices
        add = QPushButton("&Link")
        add.clicked.connect(self._add_choice)
        self.recommendation = QLineEdit()
        self.recommendation.setPlaceholderText("or a review's recommendation: REFERENCE NUMBER")
        self.recommendation.setAccessibleName("A review recommendation to link")
        add_rec = QPushButton("Link r&ecommendation")
        add_rec.clicked.connect(self._add_recommendation)
        remove = QPushButton("&Remove link")
        remove.clicked.connect(
            lambda: [self.links.takeItem(self.links.row(i)) for i in self.links.selectedItems()]
        )
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.links)
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        row.addWidget(add)
        column.addLayout(row)
        row2 = QHBoxLayout()
        row2.addWidget(self.recommendation, 1)
        row2.addWidget(add_rec)
        row2.addWidget(remove)
        column.addLayout(row2)
        self.add_row("links", "&Answers", holder)
        if doc:
            self.name.setText(doc.name)
            self.organisation.setCurrentText(doc.organisation or "")
            self.started.setText(doc.started.display() if doc.started else "")
            self.description.setPlainText(doc.description)
            for link in doc.links:
                self._add_link(link)
        self._check = check
        self.check = self._validate
        self.chosen: InitiativeDoc | None = None

    def _add_link(self, link: LinkDoc) -> None:
        item = QListWidgetItem(editing.describe_link(link))
        item.setData(LINK_ROLE, link)
        self.links.addItem(item)

    def _add_choice(self) -> None:
        index = self.choice.currentIndex()
        if 0 <= index < len(self._choices):
            self._add_link(self._choices[index].link)

    def _add_recommendation(self) -> None:
        text = self.recommendation.text().strip()
        parts = text.split()
        if len(parts) >= 2:
            self._add_link(LinkDoc(review=" ".join(parts[:-1]), recommendation=parts[-1]))
            self.recommendation.clear()
        elif parts:
            self.show_problems(Problems({"links": self._one_word(text)}))

    @staticmethod
    def _one_word(text: str) -> str:
        return (
            f"'{text}' does not name a recommendation: give the review's reference and the "
            "recommendation's number, for example SCR-2010-01 7."
        )

    def _validate(self) -> Problems:
        problems = Problems()
        started: PartialDate | None = None
        if self.started.text().strip():
            try:
                started = parse_user_partial_date(self.started.text())
            except ValueError as exc:
                problems.add("started", str(exc))
        links = [self.links.item(i).data(LINK_ROLE) for i in range(self.links.count())]
        self.chosen = InitiativeDoc(
            name=self.name.text().strip(),
            organisation=self.organisation.currentText().strip() or None,
            started=started,
            description=self.description.toPlainText().strip(),
            links=links,
        )
        typed = self.recommendation.text().strip()
        if typed:  # typed but not linked: said, never dropped
            problems.add(
                "links",
                self._one_word(typed)
                if len(typed.split()) < 2
                else f"Link {typed} or clear it before saving.",
            )
        for name, message in self._check(self.chosen).by_field.items():
            problems.add(name, message)
        return problems


class InitiativesTab(Tab):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.model: RowTableModel[queries.InitiativeRow] = RowTableModel(COLUMNS, self)
        self.view = make_table(self.model, "Initiatives table")
        self.edit_action = open_rows_with(self.view, "&Edit…", self.edit_initiative)
        self.delete_action = row_action(
            self.view, "&Delete…", self.delete_initiative, [QKeySequence.StandardKey.Delete]
        )
        buttons = QHBoxLayout()
        made = []
        for text, handler in (
            ("&New initiative…", self.new_initiative),
            ("Edi&t…", self.edit_initiative),
            ("&Delete…", self.delete_initiative),
            ("Remove &link…", self.remove_link),
        ):
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.clicked.connect(handler)
            buttons.addWidget(button)
            made.append(button)
        self.new_button, self.edit_button, self.delete_button, self.remove_link_button = made
        buttons.addStretch()
        self.remove_link_action = row_action(self.view, "Remove a &link…", self.remove_link)
        self.page = TablePage(
            self.view,
            "No initiatives yet. An initiative is work an agency does that answers a "
            "recommendation, an inspection finding or an area for improvement: add one with "
            "New initiative, and link it to what it answers.",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page, 1)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected_name() is not None
        for control in (
            self.edit_button,
            self.delete_button,
            self.edit_action,
            self.delete_action,
            self.remove_link_button,
            self.remove_link_action,
        ):
            control.setEnabled(chosen)

    def load(self) -> None:
        self.loaded = True
        with self.context.database.session() as session:
            self.model.set_rows(queries.initiative_rows(session))
        self.page.show_rows(self.model.rowCount())
        self._update_buttons()

    def save_settings(self) -> None:
        """Column widths follow the declared defaults."""

    def selected_name(self) -> str | None:
        indexes = self.view.selectionModel().selectedRows()
        row = indexes[0].data(ROW_ROLE) if indexes else None
        return row.name if row is not None else None

    def _dialog(self, doc: InitiativeDoc | None) -> InitiativeDialog:
        with self.context.database.session() as session:
            organisations = queries.organisation_names(session)
            choices = editing.link_choices(session)
        old_name = doc.name if doc else None

        def check(candidate: InitiativeDoc) -> Problems:
            with self.context.database.session() as session:
                return editing.check_initiative(session, candidate, editing=old_name)

        return InitiativeDialog(check, organisations, choices, doc, self)

    def new_initiative(self) -> None:
        self._save_from(self._dialog(None), None)

    def edit_initiative(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        with self.context.database.session() as session:
            old = editing.initiative_doc(session, name)
        self._save_from(self._dialog(old), old)

    def _save_from(self, dialog: InitiativeDialog, old: InitiativeDoc | None) -> None:
        """The initiative as the dialog gives it, saved (kept in the dialog if the database
        cannot take it just now: ``run_from``)."""

        def save() -> SaveInitiative | None:
            chosen = dialog.chosen
            return None if chosen is None else SaveInitiative(self.context, old, chosen)

        run_from(self.context, dialog, save, self)

    def delete_initiative(self) -> None:
        name = self.selected_name()
        if name is None or not self.context.takes_changes(self):
            return
        answer = QMessageBox.question(
            self,
            "Delete initiative",
            f"Delete the initiative {name}? You can undo this with Edit ▸ Undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            run(DeleteInitiative(self.context, name), self)

    def remove_link(self) -> None:
        """Take one thing off what the selected initiative answers (undoable): the user picks
        the link and confirms with Remove."""
        name = self.selected_name()
        if name is None or not self.context.takes_changes(self):
            return
        with self.context.database.session() as session:
            old = editing.initiative_doc(session, name)
        labels = [editing.describe_link(link) for link in old.links]
        if not labels:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Remove a link")
        dialog.setLabelText(f"Remove which link of {name}? You can undo this with Edit ▸ Undo.")
        dialog.setComboBoxItems(labels)
        dialog.setOkButtonText("&Remove")
        if not dialog.exec() or dialog.textValue() not in labels:
            return
        gone = labels.index(dialog.textValue())
        new = dataclasses.replace(
            old, links=[link for n, link in enumerate(old.links) if n != gone]
        )
        run(SaveInitiative(self.context, old, new), self)
