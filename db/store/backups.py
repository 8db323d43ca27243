"""Backups of an SQLite database: a consistent copy taken while the program may be writing,
and restoring one.

Why it works this way: docs/architecture.md, "Backups and restores".
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.core.errors import CaseReviewError, DamagedDatabaseError
from db.store import audit_anchor, cipher
from db.store.atomic import replacing, unfit_target
from db.store.cipher import Passphrase, PassphraseError
from db.store.location import Location
from db.store.logs import cause
from db.store.migrations import REVISIONS
from db.store.paths import (
    SQLITE_MAGIC,
    backups_folder,
    is_damage,
    is_full_disk,
    read_start,
    readonly_uri,
)


class BackupError(CaseReviewError):
    """A backup could not be made; nothing was written."""


class Abandoned(BackupError):
    """A copy was given up part way, as asked (``back_up``'s ``cancel``); nothing was left."""

    def __init__(self) -> None:
        super().__init__("The copy was abandoned; nothing was left of it.")


COPY_STEP_PAGES = 2048  # pages (8 MB) a copy takes between looks at its ``cancel``


def database_file(location: Location) -> Path:
    """The file a backup copies; a server database is refused, with the way to back it up."""
    if location.path is None:
        raise BackupError(
            f"{location} is a database server; back it up with the server's own tools "
            "(for PostgreSQL, pg_dump)."
        )
    return location.path


def _key(location: Location) -> Passphrase | None:
    """The passphrase the file at ``location`` opens with; an encrypted file without one is
    refused here, before anything takes it for damaged."""
    if location.is_encrypted and location.passphrase is None:
        assert location.path is not None
        raise BackupError(cipher.needs_passphrase_error(location.path).message)
    return location.key


def back_up(location: Location, target: Path, cancel: threading.Event | None = None) -> None:
    """Copy the database at ``location`` to ``target``, whole or not at all. Once ``cancel``
    is set, the copy stops within a step, removes what it wrote and raises ``Abandoned``."""
    source = database_file(location)
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    key = _key(location)
    unfit = unfit_target(target)  # a link is judged, and written, through
    if unfit is not None:
        raise BackupError(unfit)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("A backup cannot be written over the database it copies.")
    # A copy of an encrypted database is encrypted from its first page, with the same key
    # and salt (it opens with the same passphrase): no plaintext touches the disk.
    try:
        with (
            replacing(target) as temp,
            closing(
                cipher.connect(f"{source.as_uri()}?mode=ro", key, file=source, uri=True)
            ) as src,
        ):
            try:
                with closing(cipher.connect(temp, key, salt=cipher.salt_of(source))) as copy:
                    progress = _give_up_after(WRITE_WAIT, cancel)
                    pages = -1 if cancel is None else COPY_STEP_PAGES
                    src.backup(copy, pages=pages, progress=progress, sleep=0.05)
                    # A backup holds everything in one file: no write-ahead log beside it.
                    copy.execute("PRAGMA journal_mode = DELETE")
                    if cancel is not None:  # the check of the copy stops too (``interrupted``)
                        copy.set_progress_handler(cancel.is_set, 100_000)
                    verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:  # the copy's own journal, left by a copy that failed (a full disk)
                with suppress(OSError):  # none left, the usual case: nothing to log
                    Path(f"{temp}-journal").unlink()
            if verdict != "ok":
                raise BackupError(f"The copy of {source.name} failed its check ({verdict}).")
    except _StillBusy as exc:
        raise BackupError(
            f"{source.name} is locked by another program, so it could not be copied; try "
            "again once that program has finished with it."
        ) from exc
    except cipher.errors() as exc:
        if cancel is not None and cancel.is_set():
            raise Abandoned from exc
        if is_full_disk(exc, target.parent, needed=_size(source)):
            raise BackupError(NO_ROOM.format(name=source.name)) from exc
        raise BackupError(f"{source.name} could not be copied ({exc}).") from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BackupError(NO_ROOM.format(name=source.name)) from exc
        raise BackupError(f"Cannot write {target}: {exc.strerror or exc}.") from exc


NO_ROOM = "The disk is full, so {name} could not be copied; free some space and try again."


def _size(path: Path) -> int:
    """The room a copy of ``path`` takes (0 when it is gone: none known to be needed)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


STAMP = "%Y-%m-%dT%H%M%S%f"  # to the microsecond, so two copies never share a name
# Why casereview took a copy itself; the word is part of the copy's name.
REASONS = {
    "opened": "when opened, changed since the last copy",
    "before-upgrade": "before upgrading to this version",
    "before-import": "before an import",
    "before-bulk-change": "before a change to many records",
    "before-restore": "before a restore replaced it",
}
# How many automatic copies to keep: the newest few, then one a day, then one a week.
KEEP_RECENT = 5
KEEP_DAYS = 7
KEEP_WEEKS = 8
WRITE_WAIT = 10.0  # seconds a restore waits for a window saving to the database
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6  # result codes of a backup step refused for now
_log = logging.getLogger(__name__)


def newest_sound_backup(database: Path, passphrase: Passphrase | None = None) -> Path | None:
    """The newest of ``kept_copies(database)`` (as File > Backups lists them) that passes
    ``_check_backup``; damaged files moved aside are never offered."""
    for copy in kept_copies(database):
        if copy.reason == "damaged":
            continue
        try:
            _check_backup(copy.path, passphrase)
        except (BackupError, PassphraseError) as exc:
            _log.info("a kept copy not offered: %s", cause(exc))
            continue
        return copy.path
    return None


def damaged_error(
    path: Path, finding: str, passphrase: Passphrase | None = None
) -> DamagedDatabaseError:
    """The refusal of a damaged SQLite file, offering the newest sound backup beside it (the
    engine raises it when its check before opening finds damage)."""
    said = (
        f"{path.name} is damaged (SQLite's check found: {finding}); casereview has not "
        "written to it"
    )
    backup = newest_sound_backup(path, passphrase)
    if backup is None:
        return DamagedDatabaseError(
            f"{said}; no sound backup of it was found in {backups_folder(path)}, so keep the "
            "file as it is and restore a backup of your own with 'casereview restore'.",
            path,
        )
    return DamagedDatabaseError(
        f"{said}; its newest sound backup is {backup}, which 'casereview restore' puts in its "
        "place, keeping the damaged file aside.",
        path,
        backup,
        passphrase,
    )


def _kept_name(target: Path, why: str) -> Path:
    stamp = dt.datetime.now().strftime(STAMP)
    kept = backups_folder(target) / f"{target.stem}.{why}.{stamp}{target.suffix}"
    try:
        audit_anchor.make_folder(target)
    except OSError as exc:
        raise BackupError(f"Cannot write in {kept.parent}: {exc.strerror or exc}.") from exc
    return kept


def _is_sound(database: Path, key: Passphrase | None) -> bool:
    """Whether SQLite's quick check passes; a file that cannot be read just now (locked, an
    I/O error) is refused rather than taken for damaged and moved aside."""
    try:
        with closing(cipher.connect(readonly_uri(database), key, file=database, uri=True)) as conn:
            return [r[0] for r in conn.execute("PRAGMA quick_check(1)")] == ["ok"]
    except cipher.errors() as exc:
        if is_damage(exc):
            return False
        raise BackupError(f"{database.name} cannot be read just now ({exc}).") from exc


def _move_aside(target: Path, kept: Path) -> None:
    """Move a damaged database and its journal files to ``kept`` whole, or not at all."""
    moved: list[tuple[Path, Path]] = []
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            source, destination = Path(f"{target}{suffix}"), Path(f"{kept}{suffix}")
            if source.exists():
                if destination.exists():
                    raise FileExistsError(f"{destination} exists")
                source.rename(destination)
                moved.append((source, destination))
    except OSError as exc:
        for source, destination in reversed(moved):
            with suppress(OSError):  # undoing after the failure logged with the BackupError
                destination.rename(source)
        raise BackupError(f"Cannot move {target.name} aside: {exc.strerror or exc}.") from exc


def restore(source: Path, location: Location) -> Path | None:
    """Replace the database at ``location`` with the backup ``source``.

    Returns where the database it replaced is kept (in ``backups_folder``): a backup of it,
    or, when it is damaged, the damaged file itself, moved aside unchanged. None when there
    was no database yet. Raises ``BackupError`` saying why, with nothing changed, when
    ``source`` is not a sound casereview backup or the database cannot be written.
    """
    target = database_file(location)
    _check_backup(source, location.passphrase)
    if target.exists() and source.resolve() == target.resolve():
        raise BackupError("A database cannot be restored from itself.")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist.")
    source_key = cipher.key_for(source, location.passphrase)
    target_key = _key(location) if target.exists() and target.stat().st_size else source_key
    _refuse_change_of_form(source, target, source_key, target_key)
    damaged = target.exists() and not _is_sound(target, target_key)
    with ExitStack() as stack:
        # All of it holds the restore lock (check waits for it) and the audit note's lock,
        # so no commit's note lands in between.
        for lock, refusal in (
            (audit_anchor.RESTORE_LOCK, _being_restored_error(target)),
            (
                audit_anchor.LOCK_NAME,
                _busy_error(target),
            ),  # a commit has stalled while noting its head
        ):
            try:
                stack.enter_context(
                    audit_anchor.holding_lock(target, audit_anchor.RESTORE_WAIT, name=lock)
                )
            except TimeoutError as exc:
                raise refusal from exc
            except OSError as exc:
                raise BackupError(
                    f"Cannot write in {backups_folder(target)}: {exc.strerror or exc}."
                ) from exc
        kept = _replace(source, source_key, target, target_key, location, damaged=damaged)
    return kept


def _replace(
    source: Path,
    source_key: Passphrase | None,
    target: Path,
    target_key: Passphrase | None,
    location: Location,
    *,
    damaged: bool,
) -> Path | None:
    """The body of ``restore``, holding the audit note's lock. When it fails before it
    replaces anything, everything is put back as it was."""
    kept: Path | None = None
    moved: Path | None = None
    copied_first = touched = False
    if damaged:
        # A damaged file is never written to: it is moved aside whole, journal and all.
        kept = moved = _kept_name(target, "damaged")
        _move_aside(target, kept)
    try:
        if target.exists():
            kept = _kept_name(target, "before-restore")
            back_up(location, kept)
            copied_first = True
        else:
            try:
                target.touch(mode=0o600, exist_ok=False)
            except OSError as exc:
                raise _NothingReplaced(f"Cannot write {target}: {exc.strerror or exc}.") from exc
            touched = True
        _copy_over(source, source_key, target, target_key)
    except _NothingReplaced:
        # Tidying after the failure raised below (the log has it): best effort, no log.
        with suppress(OSError):
            if copied_first and kept is not None:  # a copy of what was not replaced
                kept.unlink()
            if touched:  # the empty file made to copy into
                target.unlink()
        if moved is not None:
            with suppress(BackupError):  # best effort, as above: the failure raised is logged
                _move_aside(moved, target)
        raise
    return kept


class _StillBusy(Exception):
    """The database was still being written to when a restore's wait ran out."""


