"""Every package casereview or its tests import is declared, the lock holds what pyproject.toml
asks for, and the suite runs on the locked releases (so a fresh install is the tested one)."""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts.lockfile import APP, TEST, differences, pins

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# The project's own packages, and the benchmarks' modules, which import one another by name
# (benchmarks/ is on their path): a new benchmark importing another is not an undeclared package.
FIRST_PARTY = {
    "db",
    "desktop",
    "resources",
    "tests",
    "scripts",
    *(path.stem for path in (ROOT / "benchmarks").glob("*.py")),
}


def _requirements(*extras: str) -> list[Requirement]:
    declared = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        declared += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return declared


def _imported_modules(folder: str) -> dict[str, str]:
    """The top-level module of every absolute import under a folder, with one file using it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("folder", "extras"),
    [
        ("db", ()),
        ("desktop", ()),
        ("resources", ()),
        ("tests", ("test",)),
        ("scripts", ("test",)),
        ("benchmarks", ("test", "bench", "vectors-experiment")),
    ],
)
def test_every_imported_package_is_declared_directly(folder: str, extras: tuple[str, ...]) -> None:
    """Not only installed because something else happens to need it: declared in
    pyproject.toml, in the dependencies (the program) or the extra the folder belongs to."""
    declared = {canonicalize_name(r.name) for r in _requirements(*extras)}
    providers = packages_distributions()
    undeclared = []
    for module, where in _imported_modules(folder).items():
        if module in sys.stdlib_module_names or module in FIRST_PARTY:
            continue
        # an extra not installed here (bench) is known by its distribution's own name
        candidates = {canonicalize_name(d) for d in providers.get(module, [module])}
        if not candidates & declared:
            undeclared.append(f"{module} (in {where}; from {', '.join(sorted(candidates))})")
    assert not undeclared, f"imported but not declared for {folder}/: {undeclared}"


@pytest.mark.parametrize("lock", [APP, TEST], ids=["app", "test"])
def test_the_lock_holds_every_declared_package_within_its_bounds(lock: Path) -> None:
    locked = pins(lock, every_platform=True)
    extras = ("test",) if lock == TEST else ()
    wrong = []
    for requirement in _requirements(*extras):
        name = canonicalize_name(requirement.name)
        if name not in locked:
            wrong.append(f"{name} is not in {lock.name}")
        elif not requirement.specifier.contains(locked[name], prereleases=True):
            wrong.append(f"{name}=={locked[name]} is outside {requirement.specifier}")
    assert not wrong, f"refresh the lock (scripts/refresh-lock.sh): {wrong}"


def test_the_two_locks_agree() -> None:
    app, test = pins(APP, every_platform=True), pins(TEST, every_platform=True)
    assert {name: test.get(name) for name in app} == app


def test_every_pin_carries_hashes() -> None:
    """pip's --require-hashes refuses a pin without one; check here for a clearer message."""
    for lock in (APP, TEST):
        entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8"))
        for entry in entries:
            if "==" in entry.splitlines()[0]:
                assert "--hash=sha256:" in entry, f"{lock.name}: {entry.splitlines()[0]}"


@pytest.mark.skipif(
    os.environ.get("CASEREVIEW_UNLOCKED_TRIAL") == "1",
    reason="scripts/try-newest.sh runs the suite on newer releases than the lock on purpose",
)
def test_the_suite_runs_on_the_locked_releases() -> None:
    """What passes here is what a fresh install through the lock gets."""
    assert differences(pins(TEST)) == []


