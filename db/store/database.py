"""How a database is opened.

Where it lives (``--db``, ``CASEREVIEW_DB`` or the per-user default) is ``db.store.location``'s;
the refusal of a damaged file, offering a backup, is ``db.store.backups``'s. SQLite runs with
foreign keys on, WAL and synchronous FULL, and with real transactions around DDL so a
migration is all or nothing.
No engine is created at import time: callers open a ``Database`` and own its transactions.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from db.core.errors import CaseReviewError, ConflictError, DatabaseOpenError, UnwritableError
from db.store import audit, audit_anchor, cipher, search  # noqa: F401  (search registers its session hook)
from db.store.backups import automatic_backup, damaged_error
from db.store.cipher import Passphrase
from db.store.location import Location
from db.store.logs import cause
from db.store.migrations import HEAD, REVISIONS, SCRIPT_LOCATION
from db.store.paths import (
    SQLITE_MAGIC,
    file_identity,
    is_damage,
    is_full_disk,
    network_share,
    read_start,
    readonly_uri,
    sqlite_temporary_folder,
)
from db.store.quick_check import QuickCheck, findings

CONFLICT = (
    "Someone else changed this record while you were changing it, so your change was not "
    "saved; the window now shows the record as it is: make your change again if it is still "
    "needed."
)

_log = logging.getLogger(__name__)

_AUDIT_HEAD = "audit head to note"  # keys of Session.info
_NOTE_SEEN = "audit note when the transaction began"
_FILE = "file opened"  # a key of a connection's info: which file it opened (_identity)
_DEFERRED = "casereview_deferred"  # an execution option: begin without the write lock
BUSY_TIMEOUT = 10  # seconds an SQLite connection waits for another process's write lock


class Database:
    """An open, migrated database: an engine and the sessions made from it."""

    def __init__(self, location: Location, engine: Engine, check: QuickCheck | None = None) -> None:
        self.location = location
        self.engine = engine
        # The whole-file check still running when the database was opened: reading goes
        # ahead, writing waits for its verdict (``sound``).
        self.check = check
        # Whether opening it brought it up to this version's schema (written, backed up
        # first): a command that promises to write nothing says so (``merge --dry-run``).
        self.upgraded = False
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        # Sessions that only read begin deferred (SQLite): they never wait for a writer.
        self._reader = engine.execution_options(**{_DEFERRED: True})
        if location.is_sqlite and location.path is not None:
            for name, handler in (
                ("after_begin", Database._read_audit_note),
                ("before_commit", Database._find_audit_head),
                ("after_commit", Database._note_audit_head),
                ("after_transaction_end", Database._drop_audit_head),
            ):
                event.listen(self._sessions, name, _weakly(self, handler))

    # The trail's newest entry is noted outside the file after each commit
    # (``db.store.audit_anchor``), unless the trail no longer holds the entry noted before: that
    # note is evidence for ``casereview check`` and is kept. The commit happens whatever befalls the
    # note.

    @functools.cached_property
    def _note_key(self) -> bytes | None:
        assert self.location.path is not None
        return audit_anchor.secret(self.location.path, self.location.key)

    def _read_audit_note(self, session: Session, transaction: Any, _connection: Any) -> None:
        """As a transaction begins, before it reads anything (SQLite fixes what it sees at
        its first read): the note then, so a trail seen from before a restore is never
        noted over the restored one."""
        if transaction.parent is not None:
            return  # a savepoint: the transaction it is in began already
        assert self.location.path is not None
        session.info[_NOTE_SEEN] = audit_anchor.saved(self.location.path)

    def _find_audit_head(self, session: Session) -> None:
        """Before committing, on the transaction's own connection (which on SQLite holds the
        write lock once it has written): the head to note, if the note may move on to it."""
        if session.in_nested_transaction():
            return  # a savepoint released: nothing is committed yet
        session.flush()  # what the commit would flush, so its entries are counted
        if _NOTE_SEEN not in session.info:
            return  # nothing was read or written
        seen = session.info.pop(_NOTE_SEEN)
        assert self.location.path is not None
        try:
            connection = session.connection()
            if connection.info.get(_FILE) != file_identity(self.location.path):
                return  # another file is at the path now: this one's trail is not its
            noted = audit_anchor.parse(seen)
            last = connection.exec_driver_sql(
                audit_anchor.LOOKUP, (noted.id if noted else None,)
            ).first()
            if last is None or last[1] is None:
                return
            key = self._note_key
            if noted is not None and (
                (
                    noted.id == last[0] and audit_anchor.matches_note(noted, last[1], key)
                )  # not moved on
                or not audit_anchor.matches_note(noted, last[2], key)  # evidence: kept as it is
            ):
                return
            session.info[_AUDIT_HEAD] = (
                int(last[0]),
                str(last[1]),
                key,
                audit_anchor.epoch_of(seen),
            )
        except Exception as exc:  # nothing about the note may stop the commit
            _log.warning("audit note not checked before a commit: %s", cause(exc))
            return  # the next commit looks again

    def _note_audit_head(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: nothing is committed yet
        head = session.info.pop(_AUDIT_HEAD, None)
        if head is not None:
            assert self.location.path is not None
            try:
                audit_anchor.advance(self.location.path, *head)
            except Exception as exc:  # committed already; the next commit notes it again
                _log.warning("audit note not moved on after a commit: %s", cause(exc))

    def _drop_audit_head(self, session: Session, transaction: Any) -> None:
        """As a transaction ends (committed, rolled back or closed), nothing it read or
        found is left for the next; a savepoint's end leaves the transaction it is in."""
        if transaction.parent is None:
            session.info.pop(_AUDIT_HEAD, None)
            session.info.pop(_NOTE_SEEN, None)

    def session(self, actor: str | None = None) -> Session:
        """A new session for reading; the caller owns it and its transactions. On SQLite its
        transactions begin deferred, so reading never waits for another process writing;
        anything meant to be committed goes through ``transaction``."""
        return self._session(actor, self._reader)

    def snapshot(self) -> Session:
        """A new session for reading whose every query sees the database as it was at its
        first: SQLite's deferred transaction does so already; on PostgreSQL, whose default
        gives each statement a snapshot of its own, its transaction is a repeatable read.
        For work that reads the same rows twice or several tables that must agree."""
        session = self.session()
        if self.engine.dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return session

    def _session(self, actor: str | None, bind: Engine) -> Session:
        session = self._sessions(bind=bind)
        audit.set_actor(session, actor or audit.default_actor())
        return session

    def sound(self) -> None:
        """Wait for the verdict of the whole-file check, if it was still running when the
        database opened; raise the refusal of a damaged file (the same sentence as on
        opening), every time it is asked, so nothing is ever written to it."""
        check = self.check
        if check is not None:
            _judge(check.path, check, check.key)
            self.check = None  # sound: nothing more to wait for

    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises. On
        SQLite it takes the write lock as it begins (``BEGIN IMMEDIATE``), waiting up to the
        busy timeout for another writer to finish. A row another writer changed between this
        one's read and its write is a ``ConflictError``, not the ORM's own exception; a
        database still busy after the wait, on a full disk or read-only is an
        ``UnwritableError`` (``unwritable``), so the command line and the window say it in the
        same sentence. Nothing begins before the file is known to be sound (``sound``)."""
        self.sound()
        try:
            with self._session(actor, self.engine) as session, session.begin():
                yield session
        except StaleDataError as exc:
            raise ConflictError(CONFLICT) from exc
        except DBAPIError as exc:
            folder = self.location.path.parent if self.location.path is not None else None
            refused = unwritable(exc, folder)
            if refused is None:
                raise
            raise refused from exc

    @contextmanager
    def change(self, actor: str | None = None) -> Iterator[Session]:
        """A ``transaction`` for one change a person asked for: a refusal by the database
        that the checks did not foresee is said in one sentence, so the window never has to
        know SQLAlchemy's exceptions; nothing was saved."""
        try:
            with self.transaction(actor) as session:
                yield session
        except SQLAlchemyError as exc:
            raise CaseReviewError(
                f"The change was not saved: the database refused it ({first_line(exc)})."
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _weakly(database: Database, handler: Callable[..., None]) -> Callable[..., None]:
    """``handler`` of ``database`` as a session event listener that does not keep the
    database alive. SQLAlchemy keeps a sessionmaker's listeners in a weak-keyed dictionary
    of its session class, whose values (the listeners) the class cannot outlive: a bound
    method there held the Database, its sessionmaker and so the class for ever, with its
    engine and compiled statements (about 4 MB a database; 4.5 GB over the test suite), and
    every later session ran every closed database's listeners."""
    ref = weakref.ref(database)

    def listener(*args: Any) -> None:
        alive = ref()
        if alive is not None:
            handler(alive, *args)

    return listener


def _make_engine(location: Location) -> Engine:
    key = location.key
    if location.is_sqlite and key is not None and location.path is not None:
        path = location.path

        def connect() -> Any:
            return cipher.connect(path, key, timeout=BUSY_TIMEOUT, check_same_thread=False)

        engine = create_engine(location.url, creator=connect, module=cipher._cipher_module())
        _configure_sqlite(engine, path)
        return engine
    if location.is_sqlite:
        engine = create_engine(location.url, connect_args={"timeout": BUSY_TIMEOUT})
        _configure_sqlite(engine, location.path)
        return engine
    return create_engine(location.url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


# Each SQLite connection's page cache, in KB (SQLite's default is 2,000; SQLCipher's 8,000).
# The window keeps two pooled connections and more over a session: at 100,000 items their
# caches, filled by the tabs' and the Overview's reading, took it past 150 MB (issue 26); at
# 512 KB a user moving quickly through every tab ended 4.5 MB lower, with the search, a
# 100,000-item import and an encrypted database's pages measured no slower (the file's pages
# stay in the system's own cache; docs/performance.md, "Moving on before the similar
# learning is shown", which also gives one run's edits a third slower, 1.5 ms each).
PAGE_CACHE_KB = 512


def _configure_sqlite(engine: Engine, path: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        if path is not None:  # which file this connection opened (the audit note asks)
            record.info[_FILE] = file_identity(path)
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so DDL
        # is transactional too (SQLAlchemy's documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KB}")
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT * 1000}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred BEGIN that later writes cannot wait for another writer: SQLite refuses
        # it at once ("database is locked"), as its snapshot may be stale. So everything
        # that may write takes the write lock as it begins, waiting up to the busy timeout;
        # only sessions that read (Database.session) begin deferred.
        deferred = connection.get_execution_options().get(_DEFERRED, False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _sqlite_preflight(
    path: Path,
    create: bool,
    passphrase: Passphrase | None = None,
    *,
    check: bool = True,
    made: list[Path] | None = None,
) -> str | None:
    """Look at an SQLite file read-only before opening it for real.

    Returns the schema revision (None for a new or empty file). Refuses, without writing a
    byte, a missing file (unless ``create``), a file that is not SQLite, an SQLite file of
    another program, a database from a newer casereview, an encrypted database without
    the passphrase that opens it, and (if ``check``: else a ``QuickCheck`` does it beside)
    a damaged file. ``made`` is given each folder, then the file, this call made, in order.
    """
    share = network_share(path)
    if share is not None:
        raise DatabaseOpenError(
            f"{path} is on a network share ({share}), where two computers writing to one "
            "SQLite file can damage it; for a database the panel shares, use a PostgreSQL "
            "server (--db postgresql://...), or copy the file to this computer to work alone."
        )
    if path.is_symlink() and not path.exists():
        # Made "new" through it, the database would land wherever the link points, and a
        # failure would then remove the link itself.
        raise DatabaseOpenError(
            f"{path} is a symbolic link to a file that does not exist; nothing was changed."
        )
    if not path.exists():
        if not create:
            raise DatabaseOpenError(f"There is no database at {path}.")
        _make_folders(path, made)
        try:
            # Readable by its owner only; SQLite gives its -wal and -shm files the same mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            # Made meanwhile by another process, or reached once a folder was made ("new/.."
            # names the folder above "new" only once "new" is there): read as it is, below.
            pass
        except OSError as exc:
            raise DatabaseOpenError(f"Cannot create {path}: {exc.strerror or exc}.") from exc
        else:
            if made is not None:
                made.append(path)
            return None
    if path.is_dir():
        raise DatabaseOpenError(f"{path} is a folder, not a database file.")
    if not path.is_file():  # not opened at all: reading a pipe would wait for ever
        raise DatabaseOpenError(
            f"{path} is not an ordinary file (a device, a pipe or a socket), so it cannot be "
            "a database."
        )
    try:
        header = read_start(path)  # a descriptor closed would drop this process's locks
    except OSError as exc:
        raise DatabaseOpenError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not header:
        return None
    key = None
    if header != SQLITE_MAGIC:
        if not cipher.is_encrypted(path):
            raise DatabaseOpenError(
                f"{path} is not a casereview database (it is not an SQLite file)."
            )
        if passphrase is None:
            raise cipher.needs_passphrase_error(path)
        key = passphrase
    try:
        with closing(cipher.connect(readonly_uri(path), key, file=path, uri=True)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not tables:
                return None
            if "alembic_version" not in tables:
                raise DatabaseOpenError(
                    f"{path} is an SQLite database of another program, not a casereview database."
                )
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            # Nothing is written to a damaged file: SQLite's quick check comes before any use.
            found = findings(conn) if check else ["ok"]
    except cipher.errors() as exc:
        raise _unreadable(path, exc, key) from exc
    _judge(path, found, key)
    revision = row[0] if row else None
    _refuse_newer(str(path), revision)
    return revision


def _judge(path: Path, found: list[str] | QuickCheck, key: Passphrase | None) -> None:
    """Refuse the file at ``path`` as damaged (``db.store.backups.damaged_error``), or as not
    readable just now, unless SQLite's quick check (its findings, or one running) says it is
    sound."""
    if isinstance(found, QuickCheck):
        try:
            found = found.outcome()
        except cipher.errors() as exc:
            raise _unreadable(path, exc, key) from exc
    if found != ["ok"]:
        lines = [line for f in found for line in f.splitlines() if not line.startswith("***")]
        raise damaged_error(path, "; ".join(lines[:2]) or "damage", key)


def _unreadable(path: Path, exc: Exception, key: Passphrase | None) -> CaseReviewError:
    if is_damage(exc):
        return damaged_error(path, str(exc), key)
    return DatabaseOpenError(f"{path} cannot be read just now ({exc}).")


def refuse_read_only(path: Path) -> None:
    """Refuse, before SQLite opens it, a database file or folder this user cannot write:
    SQLite would open it read-only and leave read-only -wal and -shm files beside it, which
    then stop the next writer, even one allowed to write."""
    folder = path.parent
    if not os.access(path, os.W_OK):
        raise DatabaseOpenError(
            f"{path} is read-only to you, so casereview cannot work on it; nothing was changed."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseOpenError(
            f"The folder {folder} is read-only to you, and casereview keeps files beside "
            f"{path.name} as it works on it; nothing was changed."
        )


def _refuse_newer(where: str, revision: str | None) -> None:
    if revision is not None and revision not in REVISIONS:
        raise DatabaseOpenError(
            f"{where} was written by a newer version of casereview (schema {revision}); "
            f"this version understands schemas up to {HEAD}. Install the newer version to open it."
        )


NOTHING_CHANGED = "nothing was changed"
ROOM_TO_WORK = 1_000_000  # bytes: with less left, an I/O error of SQLite's is a full disk
DISK_FULL = f"The disk is full; {NOTHING_CHANGED}. Free some space and try again."


def disk_full(folder: Path | None = None) -> str:
    """``DISK_FULL``; or, when the disk short of space is the temporary folder's, where SQLite
    sorts and copies on a large read (``sqlite_temporary_folder``), while the database's
    ``folder`` (when known) has room, a sentence naming that folder: a user told only that
    "the disk is full" looks at the database's disk, which has room."""
    temporary = sqlite_temporary_folder()
    try:
        short = shutil.disk_usage(temporary).free < ROOM_TO_WORK
        if short and folder is not None:
            short = shutil.disk_usage(folder).free >= ROOM_TO_WORK
    except OSError:  # a folder gone meanwhile: not known to be the one
        return DISK_FULL
    if not short:
        return DISK_FULL
    return (
        f"The temporary folder {temporary}, where SQLite works on large reads, is full; "
        f"{NOTHING_CHANGED}. Free some space there and try again."
    )


def unwritable(exc: DBAPIError, folder: Path | None = None) -> UnwritableError | None:
    """One sentence for a database that cannot take a change just now (another writer holds
    it past the busy timeout, its disk is full, it is read-only to this user), never the
    statement or its parameters, which may hold record text; None for any other refusal.
    An SQLite file's ``folder``, when known, tells a full disk that SQLite only calls an I/O
    error (the -shm file it maps could not grow)."""
    if folder is not None and is_full_disk(exc.orig or exc, folder, needed=ROOM_TO_WORK):
        return UnwritableError(disk_full(folder))
    said = first_line(exc).lower()
    if "locked" in said or "busy" in said:
        return UnwritableError(
            # Any program may hold it: another casereview, or a tool of the user's own.
            f"The database is busy: another program has been writing to it for over "
            f"{BUSY_TIMEOUT} seconds; {NOTHING_CHANGED}. Try again when it has finished."
        )
    if "disk is full" in said or "no space" in said:
        return UnwritableError(disk_full(folder))
    if "readonly" in said or "read-only" in said or "unable to open" in said:
        return UnwritableError(
            "The database cannot be written (the file or its folder is read-only to you); "
            f"{NOTHING_CHANGED}."
        )
    return None


def first_line(exc: BaseException) -> str:
    """What the database driver said, without the statement or its parameters (which may
    hold record text): the first line of the driver's own message."""
    orig = getattr(exc, "orig", None)
    said = str(orig if orig is not None else exc).strip()
    return said.splitlines()[0] if said else type(exc).__name__


def _server_revision(engine: Engine, location: Location) -> str | None:
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not names:
                return None
            if "alembic_version" not in names:
                raise DatabaseOpenError(
                    f"The database {location} holds tables of another program, "
                    "not a casereview database."
                )
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        raise DatabaseOpenError(
            f"Cannot connect to the database {location}: {first_line(exc)}"
        ) from exc
    _refuse_newer(location.display(), revision)
    return revision


def schema_revision(location: Location) -> str | None:
    """The database's schema revision, read without changing anything."""
    if location.is_sqlite and location.path is not None:
        return _sqlite_preflight(location.path, create=False, passphrase=location.passphrase)
    engine = _make_engine(location)
    try:
        return _server_revision(engine, location)
    finally:
        engine.dispose()


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to head with Alembic, in one transaction."""
    _migrate(engine, "upgrade", "head")


def downgrade_schema(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (for tests of upgrades and for recovery)."""
    _migrate(engine, "downgrade", revision)


# PostgreSQL advisory lock keys: held while the schema changes, and by a whole import.
_MIGRATION_LOCK, _IMPORT_LOCK = 0x63617365, 0x63617366


def one_at_a_time(session: Session) -> None:
    """Make the session's transaction wait for any other holding this lock (an import) to
    end, so two imports of the same records into one server database never both add them.
    On SQLite every writing transaction begins with the write lock, which does the same."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({_IMPORT_LOCK})"))


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    is_sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if is_sqlite:
            # Batch mode rebuilds tables; with foreign keys on, dropping the old copy of a
            # parent table would cascade into its children and delete them. Check the
            # references once at the end instead.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            if engine.dialect.name == "postgresql":
                # Two commands preparing one new database at once: the second waits here
                # until the first has committed, then finds the schema made. (On SQLite the
                # transaction's BEGIN IMMEDIATE does the same.)
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config.attributes["connection"] = conn
            getattr(command, direction)(config, revision)
            if is_sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    conn.rollback()
                    raise DatabaseOpenError(
                        "The database could not be migrated: the new schema found "
                        f"{len(broken)} broken references. Nothing was changed."
                    )
            conn.commit()
        finally:
            if is_sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def open_to_read_then_write(location: Location) -> Database:
    """Open ``location`` for work that reads the whole database before it writes (an
    export, recorded in the audit trail once its file is written): SQLite's check of a plain
    file runs in a thread of its own beside the reading, as the window's does, and the write
    waits for its verdict (``Database.sound``), so a damaged file is still never written to.
    An encrypted file or a server is opened as ``open_database`` opens it."""
    return open_database(location, check=check_beside(location))


def check_beside(location: Location) -> QuickCheck | None:
    """SQLite's check of ``location``'s file, started now in a thread of its own, for
    ``open_database(check=...)`` to wait on before any write; None for a server, a file not
    there or empty, or an encrypted file (checked as it opens, with its passphrase)."""
    path = location.path
    if not location.is_sqlite or path is None or location.passphrase is not None:
        return None
    try:
        if not path.is_file() or path.stat().st_size == 0 or cipher.is_encrypted(path):
            return None
    except OSError:  # opening it says why
        return None
    return QuickCheck(path).start()


def open_database(
    location: Location,
    *,
    create: bool = False,
    check: QuickCheck | None = None,
    made: list[Path] | None = None,
) -> Database:
    """Open a database, creating it if ``create`` and upgrading it to the current schema.

    A database from a newer casereview, or a file that is not a casereview database, is
    refused with a ``DatabaseOpenError`` before anything is written. So is a damaged file;
    or, given the ``check`` of its file already running, the database opens for reading at
    once and its writes wait for the check's verdict (``Database.sound``). ``made`` is given
    the folders and the file made for a new SQLite database, in order (for a caller that
    takes them away again if it then fails).
    """
    if check is not None and (check.path != location.path or not check.of_the_file_there()):
        check = None  # another file's
    if location.is_sqlite and location.path is not None:
        path = location.path
        revision = _sqlite_preflight(
            path, create, location.passphrase, check=check is None, made=made
        )
        if check is not None and (check.finished or revision != HEAD or not _in_wal_mode(path)):
            # Upgrading writes, and so does the engine's first connection to a file not yet
            # in WAL mode (a backup put in its place): both wait for the verdict. A verdict
            # in already is heard now, before anything reads the file.
            _judge(path, check, location.passphrase)
            check = None
        refuse_read_only(path)
        engine = _make_engine(location)
    else:
        engine = _make_engine(location)
        try:
            revision = _server_revision(engine, location)
        except BaseException:
            engine.dispose()
            raise
    if revision is not None and revision != HEAD and location.path is not None:
        automatic_backup(location, "before-upgrade")  # whole, or the upgrade does not start
    if revision is None and location.path is not None:
        audit_anchor.set_aside(location.path)  # a new database: what was noted was another's
    try:
        if revision != HEAD:
            upgrade_schema(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseOpenError(
            f"Cannot prepare the database {location}: {first_line(exc)}"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    database = Database(location, engine, check)
    database.upgraded = revision is not None and revision != HEAD
    return database


def _make_folders(path: Path, made: list[Path] | None) -> None:
    """The folders ``path`` needs, made one at a time from the top; each one this call made
    is added to ``made`` (one made meanwhile, or named through "..", is not)."""
    missing, at = [], path.parent
    while not at.exists() and at.parent != at:
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise DatabaseOpenError(
                f"Cannot create the folder for {path}: {exc.strerror or exc}."
            ) from exc
        if made is not None:
            made.append(folder)


def _in_wal_mode(path: Path) -> bool:
    """Whether the SQLite file at ``path`` is in WAL mode already (its header's read and write
    versions are 2), so that opening it changes nothing in it."""
    try:
        return read_start(path, 20)[18:20] == b"\x02\x02"
    except OSError:  # opening it says why; until then it is not known to be
        return False
