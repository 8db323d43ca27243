"""Spreadsheet trackers in and out, on real .xlsx, .xls and .csv files and real databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from db.core import fields
from db.core.vocabulary import OrganisationKind, ReviewKind, Status
from db.exchange import apply_document, collect_document
from db.exchange.document import Document, OrganisationDoc, ReviewDoc, TrackedDoc
from db.exchange.spreadsheets import (
    Field,
    Mapping,
    TrackerFileError,
    TrackerProblemsError,
    read_tracker,
    reading,
    write_csv,
    write_xlsx,
)
from db.store.database import Database
from tests.helpers import ROOT, TODAY
from tests.helpers.exchange import review, run_import, state, without_files
from tests.helpers.spreadsheet_files import (
    csv_of,
    entity_bomb,
    messy_workbook,
    simple_rows,
    workbook_of,
    zip_bomb,
)

# -- a messy tracker comes in right without a mapping


def test_a_messy_tracker_imports_right_without_a_mapping(database: Database, tmp_path: Path):
    path = messy_workbook(tmp_path / "child-a-action-plan.xlsx")
    tracker = read_tracker(path)
    assert tracker.sheet == "Action Plan" and tracker.header.row == 4
    assert tracker.problems == []
    assert run_import(database, path) == (
        "added 1 review, 4 organisations, 4 recommendations; updated nothing"
    )
    child_a = review(database, "CHILD-A-ACTION-PLAN")
    assert child_a.title == "Serious Case Review: Child A"
    assert child_a.kind is ReviewKind.SCR
    recs = {r.number: r for r in child_a.recommendations}
    assert list(recs) == ["1", "5.1", "5.2", "5.3"]

    first = recs["1"]
    assert first.lead_agencies == ["Fenmarsh Police"]
    assert first.actions == "Brief all response officers\nAudit 50 incident records"
    assert first.owner == "DI Example; Sgt Example"
    assert first.target_date == dt.date(2026, 3, 31)
    assert first.status is Status.IN_PROGRESS
    notes = [(u.date, u.note) for u in first.updates]
    # The status the row gives is noted as of the row's own progress, just before it.
    assert notes == [
        (dt.date(2026, 1, 12), "Status given in the imported tracker as 'Green'."),
        (dt.date(2026, 1, 12), "Briefings delivered to three of four shifts"),
    ]

    joint = recs["5.1"]
    assert joint.lead_agencies == ["Fenmarsh Health Trust", "Fenmarsh Council"]
    assert joint.target_date == dt.date(2025, 10, 1)
    assert joint.status is Status.IMPLEMENTED  # "Complete": done, awaiting assurance
    assert [e.reference for e in joint.evidence] == ["Protocol v2 in the document library"]
    assert recs["5.2"].lead_agencies == ["Fenmarsh Schools", "Fenmarsh Council"]
    assert recs["5.2"].target_date is None
    assert "Target date given in the imported tracker as 'Ongoing'." in [
        u.note for u in recs["5.2"].updates
    ]
    assert recs["5.2"].status is Status.NOT_STARTED
    assert recs["5.3"].target_date == dt.date(2027, 6, 30)


def test_reimporting_the_same_tracker_updates_and_never_duplicates(
    database: Database, tmp_path: Path
):
    path = messy_workbook(tmp_path / "plan.xlsx")
    run_import(database, path)
    before = state(database)
    assert run_import(database, path) == "added nothing; updated nothing"
    assert state(database)[0] == before[0]

    book = openpyxl.load_workbook(path)
    book["Action Plan"]["G6"] = "Completed"  # item 1 reported done
    book.save(path)
    assert run_import(database, path) == "added nothing; updated 1 recommendation"
    first = review(database, "PLAN").recommendations[0]
    assert first.status is Status.IMPLEMENTED
    assert first.updates[-1].note == "Status given in the imported tracker as 'Completed'."


def test_import_into_a_named_existing_review_keeps_its_details(
    sample_database: Database, tmp_path: Path
):
    before = review(sample_database, "BSCB-SCR-2010")
    rows = [
        ["Recommendation number", "Recommendation", "Status", "Progress update"],
        ["1", before.recommendations[0].text, "Closed", "Checked at the panel"],
    ]
    path = workbook_of(rows, tmp_path / "khyra.xlsx")
    run_import(sample_database, path, review="BSCB-SCR-2010")
    after = review(sample_database, "BSCB-SCR-2010")
    assert (after.title, after.summary, after.kind) == (before.title, before.summary, before.kind)
    assert len(after.recommendations) == len(before.recommendations)
    assert after.recommendations[0].updates[-1].note == "Checked at the panel"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", True), ("utf-8", ",", False), ("cp1252", ",", False), ("utf-8", ";", False)],
)
def test_csv_trackers_in_utf8_or_windows_1252(
    database: Database, tmp_path: Path, encoding: str, delimiter: str, bom: bool
):
    rows = simple_rows()
    rows[1][1] = "Spend £500 on training – by the autumn"
    path = csv_of(rows, tmp_path / "tracker.csv", encoding, delimiter)
    if bom:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    run_import(database, path)
    recs = review(database, "TRACKER").recommendations
    assert recs[0].text == "Spend £500 on training – by the autumn"
    assert recs[0].target_date == dt.date(2026, 11, 21)
    assert recs[1].lead_agencies == ["Council", "Health"]
    assert recs[2].status is Status.IMPLEMENTED
    # The status the row gives, then its own progress: the item's latest update.
    assert [u.note for u in recs[2].updates] == [
        "Status given in the imported tracker as 'Completed'.",
        "Done in June",
    ]


def test_xls_trackers(database: Database, tmp_path: Path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Tracker")
    sheet.write(0, 0, "Action plan: Example learning review")
    for column, title in enumerate(["Ref", "Recommendation", "Responsible Agency", "Deadline"]):
        sheet.write(2, column, title)
    sheet.write(3, 0, 1.0)
    sheet.write(3, 1, "Do a thing.")
    sheet.write(3, 2, "Police")
    sheet.write(3, 3, dt.date(2027, 5, 1), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    book.save(str(tmp_path / "old.xls"))
    run_import(database, tmp_path / "old.xls")
    (rec,) = review(database, "OLD").recommendations
    assert (rec.number, rec.text, rec.target_date) == ("1", "Do a thing.", dt.date(2027, 5, 1))


# -- bad files are refused, naming where, and change nothing


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        (
            "D3",
            "31/02/2027",
            "Sheet 'Tracker', row 3, column D (Deadline): '31/02/2027' is not a real date.",
        ),
        (
            "D2",
            "10/25/2027",
            "Sheet 'Tracker', row 2, column D (Deadline): '10/25/2027' reads as month 25: "
            "dates are day first (dd/mm/yyyy).",
        ),
        (
            "E2",
            "Purple",
            "Sheet 'Tracker', row 2, column E (Status): 'Purple' is not a status casereview knows",
        ),
        (
            "A3",
            "1",
            "Sheet 'Tracker', row 3, column A (Ref): number 1 is used again (first on row 2).",
        ),
        (  # shown as "...txt.exe": what a panel reads is not what is stored
            "B3",
            "Send the plan \u202eexe.txt",
            "Sheet 'Tracker', row 3, column B (Recommendation): this holds the character "
            "U+202E, which makes text show differently from what is stored.",
        ),
    ],
)
def test_a_wrong_row_is_named_and_nothing_is_written(
    sample_database: Database, tmp_path: Path, cell: str, value: str, message: str
):
    path = workbook_of(simple_rows(), tmp_path / "tracker.xlsx")
    book = openpyxl.load_workbook(path)
    book["Tracker"][cell] = value
    book.save(path)
    before = state(sample_database)
    with pytest.raises(TrackerFileError) as caught:
        run_import(sample_database, path)
    assert caught.value.message.startswith("Nothing was imported: tracker.xlsx has 1 problem")
    assert message in caught.value.message
    assert state(sample_database) == before


def test_skipping_the_named_rows_imports_the_rest(database: Database, tmp_path: Path):
    rows = simple_rows()
    rows[2][3] = "31/02/2027"
    path = workbook_of(rows, tmp_path / "tracker.xlsx")
    run_import(database, path, skip_rows=frozenset({3}))
    assert [r.number for r in review(database, "TRACKER").recommendations] == ["1", "3"]


def test_a_mapping_file_names_columns_and_status_words(database: Database, tmp_path: Path):
    rows = [
        ["Ident", "What we will do", "Who", "Colour"],
        ["A1", "Train staff.", "Police", "Purple"],
    ]
    path = workbook_of(rows, tmp_path / "odd.xlsx")
    with pytest.raises(TrackerFileError, match="does not look like a tracker"):
        read_tracker(path)
    mapping_file = tmp_path / "map.json"
    mapping_file.write_text(
        '{"header_row": 1, "columns": {"What we will do": "text", "Who": "lead", '
        '"D": "status", "Ident": "number"}, "statuses": {"Purple": "in_progress"}}'
    )
    run_import(database, path, mapping=Mapping.read(mapping_file))
    (rec,) = review(database, "ODD").recommendations
    assert (rec.number, rec.text, rec.lead_agencies, rec.status) == (
        "A1",
        "Train staff.",
        ["Police"],
        Status.IN_PROGRESS,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"columns": {"A": "colour"}}', "'colour', which is not one of"),
        ('{"statuses": {"Purple": "violet"}}', "'violet', which is not one of"),
        ('{"header_row": 0}', "header_row must be a row number from 1"),
        ('{"sheets": "x"}', "'sheets', which is not one of"),
        ("[1, 2", "is not JSON"),
        ('{"statuses": {"": "closed"}}', "a status word is empty"),  # a trial's
        # a trial's: the first was dropped without a word
        (
            '{"columns": {"Recommendation": "text", "RECOMMENDATION ": "actions"}}',
            "columns 'Recommendation' and 'RECOMMENDATION ' name the same column; keep one",
        ),
        (
            '{"statuses": {"Wibble": "in_progress", "WIBBLE": "implemented"}}',
            "status words 'Wibble' and 'WIBBLE' are the same word; keep one",
        ),
    ],
)
def test_bad_mapping_files_are_refused_plainly(tmp_path: Path, content: str, message: str):
    path = tmp_path / "map.json"
    path.write_text(content)
    with pytest.raises(TrackerFileError, match=message):
        Mapping.read(path)


@pytest.mark.parametrize("named", ["ZZ", "Nonexistent heading"])
def test_a_mapping_naming_a_column_the_sheet_has_not_is_refused(tmp_path: Path, named: str) -> None:
    """A trial's mapping of a column the sheet has not was taken without a word (the columns
    it meant read as casereview guessed); refused, as --leave-out is, naming it as the
    mapping wrote it (it was said back in lower case)."""
    rows = [["Rec No", "Recommendation", "Lead agency"], ["1", "Train staff.", "Police"]]
    path = workbook_of(rows, tmp_path / "plan.xlsx")
    (tmp_path / "map.json").write_text(json.dumps({"columns": {named: "actions"}}))
    with pytest.raises(TrackerFileError) as caught:
        read_tracker(path, Mapping.read(tmp_path / "map.json"))
    assert caught.value.message == (
        f"Sheet 'Tracker' of plan.xlsx has no column '{named}' for the mapping to read; "
        "give a column's heading as written or its letter."
    )
    (tmp_path / "map.json").write_text(json.dumps({"columns": {"c": "joint", "Rec No": "number"}}))
    assert read_tracker(path, Mapping.read(tmp_path / "map.json")).sheet == "Tracker"
    # one column named by its letter and its heading: the first was dropped (a trial's)
    twice = {"columns": {"B": "text", "Recommendation": "actions"}}
    (tmp_path / "map.json").write_text(json.dumps(twice))
    with pytest.raises(TrackerFileError) as caught:
        read_tracker(path, Mapping.read(tmp_path / "map.json"))
    assert caught.value.message == (
        "Sheet 'Tracker' of plan.xlsx: the mapping names column B twice, as 'B' and as "
        "'Recommendation'; keep one of them."
    )


def _minutes(path: Path) -> Path:
    return workbook_of(
        [
            ["Minutes of the panel meeting, 3 March 2026"],
            ["Present: the independent chair, the police lead, the designated nurse."],
            ["1. Apologies were received from education."],
            ["2. The chair welcomed the new business manager."],
        ],
        path,
        "Minutes",
    )


def _truncated(path: Path) -> Path:
    full = messy_workbook(path.with_suffix(".full.xlsx")).read_bytes()
    path.write_bytes(full[: len(full) // 2])
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _not_a_workbook(path: Path) -> Path:
    path.write_text("This is a letter, saved with the wrong name.")
    return path


def _binary_csv(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 4)
    return path


def _header_only(path: Path) -> Path:
    return workbook_of(simple_rows()[:1], path)


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (_minutes, "minutes.xlsx", "does not look like a tracker"),
        (_truncated, "cut.xlsx", "damaged or truncated"),
        (_empty, "empty.xlsx", "empty.xlsx is empty"),
        (_not_a_workbook, "letter.xlsx", "is not an Excel workbook"),
        (_binary_csv, "noise.csv", "is not a text file"),
        (_header_only, "header.xlsx", "but no recommendations below it"),
        (entity_bomb, "bomb.xlsx", "XML entity declarations"),
        (zip_bomb, "zipbomb.xlsx", "which no tracker does"),
    ],
)
def test_files_that_are_not_trackers_are_refused_and_nothing_changes(
    sample_database: Database,
    tmp_path: Path,
    make,
    name: str,
    message: str,  # type: ignore[no-untyped-def]
):
    path = make(tmp_path / name)
    before = state(sample_database)
    with pytest.raises(TrackerFileError, match=message):
        run_import(sample_database, path)
    assert state(sample_database) == before


def test_a_huge_sheet_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    rows = simple_rows()[:1] + [[str(n), f"Item {n}", "Police", "", "", ""] for n in range(60)]
    path = workbook_of(rows, tmp_path / "huge.xlsx")
    with pytest.raises(TrackerFileError, match="more than 50 rows"):
        read_tracker(path).check()  # the rows are read when the items are wanted (issue 26)


# -- exports


def test_xlsx_export_is_an_action_plan_a_secretariat_would_circulate(
    sample_database: Database, tmp_path: Path
):
    with sample_database.session() as session:
        doc = collect_document(session, TODAY)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(doc, TODAY))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Action plan", "Updates", "Evidence", "Reviews", "Organisations"]
    plan = book["Action plan"]
    assert plan.freeze_panes == "C4"
    assert plan.auto_filter.ref.startswith("A3:P")
    assert plan["A3"].value == "Review" and plan["I3"].value == "Status"
    assert plan.column_dimensions["C"].width == 60
    assert plan["C4"].alignment.wrap_text
    (validation,) = plan.data_validations.dataValidation
    assert validation.type == "list" and "Not started" in validation.formula1
    assert "I4" in str(validation.sqref)
    rating = plan["J4"]
    assert rating.value in {"Blue", "Green", "Amber", "Red"}
    assert rating.fill.fgColor.rgb.endswith(("1F5FA8", "2E7D32", "F2B01E", "C62828"))
    dated = [c for (c,) in plan.iter_rows(min_row=4, min_col=8, max_col=8) if c.value]
    assert dated and all(isinstance(c.value, dt.datetime) for c in dated)  # real dates
    assert {c.number_format for c in dated} == {"d mmmm yyyy"}  # shown "21 November 2025"


def test_xlsx_round_trip_is_lossless(sample_database: Database, tmp_path: Path):
    with sample_database.session() as session:
        original = collect_document(session, TODAY)
    path = tmp_path / "export.xlsx"
    path.write_bytes(write_xlsx(original, TODAY))

    # Into the same database: nothing to add or change.
    assert run_import(sample_database, path) == "added nothing; updated nothing"

    # Into a new one: every review and every field of every recommendation comes back.
    fresh_path = tmp_path / "fresh.sqlite3"
    from db.store.database import open_database
    from db.store.location import resolve_location

    with open_database(resolve_location(str(fresh_path)), create=True) as fresh:
        run_import(fresh, path)
        for before in original.reviews:
            after = review(fresh, before.reference)
            assert without_files(after) == without_files(before)
        # And the organisations they name, with the ones those are part of: kind, parent
        # and notes (a trial's local authority came back "Other", its notes gone).
        with fresh.session() as session:
            carried = collect_document(session, TODAY).organisations
    named = {
        name
        for r in original.reviews
        for name in (
            r.commissioned_by,
            *(a for rec in r.recommendations for a in rec.lead_agencies + rec.joint_agencies),
        )
        if name
    }
    assert named and {o.name for o in carried} == named  # (no named one is part of another)
    assert carried == [org for org in original.organisations if org.name in named]
    assert {o.kind for o in carried} > {OrganisationKind.LOCAL_AUTHORITY}  # kinds, not "Other"


def _agencies_in_a_family(database: Database) -> Document:
    """A review whose item names an agency that is part of one that is part of another, each
    with notes; and an agency it does not name."""
    doc = Document(
        organisations=[
            OrganisationDoc("Northby Council (fictional)", OrganisationKind.LOCAL_AUTHORITY),
            OrganisationDoc(
                "Northby Children's Services (fictional)",
                OrganisationKind.LOCAL_AUTHORITY,
                parent="Northby Council (fictional)",
                notes="Fictional. The front door team sits here.",
            ),
            OrganisationDoc(
                "Northby Early Help (fictional)",
                OrganisationKind.LOCAL_AUTHORITY,
                parent="Northby Children's Services (fictional)",
                notes="Fictional.\nTwo lines of notes.",
            ),
            OrganisationDoc("Northby Health (fictional)", OrganisationKind.HEALTH_BODY),
            OrganisationDoc("Unnamed by the plan (fictional)", OrganisationKind.PROBATION),
        ],
        reviews=[
            ReviewDoc(
                reference="NORTHBY-1",
                kind=ReviewKind.SAR,
                title="Adult N (fictional)",
                recommendations=[
                    TrackedDoc(
                        "1",
                        "Early help to share its assessments.",
                        lead_agencies=["Northby Early Help (fictional)"],
                        joint_agencies=["Northby Health (fictional)"],
                    )
                ],
            )
        ],
    )
    with database.transaction("tester") as session:
        apply_document(session, doc)
    return doc


def test_an_xlsx_carries_the_organisations_it_names_into_a_new_database(
    database: Database, tmp_path: Path
):
    doc = _agencies_in_a_family(database)
    with database.session() as session:
        exported = collect_document(session, TODAY, ["NORTHBY-1"])
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(exported, TODAY))
    sheet = openpyxl.load_workbook(path)["Organisations"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Organisation", "Kind", "Part of", "Notes"]
    # Named by the plan, and each one those are part of, by name; not the one it leaves out.
    assert [r[0] for r in rows[1:]] == [
        "Northby Children's Services (fictional)",
        "Northby Council (fictional)",
        "Northby Early Help (fictional)",
        "Northby Health (fictional)",
    ]
    assert rows[3][1:] == ["Local authority", "Northby Children's Services (fictional)",
                           "Fictional.\nTwo lines of notes."]  # fmt: skip

    fresh_path = tmp_path / "fresh.sqlite3"
    from db.store.database import open_database
    from db.store.location import resolve_location

    with open_database(resolve_location(str(fresh_path)), create=True) as fresh:
        assert run_import(fresh, path) == (
            "added 4 organisations, 1 review, 1 recommendation; updated nothing"
        )
        with fresh.session() as session:
            carried = collect_document(session, TODAY).organisations
        assert carried == sorted(doc.organisations[:4], key=lambda o: o.name)
        assert run_import(fresh, path) == "added nothing; updated nothing"
    assert run_import(database, path) == "added nothing; updated nothing"


def test_an_organisation_edited_in_the_sheet_is_updated_and_a_bad_row_refused(
    database: Database, tmp_path: Path
):
    _agencies_in_a_family(database)
    with database.session() as session:
        exported = collect_document(session, TODAY, ["NORTHBY-1"])
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(exported, TODAY))
    book = openpyxl.load_workbook(path)
    book["Organisations"]["B5"] = "Health body"  # already
    book["Organisations"]["D5"] = "Fictional. Now with notes."
    book.save(path)
    assert run_import(database, path) == "added nothing; updated 1 organisation"
    with database.session() as session:
        (health,) = [
            o for o in collect_document(session, TODAY).organisations if "Health" in o.name
        ]
    assert health.notes == "Fictional. Now with notes."

    # Its columns put in another order: not read, and said why (a trial's said only that the
    # tracker was imported from the plan's sheet alone).
    book = openpyxl.load_workbook(path)
    sheet = book["Organisations"]
    for row in sheet.iter_rows():
        row[0].value, row[1].value = row[1].value, row[0].value
    book.save(tmp_path / "reordered.xlsx")
    tracker = read_tracker(tmp_path / "reordered.xlsx")
    said = (
        "The sheet 'Organisations' is not read: its headings are not those of casereview's "
        "'Organisations' sheet (Organisation, Kind, Part of, Notes, in that order); put them "
        "back as exported to import it."
    )
    assert said in tracker.kept_lines()
    tracker.close()
    book = openpyxl.load_workbook(path)
    book["Organisations"]["E1"] = "Comments"  # a column added (a second trial's)
    book.save(tmp_path / "added.xlsx")
    tracker = read_tracker(tmp_path / "added.xlsx")
    assert said in tracker.kept_lines()
    tracker.close()

    # A blank Kind keeps the kind held (a trial's blank cell turned a police force "Other").
    assert _import_edited(database, path, tmp_path, {"B5": None}) == (
        "added nothing; updated nothing"
    )

    before = state(database)
    where = "Sheet 'Organisations', row"
    early, council = "Northby Early Help (fictional)", "Northby Council (fictional)"
    for edits, said in [
        ({"B2": "Parish"}, [f"{where} 2, column B (Kind): 'Parish' is not a kind of organisation"]),
        ({"A3": ""}, [f"{where} 3, column A (Organisation): is empty."]),
        (
            {"A3": "Northby Health (fictional)"},
            [
                f"{where} 5, column A (Organisation): 'Northby Health (fictional)' is listed again "
                "(first on row 3)."
            ],
        ),
        (
            {"A5": "Northby\u202eHealth"},
            [f"{where} 5, column A (Organisation): holds the character U+202E"],
        ),
        (
            {"C2": "Nowhere (fictional)", "C5": "Elsewhere (fictional)"},
            [
                f"{where} 2, column C (Part of): 'Nowhere (fictional)' is neither listed in the "
                "file nor held in the database.",
                f"{where} 5, column C (Part of): 'Elsewhere (fictional)' is neither",
            ],
        ),
        (
            {"C5": "Northby Health (fictional)"},
            [f"{where} 5, column C (Part of): an organisation cannot be part of itself."],
        ),
        (
            {"C3": early},  # the council part of its own early help: each in the loop said
            [
                f"{where} 2, column C (Part of):",
                f"{where} 3, column C (Part of): '{early}' is itself part of '{council}', so "
                "it cannot also contain it.",
                f"{where} 4, column C (Part of):",
            ],
        ),
    ]:
        with pytest.raises(TrackerProblemsError) as caught:
            _import_edited(database, path, tmp_path, edits)
        listed = caught.value.problems
        assert len(listed) == len(said) and all(
            line.startswith(start) for line, start in zip(listed, said, strict=True)
        ), listed
        assert state(database) == before


def test_a_long_text_carried_on_is_not_joined_to_another_cell_after_a_sort(
    database: Database, tmp_path: Path
):
    """A trial sorted the Organisations sheet, and one agency's notes came back with the tail
    of another's: the "Continued" sheet names its cell by place. Each part now carries the
    whole text's checksum, and a cell and parts that no longer make it refuse the import; so
    do a cleared checksum and a lost "Continued" sheet (its cells left full)."""
    from db.store.database import open_database
    from db.store.location import resolve_location

    long = "".join(f"{n:07d} " for n in range(5_600))[:-1]  # 44,799 characters
    beta = "Beta's own start. " + long[:39_999]
    full = long[: reading.MAX_CELL_CHARS]  # as long as a cell holds, exactly
    doc = Document(
        organisations=[
            OrganisationDoc("Alpha Agency (fictional)", OrganisationKind.POLICE_FORCE, notes=long),
            OrganisationDoc("Beta Agency (fictional)", OrganisationKind.EDUCATION, notes=beta),
            OrganisationDoc("Gamma Agency (fictional)", OrganisationKind.OTHER, notes=full),
        ],
        reviews=[
            ReviewDoc(
                reference="SORTED-1",
                kind=ReviewKind.SAR,
                title="Adult S (fictional)",
                recommendations=[
                    TrackedDoc(
                        "1",
                        "Share plans.",
                        lead_agencies=[
                            "Alpha Agency (fictional)",
                            "Beta Agency (fictional)",
                            "Gamma Agency (fictional)",
                        ],
                    )
                ],
            )
        ],
    )
    with database.transaction("tester") as session:
        apply_document(session, doc)
    with database.session() as session:
        exported = collect_document(session, TODAY, ["SORTED-1"])
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(exported, TODAY))
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["Continued"][1]][:5] == [
        "Sheet", "Cell", "Part", "Text", "Cell checksum"
    ]  # fmt: skip
    organisations = book["Organisations"]
    rows = [[c.value for c in row] for row in organisations.iter_rows(min_row=2, max_row=3)]
    for values, row in zip(reversed(rows), (2, 3), strict=True):  # sorted Z to A
        for column, value in enumerate(values, start=1):
            organisations.cell(row, column).value = value
    book.save(tmp_path / "sorted.xlsx")
    book = openpyxl.load_workbook(path)
    for cell in book["Continued"]["E"]:  # as casereview wrote it before the checksum: read
        cell.value = None
    book.save(tmp_path / "unchecked.xlsx")
    book = openpyxl.load_workbook(path)
    book["Continued"]["E2"] = None  # a checksum cleared would let a sorted sheet through
    book.save(tmp_path / "cleared.xlsx")
    book = openpyxl.load_workbook(path)
    book.remove(book["Continued"])  # each long text would come back cut
    book.save(tmp_path / "lost.xlsx")

    before = state(database)
    for name, refused in [
        ("sorted", "no longer make the text casereview wrote"),
        ("cleared", "does not say which cell its text continues, or its checksum"),
        ("lost", "column D: holds 32,766 characters or more, and no part of the 'Continued'"),
    ]:
        with pytest.raises(TrackerFileError, match=refused):
            run_import(database, tmp_path / f"{name}.xlsx")
        assert state(database) == before
    with open_database(resolve_location(str(tmp_path / "fresh.sqlite3")), create=True) as fresh:
        run_import(fresh, path)
        with fresh.session() as session:
            carried = {o.name: o.notes for o in collect_document(session, TODAY).organisations}
        assert carried == {
            "Alpha Agency (fictional)": long,
            "Beta Agency (fictional)": beta,
            "Gamma Agency (fictional)": full,
        }
    assert run_import(database, tmp_path / "unchecked.xlsx") == "added nothing; updated nothing"


def test_a_partnerships_full_cells_and_own_named_sheets_are_read_as_before(tmp_path: Path):
    """A review of the full-cell check: a partnership's tracker was refused for a cell of
    32,767 characters on a sheet it never reads, or in a column kept as notes, and its own
    "Updates" sheet was told to take casereview's headings. Only casereview's own workbook
    is held to them."""
    rows = [["Number", "Recommendation", "Lead agency", "Comments"]]
    rows.append(["1", "Train staff.", "Police", "c" * reading.MAX_CELL_CHARS])
    path = workbook_of(rows, tmp_path / "partnership.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet("Guidance")["A1"] = "g" * reading.MAX_CELL_CHARS
    updates = book.create_sheet("Updates")
    updates.append(["Date", "Update", "By"])
    updates.append(["1 March 2026", "Briefed.", "A. Lead"])
    book.save(path)
    tracker = read_tracker(path)
    assert [item.number for item in tracker.items()] == ["1"]
    assert tracker.problems == []
    assert not tracker.own
    assert "The sheet 'Updates' is not read: casereview imports the tracker on sheet" in " ".join(
        tracker.kept_lines()
    )
    tracker.close()


def _import_edited(database: Database, path: Path, folder: Path, edits: dict[str, object]) -> str:
    """Import the workbook at ``path`` with these cells of its Organisations sheet changed."""
    edited = openpyxl.load_workbook(path)
    for cell, value in edits.items():
        edited["Organisations"][cell] = value
    changed = folder / "edited.xlsx"
    edited.save(changed)
    return run_import(database, changed)


FORMULAS = [
    '=HYPERLINK("http://example.invalid","x")',
    "+44 121 000",
    "-1",
    "@SUM(A1)",
    "'quoted",
    "''twice",
]


def test_formulas_are_neutralised_in_both_formats_and_read_back_as_written(
    database: Database, tmp_path: Path
):
    rows = [["Number", "Recommendation", "Lead agency", "Actions"]]
    rows += [[str(n), text, "Police", text] for n, text in enumerate(FORMULAS, start=1)]
    source = tmp_path / "source.csv"
    from db.exchange.spreadsheets.values import neutralise

    csv_of([[neutralise(str(c)) for c in row] for row in rows], source, "utf-8")
    run_import(database, source, review="INJECT")
    assert [r.text for r in review(database, "INJECT").recommendations] == FORMULAS

    with database.session() as session:
        doc = collect_document(session, TODAY, ["INJECT"])
    xlsx = tmp_path / "out.xlsx"
    xlsx.write_bytes(write_xlsx(doc, TODAY))
    with zipfile.ZipFile(xlsx) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    plan = openpyxl.load_workbook(xlsx)["Action plan"]
    for row in range(4, 4 + len(FORMULAS)):
        cell = plan.cell(row, 3)
        assert cell.data_type == "s"
        assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@"))

    csv_path = tmp_path / "out.csv"
    csv_path.write_bytes(write_csv(doc, TODAY))
    text = csv_path.read_text(encoding="utf-8-sig")
    for line in text.splitlines()[1:]:
        for cell_text in line.split(",")[2:3]:
            assert not cell_text.lstrip('"').startswith(("=", "+", "-", "@"))
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")

    for exported in (xlsx, csv_path):
        copy = tmp_path / f"again{exported.suffix}"
        copy.write_bytes(exported.read_bytes())
        assert run_import(database, copy, review="INJECT") == "added nothing; updated nothing"
    assert [r.text for r in review(database, "INJECT").recommendations] == FORMULAS


def test_a_refused_sqlite_import_leaves_the_file_byte_for_byte(
    sample_database: Database, tmp_path: Path
):
    path = sample_database.location.path
    if path is None:
        pytest.skip("a server database has no file")
    sample_database.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    bad = workbook_of(
        [*simple_rows(), ["4", "x", "Police", "99/99/2027", "", ""]], tmp_path / "b.xlsx"
    )
    with pytest.raises(TrackerFileError):
        run_import(sample_database, bad)
    sample_database.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_the_documented_words_are_the_words_the_importer_knows():
    from db.exchange.spreadsheets.layout import HEADER_WORDS
    from db.exchange.spreadsheets.reading import MAX_COLUMNS
    from db.exchange.spreadsheets.values import STATUS_WORDS

    docs = (ROOT / "docs" / "spreadsheets.md").read_text()
    for word in [*STATUS_WORDS, *HEADER_WORDS]:
        assert f'"{word}"' in docs, word
    assert f"first {MAX_COLUMNS} columns" in docs


def test_search_finds_imported_items_and_the_search_trigger_survives(
    database: Database, tmp_path: Path
):
    from sqlalchemy import text

    from db.queries import tracker
    from db.queries.rows import TrackerFilter

    def searchable(word: str) -> int:
        with database.session() as session:
            return tracker.count(session, TrackerFilter(text=word), TODAY)

    run_import(database, messy_workbook(tmp_path / "plan.xlsx"))
    assert searchable("escalate") == 1  # item 5.2, added in bulk
    bad = workbook_of(
        [*simple_rows(), ["9", "x", "Police", "99/99/2027", "", ""]], tmp_path / "b.xlsx"
    )
    with pytest.raises(TrackerFileError):
        run_import(database, bad)
    with database.transaction("tester") as session:  # items added one by one are indexed too
        from db.services.editing import ItemFields, create_item

        create_item(session, "PLAN", ItemFields(number="9", text="Escalate to the chair"))
    assert searchable("escalate") == 2
    if database.location.is_sqlite:
        with database.session() as session:
            names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            assert "recommendation_fts_insert" in set(names.scalars())


# -- defects found in review, each pinned


def test_apostrophes_in_a_csv_never_merge_rows(database: Database, tmp_path: Path):
    rows = [
        ["Number", "Recommendation", "Lead agency"],
        ["1", "'-Training for staff", "Police"],
        ["2", "Support for parents'", "Council"],
        ["3", "Third", "Health"],
    ]
    run_import(database, csv_of(rows, tmp_path / "t.csv", "utf-8"), review="APOS")
    texts = [r.text for r in review(database, "APOS").recommendations]
    assert texts == ["-Training for staff", "Support for parents'", "Third"]


def test_numbers_keep_their_words_so_reimporting_an_export_matches(
    database: Database, tmp_path: Path
):
    rows = [["Number", "Recommendation", "Lead agency"], ["Rec 1", "First", "Police"]]
    run_import(database, workbook_of(rows, tmp_path / "t.xlsx"), review="WORDS")
    with database.session() as session:
        doc = collect_document(session, TODAY, ["WORDS"])
    for writer, name in ((write_xlsx, "again.xlsx"), (write_csv, "again.csv")):
        path = tmp_path / name
        path.write_bytes(writer(doc, TODAY))
        assert run_import(database, path) == "added nothing; updated nothing"
    assert [r.number for r in review(database, "WORDS").recommendations] == ["Rec 1"]


def test_one_review_for_every_row_refuses_a_number_used_twice(database: Database, tmp_path: Path):
    rows = [["Review", "Number", "Recommendation"], ["A", "1", "First of A"], ["B", "1", "Of B"]]
    path = csv_of(rows, tmp_path / "two.csv", "utf-8")
    with pytest.raises(TrackerFileError, match="number 1 is used again"):
        run_import(database, path, review="X")


def test_continuation_rows_bring_the_least_advanced_status_and_latest_date(
    database: Database, tmp_path: Path
):
    rows = [
        ["Rec No.", "Recommendation", "Action(s)", "Target Date", "Status"],
        ["1", "Train staff", "Brief officers", "31/03/2026", "Complete"],
        [None, None, "Audit records", "30/06/2026", "Not started"],
    ]
    rows.append([None, None, "Report to the board", dt.datetime(2026, 5, 15), "In progress"])
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"), review="CONT")
    (rec,) = review(database, "CONT").recommendations
    assert rec.status is Status.NOT_STARTED
    assert rec.target_date == dt.date(2026, 6, 30)
    # What each row gave is kept, not dropped without a word (a trial's find): the first
    # row's "Complete" by 31/03/2026 and the third's date appeared nowhere.
    assert rec.updates[0].note == (
        "Each row's status and target in the imported tracker: row 2: 'Complete', 31/03/2026; "
        "row 3: 'Not started', 30/06/2026; row 4: 'In progress', 15 May 2026."
    )
    assert run_import(database, tmp_path / "plan.xlsx", review="CONT") == (
        "added nothing; updated nothing"
    )  # the same file again: noted once


def test_without_a_number_column_no_recommendation_is_taken_for_a_heading(
    database: Database, tmp_path: Path
):
    rows = [
        ["Recommendation", "Lead agency"],
        ["Section 47 enquiries must include the school", None],
        ["THE PARTNERSHIP SHOULD AUDIT", None],
        ["Agencies should share information", "Police"],
    ]
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"), review="HEAD")
    assert len(review(database, "HEAD").recommendations) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21-Nov-2025", dt.date(2025, 11, 21)),
        ("21 Nov 25", dt.date(2025, 11, 21)),
        ("Nov-25", dt.date(2025, 11, 30)),
        ("End of March 2026", dt.date(2026, 3, 31)),
        ("Ongoing", None),
        ("2025-11-21T10:00:00", dt.date(2025, 11, 21)),  # a system's export (a trial's)
    ],
)
def test_more_uk_date_forms(value: str, expected: dt.date | None):
    from db.exchange.spreadsheets.values import date_of

    assert date_of(value) == expected


@pytest.mark.parametrize(
    ("value", "message"), [(2026, "is a number, not a date"), ("Week 12", "not a date")]
)
def test_what_looks_like_a_date_but_is_not_is_refused(value: object, message: str):
    from db.exchange.spreadsheets.values import date_of

    with pytest.raises(ValueError, match=message):
        date_of(value)


def test_values_longer_than_the_database_keeps_are_named(database: Database, tmp_path: Path):
    rows = [
        ["Number", "Recommendation", "Lead agency"],
        ["1.2.3 (a) revised by the panel", "x", "P"],
    ]
    with pytest.raises(TrackerFileError, match="longer than the 20 characters"):
        run_import(database, workbook_of(rows, tmp_path / "long.xlsx"), review="LONG")


def test_casereview_csv_keeps_agency_names_with_commas(database: Database, tmp_path: Path):
    rows = [["Number", "Recommendation", "Lead agency"], ["1", "x", "Health, Education and Care"]]
    path = workbook_of(rows, tmp_path / "t.xlsx")
    run_import(database, path, review="COMMA")
    with database.session() as session:
        doc = collect_document(session, TODAY, ["COMMA"])
    doc.reviews[0].recommendations[0].lead_agencies = ["Health, Education and Care"]
    csv_path = tmp_path / "out.csv"
    csv_path.write_bytes(write_csv(doc, TODAY))
    run_import(database, csv_path)
    (rec,) = review(database, "COMMA").recommendations
    assert rec.lead_agencies == ["Health, Education and Care"]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_a_line_break_inside_a_csv_cell_written_on_windows_is_kept(
    database: Database, tmp_path: Path, ending: str
) -> None:
    """A quoted cell's line break written as CR LF (Windows) or CR (an old Mac), in a file
    whose lines end the same way, was refused ("holds a carriage return"), naming no row;
    it is kept as the line feed casereview keeps line breaks as."""
    rows = [simple_rows()[0], ["1", f"First line{ending}second line", "Police", "31/03/2027",
                               "Green", ""]]  # fmt: skip
    text = ending.join(",".join(f'"{c}"' for c in row) for row in rows) + ending
    path = tmp_path / "windows.csv"
    path.write_bytes(text.encode("cp1252"))
    run_import(database, path, review="WIN-1")
    (rec,) = review(database, "WIN-1").recommendations
    assert rec.text == "First line\nsecond line"


def test_a_casereview_csv_names_the_columns_it_does_not_read(
    sample_database: Database, tmp_path: Path
) -> None:
    """A CSV export holds each item's latest update and rating; importing it reads neither
    (the log comes from an .xlsx export's Updates sheet, the rating is worked out), and it
    now says so by name: a trial's CSV round trip lost 80,306 items' log without a word.
    An .xlsx export brings its log, so only its Rating column is named."""
    with sample_database.session() as session:
        doc = collect_document(session, TODAY)
    csv_path = tmp_path / "plan.csv"
    csv_path.write_bytes(write_csv(doc, TODAY))
    said = read_tracker(csv_path).kept_lines()
    assert any(
        line.endswith(
            "(Latest update) is not read: casereview reads its own log from the "
            "Updates sheet of its .xlsx export, which this file has not, so no log "
            "entry is imported; to move the log, export .xlsx or JSON."
        )
        for line in said
    ), said
    assert any(
        line.endswith(
            "(Rating) is not read: casereview works each item's rating out "
            "from its status and target date."
        )
        for line in said
    ), said
    xlsx_path = tmp_path / "plan.xlsx"
    xlsx_path.write_bytes(write_xlsx(doc, TODAY))
    said = read_tracker(xlsx_path).kept_lines()
    assert not any("Latest update" in line for line in said) and any(
        "(Rating) is not read" in line for line in said
    ), said
    assert not any("sheet" in line.lower() for line in said), said  # its companions are read
    # nor its own title and "Exported from casereview" lines (a trial's)
    assert not any("above the header" in line for line in said), said


def test_what_lies_above_the_header_or_on_other_sheets_is_named(
    database: Database, tmp_path: Path
) -> None:
    """Found by a new user: a tracker's second title line ("Agreed by the partnership ...")
    and a sheet of notes were dropped without a word, as was a hidden sheet of closed
    actions of the same layout once the plan's sheet was chosen. Each is named (by row or
    sheet, never by what it holds); the title row and the sheet imported are not."""
    book = openpyxl.Workbook()
    plan = book.active
    plan.title = "Action plan"
    plan.append(["Child B Rapid Review - action plan"])
    plan.append(["Agreed by the partnership 3 March 2026", None, "Updated monthly"])
    plan.append([])
    header = ["No.", "Recommendation", "Lead agency", "Target date", "Status"]
    plan.append(header)
    plan.append([1, "Share information promptly", "Police", "30/06/2026", "In progress"])
    book.create_sheet("Notes").append(["The ICB asked for more time on 2."])
    book.create_sheet("Blank")
    book.create_sheet("Minutes")["A60"] = "Agreed to extend."  # below the rows searched
    closed = book.create_sheet("Closed actions")
    closed.sheet_state = "hidden"
    closed.append(header)
    closed.append([9, "Replace the old policy", "Police", "01/01/2025", "Closed"])
    path = tmp_path / "child-b.xlsx"
    book.save(path)

    said = read_tracker(path, Mapping(sheet="Action plan")).kept_lines()

    assert said == [
        "Row 2, above the header, is not read: casereview takes the review's title from row 1 "
        "alone; copy what matters into the review's summary to keep it.",
        "The sheet 'Notes' is not read: casereview imports the tracker on sheet 'Action plan' "
        "alone.",
        "The sheet 'Minutes' is not read: casereview imports the tracker on sheet 'Action "
        "plan' alone.",
        "The hidden sheet 'Closed actions', a tracker of the same layout, is not imported with "
        "this one; import it on its own, choosing it as this one was.",
    ]
    assert not any("Agreed" in line or "ICB" in line for line in said)
    run_import(database, path, review="CHILD-B", mapping=Mapping(sheet="Action plan"))
    assert [r.number for r in review(database, "CHILD-B").recommendations] == ["1"]


def test_a_sheet_of_one_agency_without_an_agency_column_says_its_items_have_none(
    database: Database, tmp_path: Path
) -> None:
    """A trial's tracker kept a sheet per agency ('Police', 'Health'), with no agency column:
    imported a sheet at a time, its items came in with no lead agency, and nothing said so.
    The sheet's name is not taken for an agency (a sheet's name may be anything), but that
    is now said by the sheet's name; a sheet with an agency column says nothing of it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for agency in ("Police", "Health"):
        sheet = book.create_sheet(agency)
        sheet.append(["Rec No", "Recommendation", "Action", "Status"])
        sheet.append(["1", "Share plans.", f"{agency}: brief staff.", "In progress"])
    path = tmp_path / "sar-adult-b.xlsx"
    book.save(path)
    said = read_tracker(path, Mapping(sheet="Police")).kept_lines()
    assert (
        "Sheet 'Police' has no column of agencies, so its items are given none: casereview "
        "does not take a sheet's name for an agency; to give them one, add a 'Lead agency' "
        "column before importing, or set it on each item." in said
    )
    for agency in ("Police", "Health"):
        book[agency]["E1"] = "Lead agency"
        book[agency]["E2"] = agency
    book.save(path)
    said = read_tracker(path, Mapping(sheet="Police")).kept_lines()
    assert not any("no column of agencies" in line for line in said)
    run_import(database, path, review="SAR-B", mapping=Mapping(sheet="Police"))
    assert review(database, "SAR-B").recommendations[0].lead_agencies == ["Police"]


