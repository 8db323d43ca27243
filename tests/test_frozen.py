"""The PyInstaller build (build.spec): built from this checkout, then used as IT would install
it, from a folder with nothing of the checkout or the Python environment on its path."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop import __version__
from scripts.lockfile import APP, pins
from tests.helpers.word import headings, open_docx

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The built one-folder application, moved away from the build's own folders."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: it is one of the test extras")
    work = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "build.spec"),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    installed = tmp_path_factory.mktemp("installed") / "casereview"
    shutil.move(work / "dist" / "casereview", installed)
    shutil.rmtree(work)
    yield installed


def _run(
    app: Path, *args: str, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the frozen command as a user would: no PYTHONPATH, no virtual environment, an
    unrelated working folder, its own settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "CASEREVIEW_", "VIRTUAL_ENV"))
    }
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(cwd / "config")
    env["XDG_DATA_HOME"] = str(cwd / "data")
    return subprocess.run(
        [str(app / "casereview"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=180,
        check=False,
    )


def test_the_build_holds_the_resources_and_leaves_out_unused_qt(frozen: Path) -> None:
    internal = frozen / "_internal"
    assert (frozen / "casereview").is_file()
    assert os.access(frozen / "casereview", os.X_OK)
    assert (internal / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert (internal / "resources" / "fonts" / "LICENSE-DejaVu.txt").is_file()
    assert (internal / "resources" / "sample" / "seed-facts.json").is_file()
    assert (internal / "resources" / "icons" / "casereview.svg").is_file()
    assert any((internal / "db" / "store" / "migrations" / "versions").glob("0001*.py"))
    names = {p.name for p in internal.rglob("*")}
    unused_qt = ("WebEngineCore", "Quick", "Qml", "3DCore", "Multimedia", "VirtualKeyboard")
    for unused in (*unused_qt, "Charts"):  # the Overview draws its own charts (desktop/charts)
        # neither the Python binding (QtQml.abi3.so) nor the Qt library (libQt6Qml.so.6)
        assert not any(f"Qt{unused}" in n or f"Qt6{unused}" in n for n in names), unused
    assert "QtPdfWidgets.abi3.so" in names  # what the briefing pack's preview uses is there
    # orjson ships compiled, with its licences beside it (the MPL-2.0 among them).
    licences = {p.name for p in internal.glob("orjson-*.dist-info/**/LICENSE*")}
    assert {"LICENSE-MPL-2.0", "LICENSE-APACHE", "LICENSE-MIT"} <= licences, licences
    # Every shipped package is named with its licence and source, and its licence texts are
    # there: in its metadata folder, or (PySide6's wheels carry none) the LGPL's and GPL's.
    notices = (internal / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert (internal / "resources" / "licences" / "LGPL-3.0.txt").is_file()
    assert (internal / "resources" / "licences" / "GPL-3.0.txt").is_file()
    for name, version in pins(APP).items():
        assert f"{name} {version}: " in notices, name
        if name in ("pyside6", "pyside6-addons", "pyside6-essentials", "shiboken6"):
            assert f"{name} {version}: LGPL-3.0-only" in notices
            continue
        folder = name.replace("-", "_")
        texts = [
            p
            for p in internal.glob(f"{folder}-{version}.dist-info/**/*")
            if re.search(r"(?i)licen[cs]e|copying", p.name)
        ]
        assert texts, f"{name}: no licence text in the build"


def test_the_frozen_command_runs_headless_and_opens_the_window(
    frozen: Path, tmp_path: Path
) -> None:
    version = _run(frozen, "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert __version__ in version.stdout

    db = tmp_path / "panel.sqlite3"
    demo = _run(frozen, "demo", "--db", str(db), cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert db.is_file()

    pack = tmp_path / "pack.pdf"
    brief = _run(frozen, "brief", "--db", str(db), "-o", str(pack), cwd=tmp_path)
    assert brief.returncode == 0, brief.stderr
    reader = PdfReader(pack)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts), fonts  # the shipped font

    # python-docx's templates came along (pyinstaller-hooks-contrib's hook for docx).
    word = tmp_path / "pack.docx"
    brief = _run(frozen, "brief", "--db", str(db), "-o", str(word), cwd=tmp_path)
    assert brief.returncode == 0, brief.stderr
    assert "Summary" in headings(open_docx(word))

    # orjson came along: a JSON export is written, and reads back.
    exported = tmp_path / "export.json"
    export = _run(frozen, "export", "--db", str(db), "-o", str(exported), cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    assert json.loads(exported.read_bytes())["format"] == "casereview/1"

    # PyStemmer's compiled stemmer came along: similar earlier learning is found.
    similar = _run(frozen, "similar", "--db", str(db), "--text",
                   "Record the voice of the child at every visit", cwd=tmp_path)  # fmt: skip
    assert similar.returncode == 0, similar.stderr
    assert similar.stdout.startswith("FSCP-CSPR-CHILD-A 2 "), similar.stdout

    window = _run(frozen, "--db", str(db), "--exit-when-ready", cwd=tmp_path)
    assert window.returncode == 0, window.stderr
    assert float(window.stderr.strip().splitlines()[-1]) > 0

    # SQLCipher came along: the database encrypts, and opens only with its passphrase.
    secret = "correct horse battery staple\n"
    encrypted = _run(frozen, "encrypt", "--db", str(db), "--passphrase-stdin",
                     cwd=tmp_path, stdin=secret)  # fmt: skip
    assert encrypted.returncode == 0, encrypted.stderr
    assert not db.read_bytes().startswith(b"SQLite format 3")
    checked = _run(frozen, "check", "--db", str(db), "--passphrase-stdin",
                   cwd=tmp_path, stdin=secret)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    wrong = _run(frozen, "check", "--db", str(db), "--passphrase-stdin",
                 cwd=tmp_path, stdin="not it\n")  # fmt: skip
    assert wrong.returncode == 1 and "does not open" in wrong.stderr

    bad = _run(frozen, "brief", "--db", str(db), "-o", str(tmp_path / "x.pdf"),
               "--meeting-date", "2026-02-30", "--passphrase-stdin",
               cwd=tmp_path, stdin=secret)  # fmt: skip
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "x.pdf").exists()
