"""Encryption at rest: SQLite files encrypted with SQLCipher (through the sqlcipher3 package).

Why it works this way: docs/architecture.md, "Encryption at rest".
"""

from __future__ import annotations

import errno
import hashlib
import secrets
import sqlite3
import sys
from pathlib import Path
from typing import Any

from db.core.errors import DatabaseOpenError
from db.store.paths import SQLITE_MAGIC, read_start

# SQLCipher 4's key derivation (its documented defaults, which casereview never changes).
KDF_ROUNDS = 256_000
SALT_SIZE = 16
KEY_SIZE = 32
MINIMUM_LENGTH = 8  # characters in a new passphrase


class PassphraseError(DatabaseOpenError):
    """A passphrase is missing, wrong, or not acceptable for a new encrypted database;
    ``path`` is the encrypted file, when there is one."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


def _cipher_module() -> Any:
    try:
        from sqlcipher3 import dbapi2  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - a dependency of casereview
        raise DatabaseOpenError(
            f"Encrypted databases need the sqlcipher3 package, which is missing ({exc})."
        ) from exc
    return dbapi2


def scratch(path: Path) -> Any:
    """A new database at ``path`` for work an import sets aside on disk, encrypted with a key
    drawn now and kept nowhere: no other program can read it meanwhile, and what it held is
    unreadable once it is closed or left behind by a process killed outright (the data is
    OFFICIAL-SENSITIVE, and no plaintext of casereview's may reach a temporary file). The raw
    key skips the passphrase's derivation; temporary tables stay in memory, as for every
    keyed connection. Any thread may use it (the caller serialises its use)."""
    module = _cipher_module()
    conn = module.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\"")
        conn.execute("PRAGMA temp_store = MEMORY")
    except BaseException:
        conn.close()
        raise
    return conn


def errors() -> tuple[type[Exception], ...]:
    """The exception classes of every SQLite module casereview may have used: sqlite3's
    and, once an encrypted database was opened, SQLCipher's (an ``except`` clause for both)."""
    found: list[type[Exception]] = [sqlite3.Error]
    module = sys.modules.get("sqlcipher3.dbapi2")
    if module is not None:
        found.append(module.Error)
    return tuple(found)


class Passphrase:
    """A database passphrase; kept out of reprs, messages and logs.

    Derives the key for each salt it meets once, and remembers it while it lives.
    """

    __slots__ = ("_keys", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._keys: dict[bytes, bytes] = {}

    def __repr__(self) -> str:
        return "Passphrase(<hidden>)"

    def __bool__(self) -> bool:
        return bool(self._text)

    def matches(self, text: str) -> bool:
        return text == self._text

    def reveal(self) -> str:
        """The passphrase itself, for SQLCipher's ``ATTACH ... KEY`` and nothing else."""
        return self._text

    def key(self, salt: bytes) -> bytes:
        """The 32-byte key SQLCipher derives from this passphrase and ``salt``."""
        if salt not in self._keys:
            self._keys[salt] = hashlib.pbkdf2_hmac(
                "sha512", self._text.encode("utf-8"), salt, KDF_ROUNDS, KEY_SIZE
            )
        return self._keys[salt]

    def pragma(self, salt: bytes | None) -> str:
        """The value for ``PRAGMA key``: the raw key and salt when the salt is known (an
        existing file, or a copy keyed like its original), else the passphrase itself (a new
        file, whose salt SQLCipher draws)."""
        if salt is None:
            return "'" + self._text.replace("'", "''") + "'"
        return f"\"x'{self.key(salt).hex()}{salt.hex()}'\""


def check_new(text: str) -> Passphrase:
    """A passphrase for a database about to be encrypted, refused if it is too weak to help."""
    if len(text) < MINIMUM_LENGTH:
        raise PassphraseError(
            f"A passphrase needs at least {MINIMUM_LENGTH} characters; three or four unrelated "
            "words are easy to remember and hard to guess."
        )
    return Passphrase(text)


def header(path: Path) -> bytes:
    """The first 16 bytes of ``path`` (empty for an empty file); OSError when unreadable or
    not an ordinary file (a pipe or a device is never opened: reading one may wait for ever)."""
    if path.exists() and not path.is_file():
        raise OSError(errno.EINVAL, "not an ordinary file", str(path))
    return read_start(path)  # never by a descriptor closed later: see db.store.paths


def is_encrypted(path: Path) -> bool:
    """Whether ``path`` looks like an encrypted database: not a plain SQLite file, yet whole
    pages of one (SQLite's pages are multiples of 512 bytes), so that only a key can tell it
    from something else. A text file or a spreadsheet is not taken for one."""
    try:
        start = header(path)
        size = path.stat().st_size
    except OSError:  # opening it meets the same failure and says it: no log here
        return False
    return len(start) == SALT_SIZE and start != SQLITE_MAGIC and size % 512 == 0


def key_for(path: Path, passphrase: Passphrase | None) -> Passphrase | None:
    """The passphrase to open ``path`` with: none for a plain SQLite file, whatever was given
    for an encrypted one or for one not made yet (which is then made encrypted)."""
    try:
        start = header(path)
    except OSError:  # opening it meets the same failure and says it: no log here
        return passphrase
    return None if start == SQLITE_MAGIC else passphrase


def salt_of(path: Path) -> bytes | None:
    """The salt in an encrypted file's first bytes; None for a new or empty file."""
    try:
        start = header(path)
    except OSError:  # opening it meets the same failure and says it: no log here
        return None
    return start if len(start) == SALT_SIZE and start != SQLITE_MAGIC else None


def connect(
    target: str | Path,
    passphrase: Passphrase | None,
    *,
    file: Path | None = None,
    salt: bytes | None = None,
    uri: bool = False,
    timeout: float = 5.0,
    check_same_thread: bool = True,
) -> Any:
    """A DB-API connection to ``target`` (a path, or an SQLite URI with ``uri``).

    Without a passphrase, sqlite3's. With one, SQLCipher's, keyed before any read, its
    logging off (a wrong key is told by the exception, not by lines on stderr) and its
    temporary tables kept in memory, so no plaintext reaches a temporary file. ``file`` is
    the database file behind a URI, whose salt the key is derived with; ``salt`` keys a new
    file like another (a backup like its original). Raises ``PassphraseError`` when the
    passphrase does not open an existing file.
    """
    if passphrase is None:
        return sqlite3.connect(
            target, uri=uri, timeout=timeout, check_same_thread=check_same_thread
        )
    module = _cipher_module()
    conn = module.connect(
        str(target), uri=uri, timeout=timeout, check_same_thread=check_same_thread
    )
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        path = file if file is not None else Path(target)
        existing = salt_of(path) if not uri or file is not None else None
        conn.execute(f"PRAGMA key = {passphrase.pragma(existing or salt)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        if existing is not None:
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except module.DatabaseError as exc:
                if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == 26:  # SQLITE_NOTADB
                    damage = _damaged_pages_error(conn, path)
                    if damage is not None:
                        raise damage from exc
                    raise wrong_passphrase_error(path) from exc
                raise
    except BaseException:
        conn.close()
        raise
    return conn


def _damaged_pages_error(conn: Any, path: Path) -> Exception | None:
    """When the file's first page does not open with the key: damage, if SQLCipher's own page
    check finds other pages that authenticate with the key (so the passphrase is right and the
    failing pages are damaged), as an SQLite "corrupt" error the callers treat as damage;
    None when every page fails, as with a wrong passphrase (or a file of one page)."""
    try:
        failures = [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
        page_size = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
    except errors():  # no pages to judge: the caller says the passphrase is wrong (logged)
        return None
    pages = path.stat().st_size // page_size
    if not failures or len(failures) >= pages:
        return None
    exc: Exception = _cipher_module().DatabaseError(
        f"{len(failures)} of its {pages} pages fail their authentication check with this "
        "passphrase, which the others pass"
    )
    exc.sqlite_errorcode = 11  # type: ignore[attr-defined]  # SQLITE_CORRUPT
    return exc


def wrong_passphrase_error(path: Path) -> PassphraseError:
    return PassphraseError(
        f"The passphrase does not open {path.name} (or the file is damaged, or not a "
        "casereview database); nothing was changed.",
        path,
    )


def needs_passphrase_error(path: Path) -> PassphraseError:
    return PassphraseError(
        f"{path.name} is encrypted (or it is not a casereview database): give its passphrase "
        "when asked, or on standard input with --passphrase-stdin.",
        path,
    )
