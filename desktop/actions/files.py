"""The window's file workflows: import, export, back up, restore a kept copy, open or make
another database, and the copy kept each time a database is opened.

Each asks what it needs with the window's dialogs, runs the work (``db.services.transfer``,
``db.store.backups``) off the GUI thread with a progress dialog, then says what happened in the
window's status bar. Nothing here knows the menus that call it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow

from db.core.errors import CaseReviewError
from db.store.logs import cause
from desktop.background import Progress, run_in_background
from desktop.context import AppContext

if TYPE_CHECKING:
    from db.queries.similar import Repeat
    from db.services.meetings import MeetingKey
    from db.services.merge import Answer, MergePlan
    from db.store.location import Location
    from desktop.dialogs.checkout import CopyChoice
    from desktop.dialogs.import_wizard import ImportWizard

_log = logging.getLogger(__name__)
COPY_STOP_WAIT = 2.0  # seconds quitting waits for the start-up copy to stop and tidy up


def say_failure(context: AppContext, parent: QMainWindow) -> Callable[[CaseReviewError], None]:
    """How work off the GUI thread that failed is said: in one sentence, over ``parent``, and
    not logged again (``run_in_background`` logged it, by its own kind)."""
    return lambda error: context.explain(error, parent, logged=True)


class FileActions(QObject):
    """The file workflows of one window (``window``, the parent of every dialog they open)."""

    open_requested = Signal(str)  # a database file to open in place of this one
    open_failed = Signal(object)  # the CaseReviewError
    copy_failed = Signal(str)  # from the thread keeping a copy of the database
    copies_encrypted = Signal(str)  # from the same thread: plain copies it encrypted

    def __init__(self, context: AppContext, window: QMainWindow) -> None:
        super().__init__(window)
        self.context, self.window = context, window
        self._failed = say_failure(context, window)
        self._progress: object = None
        self.import_wizard: ImportWizard | None = None
        self.copying: threading.Thread | None = None
        self._stop_copying = threading.Event()  # set as the application quits
        self.copy_failed.connect(
            lambda message: self._say(f"No copy of the database was kept: {message}", 15_000)
        )
        self.copies_encrypted.connect(lambda message: self._say(message, 20_000))

    def _say(self, message: str, ms: int) -> None:
        self.window.statusBar().showMessage(message, ms)

    # -- import

    def import_file(self) -> None:
        if not self.context.takes_changes(self.window):
            return
        name, _ = QFileDialog.getOpenFileName(
            self.window,
            "Import a tracker or a casereview file",
            "",
            "Trackers and casereview files (*.xlsx *.xlsm *.xls *.csv *.json);;"
            "Excel workbooks (*.xlsx *.xlsm *.xls);;CSV files (*.csv);;casereview JSON (*.json)",
        )
        if name:
            path = Path(name)
            if path.suffix.lower() == ".json":
                self.import_path(path)
            else:
                self.import_spreadsheet(path)

    def _imported(self, path: Path, summary: str, repeats: list[Repeat] | None = None) -> None:
        self.context.undo_stack.clear()  # an import is not undoable step by step
        self.context.commands.clear()
        self.context.data_changed.emit()
        self._say(f"Imported {path.name}: {summary}.", 8000)
        if repeats:
            self._say_repeats(path, repeats)

    def _say_repeats(self, path: Path, repeats: list[Repeat]) -> None:
        """The imported items that repeat earlier learning, named (issue 25): each item's
        detail pane then lists it under Similar earlier learning."""
        from PySide6.QtWidgets import QMessageBox

        from db.queries.similar import describe_repeats
        from desktop.dialogs.import_wizard import listed
        from desktop.qtutils import guard_keys

        lines = describe_repeats(repeats)
        shown = listed(lines)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Repeated learning",
            f"{len(lines)} of the items {path.name} added may repeat earlier learning:\n\n"
            + "\n".join(shown)
            + "\n\nEach item's detail shows the earlier learning like it, to confirm as a repeat "
            "or set aside.",
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setObjectName("repeatedLearning")
        guard_keys(box)  # shown as the import ends, perhaps while the user types
        box.open()  # not modal to the end of the import: the window is usable behind it

    def import_spreadsheet(self, path: Path) -> None:
        """The Import wizard: check the sheet, the columns and the outcome, then import."""
        from db.exchange.spreadsheets import read_tracker
        from desktop.dialogs.import_wizard import ImportWizard

        def finished(wizard: ImportWizard, result: int) -> None:
            # This wizard's, not the newest's (a review's: a wizard opened for a file whose
            # reading was cancelled, then another's, closed the other's tracker as it ended).
            wizard.tracker.close()  # done with: what its reading set aside on disk goes
            if result:
                self._imported(path, wizard.summary, wizard.repeats)

        def read(tracker: Any) -> None:
            wizard = ImportWizard(self.context, path, tracker, self.window)
            self.import_wizard = wizard
            wizard.finished.connect(lambda result: finished(wizard, result))
            wizard.open()

        self._progress = run_in_background(
            self.window,
            f"Reading {path.name}…",
            lambda _: read_tracker(path),
            read,
            self._failed,
            on_cancelled=lambda tracker: tracker and tracker.close(),  # no wizard opens
        )

    def import_path(self, path: Path) -> None:
        """Read, check and apply a casereview JSON file off the GUI thread; all or nothing."""
        from db.services import transfer

        database, actor, today = self.context.database, self.context.actor, self.context.today()

        def work(progress: Progress) -> tuple[str, list[Repeat] | None]:
            source = transfer.read_source(path)
            progress.check()
            summary, repeats = transfer.import_repeating(
                database,
                source,
                actor=actor,
                today=today,
                check=progress.check,  # cancelling now rolls the whole import back
            )
            return summary.describe(), repeats

        self._progress = run_in_background(
            self.window,
            f"Importing {path.name}…",
            work,
            lambda done: self._imported(path, *done),
            self._failed,
        )

    # -- export

    def export_file(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self.window,
            "Export",
            "action-plan.xlsx",
            "Excel action plan (*.xlsx);;Word action plan (*.docx);;CSV file (*.csv);;"
            "casereview JSON, everything (*.json)",
        )
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".xlsx", ".docx", ".csv", ".json"):
                path = path.with_name(path.name + chosen[chosen.rindex("*") + 1 : -1])
            self.export_path(path)

    def export_path(self, path: Path) -> None:
        """Write an .xlsx or .docx action plan, a CSV file or casereview JSON, by the file's
        ending."""
        from db.services import transfer

        context = self.context
        database, today, actor = context.database, context.today(), context.actor
        fmt = path.suffix.lower()[1:]
        fmt = fmt if fmt in transfer.FORMATS else "json"  # as before: everything, as JSON

        def work(progress: Progress) -> int:
            written = transfer.export_file(
                database, path, fmt=fmt, today=today, actor=actor, check=progress.check
            )
            return len(written)

        def done(reviews: int) -> None:
            # The file's name: its folder was chosen a moment ago, and the whole path pushed
            # what the format leaves out off a 1366-pixel status bar.
            self._say(transfer.exported_said(fmt, reviews, path.name), 8000)

        self._progress = run_in_background(
            self.window, f"Exporting to {path.name}…", work, done, self._failed
        )

    # -- backups

    def back_up(self) -> None:
        from db.store.backups import database_file

        try:
            source = database_file(self.context.database.location)
        except CaseReviewError as exc:
            self.context.explain(exc, self.window)
            return
        stamp = self.context.today().isoformat()
        suggested = source.with_name(f"{source.stem}-backup-{stamp}.sqlite3")
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Back up the database", str(suggested), "SQLite database (*.sqlite3)"
        )
        if name:
            self.back_up_to(Path(name))

    def back_up_to(self, target: Path) -> None:
        """A checked copy of the database, made off the GUI thread."""
        from db.store.backups import back_up

        location = self.context.database.location

        def work(progress: Progress) -> None:
            back_up(location, target)

        def done(_: None) -> None:
            self._say(f"Backed up to {target}.", 8000)

        self._progress = run_in_background(
            self.window, f"Backing up to {target.name}…", work, done, self._failed
        )

    # -- a copy to take to a meeting

    def take_copy_offline(self, meeting: MeetingKey | None = None) -> None:
        """Ask what to take (``meeting``: the one selected in the Meetings tab, offered as a
        scope), where, and with what passphrase; then check it out off the GUI thread
        (db.services.checkout) and say what was taken."""
        from db.queries.copies import sources
        from desktop.dialogs.checkout import TakeCopyDialog

        context = self.context
        if not context.takes_changes(self.window):  # a copy of a merged copy would be lost too
            return
        with context.database.session() as session:
            reviews, inspections = sources(session)
        place = context.database.location
        folder = place.path.parent if place.path is not None else Path.home()
        dialog = TakeCopyDialog(
            reviews=reviews,
            inspections=inspections,
            meeting=meeting,
            suggested=folder
            / f"{Path(place.name).stem}-copy-{context.today().isoformat()}.sqlite3",
            encrypted=place.is_encrypted,
            parent=self.window,
        )
        accepted = dialog.exec()
        chosen = dialog.chosen
        dialog.deleteLater()  # here, on the GUI thread: not whenever the collector next runs
        if accepted and chosen is not None:
            self.take_copy(chosen)

    def take_copy(self, chosen: CopyChoice) -> None:
        """Check out what ``chosen`` says, off the GUI thread."""
        from db.services.checkout import Scope, check_out

        database, today, actor = self.context.database, self.context.today(), self.context.actor
        scope = Scope(chosen.reviews, chosen.inspections, chosen.meeting)

        def work(progress: Progress) -> str:
            done = check_out(
                database,
                chosen.target,
                scope=scope,
                actor=actor,
                today=today,
                passphrase=chosen.passphrase,
                check=progress.check,
            )
            return done.describe()

        self._progress = run_in_background(
            self.window,
            f"Taking a copy to {chosen.target.name}…",
            work,
            lambda said: self._say(said, 15_000),
            self._failed,
        )

    # -- merging a copy back

    def merge_copy_back(self) -> None:
        """Ask for a copy taken offline, open it (with this database's passphrase, else the
        one asked for), plan the merge off the GUI thread (db.services.merge), show it and
        its conflicts (desktop.dialogs.merge), then merge with the answers given."""
        if not self.context.takes_changes(self.window):
            return
        place = self.context.database.location
        folder = place.path.parent if place.path is not None else Path.home()
        name, _ = QFileDialog.getOpenFileName(
            self.window,
            "Merge a copy back",
            str(folder),
            "SQLite database (*.sqlite3 *.db);;All files (*)",
        )
        if not name:
            return
        copy = self._copy_location(Path(name))
        if copy is not None:
            self._plan_merge(copy)

    def _copy_location(self, path: Path) -> Location | None:
        """The copy with the passphrase that opens it, or None when the user gave up."""
        from db.services.merge import refuse_unfit_copy
        from db.store.cipher import Passphrase, is_encrypted
        from db.store.database import open_database
        from db.store.location import resolve_location
        from desktop.dialogs.passphrase import OpenEncryptedDialog

        try:
            refuse_unfit_copy(path)
        except CaseReviewError as exc:
            self.context.explain(exc, self.window)
            return None
        location = resolve_location(str(path))
        if not is_encrypted(path):
            return location  # one that is no database is said by the plan
        found: list[Location] = []

        def attempt(passphrase: Passphrase) -> str | None:
            trying = location.with_passphrase(passphrase)
            try:
                open_database(trying).close()
            except CaseReviewError as exc:
                _log.info("copy not opened: %s", cause(exc))
                return exc.message
            found.append(trying)
            return None

        own = self.context.database.location.passphrase
        if own is not None and attempt(own) is None:  # a copy of this file takes its passphrase
            return found[0]
        dialog = OpenEncryptedDialog(path, attempt, self.window)
        accepted = dialog.exec()
        dialog.deleteLater()
        return found[0] if accepted and found else None

    def _plan_merge(
        self,
        copy: Location,
        answers: dict[tuple[str, str], Answer] | None = None,
        *,
        said: str = "",
    ) -> None:
        from db.services.merge import open_copy, plan_merge

        database, today = self.context.database, self.context.today()

        def work(progress: Progress) -> MergePlan:
            with open_copy(copy) as opened:
                return plan_merge(opened, database, today=today)

        self._progress = run_in_background(
            self.window,
            f"Comparing {copy.name} with this database…",
            work,
            lambda plan: self._show_merge(copy, plan, answers, said),
            self._failed,
        )

    def _show_merge(
        self,
        copy: Location,
        plan: MergePlan,
        answers: dict[tuple[str, str], Answer] | None,
        said: str = "",
    ) -> None:
        from desktop.dialogs.merge import MergeDialog

        dialog = MergeDialog(plan, self.window, answers=answers, said=said)
        accepted = dialog.exec()
        answers = dict(dialog.answers)
        dialog.deleteLater()
        if accepted:
            self.merge(copy, answers, plan)

    def merge(
        self, copy: Location, answers: dict[tuple[str, str], Answer], plan: MergePlan | None
    ) -> None:
        """Merge ``copy`` with ``answers`` to ``plan``'s conflicts, off the GUI thread; the
        window reads again."""
        from db.services.merge import merge_copy, open_copy

        context = self.context
        database, today, actor = context.database, context.today(), context.actor

        def work(progress: Progress) -> str:
            with open_copy(copy) as opened:
                done = merge_copy(
                    opened, database, actor=actor, today=today, answers=answers, plan=plan
                )
            return done.describe()

        def done(said: str) -> None:
            context.data_changed.emit()
            self._say(said, 20_000)

        def refused(error: CaseReviewError) -> None:
            """With conflicts, they are put again, planned afresh, the answers given kept
            where their values are unchanged, and why it was refused said in the dialog
            (answers were lost with the dialog, and the reason came after it: found by new
            users); without, said."""
            if plan is not None and plan.merge.conflicts:
                self._plan_merge(copy, answers, said=error.message)
            else:
                self._failed(error)

        self._progress = run_in_background(
            self.window, f"Merging {copy.name}…", work, done, refused
        )

    def show_backups(self) -> None:
        """The copies kept beside the database; restoring one reloads the window over it."""
        location = self.context.database.location
        if location.path is None:
            self.context.explain(
                CaseReviewError(
                    f"{location} is a database server; its backups are kept by the server's "
                    "own tools."
                ),
                self.window,
            )
            return
        from desktop.dialogs.backups import BackupsDialog

        dialog = BackupsDialog(location, self.window)
        if dialog.exec() and dialog.restored is not None:
            self.context.undo_stack.clear()  # the edits it held are not in the restored data
            self.context.commands.clear()
            try:
                self.context.reopen()  # a copy from before an upgrade is upgraded now
            except CaseReviewError as exc:
                self.open_failed.emit(exc)
                return
            self.context.data_changed.emit()
            # Short enough to fit beside the database's path at the bar's right (its whole
            # path was cut off): File > Backups lists the copy, "before a restore", and its
            # folder.
            self._say(
                "Restored the copy; the database it replaced is kept in File ▸ Backups.", 15_000
            )

    def keep_a_copy(self) -> None:
        """Copy the database into the folder beside it if it changed since its newest copy,
        in a thread of its own so the window stays usable (see ``db.store.backups``). A copy
        that cannot be made is said in the status bar; the database itself is untouched.

        An encrypted database's copies that are still plain (an interrupted ``encrypt``) are
        encrypted in the same thread, so they stop holding plaintext. Quitting never waits
        for the copy: it is abandoned, and what it wrote removed (``abandon_copy``)."""
        database = self.context.database
        location = database.location
        if location.path is None or self._stop_copying.is_set():
            return  # a server's database, or the application is quitting (it may be already)

        def work() -> None:
            from db.store.backups import Abandoned, automatic_backup

            try:
                database.sound()  # a damaged file is refused by the window (_await_verdict)
            except CaseReviewError as exc:
                _log.info("copy on opening not made: %s", cause(exc))
                return
            try:
                automatic_backup(location, "opened", cancel=self._stop_copying)
                if location.is_encrypted and location.passphrase is not None:
                    self._encrypt_plain_copies(location)
            except Abandoned:
                _log.info("copy on opening abandoned as casereview quit")
            except CaseReviewError as exc:
                _log.warning("copy on opening not made: %s", cause(exc))
                self.copy_failed.emit(exc.message)
            except Exception as exc:  # a copy that fails must never take the window down
                _log.error("copy on opening not made: %s", cause(exc))
                self.copy_failed.emit(f"the copy could not be made ({cause(exc)})")

        # A daemon: Python does not wait for it as it exits (``abandon_copy`` stops it first).
        self.copying = threading.Thread(target=work, name="casereview-backup", daemon=True)
        self.copying.start()

    def abandon_copy(self) -> None:
        """As the application quits: stop the copy ``keep_a_copy`` is taking, if any, and
        let it remove what it wrote (within one step of the copy, a few milliseconds);
        waiting at most ``COPY_STOP_WAIT`` seconds for that, never for the copy to finish."""
        self._stop_copying.set()
        if self.copying is not None:
            self.copying.join(COPY_STOP_WAIT)

    def _encrypt_plain_copies(self, location: Location) -> None:
        """(In the copying thread.) Encrypt an encrypted database's copies that are plain."""
        from db.services.encrypt import encrypt_copies

        assert location.path is not None and location.passphrase is not None
        done = encrypt_copies(location.path, location.passphrase)
        said = []
        if done.copies:
            copies = len(done.copies)
            said.append(
                f"Encrypted {copies} cop{'y' if copies == 1 else 'ies'} of the database kept "
                "beside it that an interrupted encryption had left plain."
            )
        if done.left_plain:
            names = ", ".join(path.name for path in done.left_plain)
            said.append(
                f"Not encrypted, and still holding plaintext: {names} in "
                f"{done.left_plain[0].parent}; check and delete once nobody needs them."
            )
        if said:
            self.copies_encrypted.emit(" ".join(said))

    # -- another database

    def new_database(self) -> None:
        """A new database in a file that is not there yet. casereview never replaces a file
        here, so the chooser does not offer to (a Yes to its "Do you want to replace it?" was
        then refused all the same): an existing file is refused in one sentence."""
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            "New casereview database",
            "casereview.sqlite3",
            "casereview database (*.sqlite3)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if name:
            if Path(name).exists():
                self.context.explain(
                    CaseReviewError(f"{name} already exists; choose a new file name."), self.window
                )
                return
            self.open_requested.emit(name)

    def open_database(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open a casereview database",
            "",
            "casereview database (*.sqlite3);;All files (*)",
        )
        if name:
            self.open_requested.emit(name)
