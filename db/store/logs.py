"""The log file: where it is, how it is set up, and what may be written to it.

Free of Qt, so the command line and the window set it up the same way (``set_up``), and the
data layer can say what it swallowed (``cause``). The log holds references, ids, counts and
the kinds of errors, never record text, names, paths or passphrases: an error's message may
quote a record (an import document's cell, a file name), so only its class and errno are
written, and never a traceback (its last line is the message).
"""

from __future__ import annotations

import errno as errnos
import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from db.store.paths import APP_NAME, expanded

ENV_VAR = "CASEREVIEW_LOG_DIR"  # the folder the log is written in (tests point it elsewhere)
FILE_NAME = "casereview.log"
MAX_BYTES = 2_000_000  # a file this size is set aside and a new one begun ...
BACKUP_COUNT = 3  # ... keeping this many old ones: a few MB in all
PACKAGES = ("db", "desktop")  # whose loggers write to the file; other libraries' do not
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_installed: list[RotatingFileHandler] = []  # the handler set up, if any (at most one)


def log_folder() -> Path:
    """``CASEREVIEW_LOG_DIR`` if set, else the per-user log folder."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        return expanded(chosen)  # FileNotFoundError for ~name of no user: no log is kept
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def set_up(folder: Path | None = None) -> Path:
    """Write the ``db`` and ``desktop`` loggers' INFO and above to a rotating file in
    ``folder`` (default ``log_folder()``), readable by the user alone. Called by the command
    and again by the window; a second call for the same file changes nothing, one for another
    file moves the log there. Returns the file. A folder that cannot be made raises OSError."""
    path = (folder or log_folder()) / FILE_NAME
    if _installed and Path(_installed[0].baseFilename) == path:
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        path.parent.chmod(0o700)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
    handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    shut_down()
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    _installed.append(handler)
    return path


def shut_down() -> None:
    """Close the log file (tests, and anything that must let go of the folder)."""
    while _installed:
        handler = _installed.pop()
        for name in PACKAGES:
            logging.getLogger(name).removeHandler(handler)
        handler.close()


def cause(exc: BaseException) -> str:
    """What may be logged of ``exc``: its class, its errno (by name) and the same of the
    errors that caused it, never their messages (which may quote a record or a path)."""
    said: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(said) < 5:
        part = type(seen).__name__
        number = getattr(seen, "errno", None)
        if isinstance(number, int):
            part += f" [{errnos.errorcode.get(number, number)}]"
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(code, int):
            part += f" [sqlite {code}]"
        said.append(part)
        seen = seen.__cause__ or seen.__context__
    return " from ".join(said)
