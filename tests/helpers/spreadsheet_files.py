"""Trackers built the way panels build them, for the spreadsheet tests."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from db.store.database import Database
from tests.helpers import TODAY

HEADER = [
    "Rec No.",
    "Recommendation",
    "Lead Agency",
    "Action(s)",
    "Lead Officer",
    "Target Date",
    "RAG",
    "Progress Update",
    "Evidence",
]


def messy_workbook(path: Path) -> Path:
    """A cover sheet, title rows, merged section rows, blank rows, continuation rows, numbers
    like 5.1 held as numbers, several agencies in a cell, and every kind of date."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover["A1"] = "Fenmarsh Safeguarding Children Partnership"
    cover["A3"] = "Version 4, circulated to the panel. Notes are on the last sheet."
    plan = book.create_sheet("Action Plan")
    plan["A1"] = "Fenmarsh Safeguarding Children Partnership"
    plan["A2"] = "Serious Case Review: Child A - Action Plan"
    plan.append([])
    plan.append(HEADER)
    plan.append(["SECTION A - SINGLE AGENCY RECOMMENDATIONS"])
    plan.merge_cells("A5:I5")
    plan.append(
        [
            1,
            "Fenmarsh Police should record every child present at a domestic abuse incident.",
            "Fenmarsh Police",
            "Brief all response officers",
            "DI Example",
            dt.datetime(2026, 3, 31),
            "Green",
            "12/01/2026 - Briefings delivered to three of four shifts",
            None,
        ]
    )
    plan.append([None, None, None, "Audit 50 incident records", "Sgt Example"])
    plan.append([])
    plan.append(["SECTION B - JOINT RECOMMENDATIONS"])
    plan.merge_cells("A9:I9")
    plan.append(
        [
            5.1,
            "Health and children's services should agree how information is shared.",
            "Fenmarsh Health Trust; Fenmarsh Council",
            "Write and agree a protocol",
            "Head of Safeguarding",
            "1 October 2025",
            "Complete",
            "Protocol agreed by the executive",
            "Protocol v2 in the document library",
        ]
    )
    plan.append(
        [
            "5.2",
            "Schools should know when to escalate a concern.",
            "Fenmarsh Schools / Fenmarsh Council",
            "Issue escalation guidance",
            "Education Safeguarding Lead",
            "Ongoing",
            "Not yet started",
            None,
            None,
        ]
    )
    plan.append(
        [
            "5.3",
            "The partnership should audit the impact of the protocol.",
            "Fenmarsh Council",
            "Audit",
            "Quality Assurance Officer",
            "30/06/2027",
            "Amber",
            None,
            None,
        ]
    )
    notes = book.create_sheet("Notes")
    notes["A1"] = "RAG: Red overdue, Amber at risk, Green on track."
    book.save(path)
    return path


def simple_rows() -> list[list[object]]:
    return [
        ["Ref", "Recommendation", "Responsible Agency", "Deadline", "Status", "Progress"],
        ["1", "Do the first thing.", "Police", "21/11/2026", "On track", ""],
        ["2", "Do the second thing.", "Council; Health", "1 October 2027", "Not started", ""],
        ["3", "Do the third thing.", "Council", "", "Completed", "Done in June"],
    ]


def repeating_rows() -> list[list[object]]:
    """A tracker whose first item repeats the sample's FSCP-CSPR-CHILD-A 2 (what the child
    says, their wishes and feelings) and whose second repeats no earlier learning."""
    return [
        simple_rows()[0],
        ["1", "Health visitors should record what the child says and their wishes and feelings "
         "at each contact where neglect is a concern.", "Health", "", "Not started", ""],
        ["2", "The council should review its electric vans.", "Council", "", "Not started", ""],
    ]  # fmt: skip


def workbook_of(rows: list[list[object]], path: Path, title: str = "Tracker") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_of(rows: list[list[object]], path: Path, encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def entity_bomb(path: Path) -> Path:
    """A valid workbook whose sheet declares nested XML entities (billion laughs)."""
    source = workbook_of(simple_rows(), path.with_suffix(".plain.xlsx"))
    doctype = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = doctype + text  # openpyxl writes no XML declaration before it
                text = text.replace("Do the first thing.", "&lol3;")
                data = text.encode()
            out.writestr(item, data)
    return path


def zip_bomb(path: Path) -> Path:
    """A workbook with a sheet that unpacks to hundreds of megabytes of nothing."""
    source = workbook_of(simple_rows(), path.with_suffix(".plain.xlsx"))
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in original.infolist():
            out.writestr(item.filename, original.read(item.filename))
        padding = io.BytesIO(b" " * (60 * 1024 * 1024))
        out.writestr("xl/padding.xml", padding.getvalue())
    return path


def agencies_workbook(path: Path) -> Path:
    """A tracker kept as one sheet per agency, Police and Health, one recommendation each."""
    book = openpyxl.Workbook()
    for number, agency in enumerate(["Police", "Health"]):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = agency
        sheet.append(["Rec No.", "Recommendation", "Lead agency"])
        sheet.append([str(number + 1), f"For {agency}", agency])
    book.save(path)
    return path


@functools.cache
def clean_tracker_bytes(suffix: str) -> bytes:
    """One valid tracker per format, made once: a workbook's bytes hold the time it was saved,
    and every example that damages one must start from the same bytes."""
    with tempfile.TemporaryDirectory() as folder:
        clean = Path(folder) / f"clean{suffix}"
        if suffix == ".csv":
            csv_of(simple_rows(), clean, "utf-8")
        else:
            workbook_of(simple_rows(), clean)
        return clean.read_bytes()


LOGGED = 6000  # rows of log beside the plan, each 1,000 characters: 6 MB of notes


def own_export(database: Database, path: Path) -> Path:
    """casereview's own .xlsx export (with its Updates, Evidence and Reviews sheets) of a
    small generated data set (2 reviews, 40 items) made in ``database``."""
    from db.exchange.spreadsheets.writing import stream_xlsx
    from db.exchange.streaming import stream_document
    from db.services.generate import generate

    with database.transaction("setup") as session:
        generate(session, reviews=2, recommendations=40, seed=3, today=TODAY)
    with database.session() as session, path.open("wb") as out:
        stream_xlsx(stream_document(session, TODAY), TODAY, out)
    return path


def own_workbook_with_a_long_log(database: Database, path: Path) -> Path:
    """casereview's own .xlsx export of a small data set, its Updates sheet then given
    ``LOGGED`` more rows about its items, as a partnership's years of updates would be."""
    own_export(database, path)
    book = openpyxl.load_workbook(path)
    plan, log = book.worksheets[0], book["Updates"]
    items = [(row[0], row[1]) for row in plan.iter_rows(min_row=4, values_only=True) if row[1]]
    assert len(items) == 40, items
    for n in range(LOGGED):
        reference, number = items[n % len(items)]
        note = f"Update {n}: " + "the agency reported on its audit of the practice. " * 20
        log.append([reference, number, "2026-03-01", "Chair", "In progress", note[:1000]])
    book.save(path)
    return path