# -- tracker import never loses what the file holds (issue 20)


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Lead Agency(s)", "lead"),
        ("Action/s", "actions"),
        ("Owner(s)", "owner"),
        ("Agency/ies", "lead"),
        ("Date due", "target"),
        ("Update on progress", "progress"),
        ("Evidence provided", "evidence"),
        ("Date completed", "closed_on"),
        ("Progress update", "progress"),
        ("RAG status", "status"),
        ("Target date", "target"),
        ("Comments", "progress"),
        ("Lead officer", "owner"),
        ("Agency", "lead"),
    ],
)
def test_the_usual_heading_variants_are_recognised(heading: str, field: str):
    from db.exchange.spreadsheets.layout import guess_columns

    assert guess_columns(("Rec No.", "Recommendation", heading)).get(Field(field)) == 2


def _with_unknown_columns(path: Path) -> Path:
    rows: list[list[object]] = [
        [
            "Rec No.",
            "Recommendation",
            "Lead Agency(s)",
            "Action/s",
            "Agency comments",
            "Status",
            "RAG",
            "Date completed",
            "Assured by",
            "Evidence provided",
            "Officer's phone",
        ],
        [
            "1",
            "Record every child present.",
            "Police",
            "Brief officers",
            "Waiting for the audit",
            "Closed",
            "Blue",
            dt.datetime(2026, 2, 3),
            "Chair of the panel",
            "Audit report",
            "01234 567890",
        ],
        [None, None, None, "Audit 50 records", "Audit booked", None, None, None, None, None],
        [
            "2",
            "Share information.",
            "Health",
            "Agree a protocol",
            None,
            "In progress",
            "Amber",
            None,
            None,
            None,
            None,
            "Beyond the headings",
        ],
    ]
    return workbook_of(rows, path)


