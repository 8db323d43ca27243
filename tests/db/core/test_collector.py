"""Bulk reading and importing pause the cyclic garbage collector, and always restore it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.core.collector import CollectorHold, collector_paused
from db.core.errors import CaseReviewError
from db.exchange.spreadsheets import read_tracker


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outermost switches it back on
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_on_again_after_a_refused_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "tracker.xlsx"
    bad.write_bytes(b"not a workbook")
    paused: list[bool] = []
    disable = gc.disable
    monkeypatch.setattr(gc, "disable", lambda: (paused.append(True), disable())[1])
    with pytest.raises(CaseReviewError):
        read_tracker(bad)
    assert paused == [True]  # the read ran with the collector paused
    assert gc.isenabled()


def test_a_hold_is_counted_so_overlapping_holders_never_switch_the_collector_on_early() -> None:
    """The window's start-up and its work off the GUI thread hold the collector off, and
    may overlap in time: it comes back on only once the last lets go, and only if it was on
    before the first held it."""
    hold = CollectorHold()
    was = gc.isenabled()
    gc.enable()
    try:
        hold.hold()  # start-up
        hold.hold()  # a bulk change off the GUI thread, begun before start-up ended
        assert not gc.isenabled()
        hold.release()  # start-up ends first
        assert not gc.isenabled()  # the bulk change still runs: no collection in its thread
        hold.release()
        assert gc.isenabled()
        hold.release()  # one too many: nothing
        assert gc.isenabled()
        gc.disable()  # off already (a caller's own reason): the hold leaves it so
        hold.hold()
        hold.release()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
