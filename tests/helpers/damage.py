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