def test_unrecognised_and_second_columns_are_kept_as_notes_and_named(
    database: Database, tmp_path: Path
):
    path = _with_unknown_columns(tmp_path / "plan.xlsx")
    tracker = read_tracker(path)
    assert tracker.kept_lines() == [
        "Column E (Agency comments), a heading casereview does not recognise, is kept as a "
        "note in each item's log.",
        "Column G (RAG), a second Status column beside column F (Status), is kept as a note in "
        "each item's log.",
        "Column K (Officer's phone), a heading casereview does not recognise, is kept as a "
        "note in each item's log.",
        "Column L, no heading, is kept as a note in each item's log.",
    ]
    run_import(database, path, review="KEPT")
    first, second = review(database, "KEPT").recommendations
    notes = [u.note for u in first.updates]
    assert "From the imported tracker's column 'Agency comments': Waiting for the audit" in notes
    assert "From the imported tracker's column 'Agency comments': Audit booked" in notes
    assert "From the imported tracker's column 'RAG': Blue" in notes
    assert "From the imported tracker's column 'Officer's phone': 01234 567890" in notes
    assert first.lead_agencies == ["Police"]
    assert first.actions == "Brief officers\nAudit 50 records"
    assert [e.reference for e in first.evidence] == ["Audit report"]
    assert "From the imported tracker's column L: Beyond the headings" in [
        u.note for u in second.updates
    ]
    # Importing the same file again adds no note twice.
    before = state(database)
    assert run_import(database, path, review="KEPT") == "added nothing; updated nothing"
    assert state(database)[0] == before[0]


