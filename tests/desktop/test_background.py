"""A read off the GUI thread (``desktop.background.run_in_thread``): its result, or the error
that stopped it, handed to the GUI thread; nothing handed to a receiver deleted meanwhile;
Python's collector held while it runs and let go after."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from db.core.collector import collector
from db.core.vocabulary import ReviewKind
from db.exchange.document import Document, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.store.database import Database
from db.store.models import Recommendation
from desktop import background
from desktop.background import run_in_thread

SECRET = "Child A, 14 Acacia Avenue"  # as an error's text might quote a record


def _items(database: Database, count: int) -> None:
    doc = Document(
        reviews=[
            ReviewDoc(
                reference="SCR-1",
                kind=ReviewKind.SCR,
                title="A review (fictional)",
                recommendations=[
                    TrackedDoc(number=str(n), text="Share the plan.") for n in range(count)
                ],
            )
        ]
    )
    with database.transaction("t") as session:
        apply_document(session, doc)


def _finished(qtbot: Any, held: int) -> None:
    """Until the thread has let go of the collector and nothing waits to be delivered."""
    qtbot.waitUntil(lambda: collector.holders == held and not background._carrying, timeout=5000)


def test_what_the_read_found_is_delivered_on_the_gui_thread(qtbot: Any, db_file: Database) -> None:
    _items(db_file, 3)
    receiver = QObject()
    held = collector.holders
    read_on: list[threading.Thread] = []
    delivered: list[tuple[object, threading.Thread]] = []

    def work() -> int:
        read_on.append(threading.current_thread())
        assert collector.holders == held + 1  # no collection in this thread meanwhile
        with db_file.session() as session:
            return int(session.scalar(select(func.count(Recommendation.id))) or 0)

    run_in_thread(
        receiver,
        "counting",
        work,
        lambda found: delivered.append((found, threading.current_thread())),
    )
    assert not delivered  # later, from the event loop: never within the call
    qtbot.waitUntil(lambda: bool(delivered), timeout=5000)
    _finished(qtbot, held)
    assert delivered == [(3, threading.main_thread())]
    assert read_on[0] is not threading.main_thread() and read_on[0].name == "counting"
    assert read_on[0].daemon


def test_an_error_is_delivered_and_logged_by_its_kind_only(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The error's text may quote a record or a path: the log has its kind, never its text."""
    receiver = QObject()
    held = collector.holders
    delivered: list[object] = []

    def work() -> None:
        raise ValueError(f"'{SECRET}' is not a date")

    with caplog.at_level(logging.INFO, logger="desktop.background"):
        run_in_thread(receiver, "reading", work, delivered.append)
        qtbot.waitUntil(lambda: bool(delivered), timeout=5000)
        _finished(qtbot, held)
    assert len(delivered) == 1 and isinstance(delivered[0], ValueError)
    assert SECRET in str(delivered[0])  # handed on as it is, for the caller to judge
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "reading: failed: ValueError" in logged
    assert SECRET not in logged and "not a date" not in logged


def test_nothing_is_delivered_to_a_receiver_deleted_meanwhile(qtbot: Any) -> None:
    """A tab closed (deleted) while its read ran: the read's end must not call into it, which
    raised "Internal C++ object already deleted" or crashed."""
    receiver = QObject()
    receiver.setObjectName("tab")
    held = collector.holders
    go = threading.Event()
    delivered: list[str] = []

    def work() -> int:
        go.wait(5)
        return 1

    # As a tab's own method would: it reads the receiver, deleted by then.
    run_in_thread(receiver, "reading", work, lambda _: delivered.append(receiver.objectName()))
    receiver.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(receiver), timeout=5000)
    go.set()
    _finished(qtbot, held)
    QApplication.processEvents()
    assert delivered == []


def test_the_collector_is_let_go_when_no_thread_can_be_had(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Thread.start`` refused (too many threads): the hold is let go, and the refusal is
    delivered as the read's failure, from the event loop as any other."""
    receiver = QObject()
    held = collector.holders
    delivered: list[object] = []

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    run_in_thread(receiver, "reading", lambda: 1, delivered.append)
    monkeypatch.undo()
    assert not delivered
    qtbot.waitUntil(lambda: bool(delivered), timeout=5000)
    _finished(qtbot, held)
    assert len(delivered) == 1 and isinstance(delivered[0], RuntimeError)


def test_work_that_gives_way_waits_while_other_work_runs(qtbot: Any) -> None:
    """The similarity index's build gives way (``give_way`` between its batches) while the
    Overview reads its figures: both allocating at once left the shared heap fragmented
    (issue 26). It goes on once that work has ended, and work that does not give way but
    calls ``give_way`` all the same does not wait for itself."""
    receiver = QObject()
    release = threading.Event()
    order: list[str] = []
    delivered: list[object] = []

    def first() -> str:  # the Overview's figures: does not give way
        release.wait(5)
        order.append("first ended")
        return "first"

    def giving() -> str:  # the index's build
        order.append("giving began")
        background.give_way()
        order.append("giving went on")
        return "giving"

    def alone() -> str:  # does not give way, yet calls give_way: no wait for itself
        release.wait(5)
        background.give_way()
        return "alone"

    run_in_thread(receiver, "first", first, delivered.append)
    run_in_thread(receiver, "giving", giving, delivered.append, gives_way=True)
    qtbot.waitUntil(lambda: order == ["giving began"], timeout=5000)
    qtbot.wait(200)
    assert order == ["giving began"]  # waiting: the first still runs
    release.set()
    qtbot.waitUntil(lambda: len(delivered) == 2, timeout=5000)
    assert order == ["giving began", "first ended", "giving went on"]
    run_in_thread(receiver, "alone", alone, delivered.append)
    qtbot.waitUntil(lambda: len(delivered) == 3, timeout=5000)
    assert delivered[2] == "alone"
    assert background._turns.not_giving_way == 0


def test_work_gives_way_for_a_limited_time_in_all(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work gives way for at most ``GIVE_WAY_AT_MOST`` seconds in all: on PostgreSQL a
    build waiting with its snapshot open, an Overview read queued behind another user's
    schema change, and that change waiting for the build would otherwise wait for ever
    (found by a review). Past the time, it goes on, and gives way no more."""
    monkeypatch.setattr(background, "GIVE_WAY_AT_MOST", 0.3)
    receiver = QObject()
    release = threading.Event()
    order: list[str] = []
    delivered: list[object] = []

    def stuck() -> str:  # the Overview's read, queued behind a lock
        release.wait(10)
        order.append("stuck ended")
        return "stuck"

    def giving() -> str:
        background.give_way()
        order.append("gave way")
        background.give_way()  # its time spent: at once
        order.append("went on")
        return "giving"

    run_in_thread(receiver, "stuck", stuck, delivered.append)
    run_in_thread(receiver, "giving", giving, delivered.append, gives_way=True)
    qtbot.waitUntil(lambda: "went on" in order, timeout=3000)
    assert order == ["gave way", "went on"]  # the stuck work still runs
    release.set()
    qtbot.waitUntil(lambda: len(delivered) == 2, timeout=5000)