def _give_up_after(
    seconds: float, cancel: threading.Event | None = None
) -> Callable[[int, int, int], None]:
    """A backup's progress callback that ends it once the destination has refused it for
    ``seconds`` (the sqlite3 module would otherwise retry for ever), or ``cancel`` is set."""
    deadline = time.monotonic() + seconds

    def progress(status: int, _remaining: int, _total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise Abandoned
        if status in (_SQLITE_BUSY, _SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _StillBusy

    return progress


class _NothingReplaced(BackupError):
    """A restore failed before it replaced anything."""


def _being_restored_error(target: Path) -> BackupError:
    return BackupError(
        f"{target.name} is being checked or restored elsewhere just now; restore again once "
        "that has finished."
    )


def _busy_error(target: Path) -> BackupError:
    return _NothingReplaced(
        f"{target.name} is busy: another window or command is saving to it. Close "
        "casereview everywhere it is open on this database, then restore again."
    )


def _copy_over(
    source: Path, source_key: Passphrase | None, target: Path, target_key: Passphrase | None
) -> None:
    """Copy the backup ``source`` over ``target`` and check it; the caller holds the audit
    note's lock.

    The restored trail is older than the one noted, on purpose: the note starts again from
    it, in a new epoch. It is blanked first, so a restore killed part way leaves no note the
    restored trail lacks, and put back as it was if nothing was copied.
    """
    note = audit_anchor.saved(target)
    try:
        audit_anchor.blank(target)
    except OSError as exc:
        _log.warning("audit note not blanked before a restore: %s", cause(exc))
    copied = False
    try:
        with (
            closing(cipher.connect(readonly_uri(source), source_key, file=source, uri=True)) as src,
            closing(
                cipher.connect(target, target_key, salt=cipher.salt_of(source), timeout=WRITE_WAIT)
            ) as dst,
        ):
            # One step: all of it, or (rolled back) none. While a window is part way
            # through saving, the step is refused and retried; give up after WRITE_WAIT.
            src.backup(dst, progress=_give_up_after(WRITE_WAIT), sleep=0.05)
            copied = True
            verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
            dst.execute("PRAGMA journal_mode = WAL")
            head = _newest_entry(dst)
    except _StillBusy as exc:
        audit_anchor.put_back(target, note)
        raise _busy_error(target) from exc
    except cipher.errors() as exc:
        if copied:  # pragma: no cover - needs a failing disk between two statements
            audit_anchor.start_again(target, None, None)  # what it holds is not known
            raise BackupError(
                f"{target.name} was restored, but could not then be checked ({exc}): run "
                "casereview check on it."
            ) from exc
        audit_anchor.put_back(target, note)
        if "locked" in str(exc) or "busy" in str(exc):
            raise _busy_error(target) from exc
        raise _NothingReplaced(f"{target.name} could not be restored ({exc}).") from exc
    if verdict != "ok":  # pragma: no cover - the backup was checked just before
        audit_anchor.start_again(target, None, None)
        raise BackupError(f"The restored database failed its check ({verdict}).")
    audit_anchor.start_again(target, head, audit_anchor.secret(target, target_key))


def _newest_entry(conn: Any) -> tuple[int, str] | None:
    """The audit trail's newest entry (id, hash); None when it has none, or when the schema
    is older than the hash chain (the upgrade on opening chains it)."""
    try:
        row = conn.execute(audit_anchor.LOOKUP, (None,)).fetchone()
    except cipher.errors():  # no chain before its migration, as the docstring says: no log
        return None
    return None if row is None or row[1] is None else (int(row[0]), str(row[1]))


def _refuse_change_of_form(
    source: Path, target: Path, source_key: Passphrase | None, target_key: Passphrase | None
) -> None:
    """A restore keeps the database's form: an encrypted database is never replaced by a
    plain copy (which would leave its data unencrypted), nor a plain one by an encrypted
    copy (which SQLite cannot copy page by page into it)."""
    if target_key is not None and source_key is None:
        raise BackupError(
            f"{source.name} is not encrypted but {target.name} is, and restoring it would "
            f"leave the data unencrypted: encrypt the backup first (casereview encrypt --db "
            f"{source}), then restore it."
        )
    if source_key is not None and target_key is None:
        raise BackupError(
            f"{source.name} is encrypted but {target.name} is not: encrypt the database "
            f"first (casereview encrypt --db {target}), then restore the backup."
        )


def _check_backup(source: Path, passphrase: Passphrase | None = None) -> None:
    """Refuse, saying why, a file that is not a sound casereview database this version knows."""
    if source.exists() and not source.is_file() and not source.is_dir():
        # Opened, a named pipe waits for a writer for ever (found by the command line's sweep).
        raise BackupError(f"{source} is not a file (a pipe or a device), so it is no backup.")
    try:
        magic = read_start(source)
    except FileNotFoundError as exc:
        raise BackupError(f"There is no file {source}.") from exc
    except IsADirectoryError as exc:
        raise BackupError(f"{source} is a folder, not a backup file.") from exc
    except OSError as exc:
        raise BackupError(f"{source} cannot be read ({exc.strerror or exc}).") from exc
    key = None
    if magic != SQLITE_MAGIC:
        if not cipher.is_encrypted(source):
            raise BackupError(f"{source.name} is not a casereview backup (not an SQLite database).")
        if passphrase is None:
            raise BackupError(
                f"{source.name} is encrypted (or it is not a casereview backup): give its "
                "passphrase when asked, or on standard input with --passphrase-stdin."
            )
        key = passphrase
    try:
        with closing(cipher.connect(readonly_uri(source), key, file=source, uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{source.name} is damaged ({verdict}); it was not restored.")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except PassphraseError as exc:
        raise BackupError(
            exc.message.replace("nothing was changed", "it was not restored")
        ) from exc
    except cipher.errors() as exc:
        if "no such table" in str(exc):
            raise BackupError(
                f"{source.name} is an SQLite file but not a casereview backup."
            ) from exc
        raise BackupError(f"{source.name} is damaged ({exc}); it was not restored.") from exc
    if revision is None or revision[0] not in REVISIONS:
        raise BackupError(
            f"{source.name} was made by a newer version of casereview; restore it with that "
            "version."
        )


@dataclass(frozen=True)
class KeptCopy:
    """A copy in ``backups_folder``: casereview's own, or a damaged file moved aside."""

    path: Path
    reason: str  # a key of REASONS, or "damaged"
    taken: dt.datetime

    @property
    def described(self) -> str:
        return REASONS.get(self.reason, "damaged file, moved aside")


def kept_copies(database: Path) -> list[KeptCopy]:
    """The copies beside ``database``, newest first; files of other names are left out."""
    folder = backups_folder(database)
    found: list[KeptCopy] = []
    try:
        names = [p for p in folder.iterdir() if p.is_file()]
    except FileNotFoundError:
        return []  # no copy made yet
    except OSError as exc:
        _log.warning("backups folder not listed: %s", cause(exc))
        return []
    for path in names:
        parts = path.name[len(database.stem) + 1 :].removesuffix(database.suffix).split(".")
        if not path.name.startswith(f"{database.stem}.") or len(parts) != 2:
            continue
        reason, stamp = parts
        if reason not in REASONS and reason != "damaged":
            continue
        try:
            taken = dt.datetime.strptime(stamp, STAMP)
        except ValueError:  # another file in the folder, named like a copy: not ours, no log
            continue
        found.append(KeptCopy(path, reason, taken))
    return sorted(found, key=lambda c: (c.taken, _mtime(c.path)), reverse=True)


def automatic_backup(
    location: Location,
    reason: str,
    *,
    thin: bool = True,
    cancel: threading.Event | None = None,
) -> Path | None:
    """Keep a copy of an SQLite database beside it, unless its newest copy is still current.

    Taken as ``back_up`` takes any backup (whole or not at all), then (unless not ``thin``:
    a caller that may yet throw the new copy away thins them itself once it keeps it) old
    copies are thinned to the newest ``KEEP_RECENT``, one a day for ``KEEP_DAYS`` days and
    one a week for ``KEEP_WEEKS`` weeks. ``cancel`` abandons it as ``back_up`` says. Returns
    the new copy, or None when none was needed: a
    server database (its server keeps its own backups), a database not yet made or empty, or one
    unchanged since its newest copy.
    """
    assert reason in REASONS, reason
    path = location.path
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return None
    copies = [c for c in kept_copies(path) if c.reason != "damaged"]
    key = _key(location)
    if copies and not _changed_since(path, copies[0].path, key):
        return None
    target = _kept_name(path, reason)
    if target.exists():  # a second copy within the same second: the first one stands
        return None
    back_up(location, target, cancel)
    if thin:
        prune(path)
    return target


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (pruned by another window)
        return 0.0


def _changed_since(database: Path, copy: Path, key: Passphrase | None) -> bool:
    """Whether the database's content differs from the copy's.

    Every change writes an entry to the audit trail, so the same number of entries ending in
    the same hash is the same content (opening a database touches its files without changing
    it, so their times cannot say). A file without the chain is compared by time.
    """
    here = _fingerprint(database, key)
    there = _fingerprint(copy, cipher.key_for(copy, key))
    if here is not None and there is not None:
        return here != there
    written = max(
        (_mtime(p) for p in (database, Path(f"{database}-wal")) if p.exists()), default=0.0
    )
    return written >= _mtime(copy)


def _fingerprint(database: Path, key: Passphrase | None) -> tuple[int, str] | None:
    try:
        with closing(cipher.connect(readonly_uri(database), key, file=database, uri=True)) as conn:
            count, head = conn.execute(
                "SELECT count(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) "
                "FROM audit_log"
            ).fetchone()
    except PassphraseError as exc:
        _log.info("a copy compared by time, not content: %s", cause(exc))
        return None
    except cipher.errors() as exc:
        _log.info("a copy compared by time, not content: %s", cause(exc))
        return None
    return (int(count), str(head)) if head else None


def prune(database: Path, now: dt.datetime | None = None) -> list[Path]:
    """Delete the automatic copies the retention rules no longer keep; returns them.

    Damaged files moved aside and copies kept before a restore are never deleted.
    """
    now = now or dt.datetime.now()
    _clear_leftovers(backups_folder(database), now)
    # A damaged file waits for a person; a copy kept before a restore holds the only copy of
    # what the restore replaced (the user was told where it is): neither is thinned.
    copies = [c for c in kept_copies(database) if c.reason not in ("damaged", "before-restore")]
    keep = {c.path for c in copies[:KEEP_RECENT]}
    days: set[dt.date] = set()
    weeks: set[tuple[int, int]] = set()
    for copy in copies:  # newest first: the first seen of each day or week is kept
        age = now - copy.taken
        day = copy.taken.date()
        iso = copy.taken.isocalendar()
        week = (iso.year, iso.week)
        if age <= dt.timedelta(days=KEEP_DAYS) and day not in days:
            days.add(day)
            keep.add(copy.path)
        elif age <= dt.timedelta(weeks=KEEP_WEEKS) and week not in weeks:
            weeks.add(week)
            keep.add(copy.path)
    removed = []
    for copy in copies:
        if copy.path not in keep:
            try:
                copy.path.unlink()
            except OSError as exc:
                _log.warning("an old copy not pruned: %s", cause(exc))
            else:
                removed.append(copy.path)
    return removed


def _clear_leftovers(folder: Path, now: dt.datetime) -> None:
    """Delete half-written copies (``.*.part``) a killed program left more than a day ago."""
    with suppress(OSError):  # tidying only: a leftover stays for the next try, no log
        for part in folder.glob(".*.part"):
            if now.timestamp() - _mtime(part) > 86_400:
                with suppress(OSError):  # as above: tidying only
                    part.unlink()
