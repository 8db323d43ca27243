"""casereview never opens a network connection: every command and the window, run in one
process under a Python audit hook that records each socket the program creates and each
name it looks up (PEP 578 events, raised by the standard library for every socket). Qt's
C++ code is outside the hook, so the same run also shows that Qt's network module is never
loaded. (A PostgreSQL server the user names is the one connection made, and only then.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HARNESS = r"""
import json, socket, sys

events = []
NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
           "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
           "socket.getnameinfo", "http.client.connect", "urllib.Request"}

def hook(event, args):
    if event == "socket.__new__":
        family = args[1]
        if family in (socket.AF_INET, socket.AF_INET6, -1):
            events.append([event, repr(family)])
    elif event in NETWORK:
        events.append([event, repr(args)[:200]])

sys.addaudithook(hook)

from desktop.cli import main

folder, plan = sys.argv[1], json.loads(sys.argv[2])
codes = [main(args) for args in plan]
# The control: a socket made on purpose must be seen, or the hook proves nothing.
socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
qt_network = "PySide6.QtNetwork" in sys.modules
print(json.dumps({"codes": codes, "events": events, "qt_network": qt_network}))
"""


@pytest.mark.slow
def test_no_command_and_not_the_window_opens_a_network_connection(tmp_path: Path) -> None:
    db = str(tmp_path / "panel.sqlite3")
    plan = [
        ["demo", "--db", db],
        ["check", "--db", db],
        ["export", "--db", db, "-o", str(tmp_path / "plan.xlsx")],
        ["export", "--db", db, "-o", str(tmp_path / "plan.json")],
        ["export", "--db", db, "-o", str(tmp_path / "plan.csv")],
        ["brief", "--db", db, "-o", str(tmp_path / "pack.pdf")],
        ["backup", "--db", db, "-o", str(tmp_path / "copy.sqlite3")],
        ["restore", str(tmp_path / "copy.sqlite3"), "--db", db],
        ["import", "--db", str(tmp_path / "new.sqlite3"), str(tmp_path / "plan.xlsx")],
        ["generate", "--db", str(tmp_path / "big.sqlite3"), "--reviews", "3",
         "--recommendations", "300"],
        ["--db", db, "--exit-when-ready"],
        # Encrypted: each --passphrase-stdin reads the next line of standard input.
        ["encrypt", "--db", db, "--passphrase-stdin"],
        ["check", "--db", db, "--passphrase-stdin"],
        ["backup", "--db", db, "-o", str(tmp_path / "secret.sqlite3"), "--passphrase-stdin"],
        ["--db", db, "--passphrase-stdin", "--exit-when-ready"],
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEREVIEW_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, str(tmp_path), json.dumps(plan)],
        cwd=tmp_path,
        env=env,
        input="correct horse battery staple\n" * 4,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0] * len(plan), result.stderr
    *program, control = report["events"]
    assert control[0] == "socket.__new__"  # the hook saw the control socket
    assert program == []
    assert report["qt_network"] is False
    assert Path(db).read_bytes()[:16] != b"SQLite format 3\x00"  # the encrypted run was one
