"""A database file damaged as a failing disk or a bad copy damages it, for the tests of how
the store, the command and the window refuse it."""

from __future__ import annotations

from pathlib import Path


def damage(path: Path) -> bytes:
    """Overwrite part of a page of the tables, as a failing disk or a bad copy would."""
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 600] = b"\xff" * 600
    path.write_bytes(bytes(data))
    return bytes(data)


def damage_table(path: Path, table: str) -> None:
    """Overwrite the first page of ``table``'s rows, so that reading them fails: a damaged
    page met by a read rather than found by SQLite's check first."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as conn:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size : root * size] = b"\xff" * size
    path.write_bytes(bytes(data))
