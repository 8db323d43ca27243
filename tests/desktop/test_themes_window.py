"""Edit ▸ Learning themes (issue 25), driven as a user drives it: a theme renamed through the
rename box, another merged into it through the merge box; each said in the dialog and saved."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from db.services import themes
from db.store.database import Database
from desktop.dialogs.themes import ThemesDialog
from desktop.window import MainWindow
from tests.helpers.window import answer


def _names(database: Database) -> list[str]:
    with database.session() as session:
        return [t.name for t in themes.theme_counts(session)]


def test_a_theme_is_renamed_and_another_merged_into_it(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database
) -> None:
    assert "Neglect" in _names(db_file) and "Voice of the child" in _names(db_file)
    said: list[str] = []

    def type_in(name: str):  # type: ignore[no-untyped-def]
        """The rename box's text, or the merge box's choice, as typed."""

        def fill(box: QInputDialog) -> None:
            assert isinstance(box, QInputDialog)
            box.setTextValue(name)
            box.accept()

        return fill

    def use(dialog: ThemesDialog) -> None:
        assert isinstance(dialog, ThemesDialog)
        row = next(n for n in range(dialog.list.count())
                   if dialog.list.item(n).text().startswith("Neglect ("))  # fmt: skip
        dialog.list.setCurrentRow(row)
        answer(type_in("Chronic neglect"))
        dialog.rename_button.click()
        said.append(dialog.said.text())
        row = next(n for n in range(dialog.list.count())
                   if dialog.list.item(n).text().startswith("Voice of the child ("))  # fmt: skip
        dialog.list.setCurrentRow(row)
        answer(type_in("Chronic neglect"))
        dialog.merge_button.click()
        said.append(dialog.said.text())
        dialog.reject()

    answer(use)
    sample_window.show_themes()
    assert said[0] == "Renamed the theme Neglect to Chronic neglect."
    assert said[1].startswith("Merged the theme Voice of the child into Chronic neglect (")
    names = _names(db_file)
    assert "Chronic neglect" in names and "Neglect" not in names
    assert "Voice of the child" not in names


def _counts(database: Database) -> dict[str, tuple[int, int]]:
    with database.session() as session:
        return {t.name: (t.items, t.reviews) for t in themes.theme_counts(session)}


def _carried(database: Database) -> dict[str, list[str]]:
    """Each item's themes, by its review and number."""
    from sqlalchemy import select

    from db.store.models import Recommendation

    with database.session() as session:
        return {
            f"{rec.source_reference}:{rec.kind.value}:{rec.number}": sorted(
                t.name for t in rec.themes
            )
            for rec in session.scalars(select(Recommendation))
        }


def _choose(dialog: ThemesDialog, name: str) -> None:
    rows = range(dialog.list.count())
    dialog.list.setCurrentRow(
        next(n for n in rows if dialog.list.item(n).text().startswith(f"{name} ("))
    )


def _type(text: str):  # type: ignore[no-untyped-def]
    def fill(box: QInputDialog) -> None:
        box.setTextValue(text)
        box.accept()

    return fill


def test_a_rename_and_a_merge_are_undone_and_redone(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database
) -> None:
    """A trial renamed a theme 5,283 items carry, and Edit ▸ Undo was greyed out ("every
    change can be undone"), while an earlier command stayed offered to redo. Each is now a
    command: undone, every item carries what it did before (a merge's items that carried both
    keep the one merged into); redone, as after the change; and a later change drops redo."""
    counts, carried = _counts(db_file), _carried(db_file)
    window = sample_window

    def use(dialog: ThemesDialog) -> None:
        _choose(dialog, "Neglect")
        answer(_type("Chronic neglect"))
        dialog.rename_button.click()
        _choose(dialog, "Voice of the child")
        answer(_type("Chronic neglect"))
        dialog.merge_button.click()
        dialog.reject()

    answer(use)
    window.show_themes()
    after = _carried(db_file)
    # The sample has items carrying both: they keep "Neglect" when the merge is undone.
    assert any("Neglect" in v and "Voice of the child" in v for v in carried.values())
    assert window.undo_action.text().startswith("&Undo Merge theme Voice of the child")
    window.undo_action.trigger()  # the merge
    assert _counts(db_file)["Voice of the child"] == counts["Voice of the child"]
    window.undo_action.trigger()  # the rename
    assert _counts(db_file) == counts and _carried(db_file) == carried
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert _carried(db_file) == after
    window.undo_action.trigger()
    assert window.redo_action.isEnabled()

    def rename(dialog: ThemesDialog) -> None:
        _choose(dialog, "Chronic neglect")
        answer(_type("A new name"))
        dialog.rename_button.click()
        dialog.reject()

    answer(rename)
    window.show_themes()
    assert not window.redo_action.isEnabled()  # a later change drops what could be redone
