"""Two casereviews on one database: what one saves, the other's window shows once it checks
(when a window of its comes to the front, or every few seconds while one is), keeping the
user's place; never behind the lock. A new user had the Meetings tab and meeting mode of one
show an item as it was before the other signed it off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from db.core.vocabulary import DecisionKind, Status, TrackedKind
from db.services import meetings
from db.services.dataset import load_sample
from db.services.editing import ItemKey
from db.services.meetings import DecisionEntry, MeetingKey
from db.store.cipher import Passphrase
from db.store.database import Database, open_database
from db.store.location import Location, resolve_location
from desktop import commands
from desktop.dialogs.meetings import DecisionDialog
from desktop.dialogs.passphrase import LockPanel
from desktop.settings import Settings
from desktop.tabs.meeting_mode import MeetingMode
from desktop.tabs.meetings import MeetingsTab
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.cli import run
from tests.helpers.window import CHILD_A, answer, make_window, refused

# The sample's coming meeting, moved to the tests' day (on or before the real one too), since
# a meeting still to come takes no decisions and the CLI decides on the real day.
COMING = MeetingKey(TODAY, "Case Review Subgroup")
SIGNED = ItemKey(CHILD_A, "2", TrackedKind.RECOMMENDATION)  # implemented, with evidence
SECRET = "correct horse battery staple"


def on_the_day(database: Database) -> None:
    with database.transaction("setup") as session:
        (key,) = [row.key for row in meetings.meeting_rows(session, TODAY) if row.coming]
        fields = meetings.meeting_fields(session, key)
        moved = meetings.MeetingFields(**{**fields.__dict__, "held_on": TODAY})
        meetings.update_meeting(session, key, moved)


@pytest.fixture
def sample_path(sample_path: Path) -> Path:
    """The sample's file, its coming meeting held today."""
    with open_database(resolve_location(str(sample_path))) as database:
        on_the_day(database)
    return sample_path


def connection(path: Path) -> Iterator[Database]:
    with open_database(resolve_location(str(path))) as database:
        yield database


@pytest.fixture
def mine(sample_path: Path) -> Iterator[Database]:
    """This window's connection to the file."""
    yield from connection(sample_path)


@pytest.fixture
def theirs(sample_path: Path) -> Iterator[Database]:
    """The other casereview's connection to the same file."""
    yield from connection(sample_path)


def meetings_tab(window: MainWindow) -> MeetingsTab:
    tab = window.meetings_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.loaded and tab.selected_key() == COMING
    return tab


def meeting_mode(qtbot: Any, tab: MeetingsTab, key: ItemKey) -> MeetingMode:
    """Meeting mode open on the agenda entry of ``key``."""
    tab.meeting_mode()
    mode = tab.mode
    assert isinstance(mode, MeetingMode)
    qtbot.waitExposed(mode)
    mode.go(next(n for n, line in enumerate(mode.lines) if line.entry.what == key))
    return mode


def status_shown(mode: MeetingMode) -> str:
    line = mode.current()
    assert line is not None and line.item is not None
    return line.item.status.label


def sign_off(database: Database) -> None:
    with database.transaction("Other Secretary") as session:
        meetings.decide(
            session,
            COMING,
            SIGNED,
            DecisionEntry(DecisionKind.SIGNED_OFF, note="Audit seen elsewhere"),
            on=TODAY,
            actor="Other Secretary",
        )


def test_a_decision_made_by_another_process_shows_on_the_same_page(
    qtbot: Any, mine: Database, sample_path: Path, settings: Settings
) -> None:
    window = make_window(qtbot, mine, settings)
    tab = meetings_tab(window)
    mode = meeting_mode(qtbot, tab, SIGNED)
    position = mode.position
    assert status_shown(mode) == Status.IMPLEMENTED.label
    assert not window.elsewhere.check()  # nothing new yet: nothing read again

    decided = run(
        *("meeting", "decide", "--db", str(sample_path), "--meeting", TODAY.isoformat()),
        *("--item", f"{CHILD_A}:2", "--decision", "signed-off", "--note", "Audit seen"),
        cwd=sample_path.parent,
    )
    assert decided.returncode == 0, decided.stderr
    assert status_shown(mode) == Status.IMPLEMENTED.label  # not checked yet

    assert window.elsewhere.check()
    assert mode.position == position and mode.current().entry.what == SIGNED  # type: ignore[union-attr]
    assert status_shown(mode) == Status.CLOSED.label
    page = mode.page.toPlainText()
    assert "Signed off" in page and "Audit seen" in page
    assert tab.selected_key() == COMING
    assert tab.model.rows[0].key == COMING and tab.model.rows[0].decision_count == 1
    assert "Audit seen" in tab.detail.toPlainText()
    assert not window.elsewhere.check()  # read once, not again

    # The agenda reordered elsewhere: meeting mode stays on the item it showed, as does the
    # line chosen in the tab's agenda.
    tab.agenda.setCurrentRow(position)
    with open_database(resolve_location(str(sample_path))) as theirs:
        with theirs.session() as session:
            entries = [line.entry for line in meetings.agenda(session, COMING)]
        with theirs.transaction("Other Secretary") as session:
            meetings.set_agenda(session, COMING, entries[::-1])
    assert window.elsewhere.check()
    moved = len(entries) - 1 - position
    assert mode.position == moved and mode.current().entry.what == SIGNED  # type: ignore[union-attr]
    assert mode.where.text() == f"Item {moved + 1} of {len(entries)}"
    assert tab.agenda.currentRow() == moved
    mode.close()


