"""Export and import, as the command line and the window both do them: one workflow each,
called by both.

Export: the data set is read a part at a time in a session that holds no lock and written as
it is read (``export_file``, ``export_stream``), so neither time nor memory waits for the whole
of it; the export is then recorded in the audit trail in a short transaction, inside which a
file is renamed into place: a file that cannot be written leaves no entry, so the trail names
only exports that happened.

Import: a JSON file is read and checked whole before the database is touched (``read_source``;
a tracker's rows are read, checked and written a batch at a time, issue 26), then applied in
one transaction that records every change in the audit trail (``apply_import``). The copy kept
before an import is taken inside that transaction, once the import has been applied without a
problem and just before it commits: the transaction holds the write lock from its start, so the
copy is the database exactly as the import found it (read from the file as last committed,
whole or not at all), no other writer can slip a change in between; a copy that cannot be made
stops the import; and an import refused, cancelled or only tried (a dry run, the wizard's
check) keeps no copy at all, and a copy made for an import whose commit then fails (a full
disk) is removed.

An import that changes nothing (the same file again: the importer passes over what is as the
file has it) keeps no copy either. Every change writes entries in the audit trail, so the
trail's head, read when the transaction began and again before the copy would be taken, says
whether anything was written; if not, there is nothing a copy could restore, and the database
file is left byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from db.core.collector import collector_paused
from db.core.errors import CaseReviewError, TemporaryFolderFull
from db.exchange import Document, collect_document, dump_document
from db.exchange.json_format import write_document
from db.store.atomic import staged, unfit_target
from db.store.audit import newest_entry_id, record
from db.store.database import Database, one_at_a_time
from db.store.logs import cause
from db.store.models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from db.exchange import ImportSummary
    from db.exchange.spreadsheets import Mapping, TrackerFile
    from db.queries.similar import Repeat

FORMATS = ("json", "xlsx", "csv", "docx")
_log = logging.getLogger(__name__)
T = TypeVar("T")


def collect(database: Database, today: dt.date, reviews: Sequence[str] = ()) -> Document:
    """Everything the database holds, or only the reviews named (and what they need)."""
    with database.session() as session:
        return collect_document(session, today, list(reviews))


def render(doc: Document, fmt: str, today: dt.date) -> bytes:
    """``doc`` as a file of the format ``fmt`` (json, xlsx, csv or docx)."""
    if fmt == "json":
        return dump_document(doc).encode("utf-8")
    from db.exchange.spreadsheets import write_csv, write_xlsx

    if fmt == "xlsx":
        return write_xlsx(doc, today)
    if fmt == "csv":
        return write_csv(doc, today)
    if fmt == "docx":
        from db.exchange.word import write_docx

        return write_docx(doc, today)
    raise ValueError(f"casereview writes {', '.join(FORMATS)}, not {fmt}")


def exported_said(fmt: str, reviews: int, target: object, *, chosen: bool = False) -> str:
    """The sentence saying what an export wrote, and what its format leaves out by name: a
    user who exported a CSV file to keep everything learnt only on importing it that each
    item's earlier updates and its evidence were not in it. ``chosen``: only the reviews
    named were exported."""
    what = f"{reviews:,} review{'' if reviews == 1 else 's'}"
    if fmt == "json" and chosen:
        whose = "its" if reviews == 1 else "their"
        return f"Exported {what} to {target}, with {whose} history and evidence files."
    if fmt == "json":  # everything: a user had read "2 reviews" as all the file held
        return (
            f"Exported everything to {target}: {what}, and every inspection, initiative and "
            "meeting."
        )
    plan = f"Exported the action plans of {what} to {target}"
    rest = "inspections, initiatives and meetings are only in a JSON export."
    if fmt == "xlsx":
        return (
            f"{plan}, with their updates, evidence lists, review details and organisations; "
            f"evidence files, {rest}"
        )
    return (
        f"{plan}: each item's latest update, without its earlier updates or evidence or the "
        f"review's details (.xlsx keeps those); {rest}"
    )


def missing_reviews(database: Database, references: Sequence[str]) -> list[str]:
    """The ``references`` the database holds no review of, in order."""
    from sqlalchemy import select

    from db.store.models import Review

    with _sound_if_it_fails(database), database.session() as session:
        held = set(
            session.scalars(select(Review.reference).where(Review.reference.in_(references)))
        )
    return sorted(set(references) - held)


def export_file(
    database: Database,
    target: Path,
    *,
    fmt: str,
    today: dt.date,
    actor: str,
    reviews: Sequence[str] = (),
    check: Callable[[], None] | None = None,
    whole: Callable[[], AbstractContextManager[object]] = nullcontext,
    locked: Callable[[], None] | None = None,
    written: Callable[[], None] | None = None,
) -> list[str]:
    """Export to ``target`` in the format ``fmt``; the references of the reviews written.

    The file is written beside the target as the data set is read, a part at a time, in a
    session that holds no lock; then, in one short transaction, the export is recorded in
    the audit trail and the file renamed into place, so a file that cannot be written (a
    full disk, a read-only folder) leaves the target as it was and no entry, and the trail
    names only exports that happened. Refused in one sentence before anything is read when
    the target cannot be written. ``check`` is called before each review is written, to
    stop the export by raising (the window's Cancel), and once more when the file is whole:
    then nothing is written or recorded;
    ``written`` once the file is in place and recorded (for the command line's sentence when
    it is interrupted after that). ``whole`` holds the putting in place, its record and
    ``written`` together (the command line's signals wait for it to end); ``locked`` is called
    in it once the write lock is held, before the file is put in place: raising there stops
    the export (a signal the command line held while the lock was awaited)."""
    unfit = unfit_target(target)
    if unfit is not None:
        raise CaseReviewError(unfit)
    try:
        with staged(target) as file:
            with file.path.open("wb") as handle:
                done = _stream_export(database, handle, fmt, today, reviews, check=check)
            if check is not None:  # and once the file is whole, before it is put in place
                check()
            with whole():
                with database.transaction(actor) as session:
                    _record_export(session, target.name, fmt, done)  # (the lock taken)
                    if locked is not None:
                        locked()
                    file.settle()
                if written is not None:
                    written()
    except TemporaryFolderFull as exc:
        _log.info("export not written: %s", cause(exc))
        raise CaseReviewError(
            f"Cannot write the workbook's sheets in the temporary folder {exc.filename}: "
            f"{exc.strerror}."
        ) from exc
    except OSError as exc:
        _log.info("export not written: %s", cause(exc))
        raise CaseReviewError(f"Cannot write {target}: {exc.strerror or exc}.") from exc
    return done


def export_stream(
    database: Database,
    out: BinaryIO,
    *,
    fmt: str,
    today: dt.date,
    actor: str,
    name: str,
    reviews: Sequence[str] = (),
) -> list[str]:
    """Export to ``out`` (standard output, named ``name`` in the audit trail) as the data set
    is read, then record it: an export that fails part-way is not recorded. The caller says
    what a failure to write means."""
    written = _stream_export(database, out, fmt, today, reviews)
    with database.transaction(actor) as session:
        _record_export(session, name, fmt, written)
    return written


@contextmanager
def _sound_if_it_fails(database: Database) -> Iterator[None]:
    """A read that fails on a file whose check is still running (``open_to_read_then_write``)
    may have met a damaged page: the check's verdict says so, in the sentence opening a
    damaged file gives, before the read's own error goes on."""
    try:
        yield
    except DBAPIError:
        database.sound()
        raise


def _stream_export(
    database: Database,
    out: BinaryIO,
    fmt: str,
    today: dt.date,
    reviews: Sequence[str],
    *,
    check: Callable[[], None] | None = None,
) -> list[str]:
    """Write the export to ``out`` as it is read; the references of the reviews written.
    Its batches are read in one snapshot (SQLite's transaction; PostgreSQL's repeatable
    read), so a change committed meanwhile is in all of the file or in none of it."""
    from db.exchange.streaming import stream_document

    # A damaged page met before the file's check has ended is told as the damaged file.
    with _sound_if_it_fails(database), database.snapshot() as session:
        # CSV and Word are the action plan alone: its items need none of their evidence or
        # history.
        stream = stream_document(session, today, reviews, plan_only=fmt in ("csv", "docx"))
        if check is not None:
            check()
            stream.reviews = _checked(stream.reviews, check)
        if fmt in ("json", "csv"):
            # Their batches are a few hundred thousand objects freed as soon as written, and
            # make no cycles: the collector, left on, walked each batch once or twice more.
            with collector_paused():
                if fmt == "json":
                    write_document(stream, out)
                else:
                    from db.exchange.spreadsheets.writing import stream_csv

                    stream_csv(stream, today, out)
        elif fmt == "xlsx":
            from db.exchange.spreadsheets.writing import stream_xlsx

            stream_xlsx(stream, today, out)
        else:  # Word: read a review at a time, though laid out whole in memory to be saved
            from db.exchange.word import stream_docx

            stream_docx(stream, today, out)
        return stream.references


def _checked(items: Iterable[T], check: Callable[[], None]) -> Iterator[T]:
    for item in items:
        check()
        yield item


def _record_export(session: Session, name: str, fmt: str, references: list[str]) -> None:
    record(session, entity="exports", entity_id=name, new={"format": fmt, "reviews": references})


def read_source(
    path: Path, mapping: Mapping | None = None, *, one_sheet: bool = True
) -> Document | TrackerFile:
    """Read and check the whole of a casereview JSON file, or a tracker's sheet and header (by
    its ending), before the database is opened, let alone written; a tracker's rows are read
    and checked as they are imported (issue 26). A workbook holding the tracker on several
    sheets is refused unless one was chosen, or unless not ``one_sheet`` (the Import wizard
    asks which)."""
    if path.suffix.lower() == ".json":
        from db.exchange import read_document_file

        return read_document_file(path)
    from db.exchange.spreadsheets import read_tracker

    tracker = read_tracker(path, mapping)
    if one_sheet:
        try:
            tracker.check_one_sheet()
        except BaseException:
            tracker.close()
            raise
    return tracker


class _Tried(Exception):
    """Ends a trial import's transaction without keeping it."""


def apply_import(
    database: Database,
    source: Document | TrackerFile,
    *,
    actor: str,
    today: dt.date,
    review: str | None = None,
    skip_rows: frozenset[int] = frozenset(),
    keep: bool = True,
    keep_copy: bool = True,
    check: Callable[[], None] = lambda: None,
) -> ImportSummary:
    """Add and update what ``source`` holds, all or nothing, and say what changed.

    ``review`` and ``skip_rows`` apply to a tracker (every row into one review; rows left
    out). Unless ``keep``, the import is only tried: rolled back, with what it would have done.
    ``keep_copy`` is false for a database the caller has just made (there is nothing in it to
    keep). ``check`` is called once the import is applied, before anything is kept: raising
    there (a cancel) rolls it all back.
    """
    summary, _ = import_repeating(
        database, source, actor=actor, today=today, review=review, skip_rows=skip_rows,
        keep=keep, keep_copy=keep_copy, check=check, compare=False,
    )  # fmt: skip
    return summary


def import_repeating(
    database: Database,
    source: Document | TrackerFile,
    *,
    actor: str,
    today: dt.date,
    review: str | None = None,
    skip_rows: frozenset[int] = frozenset(),
    keep: bool = True,
    keep_copy: bool = True,
    check: Callable[[], None] = lambda: None,
    compare: bool = True,
    written: Callable[[ImportSummary], None] | None = None,
) -> tuple[ImportSummary, list[Repeat] | None]:
    """``apply_import``, and (with ``compare``) which of the items it adds repeat earlier
    learning (issue 25), kept or only tried alike: both are ``repeats_since`` the audit
    trail's head as the import's transaction found it. A kept import's are read after the
    commit, so the write lock is not held while they are worked out; a trial's in its own
    transaction just before the rollback, the only time its items are there to read.
    ``written`` is told the moment a kept import has committed, so that an interruption
    after it is not said to have stopped the import (the command line's report).

    A ``Document`` is as ``read_source`` returns it, checked already: it is not checked again.
    """
    from db.exchange import apply_document
    from db.exchange.spreadsheets import import_tracker
    from db.queries.similar import import_repeats, trial_repeats

    copy: Path | None = None
    repeats: list[Repeat] | None = []
    mark: tuple[int, object] | None = None
    try:
        with database.transaction(actor) as session:
            one_at_a_time(session)
            # Under the write lock: no other writer's entries come in between.
            before = newest_entry_id(session)
            if isinstance(source, Document):
                summary = apply_document(session, source, today=today, checked=True)
            else:
                summary = import_tracker(
                    session, source, today=today, actor=actor, review=review, skip_rows=skip_rows
                )
            if compare and not keep:
                repeats = trial_repeats(session, before)
            check()  # after the comparing too, so a cancel during it still rolls back
            if not keep:
                raise _Tried
            if keep_copy and newest_entry_id(session) != before:  # see the module's docstring
                copy = _copy_before(database)
            mark = _newest_entry(session, before)
    except _Tried:  # not a failure: how a trial import rolls everything back
        return summary, repeats
    except BaseException:
        # Ctrl+C or SIGTERM can land as the commit returns, before ``written`` is told: a
        # trial's import was written, said "nothing was written", and its copy was removed.
        if mark is not None and _committed(database, mark):
            if written is not None:
                written(summary)
            raise
        if copy is not None:  # the import did not commit: its copy keeps nothing new
            _remove_copy(copy)
        raise
    if written is not None:
        written(summary)  # committed: what follows (thinning, comparing, the report) adds nothing
    if copy is not None:
        _thin_copies(database)  # only now: the older copies stay if the import fails
    return summary, import_repeats(database, before) if compare else []


def _newest_entry(session: Session, before: int) -> tuple[int, object] | None:
    """The import's last audit entry, as the database will give it back once committed (its
    id and moment), or None when the import wrote none."""
    session.flush()
    found = session.execute(
        select(AuditEntry.id, AuditEntry.at)
        .where(AuditEntry.id > before)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1])


def _committed(database: Database, mark: tuple[int, object]) -> bool:
    """Whether the transaction that wrote the audit entry ``mark`` committed: the entry is
    there, as it was written (an id given again after a rollback has another moment)."""
    try:
        with database.session() as session:
            at = session.scalar(select(AuditEntry.at).where(AuditEntry.id == mark[0]))
    except Exception as exc:  # (a database that cannot be read now: said not to be written)
        _log.warning("whether an interrupted import was written not known: %s", cause(exc))
        return False
    return at is not None and at == mark[1]


def _copy_before(database: Database) -> Path | None:
    """The copy kept before an import (None when none was needed); one that cannot be made
    stops the import, and says so."""
    from db.store.backups import BackupError, automatic_backup

    try:
        return automatic_backup(database.location, "before-import", thin=False)
    except BackupError as exc:
        said = exc.message
        if said[:1].isupper() and said.split(" ", 1)[0].isalpha():  # a word, not a file name
            said = said[0].lower() + said[1:]
        raise BackupError(
            f"Nothing was imported, as the copy of the database kept first could not be made: "
            f"{said}"
        ) from exc


def _thin_copies(database: Database) -> None:
    """Thin the copies kept beside the database, as every automatic copy does; the import is
    committed already, so a copy that cannot be thinned is logged, by kind, and left."""
    from db.store.backups import prune

    assert database.location.path is not None
    try:
        prune(database.location.path)
    except OSError as exc:
        _log.warning("copies kept beside the database not thinned: %s", cause(exc))


def _remove_copy(copy: Path) -> None:
    """Remove the copy an import made before it failed to commit, so that it takes none of
    the little room a full disk has left; a copy that cannot be removed is logged, by kind."""
    try:
        copy.unlink()
    except OSError as exc:
        _log.warning("a copy kept before an import that failed not removed: %s", cause(exc))
