"""Spreadsheet trackers in and out: .xlsx, .xls and .csv action plans.

``read_tracker`` reads and checks a file without touching the database; ``import_tracker``
applies it in the caller's transaction, all or nothing; ``write_xlsx`` and ``write_csv``
export action plans. See docs/spreadsheets.md for the words and layouts recognised.
"""

from db.exchange.spreadsheets.importing import ImportTarget, default_target, import_tracker
from db.exchange.spreadsheets.layout import Field
from db.exchange.spreadsheets.reading import TrackerFileError, TrackerProblemsError
from db.exchange.spreadsheets.tracker_file import (
    Mapping,
    Problem,
    TrackerFile,
    read_tracker,
    sheet_preview,
)
from db.exchange.spreadsheets.writing import write_csv, write_xlsx

__all__ = [
    "Field",
    "ImportTarget",
    "Mapping",
    "Problem",
    "TrackerFile",
    "TrackerFileError",
    "TrackerProblemsError",
    "default_target",
    "import_tracker",
    "read_tracker",
    "sheet_preview",
    "write_csv",
    "write_xlsx",
]
