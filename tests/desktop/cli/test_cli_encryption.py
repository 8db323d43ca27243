"""The casereview command on encrypted databases, run as a separate process on real files:
``encrypt``, and ``--passphrase-stdin`` on every command; a wrong or missing passphrase is one
plain line and leaves every file as it was."""

from __future__ import annotations

import json
import os
import select
import sys
import time
from pathlib import Path

import pytest

from db.store.backups import kept_copies
from db.store.paths import SQLITE_MAGIC
from tests.helpers import ROOT
from tests.helpers.cli import assert_clean_error, run, snapshot

SECRET = "correct horse battery staple"


@pytest.fixture
def encrypted_db(tmp_path: Path) -> Path:
    path = tmp_path / "panel.sqlite3"
    made = run("demo", "--db", str(path), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    done = run(
        "encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert "Encrypted" in done.stderr and "Keep the passphrase safe" in done.stderr
    return path


def _change_an_owner(plan: Path) -> None:
    """Make an exported plan change one thing when imported again (an import that would
    change nothing keeps no copy of the database first)."""
    doc = json.loads(plan.read_text(encoding="utf-8"))
    doc["reviews"][0]["recommendations"][0]["owner"] = "Someone Else"
    plan.write_text(json.dumps(doc), encoding="utf-8")


def test_encrypt_then_every_command_works_with_the_passphrase(
    encrypted_db: Path, tmp_path: Path
) -> None:
    assert encrypted_db.read_bytes()[:16] != SQLITE_MAGIC
    assert b"Police" not in encrypted_db.read_bytes()
    given = SECRET + "\n"
    db = ("--db", str(encrypted_db), "--passphrase-stdin")

    checked = run("check", *db, cwd=tmp_path, stdin=given)
    assert checked.returncode == 0, checked.stderr
    assert "is sound" in checked.stdout

    exported = run("export", *db, "-o", "plan.json", cwd=tmp_path, stdin=given)
    assert exported.returncode == 0, exported.stderr
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert len(doc["reviews"]) == 2

    briefed = run("brief", *db, "-o", "pack.pdf", cwd=tmp_path, stdin=given)
    assert briefed.returncode == 0, briefed.stderr

    _change_an_owner(tmp_path / "plan.json")  # an import that changes nothing keeps no copy
    imported = run("import", "plan.json", *db, cwd=tmp_path, stdin=given)
    assert imported.returncode == 0, imported.stderr
    kept = kept_copies(tmp_path / "panel.sqlite3")
    assert kept and all(c.path.read_bytes()[:16] != SQLITE_MAGIC for c in kept)

    backed = run("backup", *db, "-o", "copy.sqlite3", cwd=tmp_path, stdin=given)
    assert backed.returncode == 0, backed.stderr
    assert (tmp_path / "copy.sqlite3").read_bytes()[:16] != SQLITE_MAGIC

    restored = run("restore", "copy.sqlite3", *db, cwd=tmp_path, stdin=given)
    assert restored.returncode == 0, restored.stderr

    window = run(
        *db, "--exit-when-ready", cwd=tmp_path, stdin=given, env={"QT_QPA_PLATFORM": "offscreen"}
    )
    assert window.returncode == 0, window.stderr
    assert float(window.stderr.strip().splitlines()[-1]) > 0


@pytest.mark.parametrize(
    "command",
    [
        ["check"],
        ["export", "-o", "out.json"],
        ["brief", "-o", "out.pdf"],
        ["backup", "-o", "out.sqlite3"],
        ["import", "tracker.json"],
        ["restore", "backup.sqlite3"],
        ["--exit-when-ready"],
    ],
    ids=lambda c: c[0].lstrip("-"),
)
def test_a_wrong_or_missing_passphrase_is_refused_and_nothing_changes(
    encrypted_db: Path, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "tracker.json").write_text(
        json.dumps({"format": "casereview/1", "reviews": []}), encoding="utf-8"
    )
    (tmp_path / "backup.sqlite3").write_bytes(encrypted_db.read_bytes())
    before = snapshot(tmp_path)
    env = {"QT_QPA_PLATFORM": "offscreen"}
    wrong = run(
        *command, "--db", str(encrypted_db), "--passphrase-stdin",
        cwd=tmp_path, stdin="not the passphrase\n", env=env,
    )  # fmt: skip
    assert_clean_error(wrong, "The passphrase does not open")
    missing = run(*command, "--db", str(encrypted_db), cwd=tmp_path, stdin="", env=env)
    assert_clean_error(missing, "is encrypted", "--passphrase-stdin")
    empty = run(
        *command, "--db", str(encrypted_db), "--passphrase-stdin", cwd=tmp_path, stdin="", env=env
    )
    assert_clean_error(empty, "standard input held no passphrase", code=2)
    assert snapshot(tmp_path) == before


def test_encrypt_refusals_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "panel.sqlite3"
    assert run("demo", "--db", str(path), cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    short = run("encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin="short\n")
    assert_clean_error(short, "at least 8 characters")
    no_terminal = run("encrypt", "--db", str(path), cwd=tmp_path, stdin="")
    assert_clean_error(no_terminal, "--passphrase-stdin", code=2)
    server = run(
        "encrypt", "--db", "postgresql://nobody@127.0.0.1:1/none", "--passphrase-stdin",
        cwd=tmp_path, stdin=SECRET + "\n",
    )  # fmt: skip
    assert_clean_error(server, "SQLite files", code=2)
    missing = run(
        "encrypt", "--db", str(tmp_path / "missing.sqlite3"), "--passphrase-stdin",
        cwd=tmp_path, stdin=SECRET + "\n",
    )  # fmt: skip
    assert_clean_error(missing, "There is no database")
    assert snapshot(tmp_path) == before

    assert (
        run(
            "encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n"
        ).returncode
        == 0
    )
    encrypted = snapshot(tmp_path)
    again = run(
        "encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n"
    )
    assert_clean_error(again, "already encrypted")
    assert snapshot(tmp_path) == encrypted


def test_a_new_database_given_a_passphrase_is_made_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    made = run("demo", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n")
    assert made.returncode == 0, made.stderr
    assert path.read_bytes()[:16] != SQLITE_MAGIC
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    weak = run(
        "demo", "--db", str(tmp_path / "weak.sqlite3"), "--passphrase-stdin",
        cwd=tmp_path, stdin="short\n",
    )  # fmt: skip
    assert_clean_error(weak, "at least 8 characters")
    assert not (tmp_path / "weak.sqlite3").exists()


def test_no_plaintext_file_is_left_beside_an_encrypted_database(
    encrypted_db: Path, tmp_path: Path
) -> None:
    """After encrypting and using it, every file in the folder (the database, its log, its
    kept copies) is encrypted: none starts as SQLite or holds the sample's words."""
    given = SECRET + "\n"
    db = ("--db", str(encrypted_db), "--passphrase-stdin")
    assert run("export", *db, "-o", "plan.json", cwd=tmp_path, stdin=given).returncode == 0
    _change_an_owner(tmp_path / "plan.json")
    assert run("import", "plan.json", *db, cwd=tmp_path, stdin=given).returncode == 0
    (tmp_path / "plan.json").unlink()  # an export is plaintext by design: the user asked
    assert kept_copies(tmp_path / "panel.sqlite3")  # the copy before the import
    for name, data in snapshot(tmp_path).items():
        assert not data.startswith(SQLITE_MAGIC), name
        assert b"Police" not in data, name


def test_a_passphrase_that_is_not_utf8_is_refused_plainly(
    encrypted_db: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    before = snapshot(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "check", "--db", str(encrypted_db), "--passphrase-stdin"],
        input=b"caf\xe9 au lait\n",
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert "not UTF-8" in stderr
    assert snapshot(tmp_path) == before


def test_encrypt_again_finishes_a_run_that_left_copies_plain(tmp_path: Path) -> None:
    """The state an interrupted encrypt leaves (the database encrypted, a kept copy not):
    encrypt again asks for the database's own passphrase and encrypts the copy."""
    from db.services.encrypt import _encrypt_file
    from db.store.backups import automatic_backup
    from db.store.cipher import Passphrase
    from db.store.location import resolve_location

    path = tmp_path / "panel.sqlite3"
    assert run("demo", "--db", str(path), cwd=tmp_path).returncode == 0
    kept = automatic_backup(resolve_location(str(path)), "before-import")
    assert kept is not None
    _encrypt_file(path, Passphrase(SECRET), exclusive=True)
    before = snapshot(tmp_path)

    wrong = run(
        "encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin="guess1234\n"
    )
    assert_clean_error(wrong, "passphrase")
    assert snapshot(tmp_path) == before

    done = run(
        "encrypt", "--db", str(path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        f"{path} was already encrypted; encrypted the 1 copy kept beside it that was still plain."
    )
    assert kept.read_bytes()[:16] != SQLITE_MAGIC and b"Police" not in kept.read_bytes()


class Terminal:
    """casereview run in a pseudo-terminal of its own (its controlling terminal, as when a
    person types the command), answering its prompts as a person would."""

    def __init__(self, *args: str, cwd: Path) -> None:
        import pty

        environment = {k: v for k, v in os.environ.items() if not k.startswith("CASEREVIEW_")}
        environment["PYTHONPATH"] = str(ROOT)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become casereview
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "desktop", *args], environment)
        self.seen = b""

    def expect(self, prompt: str, timeout: float = 60) -> None:
        """Read what the program writes until ``prompt`` appears."""
        deadline = time.monotonic() + timeout
        while prompt.encode() not in self.seen:
            assert time.monotonic() < deadline, self.seen.decode(errors="replace")
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                self.seen += os.read(self.fd, 4096)

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        """Wait for the program to end: its exit status and everything it wrote."""
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, self.seen.decode(errors="replace")
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the program ended and the terminal closed
                    chunk = b""
                if not chunk:
                    break
                self.seen += chunk
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status), self.seen.decode(errors="replace")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="pseudo-terminals are POSIX")
def test_the_passphrase_is_asked_for_at_a_terminal_without_echo(tmp_path: Path) -> None:
    path = tmp_path / "panel.sqlite3"
    assert run("demo", "--db", str(path), cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)

    differ = Terminal("encrypt", "--db", str(path), cwd=tmp_path)
    differ.expect("New passphrase for panel.sqlite3: ")
    differ.type(SECRET)
    differ.expect("The same passphrase again: ")
    differ.type(SECRET + " but not quite")
    code, said = differ.finish()
    assert code == 1 and "The two passphrases differ; nothing was changed." in said
    assert SECRET not in said  # nothing typed was echoed
    assert snapshot(tmp_path) == before

    typed = Terminal("encrypt", "--db", str(path), cwd=tmp_path)
    typed.expect("New passphrase for panel.sqlite3: ")
    typed.type(SECRET)
    typed.expect("The same passphrase again: ")
    typed.type(SECRET)
    code, said = typed.finish()
    assert code == 0, said
    assert "Encrypted" in said and SECRET not in said
    assert path.read_bytes()[:16] != SQLITE_MAGIC

    checked = Terminal("check", "--db", str(path), cwd=tmp_path)
    checked.expect("Passphrase for panel.sqlite3: ")
    checked.type(SECRET)
    code, said = checked.finish()
    assert code == 0, said
    assert "is sound" in said and SECRET not in said

    wrong = Terminal("check", "--db", str(path), cwd=tmp_path)
    wrong.expect("Passphrase for panel.sqlite3: ")
    wrong.type("not the passphrase")
    code, said = wrong.finish()
    assert code == 1 and "The passphrase does not open panel.sqlite3" in said
    assert "Traceback" not in said and "not the passphrase" not in said
