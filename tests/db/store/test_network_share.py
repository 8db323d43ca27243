"""An SQLite database on a network share is refused, with the advice to use PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.core.errors import DatabaseOpenError
from db.store import paths as places
from db.store.database import open_database
from db.store.location import resolve_location


@pytest.fixture
def mounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mount table (Linux's /proc/self/mountinfo format) with a share and a local disk."""
    table = tmp_path / "mountinfo"
    table.write_text(
        "22 27 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n"
        f"40 22 0:50 / {tmp_path}/panel\\040share rw,relatime - nfs4 fs:/export rw\n"
        f"41 40 0:51 / {tmp_path}/panel\\040share/local rw - ext4 /dev/sdb1 rw\n"
        f"42 22 0:52 / {tmp_path}/office rw - cifs //server/office rw\n"
    )
    monkeypatch.setattr(places, "MOUNTINFO", table)
    return tmp_path


@pytest.mark.parametrize(
    ("where", "kind"),
    [
        ("panel share/panel.sqlite3", "nfs4"),
        ("office/minutes/panel.sqlite3", "cifs"),
        ("panel share/local/panel.sqlite3", None),  # a local disk mounted inside the share
        ("desk/panel.sqlite3", None),
        ("panel sharepoint/panel.sqlite3", None),  # a name that only starts the same
    ],
)
def test_network_shares_are_told_from_local_disks(mounts: Path, where: str, kind: str | None):
    assert places.network_share(mounts / where) == kind


def test_a_database_on_a_share_is_refused_and_nothing_is_made(mounts: Path):
    folder = mounts / "panel share"
    folder.mkdir()
    with pytest.raises(DatabaseOpenError) as refused:
        open_database(resolve_location(str(folder / "panel.sqlite3")), create=True)
    assert "is on a network share (nfs4)" in refused.value.message
    assert "PostgreSQL" in refused.value.message
    assert list(folder.iterdir()) == []


def test_the_real_mount_table_is_read(tmp_path: Path):
    # This machine's temporary folder is on a local disk (or the system keeps no table).
    assert places.network_share(tmp_path / "panel.sqlite3") is None


def test_a_link_to_a_share_is_on_the_share(mounts: Path):
    (mounts / "panel share").mkdir()
    (mounts / "shortcut").symlink_to(mounts / "panel share")
    assert places.network_share(mounts / "shortcut" / "panel.sqlite3") == "nfs4"
