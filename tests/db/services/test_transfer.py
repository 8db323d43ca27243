"""Export and import, one workflow each for the command line and the window: what is written
is what the audit trail records, and a file that cannot be written leaves no entry; an import
is all or nothing, and only one that is kept keeps a copy of the database as it found it."""

from __future__ import annotations

import gc
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text, update

from db.core.errors import CaseReviewError, UnwritableError
from db.exchange import Document, dump_document
from db.services import transfer
from db.services.dataset import counts
from db.services.sample import sample_document
from db.store.backups import BackupError, kept_copies
from db.store.database import DISK_FULL, Database, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry, Inspection, Recommendation
from db.store.paths import backups_folder
from desktop.background import Cancelled
from tests.helpers import TODAY, disk
from tests.helpers.spreadsheet_files import repeating_rows, simple_rows, workbook_of


def exports(database: Database) -> int:
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "exports")
            )
            or 0
        )


def exports_folder(tmp_path: Path) -> Path:
    """A folder of its own for the files exported (the test's database is in ``tmp_path``)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def test_an_export_is_written_and_recorded(sample_database: Database, tmp_path: Path) -> None:
    doc = transfer.collect(sample_database, TODAY)
    tmp_path = exports_folder(tmp_path)
    target = tmp_path / "plan.json"
    written = transfer.export_file(sample_database, target, fmt="json", today=TODAY, actor="Tester")
    assert written == [r.reference for r in doc.reviews]
    assert {r["reference"] for r in json.loads(target.read_bytes())["reviews"]} == set(written)
    assert exports(sample_database) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left
    assert target.stat().st_mode & 0o777 == 0o600  # as every file casereview writes
    for fmt in ("xlsx", "csv", "docx"):
        transfer.export_file(
            sample_database, tmp_path / f"plan.{fmt}", fmt=fmt, today=TODAY, actor="Tester"
        )
    assert (tmp_path / "plan.csv").read_bytes() == transfer.render(doc, "csv", TODAY)
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames[0] == "Action plan"
    assert (tmp_path / "plan.docx").read_bytes().startswith(b"PK")
    assert exports(sample_database) == 4


def test_an_export_to_a_stream_is_written_then_recorded(sample_database: Database) -> None:
    out = io.BytesIO()
    transfer.export_stream(
        sample_database, out, fmt="csv", today=TODAY, actor="Tester", name="standard output"
    )
    doc = transfer.collect(sample_database, TODAY)
    assert out.getvalue() == transfer.render(doc, "csv", TODAY)
    assert exports(sample_database) == 1


def test_a_file_that_cannot_be_written_leaves_no_entry(sample_database: Database) -> None:
    with disk.read_only_disk() as folder:
        target = folder / "plan.json"
        with pytest.raises(CaseReviewError) as raised:
            transfer.export_file(sample_database, target, fmt="json", today=TODAY, actor="Tester")
        assert raised.value.message == f"Cannot write {target}: Read-only file system."
    assert exports(sample_database) == 0


def test_an_export_that_fills_the_disk_leaves_the_old_file_and_no_entry(
    sample_database: Database,
) -> None:
    with disk.small_disk("1200k") as folder:
        target = folder / "plan.json"
        target.write_bytes(b"the old export")
        disk.leave_free(folder, 16384)  # room for the start of the file, not all of it
        with pytest.raises(CaseReviewError) as raised:
            transfer.export_file(sample_database, target, fmt="json", today=TODAY, actor="Tester")
        assert raised.value.message == f"Cannot write {target}: No space left on device."
        assert target.read_bytes() == b"the old export"
        assert sorted(p.name for p in folder.iterdir()) == ["filler", "plan.json"]
    assert exports(sample_database) == 0


def test_an_xlsx_export_that_fills_the_disk_closes_its_sheets_and_leaves_no_temporary_file(
    sample_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl's write-only sheets keep their rows, the records' text, in temporary files
    until saved: a failed save must remove them at once (not when the program ends, as
    openpyxl would) and leave nothing half-open to complain at garbage collection."""
    private = tmp_path / "tmp"
    private.mkdir()
    complaints: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", complaints.append)
    with disk.small_disk("1200k") as folder:  # its mount point is a temporary folder too
        monkeypatch.setattr(tempfile, "tempdir", str(private))
        done = exports_folder(tmp_path) / "plan.xlsx"
        transfer.export_file(sample_database, done, fmt="xlsx", today=TODAY, actor="T")
        assert list(private.iterdir()) == []
        target = folder / "plan.xlsx"
        target.write_bytes(b"the old export")
        disk.leave_free(folder, 4096)  # the workbook is some 13 KB
        with pytest.raises(CaseReviewError) as raised:
            transfer.export_file(sample_database, target, fmt="xlsx", today=TODAY, actor="T")
        assert raised.value.message == f"Cannot write {target}: No space left on device."
        assert list(private.iterdir()) == []
        del raised  # its traceback holds the workbook's frames
        gc.collect()
        assert complaints == []
        assert target.read_bytes() == b"the old export"
        assert sorted(p.name for p in folder.iterdir()) == ["filler", "plan.xlsx"]
        monkeypatch.undo()
    assert exports(sample_database) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "docx"])