def test_an_action_on_a_stale_page_is_refused_then_shows_the_item_as_it_is(
    qtbot: Any, mine: Database, theirs: Database, settings: Settings
) -> None:
    window = make_window(qtbot, mine, settings)
    window.elsewhere.timer.stop()  # the panel acts before the quiet check comes round
    mode = meeting_mode(qtbot, meetings_tab(window), SIGNED)
    mode.activateWindow()
    qtbot.waitUntil(mode.isActiveWindow)
    sign_off(theirs)
    assert status_shown(mode) == Status.IMPLEMENTED.label  # stale

    shown: dict[str, str] = {}

    def fill(dialog: DecisionDialog) -> None:
        assert not window.elsewhere.check()  # never behind an open dialog
        assert status_shown(mode) == Status.IMPLEMENTED.label
        dialog.note.setText("Audit seen")
        shown.update(refused(dialog))

    answer(fill)
    mode.decision_buttons[DecisionKind.SIGNED_OFF].click()
    assert shown == {"note": f"Recommendation 2 of {CHILD_A} is already signed off."}
    qtbot.waitUntil(lambda: status_shown(mode) == Status.CLOSED.label)  # as the dialog closed
    assert mode.current().entry.what == SIGNED  # type: ignore[union-attr]
    assert "Audit seen elsewhere" in mode.page.toPlainText()
    mode.close()


def test_meeting_mode_says_so_and_closes_when_its_meeting_is_deleted_elsewhere(
    qtbot: Any, mine: Database, theirs: Database, settings: Settings
) -> None:
    window = make_window(qtbot, mine, settings)
    tab = meetings_tab(window)
    mode = meeting_mode(qtbot, tab, SIGNED)
    with theirs.transaction("Other Secretary") as session:
        meetings.delete_meeting(session, COMING)
    assert window.elsewhere.check()
    assert not mode.isVisible()
    assert window.context.last_explanation == (
        f"The meeting {COMING} is no longer in the database (deleted, or its date or title "
        "changed), so meeting mode has closed."
    )
    qtbot.waitUntil(lambda: tab.mode is None)
    assert COMING not in [row.key for row in tab.model.rows]
    assert tab.selected_key() == tab.model.rows[0].key  # the latest meeting, in its place


def test_editing_a_meeting_deleted_elsewhere_is_refused_then_the_table_is_as_it_is(
    qtbot: Any, mine: Database, theirs: Database, settings: Settings
) -> None:
    window = make_window(qtbot, mine, settings)
    window.elsewhere.timer.stop()  # the user acts before the quiet check comes round
    tab = meetings_tab(window)
    with theirs.transaction("Other Secretary") as session:
        meetings.delete_meeting(session, COMING)
    tab.edit_meeting()
    assert window.context.last_explanation.startswith("There is no meeting")
    assert COMING not in [row.key for row in tab.model.rows]
    assert tab.selected_key() == tab.model.rows[0].key

    # Deleting a meeting deleted elsewhere: the same, through the command (and its undo stack).
    gone = tab.model.rows[0].key
    with theirs.transaction("Other Secretary") as session:
        meetings.delete_meeting(session, gone)
    assert not commands.run(commands.DeleteMeeting(window.context, gone), tab)
    assert window.context.last_explanation.startswith("There is no meeting")
    assert gone not in [row.key for row in tab.model.rows]
    assert not window.context.undo_stack.canUndo()


@pytest.fixture
def encrypted(tmp_path: Path) -> Location:
    location = resolve_location(str(tmp_path / "locked.sqlite3")).with_passphrase(
        Passphrase(SECRET)
    )
    with open_database(location, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    with open_database(location) as database:
        on_the_day(database)
    return location


def test_nothing_is_read_again_behind_the_lock_and_all_of_it_on_unlocking(
    qtbot: Any, encrypted: Location, settings: Settings
) -> None:
    with open_database(encrypted) as database, open_database(encrypted) as other:
        window = make_window(qtbot, database, settings)
        tab = meetings_tab(window)
        window.security.lock()
        assert window.security.locked
        sign_off(other)
        assert not window.elsewhere.check()
        assert isinstance(window.centralWidget(), LockPanel)
        assert "Audit seen elsewhere" not in tab.detail.toPlainText()  # not read behind it

        panel = window.centralWidget()
        assert isinstance(panel, LockPanel)
        panel.field.setText(SECRET)
        panel.try_unlock()
        assert not window.security.locked
        assert "Audit seen elsewhere" in tab.detail.toPlainText()
        assert not window.elsewhere.check()  # read on unlocking: nothing new since
        window.close()
        QApplication.processEvents()
