"""``pip install .`` (not only editable) carries the migrations and the resources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_an_installed_wheel_finds_its_resources_and_migrations(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        # without build isolation: setuptools comes from the lock, not from the registry
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("casereview-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "resources/sample/seed-facts.json" in names
    assert "resources/sample/fictional.json" in names
    assert "resources/icons/casereview.svg" in names
    assert "db/store/migrations/script.py.mako" in names
    assert any(n.startswith("db/store/migrations/versions/0001") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # Run from an unrelated folder with only the installed copy on the path.
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CASEREVIEW_DB"}
    env["PYTHONPATH"] = str(target)
    probe = subprocess.run(
        [sys.executable, "-c", "import db, resources; print(db.__file__, resources.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(str(target) in part for part in probe.stdout.split())
    database = work / "installed.sqlite3"
    demo = subprocess.run(
        [sys.executable, "-m", "desktop", "demo", "--db", str(database)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    exported = subprocess.run(
        [sys.executable, "-m", "desktop", "export", "--db", str(database), "-o", "-"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(exported.stdout)["reviews"]) == 2
