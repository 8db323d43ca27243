"""SQLite's quick check of a whole database file, in a thread of its own, so that reading
need not wait for it (about 0.1-0.5 s at 100,000 items) while every write still does.

The window starts one as soon as it knows its file (``desktop.app``); the ``Database``
opened over it then reads at once, and its first write waits for the verdict and is refused,
with nothing written, if the file is damaged (``Database.sound``). Without SQLAlchemy (an
import-linter contract): it starts before the database layer has loaded.
"""

from __future__ import annotations

import threading
from contextlib import closing
from pathlib import Path
from typing import Any

from db.store import cipher
from db.store.cipher import Passphrase
from db.store.paths import file_identity, readonly_uri

FINDINGS = 3  # SQLite's findings to look at (the refusal quotes the first two)


def findings(conn: Any) -> list[str]:
    """SQLite's quick check over ``conn``, a connection to the whole file: ``["ok"]`` if sound."""
    return [str(r[0]) for r in conn.execute(f"PRAGMA quick_check({FINDINGS})")]


class QuickCheck:
    """The quick check of the file at ``path`` on a read-only connection of its own, in a
    daemon thread (``start``), so an unfinished check never delays quitting."""

    def __init__(self, path: Path, key: Passphrase | None = None) -> None:
        self.path = path
        self.key = key
        self._file = file_identity(path)  # the file checked: another put in its place is not
        self._findings: list[str] = []
        self._failure: Exception | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casereview-check", daemon=True)

    def start(self) -> QuickCheck:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            uri = readonly_uri(self.path)
            with closing(cipher.connect(uri, self.key, file=self.path, uri=True)) as conn:
                self._findings = findings(conn)
        except Exception as exc:  # raised again by ``outcome``, in the thread that asks
            self._failure = exc
        finally:
            self._finished.set()

    def of_the_file_there(self) -> bool:
        """Whether the file at the path is still the one checked (a restore, or a copy put in
        its place while a command read its input, is another, and would go unchecked)."""
        return self._file is not None and file_identity(self.path) == self._file

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def outcome(self) -> list[str]:
        """Wait for the check (started) to end: its findings (``["ok"]`` if the file is
        sound), or the error that stopped SQLite reading the file (damage, a lock, I/O)."""
        self._finished.wait()
        if self._failure is not None:
            raise self._failure
        return self._findings