def test_a_date_completed_column_sets_the_closed_date(database: Database, tmp_path: Path):
    run_import(database, _with_unknown_columns(tmp_path / "plan.xlsx"), review="DONE")
    first = review(database, "DONE").recommendations[0]
    assert first.status is Status.CLOSED
    assert first.closed_on == dt.date(2026, 2, 3)  # not the day of the import


def test_a_column_left_out_on_purpose_is_not_kept(database: Database, tmp_path: Path):
    path = _with_unknown_columns(tmp_path / "plan.xlsx")
    mapping = Mapping(leave_out=["officer's PHONE", "L"])
    tracker = read_tracker(path, mapping)
    assert "Column K (Officer's phone) is left out, as asked." in tracker.kept_lines()
    assert not any("Column L," in line for line in tracker.kept_lines())
    run_import(database, path, mapping=Mapping(leave_out=["Officer's phone", "l"]), review="OUT")
    notes = [u.note for r in review(database, "OUT").recommendations for u in r.updates]
    assert not any("01234" in n or "Beyond" in n for n in notes)
    assert any("Agency comments" in n for n in notes)
    before = state(database)
    with pytest.raises(TrackerFileError, match="has no column 'Phone' to leave out"):
        read_tracker(path, Mapping(leave_out=["Phone"]))
    assert state(database) == before


