"""The help (F1) says what the program does now: a new user read in it that merging a copy back
was not yet possible, with File ▸ Merge a copy back in the menu, and "Ctrl+1 to Ctrl+5" with a
sixth tab. Each claim is checked against the window itself, not against a count written here."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

import resources
from desktop.dialogs.help import HELP, HelpWindow
from desktop.tabs import TABS
from desktop.window import MainWindow
from tests.helpers.window import open_mode, show_meetings

TEXT = resources.read_bytes(*HELP).decode("utf-8")
# Keys named in the help that Qt's own widgets answer, bound by no action of casereview's.
QT_OWN = {
    "Ctrl+A",
    "Ctrl+Home",
    "Ctrl+End",
    "Shift+Ctrl+Home",  # (the Recommendations table's selectionCommand)
    "Shift+Ctrl+End",
    "Alt+Down",
    "F4",
    "Shift+Tab",
}


def section(heading: str) -> str:
    """The help's text under ``## heading``, to the next heading of that level."""
    return TEXT.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in re.split(r"(?<=[.:;])\s", text)]


def bound_keys(widget: QWidget) -> set[str]:
    """Every key an action or a shortcut in ``widget`` (and its children) answers."""
    keys = {
        sequence.toString()
        for action in widget.findChildren(QAction)
        for sequence in action.shortcuts()
    }
    keys |= {shortcut.key().toString() for shortcut in widget.findChildren(QShortcut)}
    for button in widget.findChildren(QPushButton):
        letter = re.search(r"&(\w)", button.text())
        if letter:
            keys.add(f"Alt+{letter.group(1).upper()}")
    return keys


def menu_paths(window: MainWindow) -> set[str]:
    """ "File ▸ Merge a copy back" and the like: every command in the menu bar, as the help
    names it (no access key's "&", no "…")."""
    paths = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            if action.text():
                name = action.text().replace("&", "").rstrip("…")
                paths.add(f"{top.text().replace('&', '')} ▸ {name}")
    return paths


def test_the_help_never_says_a_copy_cannot_be_merged_back(window: MainWindow) -> None:
    claims = [s for s in sentences(TEXT) if re.search(r"\bmerg", s, re.IGNORECASE)]
    assert claims, "the help says nothing about merging a copy back"
    impossible = re.compile(
        r"not (yet )?possible|impossible|cannot be merged|can't be merged|stay in the copy",
        re.IGNORECASE,
    )
    assert [s for s in claims if impossible.search(s)] == []
    assert "File ▸ Merge a copy back" in TEXT
    assert "File ▸ Merge a copy back" in menu_paths(window)


def test_every_menu_command_the_help_names_is_in_the_menus(window: MainWindow) -> None:
    """Each "File ▸ …" in the help begins with a command the menu bar has."""
    flat = " ".join(TEXT.split())
    paths = menu_paths(window)
    named = list(re.finditer(r"\b(?:File|Edit|View|Help) ▸ ", flat))
    assert len(named) >= 5
    missing = [
        flat[m.start() : m.start() + 40]
        for m in named
        if not any(flat.startswith(path, m.start()) for path in paths)
    ]
    assert not missing, f"the help names commands the menus lack: {missing}"


def test_the_help_names_every_tab_and_the_keys_that_show_them(window: MainWindow) -> None:
    titles = [title.replace("&", "") for title, _module, _name in TABS]
    shown = section("The tabs")
    assert [t for t in titles if f"**{t}**" not in shown] == []
    ranges = re.findall(r"Ctrl\+(\d+) to Ctrl\+(\d+)", TEXT)
    assert ranges == [("1", str(len(TABS)))]
    actions = window.findChildren(QAction)
    view = {a.text().replace("&", ""): a.shortcut().toString() for a in actions}
    for number, title in enumerate(titles, start=1):
        assert view[f"{number} {title}"] == f"Ctrl+{number}"


def test_every_key_the_help_names_is_bound(qtbot: Any, sample_window: MainWindow) -> None:
    """The window's keys, and meeting mode's, as its own table names them."""
    window_table, mode_table = section("The keyboard").split("In meeting mode:")
    window = sample_window
    assert len(window.all_tabs) == len(TABS)  # every tab built, so its keys are bound
    window_keys = bound_keys(window)
    named = set(re.findall(r"\b(?:(?:Ctrl|Alt|Shift)\+)+(?:\w+)|\bF\d+\b", window_table))
    assert "Ctrl+Shift+M" in named
    unbound = named - window_keys - QT_OWN
    assert not unbound, f"the help names keys the window does not bind: {sorted(unbound)}"

    mode = open_mode(qtbot, show_meetings(qtbot, window))
    words = {"Page Down": "PgDown", "Page Up": "PgUp", "right arrow": "Right", "left arrow": "Left"}
    named = set(re.findall(r"\b(?:(?:Ctrl|Alt)\+)\w+|\bF\d+\b|\bEsc\b", mode_table))
    named |= {key for word, key in words.items() if word in mode_table}
    assert {"Alt+S", "Alt+O", "PgDown", "Esc"} <= named
    unbound = named - bound_keys(mode)
    mode.close()
    assert not unbound, f"the help names keys meeting mode does not bind: {sorted(unbound)}"


def test_the_help_window_shows_the_guide(qtbot: Any, window: MainWindow) -> None:
    help_window = HelpWindow(window)
    qtbot.addWidget(help_window)
    shown = help_window.text.toPlainText()
    assert "Merge a copy back" in shown
    assert "Meeting mode" in shown
    assert "Similar earlier learning" in shown
