"""Small conversions between Qt's values and Python's, shared by the tabs and dialogs."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox

from db.core.vocabulary import ReviewKind, Status


def find_data(combo: QComboBox, value: object) -> int:
    """The index of the item holding ``value``, compared in Python (Qt's findData cannot
    compare Python enums), or -1."""
    wanted = value.value if isinstance(value, Status | ReviewKind) else value
    for index in range(combo.count()):
        if combo.itemData(index) == wanted:
            return index
    return -1


def qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())
