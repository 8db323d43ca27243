"""Bar charts drawn with QPainter: the Overview tab's charts.

They were Qt Charts' (a QChartView over a scene of graphics items). The three charts and the
library's own loading came to about 8 MB of the window's memory at 100,000 items (issue 26's
window-memory goal, docs/performance.md), and the library had to be worked round: its
category labels gave each name the height of its bar and drew a name that did not fit it as
"…" whatever its length, so the names were hidden and drawn again beside the bars, and the
title and legend, laid out inside the margins that made room for them, were placed by hand.
Drawing the bars, their names, the value axis, the title and the legend here is less than
that was, and holds no scene.

A chart is a white card: its title across the top, the legend across the foot (wrapped onto
more lines when narrow), the value axis in steps of 1, 2 or 5 times a power of ten with the
numbers as UK English writes them ("1,500"), and each bar's value as its tooltip.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

NAMES_SHARE = 0.4  # at most this share of a horizontal chart's width for its bars' names
NAME_GAP = 6.0  # pixels between a bar's name and the bar
EDGE = 4.0  # pixels between the card's edge and its title, legend, names or numbers
SWATCH = 10.0  # the side of a legend entry's colour square
SWATCH_GAP = 4.0  # between the square and its label
LEGEND_GAP = 14.0  # between one legend entry and the next
BAR_SHARE = 0.6  # of a category's band, its bar's thickness (a stacked chart) ...
BAR_LINES = 1.6  # ... but no thicker than this many lines of text: two reviews are not slabs
GROUP_SHARE = 0.8  # of a category's band, its bars' together (a grouped chart)
TICK_ROOM = 20.0  # pixels beside the widest number for each step of a horizontal value axis

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
PAPER, BORDER, GRID, AXIS = "#ffffff", "#c8c8c8", "#e3e3e3", "#8c8c8c"
INK, QUIET_INK = "#1f1f1f", "#4d4d4d"  # 16:1 and 8.5:1 on the white card
CURRENT = "#e8eef7"  # behind the bar the keyboard is on: the ink still 14:1 on it


@dataclass(frozen=True)
class Series:
    """One colour of bar: its legend label and a value for each of the chart's categories."""

    label: str
    colour: QColor
    values: tuple[int, ...]


def nice_ticks(top: float, most: int) -> list[int]:
    """The value axis's numbers: 0 up to at least ``top``, in a step of 1, 2 or 5 times a
    power of ten, in no more than ``most`` steps (at least one)."""
    most = max(most, 1)
    if top <= 0:
        return [0, 1]
    for power in itertools.count():
        for unit in (1, 2, 5):
            step = unit * 10**power
            steps = math.ceil(top / step)
            if steps <= most:
                return [step * n for n in range(steps + 1)]
    raise AssertionError("unreachable")  # pragma: no cover


def axis_end(ticks: list[int], top: float) -> float:
    """Where the value axis ends: its last number, or half a step past the longest bar when
    that number would leave more than half a step empty (0 to 3,000 for bars up to 2,050
    left a third of the chart empty at 150 % scaling; it now ends at 2,500, unnumbered)."""
    half = (ticks[1] - ticks[0]) / 2
    if top <= 0 or ticks[-1] - top <= half:
        return float(ticks[-1])
    return math.ceil(top / half) * half


@dataclass
class _Drawn:
    """Where everything goes at the chart's present size and font."""

    title: tuple[str, QRectF]
    plot: QRectF
    legend: list[tuple[QRectF, QColor, str, str, QRectF]]  # square, colour, shown, label, text
    names: list[tuple[str, str, QRectF]]  # each category's name as shown, whole, and place
    ticks: list[tuple[float, str, QRectF]]  # each number's place on the axis, text, and box
    bars: list[tuple[QRectF, QColor, str]] = field(default_factory=list)  # with its tooltip