def test_the_readme_installs_through_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m pip install")]
    app = "python3 -m pip install --require-hashes -r requirements/app.txt && "
    test = "python3 -m pip install --require-hashes -r requirements/test.txt && "
    built = "python3 -m pip install --no-deps --no-build-isolation . && "
    assert commands[:2] == [f"{app}{built}casereview", f"{test}{built}python3 -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, ".ci/run must run the README's test command as written"


# ---------------------------------------------------------------- the window's system libraries

# Libraries every Debian system has (its "required" packages), which the README need not name.
BASE_SYSTEM = {
    "ld-linux-x86-64.so.2",
    "libc.so.6",
    "libdl.so.2",
    "libgcc_s.so.1",
    "libm.so.6",
    "libpthread.so.0",
    "librt.so.1",
    "libstdc++.so.6",
    "libz.so.1",
    "libzstd.so.1",
}
# Debian names a library's package after its soname (libxcb-icccm.so.4: libxcb-icccm4; a name
# ending in a digit takes a hyphen: libX11.so.6, libx11-6), except these.
PACKAGE_OF = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}


def needed(library: Path) -> list[str]:
    """The sonames an ELF64 little-endian library names as DT_NEEDED, read from its file (so
    the libraries themselves need not be installed, as ``ldd`` would need)."""
    data = library.read_bytes()
    assert data[:6] == b"\x7fELF\x02\x01", f"{library.name}: not a 64-bit little-endian ELF"
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize = int.from_bytes(data[0x3A:0x3C], "little")
    shnum = int.from_bytes(data[0x3C:0x3E], "little")
    sections = [data[shoff + n * shentsize : shoff + (n + 1) * shentsize] for n in range(shnum)]

    def field(section: bytes, at: int, size: int) -> int:
        return int.from_bytes(section[at : at + size], "little")

    names = []
    for section in sections:
        if field(section, 4, 4) != 6:  # SHT_DYNAMIC
            continue
        strings = sections[field(section, 40, 4)]  # sh_link: its string table
        table = data[field(strings, 24, 8) : field(strings, 24, 8) + field(strings, 32, 8)]
        start, size = field(section, 24, 8), field(section, 32, 8)
        for at in range(start, start + size, 16):
            tag, value = field(data, at, 8), field(data, at + 8, 8)
            if tag == 1:  # DT_NEEDED
                names.append(table[value : table.index(b"\0", value)].decode())
    return names


def debian_package(soname: str) -> str:
    if soname in PACKAGE_OF:
        return PACKAGE_OF[soname]
    name, version = re.fullmatch(r"(.+)\.so\.(\d+)", soname).groups()  # type: ignore[union-attr]
    return f"{name}{'-' if name[-1].isdigit() else ''}{version}".lower()


@pytest.mark.skipif(sys.platform != "linux", reason="the X11 libraries are Linux's")
def test_the_readme_installs_the_libraries_the_window_loads_on_linux() -> None:
    """A new user's window would not open: Qt's xcb plugin links libxcb-icccm4 and others that
    pip cannot install (found in a trial). Every library the window's Qt libraries and the xcb
    plugins link, outside PySide6's own and the base system, is in the README's apt-get line."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    shipped = {path.name for path in (qt / "lib").iterdir()}
    loaded = [
        *(qt / "lib" / f"libQt6{name}.so.6" for name in ("Core", "Gui", "Widgets", "DBus")),
        *(qt / "lib" / f"libQt6{name}.so.6" for name in ("PrintSupport", "Pdf", "PdfWidgets")),
        qt / "lib" / "libQt6XcbQpa.so.6",
        qt / "plugins" / "platforms" / "libqxcb.so",
        *sorted((qt / "plugins" / "xcbglintegrations").glob("*.so")),
    ]
    wanted = {
        debian_package(soname): library.name
        for library in loaded
        for soname in needed(library)
        if soname not in shipped and soname not in BASE_SYSTEM
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = [line for line in readme.splitlines() if line.startswith("sudo apt-get install ")]
    named = set(line.split()[3:])
    assert "libxcb-icccm4" in wanted  # the reading above finds what it should
    missing = {package: by for package, by in wanted.items() if package not in named}
    assert not missing, f"the README's apt-get line lacks {missing} (package: linked by)"
