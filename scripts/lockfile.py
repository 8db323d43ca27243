"""The lock files in requirements/: the exact release of every package casereview is tested with.

requirements/app.txt holds what the program needs; requirements/test.txt holds that and the
test extras, at the same versions. Both are written by scripts/refresh-lock.sh (uv pip compile,
for every platform, with the hash of every file) and installed by the README's two commands.
This module reads them back for the checks that the lock is what is really installed: the
frozen build (build.spec), the suite's own test of the lock, and scripts/try-newest.sh.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "requirements" / "app.txt"
TEST = ROOT / "requirements" / "test.txt"

# "name==1.2.3 ; sys_platform == 'win32' \": a pin, its environment marker, then the hashes.
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]*))?"
)


def pins(path: Path = TEST, *, every_platform: bool = False) -> dict[str, str]:
    """Each locked package's normalised name and version. Without ``every_platform``, only the
    packages this interpreter on this system installs (colorama, say, is for Windows only)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match is None:
            continue
        marker = (match["marker"] or "").strip()
        if marker and not every_platform and not Marker(marker).evaluate():
            continue
        found[canonicalize_name(match["name"])] = match["version"]
    return found


def differences(locked: dict[str, str]) -> list[str]:
    """One line for each locked package that is missing or at another version here."""
    lines = []
    for name, wanted in sorted(locked.items()):
        try:
            installed = version(name)
        except PackageNotFoundError:
            lines.append(f"{name}: locked at {wanted}, not installed")
            continue
        if installed != wanted:
            lines.append(f"{name}: locked at {wanted}, installed {installed}")
    return lines


if __name__ == "__main__":
    import sys

    chosen = Path(sys.argv[1]) if len(sys.argv) > 1 else TEST
    if not chosen.is_file():
        sys.exit(f"lockfile.py: there is no lock file at {chosen}")
    drift = differences(pins(chosen))
    for entry in drift:
        print(entry)
    if not drift:
        print(f"every package in {chosen} is installed at its locked version")
