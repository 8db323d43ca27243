"""Writing files so that a failure never leaves a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from db.atomic import replacing, unfit_target
from db.errors import CaseReviewError


def check_target(target: Path) -> None:
    """Refuse a target that cannot be written as a new file (``db.atomic.unfit_target``:
    a folder, in a folder that does not exist, a device, a pipe, a read-only file) before any
    work is done for it."""
    unfit = unfit_target(target)
    if unfit is not None:
        raise CaseReviewError(unfit)


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target and rename over it, so a failure leaves the old file whole; a
    symbolic link is written through, never replaced."""
    check_target(target)
    try:
        with replacing(target) as temp:
            temp.write_bytes(data)
    except OSError as exc:
        raise CaseReviewError(f"Cannot write {target}: {exc.strerror or exc}.") from None


def private_copy(name: str, content: bytes) -> Path:
    """Write a stored evidence file to a new private folder (readable by its owner only), so
    the system's viewer can open it; the name keeps only its last part, never a path."""
    folder = Path(tempfile.mkdtemp(prefix="casereview-evidence-"))
    target = folder / (Path(name).name or "evidence")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return target