def test_a_mapping_that_sets_two_columns_to_one_field_keeps_the_other(
    database: Database, tmp_path: Path
):
    rows = [
        ["Number", "Recommendation", "Progress", "Commentary"],
        ["1", "Train staff", "Training booked", "Chair asked for dates"],
    ]
    mapping = Mapping(columns={"commentary": Field.PROGRESS})
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"), mapping=mapping, review="TWO")
    (rec,) = review(database, "TWO").recommendations
    notes = [u.note for u in rec.updates]
    assert "Chair asked for dates" in notes
    assert "From the imported tracker's column 'Progress': Training booked" in notes


def _agency_sheets(path: Path) -> Path:
    book = openpyxl.Workbook()
    for number, agency in enumerate(["Police", "Health", "Council"]):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = agency
        sheet.append(["Rec No.", "Recommendation", "Lead agency", "Status"])
        sheet.append([str(number + 1), f"Recommendation for {agency}", agency, "Not started"])
    book.create_sheet("Notes")["A1"] = "Key to the colours"
    book.save(path)
    return path


def test_a_workbook_with_one_sheet_per_agency_is_refused_naming_the_sheets(
    database: Database, tmp_path: Path
):
    path = _agency_sheets(tmp_path / "agencies.xlsx")
    before = state(database)
    with pytest.raises(TrackerFileError) as refused:
        run_import(database, path)
    message = refused.value.message
    assert "on 3 sheets, 'Police', 'Health' and 'Council'" in message
    assert "--sheet NAME" in message and "\n" not in message
    assert state(database) == before
    for sheet in ("Police", "Health", "Council"):  # each sheet, chosen, imports
        run_import(database, path, mapping=Mapping(sheet=sheet), review="AGENCIES")
    recs = review(database, "AGENCIES").recommendations
    assert [r.lead_agencies for r in recs] == [["Police"], ["Health"], ["Council"]]