def test_a_cancelled_export_writes_and_records_nothing(
    sample_database: Database, tmp_path: Path, fmt: str
) -> None:
    """Cancel is asked before each review is written, in every format: the Word action plan
    was made whole after a single ask, so the window's Cancel could not stop it."""
    tmp_path = exports_folder(tmp_path)
    checked: list[int] = []

    def cancel_at_the_second() -> None:
        checked.append(1)
        if len(checked) == 2:
            raise Cancelled("Cancelled; nothing was changed.")

    with pytest.raises(Cancelled):
        transfer.export_file(
            sample_database,
            tmp_path / f"plan.{fmt}",
            fmt=fmt,
            today=TODAY,
            actor="Tester",
            check=cancel_at_the_second,
        )
    assert list(tmp_path.iterdir()) == []
    assert exports(sample_database) == 0


# ----------------------------------------------------------------------------- import


def entries(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def copies(database: Database) -> list[str]:
    """The files in the backups folder beside an SQLite database (none for a server)."""
    path = database.location.path
    if path is None:
        return []
    folder = backups_folder(path)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def sample_file(folder: Path) -> Path:
    path = folder / "plan.json"
    path.write_text(dump_document(sample_document(TODAY)), encoding="utf-8")
    return path


def test_an_import_is_applied_in_one_transaction_and_summarised(
    database: Database, tmp_path: Path
) -> None:
    source = transfer.read_source(sample_file(tmp_path))
    summary = transfer.apply_import(database, source, actor="Tester", today=TODAY)
    assert "2 reviews, 27 recommendations" in summary.describe()
    assert summary.describe().endswith("updated nothing")
    with database.session() as session:
        assert counts(session).reviews == 2
        actors = set(session.scalars(select(AuditEntry.actor)))
    assert actors == {"Tester"}  # every change it made is in the audit trail, under its actor


def test_an_import_keeps_a_copy_of_the_database_as_it_found_it(
    sample_database: Database, tmp_path: Path
) -> None:
    before = entries(sample_database)
    rows = [*simple_rows()]
    tracker = transfer.read_source(workbook_of(rows, tmp_path / "plan.xlsx"))
    transfer.apply_import(sample_database, tracker, actor="Tester", today=TODAY, review="PLAN")
    path = sample_database.location.path
    if path is None:  # a server keeps its own backups
        assert copies(sample_database) == []
        return
    (copy,) = kept_copies(path)
    assert copy.reason == "before-import"
    with open_database(resolve_location(str(copy.path))) as kept, kept.session() as session:
        assert int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0) == before
        assert counts(session).reviews == 2  # without the tracker's review


