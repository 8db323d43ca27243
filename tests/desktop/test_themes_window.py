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
