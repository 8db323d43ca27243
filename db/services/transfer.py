"""Export and import, as the command line and the window both do them: one workflow each,
called by both.

Export: the data set is read in a session that holds no lock, rendered in the chosen format,
then written through the caller's writer inside a short transaction that records the export in
the audit trail: a file that cannot be written rolls the entry back, so the trail names only
exports that happened.

Import: the whole file is read and checked before the database is touched (``read_source``),
then applied in one transaction that records every change in the audit trail
(``apply_import``). The copy kept before an import is taken inside that transaction, once the
import has been applied without a problem and just before it commits: the transaction holds
the write lock from its start, so the copy is the database exactly as the import found it
(read from the file as last committed, whole or not at all), no other writer can slip a change
in between; a copy that cannot be made stops the import; and an import refused, cancelled or
only tried (a dry run, the wizard's check) keeps no copy at all, and a copy made for an import
whose commit then fails (a full disk) is removed.

An import that changes nothing (the same file again: the importer passes over what is as the
file has it) keeps no copy either. Every change writes entries in the audit trail, so the
trail's head, read when the transaction began and again before the copy would be taken, says
whether anything was written; if not, there is nothing a copy could restore, and the database
file is left byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from db.exchange import Document, collect_document, dump_document
from db.store.audit import newest_entry_id, record
from db.store.database import Database, one_at_a_time
from db.store.logs import cause

if TYPE_CHECKING:
    from db.exchange import ImportSummary
    from db.exchange.spreadsheets import Mapping, TrackerFile
    from db.queries.similar import Repeat

FORMATS = ("json", "xlsx", "csv", "docx")
_log = logging.getLogger(__name__)


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


def write_export(
    database: Database,
    doc: Document,
    data: bytes,
    *,
    fmt: str,
    name: str,
    actor: str,
    write: Callable[[bytes], None],
) -> None:
    """Write ``data`` with ``write`` and record the export (its file's ``name``, format and
    reviews) in the audit trail, in one short transaction: a failure to write rolls the
    entry back, and reading the data held no lock."""
    described = {"format": fmt, "reviews": [r.reference for r in doc.reviews]}
    with database.transaction(actor) as session:
        record(session, entity="exports", entity_id=name, new=described)
        write(data)


def read_source(
    path: Path, mapping: Mapping | None = None, *, one_sheet: bool = True
) -> Document | TrackerFile:
    """Read and check the whole of a casereview JSON file or a tracker (by its ending), before
    the database is opened, let alone written. A workbook holding the tracker on several
    sheets is refused unless one was chosen, or unless not ``one_sheet`` (the Import wizard
    asks which)."""
    if path.suffix.lower() == ".json":
        from db.exchange import read_document_file

        return read_document_file(path)
    from db.exchange.spreadsheets import read_tracker

    tracker = read_tracker(path, mapping)
    if one_sheet:
        tracker.check_one_sheet()
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
) -> tuple[ImportSummary, list[Repeat] | None]:
    """``apply_import``, and (with ``compare``) which of the items it adds repeat earlier
    learning (issue 25), kept or only tried alike: both are ``repeats_since`` the audit
    trail's head as the import's transaction found it. A kept import's are read after the
    commit, so the write lock is not held while they are worked out; a trial's in its own
    transaction just before the rollback, the only time its items are there to read.

    A ``Document`` is as ``read_source`` returns it, checked already: it is not checked again.
    """
    from db.exchange import apply_document
    from db.exchange.spreadsheets import import_tracker
    from db.queries.similar import import_repeats, trial_repeats

    copy: Path | None = None
    repeats: list[Repeat] | None = []
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
    except _Tried:  # not a failure: how a trial import rolls everything back
        return summary, repeats
    except BaseException:
        if copy is not None:  # the import did not commit: its copy keeps nothing new
            _remove_copy(copy)
        raise
    if copy is not None:
        _thin_copies(database)  # only now: the older copies stay if the import fails
    return summary, import_repeats(database, before) if compare else []


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