@pytest.mark.parametrize(
    "heading", ["SECTION B - JOINT RECOMMENDATIONS", "Joint recommendations", "joint work"]
)
@pytest.mark.parametrize("numbered", [True, False])
def test_a_merged_section_row_is_never_a_recommendation(
    database: Database, tmp_path: Path, heading: str, numbered: bool
):
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["Recommendation", "Lead agency", "Status", "Target date"]
    sheet.append(["Rec No.", *header] if numbered else header)
    first = ["Train staff", "Police", "Not started", "31/03/2027"]
    sheet.append(["1", *first] if numbered else first)
    sheet.append([None, heading] if numbered else [heading])
    sheet.merge_cells("B3:E3" if numbered else "A3:D3")
    second = ["Share information", "Health", "In progress", "30/06/2027"]
    sheet.append(["2", *second] if numbered else second)
    book.save(tmp_path / "plan.xlsx")
    run_import(database, tmp_path / "plan.xlsx", review="SECTIONS")
    texts = [r.text for r in review(database, "SECTIONS").recommendations]
    assert texts == ["Train staff", "Share information"]


def test_recommendation_text_run_on_to_the_next_row_joins_the_item_above(
    database: Database, tmp_path: Path
):
    """As a partnership types it: the text runs on to a row with no number, the other cells
    of that row empty, or merged into one; none of it is refused or dropped, and the import
    says which rows it joined."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Action Plan"
    sheet.append(["Safeguarding Adult Review: Adult D - Action Plan"])
    sheet.append(["Rec No.", "Recommendation", "Action/s", "Lead Agency(s)", "Date due"])
    sheet.append(["1", "The Board should seek assurance that agencies apply the", "Audit", "ICB"])
    sheet.append([None, "Mental Capacity Act when a person declines care."])
    sheet.merge_cells("C4:E4")
    sheet.append(["2", "Housing should share tenancy concerns.", "Protocol", "Council"])
    sheet.append([None, "This includes hoarding referrals.", "Briefings"])
    book.save(tmp_path / "adult-d-action-plan.xlsx")
    tracker = read_tracker(tmp_path / "adult-d-action-plan.xlsx")
    assert tracker.problems == []
    assert tracker.kept_lines() == [
        "Row 4 has no number: its recommendation text is joined to row 3's.",
        "Row 6 has no number: its recommendation text is joined to row 5's.",
    ]
    run_import(database, tmp_path / "adult-d-action-plan.xlsx")
    recs = review(database, "ADULT-D-ACTION-PLAN").recommendations
    assert [(r.number, r.text, r.actions) for r in recs] == [
        (
            "1",
            "The Board should seek assurance that agencies apply the\n"
            "Mental Capacity Act when a person declines care.",
            "Audit",
        ),
        (
            "2",
            "Housing should share tenancy concerns.\nThis includes hoarding referrals.",
            "Protocol\nBriefings",
        ),
    ]


def test_one_cell_in_a_kept_column_is_a_note_not_a_heading(database: Database, tmp_path: Path):
    rows = [
        ["Rec No.", "Recommendation", "Action(s)", "Agency comments"],
        ["1", "Train staff", "Brief officers", None],
        [None, None, None, "N/A"],
        [None, None, "Audit records", None],
    ]
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"), review="NA")
    (rec,) = review(database, "NA").recommendations
    assert rec.actions == "Brief officers\nAudit records"
    assert "From the imported tracker's column 'Agency comments': N/A" in [
        u.note for u in rec.updates
    ]


def _latest_updates(database: Database) -> dict[str, str]:
    """Each item's "Latest update" as a briefing pack of everything gives it, by number."""
    from db.queries import briefing_content as briefing

    options = briefing.PackOptions(
        today=TODAY, title="Panel", marking="OFFICIAL-SENSITIVE", prepared_by="Chair"
    )
    with database.session() as session:
        pack = briefing.gather(session, options)
    return {item.number: item.latest_update for item in pack.items}