class BarChart(QWidget):
    """Bars for each of ``categories``, one colour per ``Series``: horizontal and stacked
    (the Overview's agencies and reviews, each bar named beside it), or vertical and
    grouped (learning themes by year). ``empty`` is said in the middle when there is nothing
    to chart."""

    def __init__(
        self,
        title: str,
        *,
        horizontal: bool,
        stacked: bool,
        empty: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.horizontal = horizontal
        self.stacked = stacked
        self.empty = empty
        self._categories: list[str] = []
        self._series: list[Series] = []
        self._drawn: _Drawn | None = None
        self.current: int | None = None  # the category the keyboard is on
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # Tab reaches the chart; the arrow keys then go from bar to bar, each saying its
        # figures, which the mouse reads from the tooltips (a new user's keyboard-only trial
        # found no way to a bar's value).
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- what it shows

    def set_data(self, categories: list[str], series: list[Series]) -> None:
        """The categories (a horizontal chart's from the top down) and the bars' series,
        each with a value per category."""
        if any(len(s.values) != len(categories) for s in series):
            raise ValueError("each series needs one value for each category")
        self._categories = list(categories)
        self._series = list(series)
        self._drawn = None
        self.current = None
        self.setAccessibleDescription(self._described())
        self.update()

    def categories(self) -> list[str]:
        return list(self._categories)

    def series(self) -> list[Series]:
        return list(self._series)

    def names_shown(self) -> list[tuple[str, str]]:
        """Each category's name as drawn (cut short with "…" only past its room), with the
        whole name, in the categories' order."""
        return [(shown, whole) for shown, whole, _ in self._laid_out().names]

    def legend_shown(self) -> list[str]:
        return [shown for _, _, shown, _, _ in self._laid_out().legend]

    def texts(self) -> list[str]:
        """Every text the chart draws: its title, names, numbers and legend."""
        drawn = self._laid_out()
        texts = [drawn.title[0]] if drawn.title[0] else []
        texts += [shown for shown, _, _ in drawn.names]
        texts += [text for _, text, _ in drawn.ticks]
        texts += [shown for _, _, shown, _, _ in drawn.legend]
        if not self._categories and self.empty:
            texts.append(self.empty)
        return texts

    def plot_area(self) -> QRectF:
        """Where the bars are drawn."""
        return QRectF(self._laid_out().plot)

    def legend_area(self) -> QRectF:
        """The legend's entries, all together (empty without series)."""
        area = QRectF()
        for square, _, _, _, text in self._laid_out().legend:
            area = area.united(square).united(text)
        return area

    def bars(self) -> list[tuple[QRectF, str]]:
        """Each bar (or part of a stacked bar) drawn, with its tooltip."""
        return [(QRectF(rect), tip) for rect, _, tip in self._laid_out().bars]

    def _described(self) -> str:
        """The chart's figures in words, for a screen reader."""
        return "; ".join(self.figures(n) for n in range(len(self._categories))) or self.empty

    def figures(self, n: int) -> str:
        """The ``n``th category's figures in words: "Police: Red 3, Blue 1"."""
        values = ", ".join(f"{s.label} {s.values[n]:,}" for s in self._series if s.values[n])
        return f"{self._categories[n]}: {values or 'none'}"

    # -- Qt

    def sizeHint(self) -> QSize:
        return QSize(400, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    def resizeEvent(self, event: object) -> None:
        self._drawn = None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._drawn = None
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up and Down (Left and Right on a chart of columns), Home and End: to the next bar,
        the previous, the first or the last, its figures said beside it."""
        count = len(self._categories)
        key = event.key()
        back, on = (
            (Qt.Key.Key_Up, Qt.Key.Key_Down)
            if self.horizontal
            else (Qt.Key.Key_Left, Qt.Key.Key_Right)
        )
        at = self.current
        if not count or key not in (back, on, Qt.Key.Key_Home, Qt.Key.Key_End):
            super().keyPressEvent(event)
            return
        if key == Qt.Key.Key_Home or (at is None and key == on):
            at = 0
        elif key == Qt.Key.Key_End or at is None:
            at = count - 1
        else:
            at = max(0, min(count - 1, at + (1 if key == on else -1)))
        self.go_to(at)

    def go_to(self, n: int) -> None:
        """Put the keyboard on the ``n``th category: marked, and its figures said beside it."""
        self.current = n
        self.update()
        _, _, place = self._laid_out().names[n]
        where = self.mapToGlobal(place.topRight().toPoint())
        QToolTip.showText(where, self.figures(n), self)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        QToolTip.hideText()
        self.update()
        super().focusOutEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self._tip_at(QPointF(event.pos()))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _tip_at(self, point: QPointF) -> str:
        drawn = self._laid_out()
        for rect, _, tip in drawn.bars:
            if rect.contains(point):
                return tip
        for _, whole, rect in drawn.names:
            if rect.contains(point):
                return whole
        for _, _, shown, label, rect in drawn.legend:
            if rect.contains(point) and shown != label:
                return label
        if drawn.title[1].contains(point) and drawn.title[0] != self.title:
            return self.title
        return ""

    def paintEvent(self, event: QPaintEvent) -> None:
        drawn = self._laid_out()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor(BORDER)))
        painter.setBrush(QColor(PAPER))
        painter.drawRect(card)
        painter.setFont(self._title_font())
        painter.setPen(QColor(INK))
        title, place = drawn.title
        painter.drawText(place, Qt.AlignmentFlag.AlignCenter, title)
        painter.setFont(self.font())
        plot = drawn.plot
        if not self._categories:
            if self.empty:
                painter.setPen(QColor(QUIET_INK))
                painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.empty)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # crisp lines
        for at, text, box in drawn.ticks:
            painter.setPen(QPen(QColor(GRID if at else AXIS)))
            if self.horizontal:
                painter.drawLine(QPointF(at, plot.top()), QPointF(at, plot.bottom()))
            else:
                painter.drawLine(QPointF(plot.left(), at), QPointF(plot.right(), at))
            painter.setPen(QColor(QUIET_INK))
            align = Qt.AlignmentFlag.AlignCenter if self.horizontal else Qt.AlignmentFlag.AlignRight
            painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, text)
        if self.current is not None and self.hasFocus():  # the bar the keyboard is on
            _, _, place = drawn.names[self.current]
            band = (
                QRectF(EDGE, place.top() - 2, plot.right() - EDGE, place.height() + 4)
                if self.horizontal
                else QRectF(place.left(), plot.top(), place.width(), place.bottom() - plot.top())
            )
            painter.fillRect(band, QColor(CURRENT))
        painter.setPen(Qt.PenStyle.NoPen)
        for rect, colour, _ in drawn.bars:
            painter.fillRect(rect, colour)
        painter.setPen(QColor(INK))
        align = (
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            if self.horizontal
            else Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        )
        for name, _, rect in drawn.names:
            painter.drawText(rect, align, name)
        for square, colour, label, _, place in drawn.legend:
            painter.fillRect(square, colour)
            painter.drawText(place, _LEFT, label)
        if self.hasFocus():  # the keyboard is here: the card's edge says so
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    # -- laying it out

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _laid_out(self) -> _Drawn:
        if self._drawn is None:
            self._drawn = self._lay_out()
        return self._drawn

    def _lay_out(self) -> _Drawn:
        width, height = float(self.width()), float(self.height())
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        heading = QFontMetricsF(self._title_font())
        shown = heading.elidedText(self.title, Qt.TextElideMode.ElideRight, width - 2 * EDGE)
        title = (shown, QRectF(EDGE, EDGE, width - 2 * EDGE, heading.height()))
        top = EDGE + heading.height() + EDGE
        legend = self._legend(metrics, width, height)
        bottom = (min(text.top() for *_, text in legend) if legend else height) - EDGE
        drawn = _Drawn(title, QRectF(EDGE, top, width - 2 * EDGE, bottom - top), legend, [], [])
        if not self._categories:
            return drawn
        if self.stacked:
            top_value = max(
                (sum(s.values[n] for s in self._series) for n in range(len(self._categories))),
                default=0,
            )
        else:
            top_value = max((max(s.values) for s in self._series), default=0)
        if self.horizontal:
            self._horizontal(drawn, top, bottom - line - 2, top_value)
        else:
            self._vertical(drawn, top, bottom, top_value)
        return drawn

    def _legend(
        self, metrics: QFontMetricsF, width: float, height: float
    ) -> list[tuple[QRectF, QColor, str, str, QRectF]]:
        """The legend's entries, in rows across the foot of the chart, each row centred."""
        room = width - 2 * EDGE
        rows: list[list[tuple[str, str, float]]] = [[]]
        used = 0.0
        for s in self._series:
            shown = metrics.elidedText(
                s.label, Qt.TextElideMode.ElideRight, room - SWATCH - SWATCH_GAP
            )
            wide = SWATCH + SWATCH_GAP + metrics.horizontalAdvance(shown)
            if rows[-1] and used + LEGEND_GAP + wide > room:
                rows.append([])
                used = 0.0
            used += (LEGEND_GAP if rows[-1] else 0.0) + wide
            rows[-1].append((shown, s.label, wide))
        if not rows[-1]:
            return []
        line = metrics.height()
        y = height - EDGE - line * len(rows)
        colours = iter(s.colour for s in self._series)
        entries = []
        for row in rows:
            x = (width - (sum(w for *_, w in row) + LEGEND_GAP * (len(row) - 1))) / 2
            for shown, label, wide in row:
                square = QRectF(x, y + (line - SWATCH) / 2, SWATCH, SWATCH)
                text = QRectF(x + SWATCH + SWATCH_GAP, y, wide - SWATCH - SWATCH_GAP, line)
                entries.append((square, next(colours), shown, label, text))
                x += wide + LEGEND_GAP
            y += line
        return entries

    def _horizontal(self, drawn: _Drawn, top: float, bottom: float, top_value: int) -> None:
        """Bars from the left, each named beside it in a margin as wide as the longest name
        needs, up to ``NAMES_SHARE`` of the chart; the numbers beneath."""
        width = float(self.width())
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        widest = max(metrics.horizontalAdvance(name) for name in self._categories)
        room = min(widest, width * NAMES_SHARE)
        left = EDGE + room + NAME_GAP
        number = metrics.horizontalAdvance(f"{max(top_value, 1):,}")
        ticks = nice_ticks(top_value, int((width - left - EDGE) / (number + TICK_ROOM)))
        end = axis_end(ticks, top_value)
        last = metrics.horizontalAdvance(f"{ticks[-1]:,}")
        right = width - EDGE - max(last / 2, EDGE)
        plot = drawn.plot = QRectF(left, top, max(right - left, 1.0), max(bottom - top, 1.0))
        scale = plot.width() / end
        for value in (t for t in ticks if t <= end):
            at = plot.left() + value * scale
            text = f"{value:,}"
            half = metrics.horizontalAdvance(text) / 2 + 2
            drawn.ticks.append((at, text, QRectF(at - half, plot.bottom() + 2, 2 * half, line)))
        band = plot.height() / len(self._categories)
        thickness = min(band * BAR_SHARE, line * BAR_LINES)
        for n, category in enumerate(self._categories):
            middle = plot.top() + band * (n + 0.5)
            shown = metrics.elidedText(category, Qt.TextElideMode.ElideRight, room)
            drawn.names.append((shown, category, QRectF(EDGE, middle - line / 2, room, line)))
            x = plot.left()
            for s in self._series:
                value = s.values[n]
                if value:
                    rect = QRectF(x, middle - thickness / 2, value * scale, thickness)
                    drawn.bars.append((rect, s.colour, f"{category}: {s.label} {value:,}"))
                    x += value * scale

    def _vertical(self, drawn: _Drawn, top: float, bottom: float, top_value: int) -> None:
        """Bars up from the foot, a group for each category named beneath it, the series side
        by side; the numbers on the left."""
        width = float(self.width())
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        plot_bottom = bottom - line - 2
        ticks = nice_ticks(top_value, int((plot_bottom - top) / (line * 1.5)))
        end = axis_end(ticks, top_value)
        ticks = [t for t in ticks if t <= end]
        numbers = max(metrics.horizontalAdvance(f"{value:,}") for value in ticks)
        left = EDGE + numbers + 6
        high = top + line / 2  # room for the top number, centred on its line
        plot = drawn.plot = QRectF(
            left, high, max(width - EDGE - left, 1.0), max(plot_bottom - high, 1.0)
        )
        scale = plot.height() / end
        for value in ticks:
            at = plot.bottom() - value * scale
            drawn.ticks.append((at, f"{value:,}", QRectF(EDGE, at - line / 2, numbers, line)))
        band = plot.width() / len(self._categories)
        group = band * GROUP_SHARE
        each = group / max(len(self._series), 1)
        for n, category in enumerate(self._categories):
            start = plot.left() + band * n + (band - group) / 2
            shown = metrics.elidedText(category, Qt.TextElideMode.ElideRight, band)
            place = QRectF(plot.left() + band * n, plot.bottom() + 2, band, line)
            drawn.names.append((shown, category, place))
            for k, s in enumerate(self._series):
                value = s.values[n]
                if value:
                    tall = value * scale
                    rect = QRectF(start + each * k, plot.bottom() - tall, each, tall)
                    drawn.bars.append((rect, s.colour, f"{category}: {s.label} {value:,}"))
