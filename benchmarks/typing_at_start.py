"""Typing into the search box as the window appears, under a real X server, at 100,000 items.

    python benchmarks/typing_at_start.py [--runs 4] [--busy 3]

Needs Xvfb and xdotool (and openbox, if installed, as the window manager). Each run starts a
fresh ``casereview --db COPY`` on a display of its own, its Recommendations tab remembered as
the last one shown, with ``--busy`` processes spinning beside it (a workstation busy with
other work: a new user's trial saw the stall at a load of 2.4-2.6 on two cores). As soon as
the window is on the screen xdotool presses Ctrl+F and types "safeguarding sup", a key every
10 ms, as a quick typist does when a window has just appeared. The window's own event log
(each key as the search box takes it, each paint of the box with what it shows) gives:

- when the first key was taken, after Ctrl+F was sent;
- when the box first showed the whole text, after the last key was sent;
- the longest time the box showed a part of the text (a first letter or two) without change
  (no part at all, 0, when the window took no key until every key had come: the first two
  figures then show the wait).

A search run for each key before Qt repainted the box showed the first letters, then nothing
for 0.3-0.5 s at a time, then the whole text (``QueuedSearch``, docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, dataset, environment, machine

TYPED = "safeguarding sup"
KEY_GAP_MS = 10


def child(db: str, log: str) -> None:
    """The window over ``db``, its search box's keys and paints noted in ``log``."""
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLineEdit

    import desktop.app as app_module

    with Path(log).open("w", buffering=1, encoding="utf-8") as out:
        real_open = app_module.Controller.open

        class Noted(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                box = watched
                if isinstance(box, QLineEdit) and box.accessibleName() == "Search recommendations":
                    if event.type() == QEvent.Type.KeyPress:
                        out.write(json.dumps(["key", time.time(), event.text()]) + "\n")  # type: ignore[attr-defined]
                    elif event.type() == QEvent.Type.Paint:
                        out.write(json.dumps(["paint", time.time(), box.text()]) + "\n")
                return False

        def noting_open(self: Any, location: Any) -> Any:
            app = QApplication.instance()
            noted = Noted(app)
            app.installEventFilter(noted)  # type: ignore[union-attr]
            app.noted = noted  # type: ignore[union-attr]  # kept alive
            return real_open(self, location)

        app_module.Controller.open = noting_open  # type: ignore[method-assign]
        sys.exit(app_module.run(db))


def _free_display() -> int:
    for number in range(90, 200):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise SystemExit("No free X display number between :90 and :199.")


def one_run(db: Path, busy: int, folder: Path) -> dict[str, float]:
    copy = folder / "typed.sqlite3"
    shutil.copyfile(db, copy)
    config = folder / "config"
    shutil.rmtree(config, ignore_errors=True)
    (config / "casereview").mkdir(parents=True)
    (config / "casereview" / "casereview.conf").write_text("[window]\nlast_tab=1\n")
    log = folder / "keys.jsonl"
    env = environment(config)
    env["QT_QPA_PLATFORM"] = "xcb"
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(busy)]
    try:
        time.sleep(2)  # the load established
        window = subprocess.Popen(
            [sys.executable, __file__, "--child", str(copy), "--log", str(log)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            subprocess.run(
                ["xdotool", "search", "--sync", "--onlyvisible", "--name", "casereview"],
                env=env, check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            sent = time.time()
            subprocess.run(["xdotool", "key", "ctrl+f"], env=env, check=True)
            subprocess.run(
                ["xdotool", "type", "--delay", str(KEY_GAP_MS), TYPED], env=env, check=True
            )
            last_sent = time.time()
            time.sleep(4)
        finally:
            window.terminate()
            window.wait(timeout=30)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    notes = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    keys = [at for kind, at, text in notes if kind == "key" and text]
    paints = [(at, text) for kind, at, text in notes if kind == "paint" and text]
    whole = next((at for at, text in paints if text == TYPED), None)
    if whole is None:
        raise SystemExit(f"The box never showed {TYPED!r} within 4 s of the last key.")
    longest, since, shown = 0.0, None, None
    for at, text in paints:
        if text != shown:
            if shown is not None and since is not None and shown != TYPED:
                longest = max(longest, at - since)
            since, shown = at, text
    return {
        "first_key_ms": (keys[0] - sent) * 1000,
        "whole_after_last_ms": (whole - last_sent) * 1000,
        "part_held_ms": longest * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--busy", type=int, default=3, help="spinning processes beside it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.log)
        return
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        print(f"Skipped: this needs {' and '.join(missing)} (a real X server and its keyboard).")
        return
    db = dataset(100_000)
    number = _free_display()
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1440x900x24"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.environ["DISPLAY"] = display
    manager = None
    try:
        time.sleep(1)
        if shutil.which("openbox"):
            manager = subprocess.Popen(
                ["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(1)
        runs = []
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(args.runs):
                runs.append(one_run(db, args.busy, Path(folder)))
    finally:
        if manager is not None:
            manager.terminate()
        server.terminate()
    print(f"Machine: {machine()}; {args.busy} spinning processes beside the window")
    print(f'{args.runs} fresh starts at 100,000 items, "{TYPED}" typed a key every {KEY_GAP_MS} ms')
    print("| | median (ms) | worst (ms) |")
    print("|---|---:|---:|")
    for key, name in (
        ("first_key_ms", "Ctrl+F sent to the first key taken"),
        ("whole_after_last_ms", "the last key sent to the whole text shown"),
        ("part_held_ms", "the longest the box showed part of the text"),
    ):
        values = [run[key] for run in runs]
        print(f"| {name} | {statistics.median(values):.0f} | {max(values):.0f} |")


if __name__ == "__main__":
    main()