@pytest.mark.parametrize("when", ["as the commit returns", "before the commit"])
def test_an_import_interrupted_is_said_written_if_its_commit_was_made(
    sample_database: Database, tmp_path: Path, when: str
) -> None:
    """A trial's Ctrl+C (and SIGTERM) landed as the import's commit returned: the command said
    "interrupted; nothing was written", though all of it was, and the copy kept before it was
    removed. An interruption after the commit is told as written, and the copy stays; one
    before it leaves nothing, and no copy."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    tracker = transfer.read_source(workbook_of([*simple_rows()], tmp_path / "plan.xlsx"))
    before, kept = entries(sample_database), copies(sample_database)
    told: list[str] = []

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    hook = "after_commit" if when == "as the commit returns" else "before_commit"
    event.listen(Session, hook, interrupt, once=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            transfer.import_repeating(
                sample_database, tracker, actor="Tester", today=TODAY, review="PLAN",
                written=lambda summary: told.append(summary.describe()),
            )  # fmt: skip
    finally:
        if event.contains(Session, hook, interrupt):
            event.remove(Session, hook, interrupt)
    if when == "before the commit":
        assert (told, entries(sample_database), copies(sample_database)) == ([], before, kept)
        return
    assert len(told) == 1 and "3 recommendations" in told[0]
    assert entries(sample_database) > before
    if sample_database.location.path is not None:  # a server keeps its own backups
        assert [c.reason for c in kept_copies(sample_database.location.path)] == ["before-import"]


@pytest.mark.parametrize("how", ["refused", "cancelled", "tried"])
def test_an_import_not_kept_changes_nothing_and_keeps_no_copy(
    sample_database: Database, tmp_path: Path, how: str
) -> None:
    rows = [*simple_rows()]
    if how == "refused":
        rows[1][3] = "31/02/2026"  # not a real date: a problem to put right first
    tracker = transfer.read_source(workbook_of(rows, tmp_path / "plan.xlsx"))
    before, kept = entries(sample_database), copies(sample_database)

    def cancel() -> None:
        raise Cancelled("Cancelled; nothing was changed.")

    if how == "tried":
        summary = transfer.apply_import(
            sample_database, tracker, actor="Tester", today=TODAY, review="PLAN", keep=False
        )
        assert "3 recommendations" in summary.describe()  # what it would have done
    else:
        with pytest.raises(CaseReviewError):
            transfer.apply_import(
                sample_database,
                tracker,
                actor="Tester",
                today=TODAY,
                review="PLAN",
                check=cancel if how == "cancelled" else lambda: None,
            )
    assert entries(sample_database) == before
    assert copies(sample_database) == kept


def test_a_trial_import_names_the_repeats_the_import_then_makes(
    sample_database: Database, tmp_path: Path
) -> None:
    """Issue 25: a dry run and the wizard's check name the new items that repeat earlier
    learning as the import itself then does, worked out before the rollback."""
    tracker = transfer.read_source(workbook_of(repeating_rows(), tmp_path / "plan.xlsx"))
    before, kept = entries(sample_database), copies(sample_database)
    _, tried = transfer.import_repeating(
        sample_database, tracker, actor="Tester", today=TODAY, review="PLAN", keep=False
    )
    assert entries(sample_database) == before
    assert copies(sample_database) == kept
    _, made = transfer.import_repeating(
        sample_database, tracker, actor="Tester", today=TODAY, review="PLAN"
    )
    assert tried is not None and [(r.source, r.number) for r in tried] == [("PLAN", "1")]
    assert tried == made  # the same earlier item, with the same score


@pytest.mark.parametrize("keep", [True, False], ids=["kept", "tried"])
def test_another_users_edit_while_the_repeats_are_worked_out_fails_no_import(
    sample_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep: bool
) -> None:
    """The similarity index reads the items twice. Another user's edit between the two
    readings made a committed import end in "The items changed while the similar learning
    was being worked out" on PostgreSQL, inviting a second import. A kept import's repeats
    are read in one snapshot: the edit is not in them. A trial's are read in its own
    transaction, which writes and so on PostgreSQL is no snapshot; casereview's own edits
    wait for it there (every audited write takes the audit trail's lock, which the trial
    holds), but a change made outside casereview does not: the repeats are then not looked
    for, and the trial's report goes on. On SQLite the trial holds the write lock, so
    nobody can change anything meanwhile."""
    from db.queries import similar

    postgres = sample_database.engine.dialect.name == "postgresql"
    if not keep and not postgres:
        pytest.skip("SQLite: the trial holds the write lock while its repeats are read")
    tracker = transfer.read_source(workbook_of(repeating_rows(), tmp_path / "plan.xlsx"))
    real, edited = similar._texts, []
    changed = "Hydrotherapy pool rules for every member of staff."

    def edited_first(session: object) -> object:
        if not edited:
            if keep:  # another user of casereview
                with sample_database.transaction("Another user") as other:
                    first = other.scalars(
                        select(Recommendation).order_by(Recommendation.id)
                    ).first()
                    assert first is not None
                    first.text = changed
            else:  # a change made outside casereview: no audit, so no wait for its lock
                with sample_database.engine.begin() as outside:
                    outside.execute(text("SET LOCAL lock_timeout = '5s'"))  # fail, never hang
                    outside.execute(
                        text(
                            "UPDATE recommendations SET text = :changed "
                            "WHERE id = (SELECT min(id) FROM recommendations)"
                        ),
                        {"changed": changed},
                    )
            edited.append(True)
        return real(session)  # type: ignore[arg-type]

    monkeypatch.setattr(similar, "_texts", edited_first)
    summary, repeats = transfer.import_repeating(
        sample_database, tracker, actor="Tester", today=TODAY, review="PLAN", keep=keep
    )
    assert edited and "recommendations" in summary.describe()
    if keep:  # as if the edit had come after: the import's repeat is named
        assert repeats is not None and [(r.source, r.number) for r in repeats] == [("PLAN", "1")]
    else:
        assert repeats == []  # not looked for: the report says nothing of them


def test_a_file_that_cannot_be_read_leaves_everything_as_it_was(
    sample_database: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "casereview/1", "reviews": 3}), encoding="utf-8")
    before, kept = entries(sample_database), copies(sample_database)
    with pytest.raises(CaseReviewError, match="reviews: expected a list"):
        transfer.read_source(bad)
    with pytest.raises(CaseReviewError, match="There is no file"):
        transfer.read_source(tmp_path / "missing.xlsx")
    assert entries(sample_database) == before
    assert copies(sample_database) == kept


def test_a_workbook_with_the_tracker_on_several_sheets_is_refused_unless_the_wizard_asks(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    for title in ("Plan A", "Plan B"):
        sheet = book.create_sheet(title)
        for row in simple_rows():
            sheet.append(row)
    del book["Sheet"]
    book.save(tmp_path / "plans.xlsx")
    with pytest.raises(CaseReviewError, match="on 2 sheets"):
        transfer.read_source(tmp_path / "plans.xlsx")
    assert transfer.read_source(tmp_path / "plans.xlsx", one_sheet=False)


@pytest.fixture
def on_a_small_disk(tmp_path: Path) -> Iterator[tuple[Database, Document]]:
    """A database (its schema, nothing more) alone on a 2 MB file system, opened and read
    once (so its -wal and -shm files are there), and the sample data to import into it."""
    source = transfer.read_source(sample_file(tmp_path))
    with disk.small_disk("2m") as folder:
        path = folder / "panel.sqlite3"
        open_database(resolve_location(str(path)), create=True).close()  # -wal folded in
        with open_database(resolve_location(str(path))) as database:
            assert entries(database) == 0
            yield database, source


def before_import_copies(database: Database) -> list[Path]:
    assert database.location.path is not None
    return sorted(backups_folder(database.location.path).glob("*.before-import.*"))


def test_an_import_whose_copy_finds_the_disk_full_says_it_was_not_done(
    on_a_small_disk: tuple[Database, Document],
) -> None:
    database, source = on_a_small_disk
    assert database.location.path is not None
    disk.leave_free(database.location.path.parent, database.location.path.stat().st_size // 2)
    with pytest.raises(BackupError) as refused:
        transfer.apply_import(database, source, actor="Tester", today=TODAY)
    assert refused.value.message == (
        "Nothing was imported, as the copy of the database kept first could not be made: the "
        "disk is full, so panel.sqlite3 could not be copied; free some space and try again."
    )
    assert entries(database) == 0 and before_import_copies(database) == []


def test_an_import_that_cannot_commit_after_its_copy_leaves_no_copy(
    on_a_small_disk: tuple[Database, Document],
) -> None:
    """Room for the copy, none left for the import's own pages as it commits."""
    database, source = on_a_small_disk
    assert database.location.path is not None
    disk.leave_free(database.location.path.parent, database.location.path.stat().st_size + 131072)
    with pytest.raises(UnwritableError) as refused:
        transfer.apply_import(database, source, actor="Tester", today=TODAY)
    assert refused.value.message == DISK_FULL
    assert entries(database) == 0 and before_import_copies(database) == []


