"""Baseline for start-up: a bare PySide6 window with three empty table tabs.

Prints the seconds from interpreter start-up until the window has painted itself for the
first time, the point at which ``casereview --exit-when-ready`` stops its clock too (the
first paint after its first page is loaded).
"""

import sys
import time

STARTED = time.perf_counter()

from PySide6.QtCore import QObject, QTimer  # noqa: E402
from PySide6.QtGui import QPaintEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget  # noqa: E402

app = QApplication(sys.argv[:1])
window = QMainWindow()
tabs = QTabWidget()
for title in ("Reviews", "Recommendations", "Inspection grades"):
    tabs.addTab(QTableView(), title)
window.setCentralWidget(tabs)
window.resize(1440, 900)


def ready() -> None:
    print(f"{time.perf_counter() - STARTED:.3f}", file=sys.stderr)
    app.quit()


class Painted(QObject):
    """The window's first paint, then its children's: where casereview's
    ``MainWindow.after_next_paint`` runs its callbacks too."""

    def eventFilter(self, watched: QObject, event: object) -> bool:
        if isinstance(event, QPaintEvent):
            window.removeEventFilter(self)
            QTimer.singleShot(0, ready)
        return False


window.installEventFilter(Painted(window))
window.show()
app.exec()
