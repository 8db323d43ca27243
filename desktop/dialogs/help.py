"""The user's guide in a window of its own (F1): shipped in resources/help, so it needs no
network and shows the same in a frozen build."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

import resources
from desktop.qtutils import fit_to_screen, with_access_keys

HELP = ("help", "casereview-help.md")


class HelpWindow(QDialog):
    """The guide, not modal: it stays open beside the window while the user works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.setWindowTitle("casereview help")
        self.setModal(False)
        self.text = QTextBrowser()
        self.text.setAccessibleName("casereview help")
        self.text.setOpenLinks(False)  # nothing in it leads off this computer
        self.text.setMarkdown(resources.read_bytes(*HELP).decode("utf-8"))
        close = with_access_keys(QDialogButtonBox(QDialogButtonBox.StandardButton.Close))
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(close)
        fit_to_screen(self, QSize(720, 760), parent)
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)
