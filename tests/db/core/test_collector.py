"""Bulk reading and importing pause the cyclic garbage collector, and always restore it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.core.collector import collector_paused
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