def test_a_tracker_s_progress_is_the_pack_s_latest_update_not_its_status_note(
    database: Database, tmp_path: Path
) -> None:
    """A trial's pack showed "Status given in the imported tracker as 'Amber'." as every
    imported item's latest update, the tracker's own progress only under "Changes since". The
    status is noted before the row's progress, which stays the item's latest."""
    rows = [
        ["Rec No", "Recommendation", "RAG", "Update on progress"],
        ["1", "Audit supervision records.", "Amber", "Audit begun"],
    ]
    run_import(database, workbook_of(rows, tmp_path / "childq.xlsx"))
    latest = _latest_updates(database)
    assert latest["1"].endswith(": Audit begun")
    notes = [u.note for u in review(database, "CHILDQ").recommendations[0].updates]
    assert notes == ["Status given in the imported tracker as 'Amber'.", "Audit begun"]


def test_comments_and_links_the_import_does_not_read_are_said(tmp_path: Path) -> None:
    """A trial's tracker had a comment on an update ("Chair: not assured, ask for a dip
    sample by May") and a link to its evidence: both went without a word. What an import
    cannot keep is said, the cells by reference."""
    from openpyxl.comments import Comment

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Plan"
    for row in (
        ["Rec No", "Recommendation", "Update on progress", "Evidence provided"],
        ["1", "Audit supervision.", "Audit begun", "Audit report"],
        ["2", "Brief every team.", "Briefed", ""],
    ):
        sheet.append(row)
    sheet["C2"].comment = Comment("Chair: not assured, ask for a dip sample by May", "Chair")
    sheet["B3"].comment = Comment("Wording agreed by the panel", "Chair")
    sheet["D2"].hyperlink = "https://example.org/lscp/audit-report.docx"
    book.save(tmp_path / "notes.xlsx")
    lines = read_tracker(tmp_path / "notes.xlsx").kept_lines()
    assert (
        "The comments on B3 and C2 are not read: casereview imports what cells hold, not the "
        "comments on them; copy them into a column to import them."
        in lines
        or "The comments on C2 and B3 are not read: casereview imports what cells hold, not "
        "the comments on them; copy them into a column to import them."
        in lines
    )
    assert (
        "1 link in the sheet is not read: casereview imports a cell's text, not the address "
        "it links to; copy the address into the cell to keep it." in lines
    )


def test_a_text_longer_than_a_spreadsheet_cell_round_trips_through_csv(
    database: Database, tmp_path: Path
) -> None:
    """A trial exported a 99,995-character recommendation as CSV, and importing that CSV was
    refused as "more than a spreadsheet cell can hold": a CSV cell has no such limit, and the
    longest text an item takes is read back whole."""
    from db.exchange.spreadsheets import write_csv

    long_text = "The partnership should review every referral. " * 2_100
    long_text = long_text[: fields.TEXT - 5].strip()
    rows = [["Rec No", "Recommendation"], ["1", "Short."]]
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"), review="LONG")
    with database.session() as session:
        doc = collect_document(session, TODAY, ["LONG"])
    doc.reviews[0].recommendations[0].text = long_text
    (tmp_path / "long.csv").write_bytes(write_csv(doc, TODAY))
    tracker = read_tracker(tmp_path / "long.csv")
    assert run_import(database, tmp_path / "long.csv", review="LONG") == (
        "added nothing; updated 1 recommendation"
    )
    assert review(database, "LONG").recommendations[0].text == long_text
    assert tracker.sheet == "long"


def test_a_cell_longer_than_a_cell_can_hold_is_refused_by_its_row(
    database: Database, tmp_path: Path
) -> None:
    """The sentence names the row the long cell is on, in an .xlsx and in a CSV, the deeper
    in the sheet the better: rows are counted as they are read."""
    before = state(database)
    rows: list[list[object]] = [["Rec No", "Recommendation"]]
    rows += [[str(n), f"Item {n}."] for n in range(1, 2_500)]
    rows[1_234] = ["1234", "y" * reading.MAX_CELL_CHARS]
    made = workbook_of(rows, tmp_path / "made.xlsx")  # (openpyxl cuts a longer text)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(tmp_path / "plan.xlsx", "w") as out:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.startswith("xl/"):
                data = data.replace(b"y" * reading.MAX_CELL_CHARS, b"y" * 32_768)
            out.writestr(entry, data)
    for path, said in [
        (
            tmp_path / "plan.xlsx",
            "Sheet 'Tracker' of plan.xlsx, row 1235, holds a cell of 32,768 characters, more "
            "than a spreadsheet cell can hold; ",
        ),
        (
            csv_of(
                [*rows[:2_000], ["2000", "z" * (fields.TEXT + 1)]], tmp_path / "plan.csv", "utf-8"
            ),
            "Sheet 'plan' of plan.csv, row 2001, holds a cell of 100,001 characters, more than "
            "casereview takes in one cell (100,000 characters); ",
        ),
    ]:
        with pytest.raises(TrackerFileError) as caught:
            run_import(database, path, review="LONG")
        assert str(caught.value).startswith(said)
        assert state(database) == before