def test_an_import_that_cannot_commit_keeps_every_older_copy(
    on_a_small_disk: tuple[Database, Document],
) -> None:
    """The copies kept before are thinned only once the import has committed: one that fails
    must not leave fewer copies than there were (found in review: the new copy was removed,
    the older ones it had thinned were gone)."""
    import datetime as dt

    from db.store.backups import KEEP_RECENT, STAMP

    database, source = on_a_small_disk
    path = database.location.path
    assert path is not None
    folder = backups_folder(path)
    folder.mkdir(exist_ok=True)
    start = dt.datetime.now() - dt.timedelta(hours=6)
    older = [
        folder / f"{path.stem}.before-import.{(start + dt.timedelta(minutes=n)).strftime(STAMP)}"
        f"{path.suffix}"
        for n in range(6)
    ]
    for copy in older:
        copy.write_bytes(b"x")  # thinning goes by name and time, not content
        os.utime(copy, (start.timestamp(), start.timestamp()))  # older than the database
    disk.leave_free(path.parent, path.stat().st_size + 131072)
    with pytest.raises(UnwritableError):
        transfer.apply_import(database, source, actor="Tester", today=TODAY)
    assert before_import_copies(database) == sorted(older)
    (path.parent / "filler").unlink()  # room again: the import commits, then thins
    transfer.apply_import(database, source, actor="Tester", today=TODAY)
    kept = before_import_copies(database)
    assert len(kept) == KEEP_RECENT and set(kept) - set(older)  # the new copy among them


