"""Where SQLite databases live and how to read one without writing beside it.

Free of SQLAlchemy: the window decides from these, before the database layer is imported,
whether it can paint its first page straight from the file (``db.quick``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

ENV_VAR = "CASEREVIEW_DB"
APP_NAME = "casereview"
DEFAULT_FILE_NAME = "casereview.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"


def default_database_path() -> Path:
    """The per-user SQLite file used when neither ``--db`` nor ``CASEREVIEW_DB`` is given."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DEFAULT_FILE_NAME


def chosen_value(arg: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--db`` if given, else ``CASEREVIEW_DB``, else empty (the per-user default)."""
    environ = os.environ if environ is None else environ
    return (arg if arg else environ.get(ENV_VAR, "")).strip()


def sqlite_file(arg: str | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The SQLite file ``--db`` names (as ``db.engine.resolve_location`` reads it), or None
    when it names a database by URL."""
    value = chosen_value(arg, environ)
    if not value:
        return default_database_path()
    if "://" in value:
        return None
    return Path(value).expanduser().absolute()


def readonly_uri(path: Path) -> str:
    """An SQLite URI that reads ``path`` without writing anything beside it.

    A read-only connection to a WAL database still leaves -wal and -shm files behind, so when
    no WAL file exists (the database was closed cleanly) the file is opened as immutable.
    """
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    return f"file:{quote(str(path))}?{mode}"
