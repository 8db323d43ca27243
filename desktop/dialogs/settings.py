"""Edit ▸ Settings: what a user sets in the settings file (desktop/settings.py), checked by the
same rules as every value casereview keeps, saved to the file and applied at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QSpinBox, QWidget

from db.core import fields
from desktop import settings as keys
from desktop.dialogs.forms import FormDialog
from desktop.lazy import lazy

if TYPE_CHECKING:
    from db.services import editing
    from db.services.editing import Problems
    from desktop.settings import Settings
else:
    editing = lazy("db.services.editing")

# The protective markings offered here and in the briefing dialog; any other may be typed.
MARKINGS = ["OFFICIAL-SENSITIVE", "OFFICIAL", "No marking"]
NO_MARKING = "No marking"
MOST_MINUTES = 240


def marking_problem(typed: str) -> str | None:
    """What is wrong with a marking as typed, in one sentence; None when it can be printed
    across every page. By the command line's rules (``--marking``), so a marking too long to
    fit is refused rather than cut off at the page's edges, and one of spaces only is refused
    rather than taken for no marking."""
    marking = typed.strip()
    if not marking:
        return None if not typed else f"The marking is only spaces; choose {NO_MARKING} for none."
    if marking == NO_MARKING:
        return None
    reason = fields.problem(marking, fields.MARKING)
    if reason is None and "\n" in marking:
        reason = "holds a line break, and it is printed on one line"
    return None if reason is None else f"The marking {reason}."


class SettingsDialog(FormDialog):
    def __init__(self, settings: Settings, sign_in: str, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)
        self.settings = settings
        self.name = self.add_row(
            "name",
            "Your &name",
            QLineEdit(settings.get(keys.YOUR_NAME)),
            "The name your updates and briefing packs give; leave empty for your sign-in "
            f"name, {sign_in}. The audit trail always records the sign-in name.",
        )
        self.name.setPlaceholderText(sign_in)
        self.marking = QComboBox()
        self.marking.setEditable(True)
        self.marking.addItems(MARKINGS)
        # A completer with no words: typing OFFICIAL must not become OFFICIAL-SENSITIVE.
        self.marking.setCompleter(QCompleter(self.marking))
        self.marking.setCurrentText(settings.get(keys.MARKING) or NO_MARKING)
        self.add_row(
            "marking",
            "Protective &marking",
            self.marking,
            "The marking a new briefing pack starts with, printed on every page",
        )
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setRange(1, MOST_MINUTES)
        self.lock_minutes.setSuffix(" minutes")
        self.lock_minutes.valueChanged.connect(
            lambda n: self.lock_minutes.setSuffix(" minute" if n == 1 else " minutes")
        )
        self.lock_minutes.setValue(min(max(1, settings.get(keys.LOCK_AFTER_MINUTES)), MOST_MINUTES))
        self.lock_minutes.setSuffix(" minute" if self.lock_minutes.value() == 1 else " minutes")
        self.add_row(
            "lock_minutes",
            "&Lock after",
            self.lock_minutes,
            "Idle time before the window of an encrypted database locks",
        )
        self.check = self._validate

    def chosen_marking(self) -> str:
        marking = self.marking.currentText().strip()
        return "" if marking == NO_MARKING else marking

    def _validate(self) -> Problems:
        problems = editing.Problems()
        name = self.name.text().strip()
        reason = fields.problem(name, fields.NAME) if name else None
        if reason is not None:
            problems.add("name", f"Your name {reason}.")
        reason = marking_problem(self.marking.currentText())
        if reason is not None:
            problems.add("marking", reason)
        return problems

    def save(self) -> None:
        """Write the settings file now, so another window or the next start reads them."""
        self.settings.set(keys.YOUR_NAME, self.name.text().strip())
        self.settings.set(keys.MARKING, self.chosen_marking())
        self.settings.set(keys.LOCK_AFTER_MINUTES, self.lock_minutes.value())
        self.settings.sync()
