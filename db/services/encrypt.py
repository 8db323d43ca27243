"""``casereview encrypt``: turn a plain SQLite database into an encrypted one, in place.

Why it works this way: docs/architecture.md, "Encrypting a database in place".
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from db.core.errors import CaseReviewError
from db.store import audit_anchor, cipher
from db.store.atomic import replacing
from db.store.backups import BackupError, database_file, kept_copies
from db.store.cipher import Passphrase
from db.store.database import refuse_read_only, schema_revision
from db.store.location import Location
from db.store.logs import cause

STOP_EVERY = 10_000  # SQLite virtual machine steps between asking ``stop``
_log = logging.getLogger(__name__)


class EncryptError(CaseReviewError):
    """The database could not be encrypted; it was left as it was."""


@dataclass
class Encrypted:
    """What ``encrypt`` did: the database (``already`` encrypted when an earlier run was
    interrupted and this one finished its copies), the kept copies it encrypted, and the files
    it could not (damaged files moved aside earlier), which still hold plaintext."""

    database: Path
    already: bool = False
    copies: list[Path] = field(default_factory=list)
    left_plain: list[Path] = field(default_factory=list)


def encrypt(
    location: Location, passphrase: Passphrase, stop: Callable[[], bool] | None = None
) -> Encrypted:
    """Encrypt the plain SQLite database at ``location`` and its kept copies with
    ``passphrase``; raises ``EncryptError`` (nothing changed) when it cannot.

    ``stop`` is asked now and then while the database is exported: once it says True the
    export is interrupted and ``EncryptError`` raised, nothing changed (the window's Cancel).
    Once the encrypted file is in place the copies are encrypted whatever it says.

    A database already encrypted with ``passphrase`` has its copies that are still plain
    encrypted: running ``encrypt`` again finishes one that was interrupted."""
    path = database_file(location)
    if not path.exists() or path.stat().st_size == 0:
        raise EncryptError(f"There is no database at {path} to encrypt.")
    # Before SQLite opens it: a read-only file (or folder) left read-only -wal and -shm files
    # that then stopped every command, after the permission was put right (a trial's find).
    refuse_read_only(path)
    if cipher.is_encrypted(path):
        return _finish(location, passphrase)
    schema_revision(location.with_passphrase(None))  # a sound casereview database, or refused
    _encrypt_file(path, passphrase, exclusive=True, stop=stop)
    _seal_note(path, passphrase)
    return replace(encrypt_copies(path, passphrase), already=False)


def _seal_note(path: Path, passphrase: Passphrase) -> None:
    """The audit note beside the encrypted database no longer shows the trail's hash."""
    key = audit_anchor.secret(path, passphrase)
    if key is not None:
        audit_anchor.reseal(path, key)


def plain_copies(path: Path) -> list[Path]:
    """The copies kept beside the database at ``path`` that are not encrypted."""
    return [copy.path for copy in kept_copies(path) if not cipher.is_encrypted(copy.path)]


def _finish(location: Location, passphrase: Passphrase) -> Encrypted:
    """An encrypted database whose kept copies are not all encrypted yet (an earlier
    ``encrypt`` was interrupted after the rename): encrypt those copies with the database's
    own passphrase. Raises ``PassphraseError`` when ``passphrase`` does not open it."""
    path = database_file(location)
    schema_revision(location.with_passphrase(passphrase))  # the right passphrase, or refused
    _seal_note(path, passphrase)  # if it was interrupted before it sealed the note
    if not plain_copies(path):
        raise EncryptError(
            f"{path.name} is already encrypted, and so is every copy kept beside it."
        )
    return encrypt_copies(path, passphrase)


def encrypt_copies(path: Path, passphrase: Passphrase) -> Encrypted:
    """Encrypt the plain copies kept beside the encrypted database at ``path`` with its
    ``passphrase`` (which the caller has seen open it)."""
    result = Encrypted(path, already=True)
    for copy in plain_copies(path):
        try:
            _encrypt_file(copy, passphrase, exclusive=False)
        except EncryptError as exc:  # listed for the user in the outcome
            _log.warning("a kept copy left unencrypted: %s", cause(exc))
            result.left_plain.append(copy)
        else:
            result.copies.append(copy)
    return result


def _encrypt_file(
    path: Path,
    passphrase: Passphrase,
    *,
    exclusive: bool,
    stop: Callable[[], bool] | None = None,
) -> None:
    """Export ``path`` into an encrypted file beside it, check it, and rename it into place.

    With ``exclusive`` (the database itself), no other connection may have the file open, and
    none can take it until the rename: the copy is then exactly the file it replaces.
    """
    module = cipher._cipher_module()
    source: Any = None
    try:
        if exclusive:
            # First with the standard library's SQLite, which this process's own connections
            # use: SQLCipher's separate copy of SQLite cannot see their locks.
            with closing(sqlite3.connect(path, timeout=2, isolation_level=None)) as plain:
                _leave_wal(plain, path)
        source = module.connect(str(path), timeout=2, isolation_level=None)
        source.execute("PRAGMA cipher_log_level = NONE")
        if stop is not None:  # SQLite asks every so many steps; True interrupts the statement
            source.set_progress_handler(lambda: 1 if stop() else 0, STOP_EVERY)
        if exclusive:
            _leave_wal(source, path)
        # Renamed over the original while it is still locked (on Windows, just after).
        with replacing(path) as temp:
            _export(source, path, temp, passphrase, exclusive=exclusive)
            if os.name == "nt":  # pragma: no cover - Windows cannot rename over an open file
                # Synced first, so the unlocked moment is the rename alone; and a program
                # that has the file open by then makes the rename fail (SQLite does not let
                # others delete its open files there), which changes nothing.
                with temp.open("rb+") as handle:
                    os.fsync(handle.fileno())
                source.close()
                source = None
    except cipher.errors() as exc:
        raise EncryptError(
            f"{path.name} could not be encrypted ({exc}); nothing was changed."
        ) from exc
    except OSError as exc:
        raise EncryptError(
            f"{path.name} could not be encrypted ({exc.strerror or exc}); nothing was changed."
        ) from exc
    finally:
        if source is not None:
            try:
                source.close()
            except Exception as exc:  # the outcome above stands; the log has the close's
                _log.warning("database not closed after encrypting: %s", cause(exc))


def _export(
    source: Any, path: Path, temp: Path, passphrase: Passphrase, *, exclusive: bool
) -> None:
    """Fill ``temp`` with ``path``'s content, encrypted, and check it is the same."""
    source.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(temp), passphrase.reveal()))
    source.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN")
    if exclusive:
        _still_alone(source, path)
    counts = _counts(source)
    source.execute("SELECT sqlcipher_export('encrypted')")
    source.execute("COMMIT")  # writes the copy; the original is only read
    source.execute("DETACH DATABASE encrypted")
    if exclusive:
        # Locked again until the rename; unchanged since the export, or refused.
        source.execute("BEGIN EXCLUSIVE")
        _still_alone(source, path)
        if _counts(source) != counts:
            raise EncryptError(
                f"{path.name} changed while it was being encrypted; nothing was changed: "
                "close casereview everywhere and encrypt it again."
            )
    with closing(cipher.connect(temp, passphrase)) as copy:
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok" or _counts(copy) != counts:
            raise EncryptError(
                f"The encrypted copy of {path.name} did not match it; nothing was changed."
            )


def _leave_wal(source: Any, path: Path) -> None:
    """Refuse a database another connection has open: leaving write-ahead logging (which
    folds the log into the file, so one file holds everything) needs every other one closed."""
    busy = EncryptError(
        f"{path.name} is open in casereview or another program; close it everywhere, then "
        "encrypt it."
    )
    try:
        mode = source.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except cipher.errors() as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise busy from exc
        raise
    if str(mode).lower() != "delete":
        raise busy


def _still_alone(source: Any, path: Path) -> None:
    """Refuse if another casereview opened the file between leaving write-ahead logging and
    taking the lock (opening turns it back on, and then the lock would not keep it out)."""
    if str(source.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "delete":
        raise EncryptError(
            f"{path.name} was opened in casereview or another program meanwhile; close it "
            "everywhere, then encrypt it."
        )


def _counts(conn: Any) -> dict[str, Any]:
    """Rows in every table, and the audit trail's head: what an exact copy keeps."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    counts: dict[str, Any] = {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables
    }
    if "audit_log" in tables:
        counts["audit head"] = conn.execute(
            "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return counts


__all__ = ["BackupError", "EncryptError", "Encrypted", "encrypt", "encrypt_copies", "plain_copies"]
