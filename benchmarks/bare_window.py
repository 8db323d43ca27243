"""Baseline for start-up: a bare PySide6 window with three empty table tabs.

Prints the seconds from interpreter start-up to the window being shown and idle, like
``casereview --exit-when-ready``.
"""

import sys
import time

STARTED = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget  # noqa: E402

app = QApplication(sys.argv[:1])
window = QMainWindow()
tabs = QTabWidget()
for title in ("Reviews", "Recommendations", "Inspection grades"):
    tabs.addTab(QTableView(), title)
window.setCentralWidget(tabs)
window.resize(1440, 900)
window.show()


def ready() -> None:
    print(f"{time.perf_counter() - STARTED:.3f}", file=sys.stderr)
    app.quit()


QTimer.singleShot(0, ready)
app.exec()