def test_a_unicode_text_csv_is_refused_saying_how_to_save_it(tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16: a trial was told only "is not a text file"."""
    path = tmp_path / "u16.csv"
    path.write_bytes("Rec No\tRecommendation\n1\tShare.\n".encode("utf-16"))
    with pytest.raises(TrackerFileError) as caught:
        read_tracker(path)
    assert caught.value.message == (
        "u16.csv is saved as Unicode text (UTF-16), which casereview does not read as CSV: "
        "save it from Excel as 'CSV UTF-8 (Comma delimited)' and import that."
    )


def test_a_heading_over_two_lines_is_named_on_one(tmp_path: Path) -> None:
    """A heading typed over two lines in its cell was printed with its line break."""
    rows = [["Rec No", "Recommendation", "Chair's\ncomments"], ["1", "Share.", "Assured"]]
    lines = read_tracker(workbook_of(rows, tmp_path / "plan.xlsx")).kept_lines()
    assert any("(Chair's comments)" in line for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_a_dated_progress_entry_stays_the_latest_update_after_its_status_note(
    database: Database, tmp_path: Path
) -> None:
    """A trial's tracker dated its progress ("03/03/2026 - Briefings delivered"): the status
    note, dated the day of the import, came after it by date and the pack showed the note as
    the latest update. The note is dated as the row's newest progress now, placed before it;
    a row with no progress of its own has the note, dated today, as its latest."""
    from db.core.dates import format_date

    rows = [
        ["Rec No", "Recommendation", "RAG", "Update on progress"],
        ["1", "Brief response officers.", "Amber", "03/03/2026 - Briefings delivered"],
        [None, None, None, "12/01/2026 - Briefings planned"],
        ["2", "Audit records.", "Green", ""],
    ]
    run_import(database, workbook_of(rows, tmp_path / "childr.xlsx"))
    latest = _latest_updates(database)
    assert latest["1"] == "3 March 2026: Briefings delivered"
    assert latest["2"] == (
        f"{format_date(TODAY)} (in progress): Status given in the imported tracker as 'Green'."
    )
    first = review(database, "CHILDR").recommendations[0]
    assert [(u.date, u.note) for u in first.updates] == [
        (dt.date(2026, 1, 12), "Briefings planned"),
        (dt.date(2026, 3, 3), "Status given in the imported tracker as 'Amber'."),
        (dt.date(2026, 3, 3), "Briefings delivered"),
    ]


def test_a_progress_cell_holding_dated_lines_is_a_dated_log(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trackers add a dated line to one progress cell at each update. The cell was one log
    entry, dated by its first line, and a pack gave that oldest date with the whole cell as
    the latest update. Each dated line now begins an entry (text above the first goes with
    it); importing again adds nothing, nor does importing over a log an earlier version kept
    as the whole cell."""
    from db.exchange.spreadsheets import tracker_file

    cell = (
        "Log kept by the business unit\n"
        "12/01/2026 - Briefings planned\n"
        "3 March 2026: Briefings delivered to three shifts\n"
        "the fourth in April"
    )
    wrapped = (  # a sentence carried on to a line starting with a date: one entry (a trial's)
        "12/01/2026 - meeting cancelled; target moved from\n31/03/2026 to 30/06/2026 as agreed"
        "\nand again from\n30/06/2026 - 30/09/2026, a range"
    )
    rows = [
        ["Rec No", "Recommendation", "RAG", "Update on progress"],
        ["1", "Brief response officers.", "Amber", cell],
        ["2", "Agree the protocol.", "", wrapped],
    ]
    path = workbook_of(rows, tmp_path / "childs.xlsx")
    run_import(database, path)
    rec, other = review(database, "CHILDS").recommendations
    assert [(u.date, u.note) for u in other.updates] == [
        (dt.date(2026, 1, 12), wrapped.removeprefix("12/01/2026 - "))
    ]
    assert [(u.date, u.note) for u in rec.updates] == [
        (dt.date(2026, 1, 12), "Log kept by the business unit\nBriefings planned"),
        (dt.date(2026, 3, 3), "Status given in the imported tracker as 'Amber'."),
        (dt.date(2026, 3, 3), "Briefings delivered to three shifts\nthe fourth in April"),
    ]
    assert "added nothing; updated nothing" in run_import(database, path)

    # An earlier version kept the cell whole: importing over that log adds nothing to it.
    monkeypatch.setattr(tracker_file, "_progress_log", lambda text: [tracker_file._progress(text)])
    run_import(database, path, review="EARLIER")
    monkeypatch.undo()
    assert "added nothing; updated nothing" in run_import(database, path, review="EARLIER")
    earlier = review(database, "EARLIER").recommendations[0]
    assert [u.note for u in earlier.updates] == [
        "Status given in the imported tracker as 'Amber'.",
        cell,
    ]


def test_a_progress_line_starting_with_a_date_that_is_not_one_is_kept_and_named(
    database: Database, tmp_path: Path
) -> None:
    """A trial's cell "31/02/2026 - Briefings planned" was one entry dated the day of the
    import, without a word. It is still kept as written, and named by date and row."""
    rows = [
        ["Rec No", "Recommendation", "Update on progress"],
        ["1", "Brief response officers.", "31/02/2026 - Briefings planned"],
        [
            "2",
            "Agree the protocol.",
            "12/01/2026 - Drafted\n30/02/2026 - Agreed\n03/03/2026 - Sent",
        ],
        ["3", "Audit the referrals.", "12/01/2026 - Audit booked"],
        # a second trial's: no dash at the cell's start (a real date there dates it), a month
        # by name with hyphens or a two-digit year, and words that are no date
        ["4", "Train the staff.", "31/02/2026 Training planned"],
        ["5", "Review the plan.", "12-Jan-2026 - Reviewed\n31 Feb 26 - Agreed\n3 Mar 26: Sent"],
        ["6", "Visit the schools.", "12 officers 2026 - visits made"],
        # a review's: a day, a month and a number are a sentence, not a two-digit year; a
        # paragraph's number is no date
        ["7", "Train the panel.", "14 March 12 staff attended the training"],
        ["8", "Amend the guidance.", "4.13.20 - see paragraph"],
    ]
    path = workbook_of(rows, tmp_path / "childt.xlsx")
    assert read_tracker(path).kept_lines() == [
        "Lines of progress start with a date that is not a real one (31/02/2026 on row 2, "
        "30/02/2026 on row 3, 31/02/2026 on row 5 and 31 Feb 26 on row 6): they are kept as "
        "written, not dated by them."
    ]
    run_import(database, path)
    first, second, _, fourth, fifth, sixth, seventh, eighth = review(
        database, "CHILDT"
    ).recommendations
    assert [(u.date, u.note) for u in first.updates] == [(TODAY, "31/02/2026 - Briefings planned")]
    assert [(u.date, u.note) for u in second.updates] == [
        (dt.date(2026, 1, 12), "Drafted\n30/02/2026 - Agreed"),
        (dt.date(2026, 3, 3), "Sent"),
    ]
    assert [(u.date, u.note) for u in fourth.updates] == [(TODAY, "31/02/2026 Training planned")]
    assert [(u.date, u.note) for u in fifth.updates] == [
        (dt.date(2026, 1, 12), "Reviewed\n31 Feb 26 - Agreed"),
        (dt.date(2026, 3, 3), "Sent"),
    ]
    assert [(u.date, u.note) for u in sixth.updates] == [(TODAY, "12 officers 2026 - visits made")]
    assert [(u.date, u.note) for u in seventh.updates] == [
        (TODAY, "14 March 12 staff attended the training")
    ]
    assert [(u.date, u.note) for u in eighth.updates] == [(TODAY, "4.13.20 - see paragraph")]
    one = workbook_of(rows[:2], tmp_path / "childu.xlsx")
    assert read_tracker(one).kept_lines() == [
        "A line of progress starts with a date that is not a real one (31/02/2026 on row 2): "
        "it is kept as written, not dated by it."
    ]
    # Written month first: said as such (a second trial's), alone and with the others.
    us = [*rows[:1], ["1", "Brief response officers.", "12/31/2026 - US date"]]
    assert read_tracker(workbook_of(us, tmp_path / "childv.xlsx")).kept_lines() == [
        "A line of progress starts with a date written month first (12/31/2026 on row 2): "
        "casereview reads dates day first (dd/mm/yyyy), so it is kept as written, not dated "
        "by it."
    ]
    both = [*rows[:2], ["2", "Agree the protocol.", "12/31/2026 - US date"]]
    assert read_tracker(workbook_of(both, tmp_path / "childw.xlsx")).kept_lines() == [
        "Lines of progress start with a date that is not a real one, or written month first "
        "(31/02/2026 on row 2 and 12/31/2026 on row 3): casereview reads dates day first "
        "(dd/mm/yyyy), so they are kept as written, not dated by them."
    ]


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["LCSPR Child Q - Action Plan", "Monitored by the Case Review Subgroup"], "LCSPR Child Q"),
        (["Fenmarsh Safeguarding Adults Board", "SAR Adult B: action plan"], "SAR Adult B"),
        (["Fenmarsh Partnership", "Serious Case Review: Child A - Action Plan"],
         "Serious Case Review: Child A"),
        (["Fenmarsh Partnership", "Position at 31 January 2026"], "Fenmarsh Partnership"),
        # a second trial's: initials alone, a body that monitors, a date it was reviewed
        (["Chair: Jane Doe (SAR panel)", "Adult E Safeguarding Adults Review"],
         "Adult E Safeguarding Adults Review"),
        (["Case Review Subgroup - Northshire", "LCSPR Child Q - Action Plan"], "LCSPR Child Q"),
        (["CSPR_ChildD action plan", "Monitored by the Case Review Subgroup"], "CSPR_ChildD"),
        (["Child W Action Plan", "Last reviewed 01/02/2026"], "Child W"),
        (["Status key: reviewed quarterly", "SCR Child J - Action Plan"], "SCR Child J"),
    ],
)  # fmt: skip
def test_a_tracker_s_title_is_the_line_naming_its_review(lines: list[str], title: str) -> None:
    """A trial's tracker, "LCSPR Child Q - Action Plan" over "Monitored by the Case Review
    Subgroup", was titled by its second line, as the first named no "review": a line naming
    a review by its kind's initials names it too."""
    from db.exchange.spreadsheets.layout import title_of

    assert title_of([[line] for line in lines]) == title


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("LCSPR Child Q - Action Plan", ReviewKind.CSPR_LOCAL),
        ("SAR Adult B: action plan", ReviewKind.SAR),
        ("DHR 'Anna' action plan", ReviewKind.DHR),
        ("Child W action plan", ReviewKind.LEARNING_REVIEW),
    ],
)
def test_a_review_s_kind_is_read_from_its_initials_too(
    database: Database, tmp_path: Path, title: str, kind: ReviewKind
) -> None:
    """A trial's "LCSPR Child Q" was made a learning review: the kind was read from words
    alone ("child safeguarding practice review")."""
    rows = [[title], ["Rec No", "Recommendation"], ["1", "Train staff."]]
    run_import(database, workbook_of(rows, tmp_path / "plan.xlsx"))
    assert review(database, "PLAN").kind is kind
