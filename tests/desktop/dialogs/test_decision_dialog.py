"""Every label of a decision's dialog is seen whole, on a 1366x768 laptop and at 150 %."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFormLayout, QLabel

from db.core.vocabulary import DecisionKind
from desktop.dialogs.meetings import DecisionDialog

# A 1366x768 laptop less its task bar; a 1920x1080 screen at 150 %, in logical pixels.
SCREENS = (QSize(1366, 728), QSize(1280, 688))


def _captions(dialog: DecisionDialog) -> list[QLabel]:
    form = dialog.form
    items = (form.itemAt(row, QFormLayout.ItemRole.LabelRole) for row in range(form.rowCount()))
    return [w for item in items if item and isinstance(w := item.widget(), QLabel)]


def _ink_at_right_edge(label: QLabel, scale: float) -> int:
    """The darkness (0 to 255) of the label's last column of device pixels, drawn at
    ``scale``: text cut off by the label's edge leaves ink there."""
    image = QImage(
        round(label.width() * scale), round(label.height() * scale), QImage.Format.Format_RGB32
    )
    image.setDevicePixelRatio(scale)
    image.fill(QColor("white"))
    painter = QPainter(image)
    label.render(painter, QPoint(0, 0))
    painter.end()
    column = image.width() - 1
    return 255 - min(QColor(image.pixel(column, y)).lightness() for y in range(image.height()))


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_every_label_is_shown_whole(qtbot: Any, kind: DecisionKind) -> None:
    """ "To whom" lost the end of its "m" at 150 % (found by a new user): the glyph's ink
    reaches past its advance, and the field stood hard against the label."""
    dialog = DecisionDialog(kind, "recommendation 12 of SAR-2025-03", "Written at once.")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.show_problems(dialog.check())  # with the fields' messages shown, as after Enter
    captions = _captions(dialog)
    assert captions
    for caption in captions:
        hint = caption.sizeHint()
        assert caption.width() >= hint.width() and caption.height() >= hint.height()
        for scale in (1.0, 1.5):
            assert _ink_at_right_edge(caption, scale) < 32, (caption.text(), scale)
    for screen in SCREENS:
        assert dialog.width() <= screen.width() and dialog.height() <= screen.height()