def test_an_export_reads_its_batches_in_one_snapshot(
    sample_database: Database, tmp_path: Path
) -> None:
    """An inspection renamed while an export is being written keeps its old title in the
    file: the inspections, read after the reviews, are read as the database was when the
    export began (the check called before each review renames it, committed at once, from
    another session)."""
    tmp_path = exports_folder(tmp_path)
    before = transfer.collect(sample_database, TODAY)
    renamed: list[int] = []

    def rename_an_inspection() -> None:
        with sample_database.transaction("Other") as session:
            session.execute(update(Inspection).values(title=Inspection.title + " (renamed)"))
        renamed.append(1)

    transfer.export_file(
        sample_database,
        tmp_path / "plan.json",
        fmt="json",
        today=TODAY,
        actor="Tester",
        check=rename_an_inspection,
    )
    assert renamed and before.inspections
    data = json.loads((tmp_path / "plan.json").read_bytes())
    assert [i["title"] for i in data["inspections"]] == [i.title for i in before.inspections]
    assert "(renamed)" in transfer.collect(sample_database, TODAY).inspections[0].title


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_an_export_read_beside_the_check_of_a_damaged_file_is_refused_as_opening_it_is(
    sample_path: Path, tmp_path: Path, fmt: str
) -> None:
    """``casereview export`` reads while SQLite checks the file (``open_to_read_then_write``):
    a damaged page met by the reading is told as the damaged file it is, in the sentence
    opening it gives, not as the database refusing a change; nothing is written or recorded."""
    from db.core.errors import DamagedDatabaseError
    from db.store.quick_check import QuickCheck
    from tests.helpers.damage import damage_table

    damage_table(sample_path, "recommendations")  # met by the export's reading
    with pytest.raises(DamagedDatabaseError) as on_opening:
        open_database(resolve_location(str(sample_path)))
    before, files = sample_path.read_bytes(), sorted(tmp_path.rglob("*"))
    check = QuickCheck(sample_path)  # its verdict comes only once the export is reading
    target = tmp_path / f"plan.{fmt}"
    with open_database(resolve_location(str(sample_path)), check=check) as database:
        check.start()
        with pytest.raises(DamagedDatabaseError) as refused:
            transfer.export_file(database, target, fmt=fmt, today=TODAY, actor="tester")
    assert refused.value.message == on_opening.value.message
    assert sorted(tmp_path.rglob("*")) == files  # no target, nothing half-written beside it
    assert sample_path.read_bytes() == before
