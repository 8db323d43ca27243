"""A full disk, for real: a small file system of its own (tmpfs), which needs root to mount;
without it, or where mounting is refused, the test is skipped and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(size: str = "1200k") -> Iterator[Path]:
    """A file system of ``size`` (tmpfs), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    folder = Path(tempfile.mkdtemp(prefix="casereview-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)
        folder.rmdir()


def leave_free(folder: Path, room: int) -> None:
    """Fill the file system holding ``folder`` until about ``room`` bytes are left."""
    free = shutil.disk_usage(folder).free
    assert free > room, (free, room)
    (folder / "filler").write_bytes(b"\0" * (free - room))


@contextmanager
def read_only_disk() -> Iterator[Path]:
    """A file system mounted read-only (a small tmpfs), which even root cannot write to: a
    read-only folder for real, where a folder's permissions would not stop root."""
    with small_disk("64k") as folder:
        remounted = subprocess.run(
            ["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True, check=False
        )
        if remounted.returncode != 0:
            pytest.skip(f"cannot make the tmpfs read-only: {remounted.stderr.strip()}")
        yield folder
