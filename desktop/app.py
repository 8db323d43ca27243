"""Start the Qt application and the main window."""

from __future__ import annotations

import os
import sys
import time

from db.engine import Location, open_database
from db.errors import CaseReviewError


def _require_display() -> None:
    """Refuse plainly, instead of letting Qt abort, when there is no screen to show a window."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CaseReviewError(
            "There is no display to open the window on; the commands demo, export, import "
            "and check work without one (see 'casereview --help')."
        )


def run(
    location: Location, *, exit_when_ready: bool = False, started_at: float | None = None
) -> int:
    """Show the window until it is closed; with ``exit_when_ready``, until its data is shown."""
    started_at = time.perf_counter() if started_at is None else started_at
    _require_display()
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    import resources
    from desktop.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("casereview")
    app.setOrganizationName("casereview")
    app.setWindowIcon(QIcon(str(resources.path("icons", "casereview.svg"))))
    try:
        database = open_database(location, create=True)
    except CaseReviewError as exc:
        if not exit_when_ready:
            QMessageBox.critical(None, "casereview cannot open the database", exc.message)
        raise
    with database:
        window = MainWindow(database)
        window.show()
        if exit_when_ready:

            def ready() -> None:
                print(f"{time.perf_counter() - started_at:.3f}", file=sys.stderr)
                app.quit()

            window.data_loaded.connect(lambda: QTimer.singleShot(0, ready))
        QTimer.singleShot(0, window.refresh)
        return int(app.exec())
