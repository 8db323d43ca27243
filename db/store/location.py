"""A database's address, as ``--db``, ``CASEREVIEW_DB`` or the per-user default names it.

Kept apart from ``db.store.database`` (which opens what it names) so that backups, encryption and
the integrity check can speak of a database without the module that opens one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from db.core.errors import DatabaseOpenError
from db.store import cipher
from db.store.cipher import Passphrase
from db.store.paths import chosen_value, default_database_path, expanded


@dataclass(frozen=True)
class Location:
    """A database's address: an SQLite file or a server URL; for an encrypted SQLite file,
    the passphrase that opens it (never shown: see ``db.store.cipher.Passphrase``)."""

    url: URL
    passphrase: Passphrase | None = field(default=None, compare=False, repr=False)

    def with_passphrase(self, passphrase: Passphrase | None) -> Location:
        return replace(self, passphrase=passphrase)

    @property
    def key(self) -> Passphrase | None:
        """The passphrase to open the file with now: none for a plain SQLite file or a server,
        the passphrase for an encrypted file or one not made yet (made encrypted)."""
        if self.path is None:
            return None
        return cipher.key_for(self.path, self.passphrase)

    @property
    def is_encrypted(self) -> bool:
        return self.path is not None and cipher.is_encrypted(self.path)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    @property
    def name(self) -> str:
        """A short name for titles: the file name, or the server database's name."""
        if self.path is not None:
            return self.path.name
        return self.url.database or str(self.url.host)

    def display(self) -> str:
        """Where the data lives, for messages and the status bar; never shows a password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    def __str__(self) -> str:
        return self.display()


def resolve_location(arg: str | None = None, environ: Mapping[str, str] | None = None) -> Location:
    """The database named by ``--db``, else ``CASEREVIEW_DB``, else the per-user default."""
    value = chosen_value(arg, environ)
    if not value:
        return Location(URL.create("sqlite", database=str(default_database_path())))
    if "://" in value:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise DatabaseOpenError(f"'{value}' is not a database URL or file path.") from exc
        backend = url.get_backend_name()
        if backend in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        elif backend == "sqlite":
            if url.database and url.database != ":memory:":
                url = url.set(database=str(_path(url.database)))
        else:
            raise DatabaseOpenError(
                f"casereview works with SQLite files and PostgreSQL, not '{backend}'."
            )
        return Location(url)
    return Location(URL.create("sqlite", database=str(_path(value))))


def _path(value: str) -> Path:
    try:
        return expanded(value)
    except FileNotFoundError as exc:
        raise DatabaseOpenError(
            f"'{value}' begins with ~ but names no home folder on this computer."
        ) from exc
