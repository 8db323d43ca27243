"""The command line under hostile conditions: two processes on one file, a read-only file or
folder, a full disk, a closed pipe, odd output paths, signals and sizes out of reason. Each
ends in one plain sentence (or, for a closed pipe, quietly), never a traceback, and leaves
the database as it was.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from db.services.dataset import load_sample
from db.store import logs
from db.store.database import open_database
from db.store.location import Location, resolve_location
from tests.helpers import ROOT, TODAY, disk
from tests.helpers.cli import assert_clean_error, python, run, snapshot

T = TypeVar("T")


def _environment() -> dict[str, str]:
    unset = ("CASEREVIEW_DB", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment["PYTHONPATH"] = str(ROOT)
    return environment


def _as_from_a_terminal() -> None:
    """Ctrl+C as a terminal gives it: a suite started in the background by a script (as CI
    may be) has SIGINT ignored, which every process it starts inherits, and Python then keeps
    ignoring it (the SIGINT test passed at a terminal and failed under such a CI)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start the casereview command, as ``run`` does, without waiting for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", *args],
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_from_a_terminal if os.name == "posix" else None,  # noqa: PLW1509
    )


def ended(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _generated_json(folder: Path, items: int) -> Path:
    """A casereview JSON file holding ``items`` generated recommendations."""
    from db.exchange import collect_document, dump_document
    from db.services.generate import generate

    source = resolve_location(str(folder / "source.sqlite3"))
    with open_database(source, create=True) as database:
        with database.transaction("setup") as session:
            generate(session, reviews=5, recommendations=items, seed=1, today=TODAY)
        with database.session() as session:
            text = dump_document(collect_document(session, TODAY, []))
    path = folder / "generated.json"
    path.write_text(text, encoding="utf-8")
    return path


# 11. Two commands on one SQLite file ------------------------------------------------------


_HOLDER = """
import sqlite3, sys
holder = sqlite3.connect(sys.argv[1], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
holder.execute("INSERT INTO themes (name) VALUES ('Added by another process')")
print("held", flush=True)
sys.stdin.readline()
holder.execute("COMMIT")
"""


@contextmanager
def _another_writer(db: Path) -> Iterator[None]:
    """Another process's write transaction on ``db``, committed (with a change, so that a
    transaction begun before it cannot write after it) when the block ends. (Another
    process: a file this one opens and closes would drop its locks.)"""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    try:
        yield
    finally:
        holder.communicate("commit\n", timeout=60)
    assert holder.returncode == 0


_KEEPS_WRITING = """
import sqlite3, sys, time
from pathlib import Path
writer = sqlite3.connect(sys.argv[1], isolation_level=None)
print("writing", flush=True)
n = 0
while not Path(sys.argv[2]).exists():
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO themes (name) VALUES (?)", (f"Added by another process {n}",))
    time.sleep(0.3)
    writer.execute("COMMIT")
    n += 1
    time.sleep(0.02)
"""


def test_commands_wait_for_another_writer_then_succeed(demo_db: Path, tmp_path: Path) -> None:
    """Another process commits a change every third of a second, holding the write lock
    nearly all the time: each command's writing transaction waits its turn. (A transaction
    begun deferred that read before another's commit cannot write after it at all.)"""
    assert run("export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path).returncode == 0
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KEEPS_WRITING, str(demo_db), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        commands = [
            start("export", "--db", str(demo_db), "-o", "out.json", cwd=tmp_path),
            start("brief", "--db", str(demo_db), "-o", "pack.pdf", cwd=tmp_path),
            start("import", "plan.json", "--db", str(demo_db), cwd=tmp_path),
        ]
        results = [ended(command) for command in commands]
    finally:
        stop.touch()
        writer.communicate(timeout=60)
    assert writer.returncode == 0
    for result in results:
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.json").stat().st_size and (tmp_path / "pack.pdf").stat().st_size


def test_three_exports_started_together_all_succeed(demo_db: Path, tmp_path: Path) -> None:
    commands = [
        start("export", "--db", str(demo_db), "-o", f"plan{n}.json", cwd=tmp_path) for n in range(3)
    ]
    for result in map(ended, commands):
        assert result.returncode == 0, result.stderr


def test_a_writer_that_keeps_the_lock_gets_one_sentence(
    demo_db: Path, tmp_path: Path, log_folder: Path
) -> None:
    with _another_writer(demo_db):
        before = snapshot(tmp_path)
        result = run("export", "--db", str(demo_db), "-o", "out.json", cwd=tmp_path)
        assert_clean_error(result, "busy", "nothing was changed")
        assert snapshot(tmp_path) == before
    # A refusal, logged as one by its kind and the driver's code, not as a fault.
    log = (log_folder / logs.FILE_NAME).read_text(encoding="utf-8")
    assert (
        "INFO desktop.cli: command refused: UnwritableError from OperationalError from "
        "OperationalError [sqlite 5]"
    ) in log, log
    assert " ERROR " not in log, log


# 12. A read-only database file or folder --------------------------------------------------


def _as_nobody() -> tuple[int, int]:
    if os.geteuid() != 0:
        pytest.skip("needs root, to run the command as another user for whom files are read-only")
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' to run the command as")
    return entry.pw_uid, entry.pw_gid


def run_as(
    uid: int, gid: int, *args: str, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the casereview command as another user (through setpriv, which runs this Python
    as that user however the path to it is reached)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs setpriv (util-linux) to run the command as another user")
    as_user = [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    return subprocess.run(
        [*as_user, sys.executable, "-m", "desktop", *args],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


# The system's temporary folder, read before the window tests' fixture gives each test a
# private one (which another user cannot reach).
SYSTEM_TEMPORARY = tempfile.gettempdir()


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own are its owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="casereview-readonly-", dir=SYSTEM_TEMPORARY))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_database_gets_one_sentence_and_leaves_nothing(
    demo_db: Path, shared_folder: Path, read_only: str
) -> None:
    uid, gid = _as_nobody()
    db = shared_folder / "panel.sqlite3"
    shutil.copyfile(demo_db, db)
    plan = shared_folder / "plan.json"
    assert run("export", "--db", str(db), "-o", str(plan), cwd=shared_folder).returncode == 0
    work = shared_folder / "out"
    work.mkdir()
    os.chown(work, uid, gid)
    plan.chmod(0o644)
    if read_only == "file":  # the user's own folder, the user's own file, made read-only
        os.chown(shared_folder, uid, gid)
        os.chown(db, uid, gid)
        db.chmod(0o444)
    else:  # a file the user may write, in a folder the user may not
        os.chown(db, uid, gid)
        db.chmod(0o644)
    before = snapshot(shared_folder)
    for command in (
        ["export", "-o", str(work / "out.json")],
        ["import", str(plan)],
        ["brief", "-o", str(work / "pack.pdf")],
        # (a trial's encrypt said "disk I/O error" and left read-only -wal and -shm files)
        ["encrypt", "--passphrase-stdin"],
    ):
        stdin = "correct horse battery staple 12\n" if command[0] == "encrypt" else None
        result = run_as(uid, gid, *command, "--db", str(db), cwd=work, stdin=stdin)
        assert_clean_error(result, "read-only", "nothing was changed")
        assert snapshot(shared_folder) == before, command
    # No read-only -wal or -shm was left to stop the next writer.
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    db.chmod(0o644)
    os.chown(shared_folder, uid, gid)
    result = run_as(uid, gid, "export", "--db", str(db), "-o", str(work / "out.json"), cwd=work)
    assert result.returncode == 0, result.stderr


# 13. A full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 1200 KB file system of its own (tmpfs), unmounted afterwards."""
    with disk.small_disk("1200k") as folder:
        yield folder


def test_a_full_disk_during_generate_demo_import_and_backup_is_one_sentence(
    demo_db: Path, tmp_path: Path, small_disk: Path
) -> None:
    secret = "Unique recommendation text " + uuid.uuid4().hex
    big = _generated_json(tmp_path, 3000)
    document = json.loads(big.read_text(encoding="utf-8"))
    document["reviews"][0]["recommendations"][0]["text"] = secret
    big.write_text(json.dumps(document), encoding="utf-8")

    for command in (
        ["generate", "--reviews", "5", "--recommendations", "5000"],
        ["import", str(big)],
    ):
        result = run(*command, "--db", str(small_disk / "new.sqlite3"), cwd=tmp_path)
        assert_clean_error(result, "disk is full", "nothing was changed")
        assert secret not in result.stderr
        assert [p.name for p in small_disk.iterdir()] == [], command

    db = small_disk / "panel.sqlite3"
    shutil.copyfile(demo_db, db)
    before = db.read_bytes()
    result = run("import", str(big), "--db", str(db), cwd=tmp_path)
    assert_clean_error(result, "disk is full", "nothing was changed")
    assert secret not in result.stderr
    assert db.read_bytes() == before

    # A refused import keeps no copy of the database beside it.
    assert list((db.parent / f"{db.name}-backups").glob("*.sqlite3")) == []
    result = run(
        "backup", "--db", str(tmp_path / "source.sqlite3"), "-o", "copy.sqlite3", cwd=db.parent
    )
    assert_clean_error(result, "disk is full")
    left = [p.name for p in small_disk.iterdir() if p.name.startswith(".")]
    assert left == [], "a half-written backup or its journal was left behind"


def test_an_xlsx_export_onto_a_full_disk_is_one_sentence(
    demo_db: Path, tmp_path: Path, small_disk: Path
) -> None:
    # openpyxl's write-only sheets and archive, left half-open by the failure, printed
    # "Exception ignored" tracebacks at exit after the sentence.
    target = small_disk / "plan.xlsx"
    target.write_bytes(b"old")
    disk.leave_free(small_disk, 4096)  # the workbook is some 13 KB
    private = tmp_path / "tmp"  # openpyxl's temporary files, one a sheet, go here
    private.mkdir()
    result = run(
        "export",
        "--db",
        str(demo_db),
        "-o",
        str(target),
        cwd=tmp_path,
        env={"TMPDIR": str(private)},
    )
    assert_clean_error(result, f"Cannot write {target}: No space left on device.")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "plan.xlsx"]
    assert list(private.iterdir()) == []


def test_an_xlsx_export_with_a_full_temporary_folder_is_one_sentence(
    demo_db: Path, tmp_path: Path, small_disk: Path
) -> None:
    """openpyxl writes each sheet to the temporary folder first: with that folder full, lxml's
    "SerialisationError" came out as a fault of casereview's own."""
    disk.leave_free(small_disk, 4096)  # room for Python's test of the folder, not the sheets
    target = tmp_path / "plan.xlsx"
    result = run(
        "export", "--db", str(demo_db), "-o", str(target), cwd=tmp_path,
        env={"TMPDIR": str(small_disk)},
    )  # fmt: skip
    assert_clean_error(
        result, f"Cannot write the workbook's sheets in the temporary folder {small_disk}: No space"
    )
    assert "SerialisationError" not in result.stderr
    assert not target.exists()
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_a_full_temporary_folder_under_sqlite_is_named(tmp_path: Path, small_disk: Path) -> None:
    """SQLite sorts a large read's rows in the temporary folder: with that folder's disk
    full, a Word export said "The disk is full", and the user looked at the database's disk,
    which had room (found in a new user's trial). The Word export now reads a review at a
    time; taking a copy for a meeting still reads the whole database at once."""
    db = tmp_path / "mid.sqlite3"
    made = run("generate", "--db", str(db), "--reviews", "100", "--recommendations", "2500",
               "--seed", "1", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    before = db.read_bytes()
    disk.leave_free(small_disk, 8192)
    target = tmp_path / "laptop.sqlite3"
    result = run("checkout", "--db", str(db), "-o", str(target), cwd=tmp_path,
                 env={"TMPDIR": str(small_disk)})  # fmt: skip
    assert_clean_error(
        result, f"The temporary folder {small_disk}, where SQLite works on large reads, is full"
    )
    assert not target.exists()
    assert db.read_bytes() == before


def test_an_own_workbooks_log_onto_a_full_temporary_folder_is_one_sentence(
    tmp_path: Path, small_disk: Path
) -> None:
    """The log of casereview's own workbook is set aside in the temporary folder as it is
    read (issue 26's memory): that folder full is said by its name, nothing is imported, and
    nothing is left there."""
    from tests.helpers.spreadsheet_files import own_workbook_with_a_long_log

    source = tmp_path / "source.sqlite3"
    with open_database(resolve_location(str(source)), create=True) as database:
        workbook = own_workbook_with_a_long_log(database, tmp_path / "own.xlsx")
    db = tmp_path / "panel.sqlite3"
    made = run("demo", "--db", str(db), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    before = db.read_bytes()
    disk.leave_free(small_disk, 8192)
    result = run("import", str(workbook), "--db", str(db), cwd=tmp_path,
                 env={"TMPDIR": str(small_disk)})  # fmt: skip
    assert_clean_error(
        result,
        f"The temporary folder {small_disk}, where casereview sets the Updates sheet aside as "
        "it imports, is full; nothing was imported.",
    )
    assert db.read_bytes() == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_an_own_workbooks_import_leaves_nothing_in_the_temporary_folder(
    tmp_path: Path,
) -> None:
    """What the import of casereview's own workbook set aside is removed as it ends, a dry
    run's and a real one's."""
    from tests.helpers.spreadsheet_files import own_workbook_with_a_long_log

    with open_database(resolve_location(str(tmp_path / "source.sqlite3")), create=True) as source:
        workbook = own_workbook_with_a_long_log(source, tmp_path / "own.xlsx")
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    db = tmp_path / "panel.sqlite3"
    for dry in (["--dry-run"], []):
        result = run("import", str(workbook), "--db", str(db), *dry, cwd=tmp_path,
                     env={"TMPDIR": str(temporary)})  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert list(temporary.iterdir()) == []


def test_demo_onto_a_full_disk_is_one_sentence(tmp_path: Path, small_disk: Path) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * 1_050_000)  # 150 KB left: less than the sample data needs
    result = run("demo", "--db", str(small_disk / "demo.sqlite3"), cwd=tmp_path)
    assert_clean_error(result, "disk is full")
    assert [p.name for p in small_disk.iterdir()] == ["filler"]


# 14. Standard output closed or full --------------------------------------------------------


def _into_a_closed_pipe(
    *args: str, cwd: Path, stderr_too: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the command with its standard output a pipe whose reader has gone, as after
    ``| head -c 10`` (and its standard error too, as after ``2>&1 | head``), its output
    buffered as at a terminal (a review found a test passing only as CI sets
    PYTHONUNBUFFERED)."""
    environment = _environment()
    environment.pop("PYTHONUNBUFFERED", None)
    reader, writer = os.pipe()
    os.close(reader)
    with os.fdopen(writer, "wb") as stdout:
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            cwd=cwd,
            env=environment,
            stdout=stdout,
            stderr=stdout if stderr_too else subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )


def test_export_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    db = tmp_path / "big.sqlite3"
    made = run(
        "generate", "--db", str(db), "--reviews", "2", "--recommendations", "400", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    before = snapshot(tmp_path)
    result = _into_a_closed_pipe("export", "--db", str(db), "-o", "-", cwd=tmp_path)
    assert result.stderr == ""
    assert result.returncode == 128 + signal.SIGPIPE
    # The export was not recorded as made: it never reached its reader.
    assert {k: v for k, v in snapshot(tmp_path).items() if "backups" not in k} == {
        k: v for k, v in before.items() if "backups" not in k
    }


def test_an_import_whose_report_meets_a_closed_pipe_says_it_was_written(tmp_path: Path) -> None:
    """From the open list: ``import ... | head -c 0`` ended 141 with nothing said, though the
    import was kept, as if it had failed. It says the import was written, and ends 0."""
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Recommendation,Lead agency\nShare information.,Police\n", "utf-8")
    db = tmp_path / "panel.sqlite3"
    result = _into_a_closed_pipe("import", "tracker.csv", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "casereview: the import of tracker.csv was written (added 1 review, 1 organisation, 1 "
        "recommendation; updated nothing); its report was cut short, as its reader closed "
        "standard output."
    )
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM recommendations").fetchone() == (1,)
    # Standard error the same closed pipe: nothing can be said; the import stands, and 0.
    again = _into_a_closed_pipe(
        "import", "tracker.csv", "--db", str(tmp_path / "b.sqlite3"), cwd=tmp_path,
        stderr_too=True,
    )  # fmt: skip
    assert again.returncode == 0
    with closing(sqlite3.connect(tmp_path / "b.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM recommendations").fetchone() == (1,)


def test_a_report_onto_a_full_device_is_one_sentence(tmp_path: Path) -> None:
    """A review's find: an import's report that could not be written to a full disk ended 0
    without a word once the command ended at once."""
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Recommendation,Lead agency\nShare information.,Police\n", "utf-8")
    environment = _environment()
    environment.pop("PYTHONUNBUFFERED", None)
    with Path("/dev/full").open("wb") as stdout:
        result = subprocess.run(
            [sys.executable, "-m", "desktop", "import", "tracker.csv", "--db", "p.sqlite3"],
            cwd=tmp_path,
            env=environment,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert_clean_error(
        result,
        "The import of tracker.csv was written (added 1 review, 1 organisation, 1 "
        "recommendation; updated nothing), but what followed failed: No space left on device.",
    )
    with closing(sqlite3.connect(tmp_path / "p.sqlite3")) as conn:
        assert conn.execute("SELECT count(*) FROM recommendations").fetchone() == (1,)


def test_a_closed_pipe_where_there_is_no_sigpipe_ends_quietly(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows has no SIGPIPE: ``export -o - | more`` left early raised AttributeError out of
    main, a traceback (a review's find). It ends quietly with the code Unix gives."""
    import io

    from desktop import cli

    class ClosedPipe(io.BytesIO):
        def write(self, data: object) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.delattr(signal, "SIGPIPE")
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(ClosedPipe()))
    assert cli.main(["export", "--db", str(demo_db), "-o", "-"]) == 141
    assert capsys.readouterr().err == ""


def test_export_onto_a_full_device_is_one_sentence(demo_db: Path, tmp_path: Path) -> None:
    with Path("/dev/full").open("wb") as stdout:
        result = subprocess.run(
            [sys.executable, "-m", "desktop", "export", "--db", str(demo_db), "-o", "-"],
            cwd=tmp_path,
            env=_environment(),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert_clean_error(result, "standard output", "No space left")


# 15. Output paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["export", "-o", "plan.json"], ["brief", "-o", "pack.pdf"], ["backup", "-o", "copy.sqlite3"]],
)
def test_output_through_a_symlink_writes_the_file_it_points_to(
    demo_db: Path, tmp_path: Path, command: list[str]
) -> None:
    name = command[-1]
    (tmp_path / "real").mkdir()
    link = tmp_path / name
    link.symlink_to(tmp_path / "real" / name)
    result = run(*command, "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert (tmp_path / "real" / name).stat().st_size > 0


@pytest.mark.parametrize("command", [["export", "-o"], ["brief", "-o"], ["backup", "-o"]])
@pytest.mark.parametrize("kind", ["device", "fifo", "read-only"])
def test_output_onto_a_device_a_fifo_or_a_read_only_file_is_refused(
    demo_db: Path, tmp_path: Path, command: list[str], kind: str
) -> None:
    name = {"export": "plan.json", "brief": "pack.pdf", "backup": "copy.sqlite3"}[command[0]]
    target = tmp_path / name
    if kind == "device":
        target.symlink_to("/dev/null")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.write_bytes(b"kept")
        target.chmod(0o444)
    before = snapshot(tmp_path)
    result = run(*command, name, "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, "read-only" if kind == "read-only" else "not an ordinary file")
    assert Path("/dev/null").is_char_device()
    assert snapshot(tmp_path) == before
    if kind == "fifo":
        assert target.is_fifo()


@pytest.mark.parametrize(
    "command",
    [
        ["demo"],
        ["generate", "--reviews", "1", "--recommendations", "1"],
        ["export", "-o", "plan.json"],
    ],
)
def test_a_database_path_that_is_a_pipe_is_refused(tmp_path: Path, command: list[str]) -> None:
    pipe = tmp_path / "panel.sqlite3"
    os.mkfifo(pipe)
    result = run(*command, "--db", str(pipe), cwd=tmp_path)
    assert_clean_error(result, "not an ordinary file")
    assert pipe.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["panel.sqlite3"]


# 16. The export format matches its file name -----------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-o", "plan.xls"], "'.xls'"),
        (["-o", "plan.xlsm"], "'.xlsm'"),
        (["-o", "plan.pdf"], "'.pdf'"),
        (["-o", "plan"], "'plan'"),
        (["--format", "csv", "-o", "x.xlsx"], "--format csv does not match"),
        (["--format", "json", "-o", "x.csv"], "--format json does not match"),
    ],
)
def test_an_export_named_for_another_format_is_refused(
    demo_db: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    before = snapshot(tmp_path)
    result = run("export", "--db", str(demo_db), *args, cwd=tmp_path)
    assert_clean_error(result, fragment, code=2)
    assert snapshot(tmp_path) == before


# 20. Several imports into a new PostgreSQL database at once ------------------------------


@pytest.mark.postgres
def test_imports_at_once_into_a_new_server_database_all_succeed(
    postgres_location: Location, demo_db: Path, tmp_path: Path
) -> None:
    assert run("export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path).returncode == 0
    url = postgres_location.url.render_as_string(hide_password=False)
    commands = [start("import", "plan.json", "--db", url, cwd=tmp_path) for _ in range(4)]
    results = [ended(c) for c in commands]
    for result in results:
        assert result.returncode == 0, result.stderr
    mine = json.loads(run("export", "--db", url, "-o", "-", cwd=tmp_path).stdout)
    assert len(mine["reviews"]) == 2


# 21. SIGTERM cleans up as SIGINT does -------------------------------------------------------


def _schema_made(db: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    except sqlite3.Error:
        return False


def _interrupt_once(
    process: subprocess.Popen[str], ready: Callable[[], bool], signum: int
) -> subprocess.CompletedProcess[str]:
    """Send ``signum`` to ``process`` once ``ready()``; it must end with one sentence saying
    it was interrupted, and the signal's exit code."""
    while not ready():
        assert process.poll() is None, ended(process).stderr
        time.sleep(0.01)
    process.send_signal(signum)
    result = ended(process)
    assert result.returncode == 128 + signum, result.stderr
    assert_clean_error(result, "interrupted", code=128 + signum)
    return result


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_an_import_into_a_new_file_leaves_no_file(
    tmp_path: Path, signum: int
) -> None:
    big = _generated_json(tmp_path, 8000)
    db = tmp_path / "new.sqlite3"
    process = start("import", str(big), "--db", str(db), cwd=tmp_path)
    # Once the schema is made, the import's transaction runs.
    result = _interrupt_once(process, lambda: _schema_made(db), signum)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.sqlite3")]
    # It said "nothing more was written", as if something had been (a trial's find).
    assert "casereview: interrupted; nothing was written." in result.stderr


def test_a_refused_import_into_a_new_folder_leaves_no_folder(tmp_path: Path) -> None:
    """A trial's refused import into ``nothere/x.sqlite3`` left the folder ``nothere`` it had
    made. The folders the command made go with the file; one that holds anything else stays."""
    bad = tmp_path / "bad.csv"
    bad.write_text("Rec No,Recommendation,Target date\n1,Do it,31/02/2026\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("import", str(bad), "--db", "nothere/deeper/x.sqlite3", cwd=tmp_path)
    assert_clean_error(result, "'31/02/2026' is not a real date")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]
    assert snapshot(tmp_path) == before

    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("import", str(bad), "--db", "kept/new/x.sqlite3", cwd=tmp_path)
    assert_clean_error(result, "'31/02/2026' is not a real date")
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["notes.txt"]


def test_a_refused_command_through_dot_dot_takes_away_only_what_it_made(tmp_path: Path) -> None:
    """A review's find: `--db gone/../mine/x.sqlite3`, with `gone` missing, was judged new by
    the path's text; once `gone` was made the path reached `mine`, so a refused import took
    the user's empty folder `mine`, and a refused `demo` deleted the database in it. Only the
    folder and file the command made go now; an existing file so reached is opened as it is."""
    bad = tmp_path / "bad.csv"
    bad.write_text("Rec No,Recommendation,Target date\n1,Do it,31/02/2026\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    result = run("import", str(bad), "--db", "gone/../mine/x.sqlite3", cwd=tmp_path)
    assert_clean_error(result, "'31/02/2026' is not a real date")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "mine"]
    assert list((tmp_path / "mine").iterdir()) == []

    made = run("demo", "--db", "mine/x.sqlite3", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    before = snapshot(tmp_path / "mine")
    result = run("demo", "--db", "gone/../mine/x.sqlite3", cwd=tmp_path)
    assert_clean_error(result, "already holds data")
    assert snapshot(tmp_path / "mine") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "mine"]


def _items_in(db: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT count(*) FROM recommendations").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_an_import_reports_says_the_import_was_written(
    tmp_path: Path, signum: int
) -> None:
    """Found by a new user: stopped while printing its long report, an import that had
    committed said "interrupted; nothing more was written", read as nothing imported. The
    report here is longer than a pipe holds (a line for each row run on to the next), and
    nobody reads it, so the command waits to write it, committed, when the signal comes."""
    lines = ["Number,Recommendation,Lead agency,Status"]
    for n in range(1, 1501):
        lines += [f"{n},Share information about item {n}.,Police,In progress", ",and why.,,"]
    tracker = tmp_path / "run-on.csv"
    tracker.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "new.sqlite3"
    process = start("import", str(tracker), "--db", str(db), "--review", "RUN-ON", cwd=tmp_path)
    while _items_in(db) < 1500:  # committed: the report is being written
        assert process.poll() is None, ended(process).stderr
        time.sleep(0.05)
    time.sleep(0.5)  # the report has filled the pipe, and the command waits on it
    assert process.poll() is None
    process.send_signal(signum)
    result = ended(process)
    assert result.returncode == 128 + signum, result.stderr
    assert_clean_error(result, "interrupted after the import of", code=128 + signum)
    assert "was written (added 1 review, 1 organisation, 1,500 recommendations" in result.stderr
    assert _items_in(db) == 1500


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed SQLite file of 8,000 generated items, made once for the module."""
    from db.services.generate import generate

    path = tmp_path_factory.mktemp("generated") / "generated.sqlite3"
    with (
        open_database(resolve_location(str(path)), create=True) as database,
        database.transaction("setup") as session,
    ):
        generate(session, reviews=5, recommendations=8000, seed=1, today=TODAY)
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_word_export_leaves_no_file(
    generated_db: Path, tmp_path: Path, signum: int
) -> None:
    """The Word action plan is written into the file as its rows are made; stopped part-way,
    the part written is removed and nothing is put in the target's place."""
    db = tmp_path / "plan.sqlite3"
    shutil.copyfile(generated_db, db)
    out = tmp_path / "out"
    out.mkdir()
    process = start("export", "--db", str(db), "--format", "docx", "-o", "out/plan.docx",
                    cwd=tmp_path)  # fmt: skip
    # The rows are being written: the parts before them are in the file beside the target.
    result = _interrupt_once(
        process, lambda: any(f.stat().st_size > 0 for f in out.iterdir()), signum
    )
    assert list(out.iterdir()) == []
    assert "casereview: interrupted; nothing was written." in result.stderr


def _pack_recorded(db: Path) -> bool:
    """Whether the pack being made is in the audit trail (read-only, as the command writes)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            found = conn.execute(
                "SELECT count(*) FROM audit_log WHERE entity = 'briefing packs'"
            ).fetchone()
    except sqlite3.Error:
        return False
    return bool(found and found[0])


@pytest.mark.parametrize("signum", [signal.SIGINT])
def test_a_signal_while_a_pack_is_rendered_says_what_the_trail_notes(
    generated_db: Path, tmp_path: Path, signum: int
) -> None:
    """A trial's interrupted `brief` said "nothing was written" while the audit trail gained
    the pack's two entries (begun, and not made). The sentence says what the trail notes."""
    db = tmp_path / "pack.sqlite3"
    shutil.copyfile(generated_db, db)
    out = tmp_path / "out"
    out.mkdir()
    process = start("brief", "--db", str(db), "-o", "out/pack.pdf", cwd=tmp_path)
    result = _interrupt_once(process, lambda: _pack_recorded(db), signum)
    assert list(out.iterdir()) == []
    assert result.stderr.strip() == (
        "casereview: interrupted; the pack was not written, and the audit trail notes that it "
        "was begun and not made."
    )


@pytest.fixture
def ctrl_c_as_from_a_terminal() -> Iterator[None]:
    """Ctrl+C as a terminal gives it, in this process (see ``_as_from_a_terminal``): the CI
    run's suite has it ignored, and the command leaves a signal it was started with ignored
    as it is (the CI run of these tests found the signal sent in them ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _swallowing(work: Callable[..., T]) -> Callable[..., T]:
    """``work``, with Ctrl+C coming as it begins and swallowed by a bare ``except:``, as
    ReportLab's colour comparison swallowed one in a CI run (the pack was then written)."""

    def swallowed(*args: object, **kwargs: object) -> T:
        try:  # noqa: SIM105 (the library's way, on purpose)
            signal.raise_signal(signal.SIGINT)
        except:  # noqa: E722
            pass
        return work(*args, **kwargs)

    return swallowed


def _trail(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT entity FROM audit_log ORDER BY id")]


def _turned_into_an_error(work: Callable[..., T]) -> Callable[..., T]:
    """``work``, with Ctrl+C coming as it begins and another error raised in its place, as a
    library's clean-up can (``from None`` keeps the signal as the error's context)."""

    def turned(*args: object, **kwargs: object) -> T:
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ValueError("not equal") from None
        return work(*args, **kwargs)

    return turned


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
@pytest.mark.parametrize("met", [_swallowing, _turned_into_an_error])
def test_a_signal_swallowed_while_a_pack_is_rendered_still_stops_it(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    met: Callable[[Callable[..., bytes]], Callable[..., bytes]],
) -> None:
    """Ctrl+C while the pack renders, swallowed by the renderer or turned by it into another
    error (a review's find: the latter said "nothing was written" while the trail noted the
    pack begun and not made): the sentence says what the trail notes."""
    from desktop import cli

    pdf = cli._PACK_RENDERERS[".pdf"]
    monkeypatch.setitem(cli._PACK_RENDERERS, ".pdf", lambda: met(pdf()))
    before = _trail(demo_db)
    assert cli.main(["brief", "--db", str(demo_db), "-o", str(tmp_path / "pack.pdf")]) == 130
    assert capsys.readouterr().err.strip() == (
        "casereview: interrupted; the pack was not written, and the audit trail notes that it "
        "was begun and not made."
    )
    assert not (tmp_path / "pack.pdf").exists()
    assert _trail(demo_db) == [*before, "briefing packs", "briefing packs"]


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
def test_a_signal_swallowed_while_an_export_is_written_still_stops_it(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from db.exchange.spreadsheets import writing
    from desktop import cli

    monkeypatch.setattr(writing, "stream_csv", _swallowing(writing.stream_csv))
    before = _trail(demo_db)
    assert cli.main(["export", "--db", str(demo_db), "-o", str(tmp_path / "plan.csv")]) == 130
    assert capsys.readouterr().err.strip() == "casereview: interrupted; nothing was written."
    assert [p.name for p in tmp_path.iterdir() if "plan" in p.name] == []
    assert _trail(demo_db) == before


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
def test_a_signal_swallowed_while_an_import_is_applied_still_stops_it(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from db.exchange import spreadsheets
    from desktop import cli

    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Recommendation,Lead agency\nShare information.,Police\n", "utf-8")
    monkeypatch.setattr(spreadsheets, "import_tracker", _swallowing(spreadsheets.import_tracker))
    before = snapshot(tmp_path)
    assert cli.main(["import", str(tracker), "--db", str(demo_db), "--review", "NEW"]) == 130
    assert capsys.readouterr().err.strip() == "casereview: interrupted; nothing was written."
    assert snapshot(tmp_path) == before


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
# (what zipfile left half way, let go of, is not printed: "Exception ignored in ...")
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_signal_that_leaves_a_library_half_way_is_still_an_interruption(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signum: int,
) -> None:
    """A CI run's SIGTERM during a Word export came as zipfile had opened a part and before
    the ``with`` held it: closing the package then raised ValueError in the signal's place,
    and the command said "a fault of its own" and ended 1. Here the signal comes at that
    moment."""
    import zipfile

    from desktop import cli

    opened = zipfile.ZipFile._open_to_write

    def signalled(self: zipfile.ZipFile, *args: object, **kwargs: object) -> object:
        part = opened(self, *args, **kwargs)  # type: ignore[arg-type]
        if not isinstance(self.fp, io.BytesIO):  # the file's package, not python-docx's own
            signal.raise_signal(signum)
        return part

    monkeypatch.setattr(zipfile.ZipFile, "_open_to_write", signalled)
    previous = signal.getsignal(signal.SIGTERM)
    before = _trail(demo_db)
    try:
        code = cli.main(["export", "--db", str(demo_db), "-o", str(tmp_path / "plan.docx")])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 128 + signum
    assert capsys.readouterr().err.strip() == "casereview: interrupted; nothing was written."
    assert [p.name for p in tmp_path.iterdir() if "plan" in p.name] == []
    assert _trail(demo_db) == before


def test_ctrl_break_is_handled_as_ctrl_c_where_there_is_one(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Windows' Ctrl+Break (SIGBREAK) ended a command at once by default, leaving what it was
    writing half done. Where the platform has it, it is handled as Ctrl+C is. (Here SIGUSR1
    plays SIGBREAK: Linux has none.)"""
    from db.exchange.spreadsheets import writing
    from desktop import cli

    came: list[int] = []
    harmless = signal.signal(signal.SIGUSR1, lambda signum, _frame: came.append(signum))
    try:
        monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR1, raising=False)
        stream_csv = writing.stream_csv

        def broken_into(*args: object, **kwargs: object) -> None:
            signal.raise_signal(signal.SIGUSR1)  # Ctrl+Break as the plan is written
            stream_csv(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(writing, "stream_csv", broken_into)
        before = _trail(demo_db)
        code = cli.main(["export", "--db", str(demo_db), "-o", str(tmp_path / "plan.csv")])
        assert signal.getsignal(signal.SIGUSR1) is not cli._on_signal  # put back
    finally:
        signal.signal(signal.SIGUSR1, harmless)
    assert (code, came) == (130, [])
    assert capsys.readouterr().err.strip() == "casereview: interrupted; nothing was written."
    assert [p.name for p in tmp_path.iterdir() if "plan" in p.name] == []
    assert _trail(demo_db) == before


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
def test_a_full_disk_as_a_signal_is_held_is_told_as_the_full_disk(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A review's find: Ctrl+C held while the pack was put in place, which then failed on a
    full disk, was told as the interruption ("nothing was written", 130). The failure came
    first and is what the user must put right: it is told."""
    import errno as errors

    from desktop import cli

    def full(target: Path, data: bytes) -> None:
        signal.raise_signal(signal.SIGINT)  # held: the file is being put in place
        raise OSError(errors.ENOSPC, os.strerror(errors.ENOSPC), str(target))

    monkeypatch.setattr(cli, "write_atomically", full)
    code = cli.main(["brief", "--db", str(demo_db), "-o", str(tmp_path / "pack.pdf")])
    said = capsys.readouterr().err.strip()
    assert code == 1, said
    assert "interrupted" not in said and "full" in said, said
    assert not (tmp_path / "pack.pdf").exists()


def _then_signalled(work: Callable[..., T]) -> Callable[..., T]:
    """``work``, then Ctrl+C: as if it came once a file was in place, while its folder was
    synced or the entry recording it committed."""

    def signalled(*args: object, **kwargs: object) -> T:
        done = work(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)
        return done

    return signalled


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
@pytest.mark.parametrize("command", ["brief", "minutes", "export"])
def test_a_signal_as_a_file_is_put_in_place_says_it_was_written(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    """A trial's Ctrl+C as a pack was put in place: the pack was written, the command said
    it was not and the trail noted it not made. Now each file in place is said written, and
    the trail records it as made (one entry), as it records any file written."""
    from db.store.atomic import Staged
    from desktop import cli

    monkeypatch.setattr(Staged, "settle", _then_signalled(Staged.settle))
    target = tmp_path / ("plan.json" if command == "export" else f"{command}.pdf")
    args = [command, "--db", str(demo_db), "-o", str(target)]
    if command == "minutes":
        with closing(sqlite3.connect(demo_db)) as conn:
            held = conn.execute("SELECT min(held_on) FROM meetings").fetchone()[0]
        args += ["--meeting", str(held)]
    before = _trail(demo_db)
    assert cli.main(args) == 130
    what = {"brief": "the briefing pack", "minutes": "the minutes", "export": "the export to"}
    verb = "were" if command == "minutes" else "was"
    assert capsys.readouterr().err.strip() == (
        f"casereview: interrupted after {what[command]} {target} {verb} written; nothing more "
        "was written."
    )
    assert target.stat().st_size > 0
    entity = {"brief": "briefing packs", "minutes": "minutes", "export": "exports"}[command]
    assert _trail(demo_db) == [*before, entity]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_as_the_command_loads_is_one_sentence(
    demo_db: Path, tmp_path: Path, signum: int
) -> None:
    """A trial's Ctrl+C in the first half second, as Python loaded the program, printed a
    traceback (SIGTERM: the process died without a word)."""
    before = snapshot(tmp_path)
    result = python(
        "-m", "tests.helpers.signalled", "loading", signal.Signals(signum).name,
        "export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 128 + signum, result.stderr
    assert result.stderr == "casereview: interrupted; nothing was written.\n"
    assert snapshot(tmp_path) == before


def test_ctrl_break_as_the_command_loads_is_ctrl_c(demo_db: Path, tmp_path: Path) -> None:
    """Windows' Ctrl+Break while the program loads is said as Ctrl+C is (SIGUSR1 plays it:
    Linux has no SIGBREAK; unhandled, it would end the process by the signal, silently)."""
    before = snapshot(tmp_path)
    result = python(
        "-m", "tests.helpers.signalled", "loading", "SIGBREAK",
        "export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 130, result.stderr
    assert result.stderr == "casereview: interrupted; nothing was written.\n"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_once_the_command_has_ended_changes_nothing(
    demo_db: Path, tmp_path: Path, signum: int
) -> None:
    """A trial's Ctrl+C just after "Exported ..." (Python took more than a second to shut
    down on a busy machine) ended the process by the signal, some runs with "Exception
    ignored" and a traceback. The command has ended and said so: its own exit code stands."""
    result = python(
        "-m", "tests.helpers.signalled", "ended", signal.Signals(signum).name,
        "export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "Exported everything to plan.json: 2 reviews, and every inspection, initiative and "
        "meeting.\n"
    )
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))["reviews"]


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
def test_a_second_signal_as_the_first_is_said_changes_nothing_said(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A review's find: a second Ctrl+C as the first was being said met the handler from
    before the command, which said "nothing was written" after an export was written."""
    from db.store.atomic import Staged
    from desktop import cli

    monkeypatch.setattr(Staged, "settle", _then_signalled(Staged.settle))
    said = cli._log.info

    def info(message: str, *args: object) -> None:
        if message.startswith("command interrupted"):
            signal.raise_signal(signal.SIGINT)  # the second Ctrl+C
        said(message, *args)

    monkeypatch.setattr(cli._log, "info", info)
    target = tmp_path / "plan.json"
    assert cli.main(["export", "--db", str(demo_db), "-o", str(target)]) == 130
    assert capsys.readouterr().err.strip() == (
        f"casereview: interrupted after the export to {target} was written; nothing more was "
        "written."
    )


@pytest.mark.usefixtures("ctrl_c_as_from_a_terminal")
def test_a_signal_while_the_write_lock_is_awaited_stops_the_export(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A review's find: Ctrl+C while an export waited for another writer's lock was held
    until the file was in place, and the export then written. It stops it, as before."""
    import threading

    from desktop import cli

    other = sqlite3.connect(demo_db, check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, holding the lock

    def then_let_go() -> None:
        time.sleep(1.5)  # the export (a fraction of a second) is waiting for the lock
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.2)
        other.execute("COMMIT")

    helper = threading.Thread(target=then_let_go)
    helper.start()
    try:
        target = tmp_path / "plan.json"
        assert cli.main(["export", "--db", str(demo_db), "-o", str(target)]) == 130
    finally:
        helper.join()
        other.close()
    assert capsys.readouterr().err.strip() == "casereview: interrupted; nothing was written."
    assert not target.exists()


# 22. generate has an upper bound -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--reviews", "1", "--recommendations", str(10**20)], "the most is 1,000,000"),
        (["--reviews", "10001", "--recommendations", "1"], "the most is 10,000"),
    ],
)
def test_generate_refuses_sizes_out_of_reason(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    result = run("generate", "--db", str(tmp_path / "g.sqlite3"), *args, cwd=tmp_path)
    assert_clean_error(result, fragment, code=2)
    assert list(tmp_path.iterdir()) == []


# 23. An error keeps its cause, and the user still reads one sentence -----------------------


def test_a_refusal_with_a_cause_is_still_one_sentence(demo_db: Path, tmp_path: Path) -> None:
    """The data layer chains the failure beneath (``raise ... from exc``) for a developer and
    the log; the command line shows only the sentence, even with CASEREVIEW_DEBUG=1 (which
    ``run`` sets), and never the cause's own text or a traceback."""
    from db.core.errors import DocumentError
    from db.exchange.json_format import read_document_file

    latin = tmp_path / "plan.json"
    latin.write_bytes('{"format": "casereview/1", "note": "Caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(DocumentError) as caught:
        read_document_file(latin)
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)  # kept, not dropped
    result = run("import", str(latin), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, "is not a casereview JSON file (it is not UTF-8 text).")
    assert "codec" not in result.stderr and "UnicodeDecodeError" not in result.stderr
    assert "above exception" not in result.stderr


@pytest.mark.parametrize("written", [False, True], ids=["before", "after"])
def test_a_new_file_is_removed_on_an_interruption_only_before_anything_was_written(
    tmp_path: Path, written: bool
) -> None:
    """A trial's Ctrl+C just after an import into a new file had committed (as the database
    closed) deleted the file, and the command said the import was written. A new file is
    removed only while nothing has been written to it for good (``_WRITTEN``)."""
    from desktop import cli

    path = tmp_path / "new.sqlite3"
    made: list[Path] = []
    cli._WRITTEN.clear()
    with (
        pytest.raises(KeyboardInterrupt),
        cli._removed_on_failure(made),
        open_database(resolve_location(str(path)), create=True, made=made) as database,
    ):
        with database.transaction("t") as session:
            load_sample(session, TODAY)
        if written:
            cli._WRITTEN.append("the import of plan.json was written")
        raise KeyboardInterrupt
    cli._WRITTEN.clear()
    assert path.exists() is written


def test_an_export_says_it_was_written_once_it_is_in_place_and_recorded(
    demo_db: Path, tmp_path: Path
) -> None:
    """So that a command interrupted after that says so (a trial's Ctrl+C as a Word export
    ended was told "nothing was written" beside the finished file)."""
    from db.core.errors import CaseReviewError
    from db.services.transfer import export_file

    said: list[bool] = []
    target = tmp_path / "plan.json"
    with open_database(resolve_location(str(demo_db))) as database:
        export_file(
            database, target, fmt="json", today=TODAY, actor="t",
            written=lambda: said.append(target.exists()),
        )  # fmt: skip
        assert said == [True]

        def stop() -> None:
            raise CaseReviewError("Cancelled.")

        other = tmp_path / "other.json"
        with pytest.raises(CaseReviewError):
            export_file(
                database, other, fmt="json", today=TODAY, actor="t", check=stop,
                written=lambda: said.append(True),
            )  # fmt: skip
    assert said == [True] and not other.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX's")
def test_restore_from_a_named_pipe_is_refused_not_waited_on(demo_db: Path, tmp_path: Path) -> None:
    """The command line's sweep drew `restore PIPE`: opening a named pipe waits for a writer,
    and the command hung. It is refused in one sentence, the database as it was."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    before = demo_db.read_bytes()
    result = run("restore", str(pipe), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, "is not a file (a pipe or a device), so it is no backup.")
    assert demo_db.read_bytes() == before


def _hostile_inputs(folder: Path) -> dict[str, Path]:
    """A trial's files: a number of 5,000 digits (past Python's limit for reading one), JSON
    nested 100,000 deep, a named pipe, and a link to a device that never ends."""
    files = {
        "bigint": folder / "bigint.json",
        "deep": folder / "deep.json",
        "pipe": folder / "pipe.json",
        "zero": folder / "zero.csv",
    }
    files["bigint"].write_text('{"format": "casereview/1", "n": ' + "9" * 5000 + "}")
    files["deep"].write_text("[" * 100_000 + "]" * 100_000)
    os.mkfifo(files["pipe"])
    files["zero"].symlink_to("/dev/zero")
    return files


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["import", "{bigint}"], "holds a number too long to read"),
        (["import", "{pipe}"], "is not a file (a pipe or a device)"),
        (["import", "{zero}"], "is not a file (a pipe or a device)"),
        (["import", "{tracker}", "--mapping", "{bigint}"], "The mapping file bigint.json is not"),
        (["import", "{tracker}", "--mapping", "{deep}"], "The mapping file deep.json is not JSON"),
        (["import", "{tracker}", "--mapping", "{pipe}"], "is not a file (a pipe or a device)"),
        (["merge", "{copy}", "--answers", "{deep}"], "is not an answers file"),
        (["merge", "{copy}", "--answers", "{bigint}"], "is not an answers file"),
        (["merge", "{copy}", "--answers", "{pipe}"], "is not a file (a pipe or a device)"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else None,
)
def test_hostile_json_and_special_files_are_one_sentence(
    demo_db: Path, tmp_path: Path, command: list[str], said: str
) -> None:
    """Found by a trial: each of these stopped at "a fault of its own" (ValueError,
    RecursionError) or waited for ever; each is one sentence, everything as it was."""
    files = _hostile_inputs(tmp_path)
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("Rec No,Recommendation\n1,Share information.\n", encoding="utf-8")
    copy = tmp_path / "copy.sqlite3"
    if command[0] == "merge":
        taken = run("checkout", "--db", str(demo_db), "-o", str(copy), cwd=tmp_path)
        assert taken.returncode == 0, taken.stderr
    names = {**{k: str(v) for k, v in files.items()}, "tracker": str(tracker), "copy": str(copy)}
    args = [part.format(**names) for part in command]
    before = demo_db.read_bytes(), copy.read_bytes() if copy.exists() else b""
    result = run(*args, "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, said)
    assert (demo_db.read_bytes(), copy.read_bytes() if copy.exists() else b"") == before
