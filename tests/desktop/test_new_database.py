"""File > New database over a file that is there: one refusal, not Qt's offer to replace it
followed by casereview's refusal of the Yes (found by a new user)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from db.store.database import Database
from desktop.window import MainWindow
from tests.helpers.window import answer


def test_an_existing_file_is_refused_without_an_offer_to_replace_it(
    window: MainWindow, db_file: Database
) -> None:
    existing = db_file.location.path
    assert existing is not None and existing.exists()
    offered: list[bool] = []

    def choose(chooser: QFileDialog) -> None:
        # Asked to confirm, Qt would ask "Do you want to replace it?" on accept.
        offered.append(not chooser.testOption(QFileDialog.Option.DontConfirmOverwrite))
        chooser.selectFile(str(existing))
        if offered[0]:
            chooser.reject()  # so the test fails, rather than waits for the question's answer
        else:
            chooser.accept()

    answer(choose)
    window.files.new_database()  # File > New database (Ctrl+N)
    assert offered == [False]
    assert window.context.last_explanation == (
        f"{existing} already exists; choose a new file name."
    )
    assert window.database.location.path == existing  # still the database it was
