"""The Overview's bar charts, drawn by casereview (desktop/charts.py): where the bars, names,
numbers and legend go, what their tooltips say, and what a screen reader is told."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QToolTip

from desktop.charts import CURRENT, PAPER, BarChart, Series, axis_end, nice_ticks

RED, BLUE = QColor("#c62828"), QColor("#1f5fbf")


@pytest.mark.parametrize(
    ("top", "most", "ticks"),
    [
        (0, 5, [0, 1]),
        (1, 5, [0, 1]),
        (3, 8, [0, 1, 2, 3]),
        (18, 10, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]),
        (2_049, 5, [0, 500, 1_000, 1_500, 2_000, 2_500]),
        (2_049, 0, [0, 5_000]),  # one step at least
        (99_999, 4, [0, 50_000, 100_000]),
    ],
)
def test_the_value_axis_counts_in_steps_of_one_two_or_five(
    top: int, most: int, ticks: list[int]
) -> None:
    assert nice_ticks(top, most) == ticks


@pytest.mark.parametrize(
    ("ticks", "top", "end"),
    [
        ([0, 1, 2, 3], 3, 3),
        ([0, 1_000, 2_000, 3_000], 2_050, 2_500),  # not a third of the chart empty
        ([0, 1_000, 2_000, 3_000], 2_600, 3_000),
        ([0, 500, 1_000, 1_500, 2_000, 2_500], 2_049, 2_250),
        ([0, 1], 0, 1),
    ],
)
def test_the_axis_ends_within_half_a_step_of_the_longest_bar(
    ticks: list[int], top: int, end: float
) -> None:
    assert axis_end(ticks, top) == end


def test_an_unnumbered_axis_end_is_drawn_without_its_number(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("By agency", horizontal=True, stacked=True), (360, 200))
    chart.set_data(["Police"], [Series("Red", RED, (2_050,))])
    numbers = [text for text in chart.texts() if text[0].isdigit()]
    assert numbers[-1] in ("2,000", "2,500") and "3,000" not in numbers, numbers
    [(bar, _)] = chart.bars()
    assert bar.right() > chart.plot_area().left() + 0.8 * chart.plot_area().width()


def chart_of(qtbot: Any, chart: BarChart, size: tuple[int, int] = (600, 300)) -> BarChart:
    qtbot.addWidget(chart)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_stacked_bars_run_from_the_left_in_proportion_named_beside_them(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("By agency", horizontal=True, stacked=True))
    chart.set_data(["Police", "Health"], [Series("Red", RED, (3, 1)), Series("Blue", BLUE, (1, 0))])
    bars = chart.bars()
    assert [tip for _, tip in bars] == ["Police: Red 3", "Police: Blue 1", "Health: Red 1"]
    (police_red, _), (police_blue, _), (health_red, _) = bars
    plot = chart.plot_area()
    assert police_red.left() == pytest.approx(plot.left())
    assert police_blue.left() == pytest.approx(police_red.right())  # stacked on the red
    assert police_red.width() == pytest.approx(3 * health_red.width())
    assert police_red.center().y() < health_red.center().y()  # the first at the top
    assert [shown for shown, _ in chart.names_shown()] == ["Police", "Health"]
    assert chart._tip_at(police_blue.center()) == "Police: Blue 1"
    # A screen reader is told the figures the picture shows.
    assert chart.accessibleName() == "By agency"
    assert chart.accessibleDescription() == "Police: Red 3, Blue 1; Health: Red 1"
    # Drawn: the bar's colour where the bar is, the white card around.
    image = chart.grab().toImage()
    assert QColor(image.pixel(police_red.center().toPoint())) == RED
    assert QColor(image.pixel(plot.right() - 2, plot.bottom() - 3)).name() == PAPER


def test_grouped_bars_stand_side_by_side_above_their_category(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("By year", horizontal=False, stacked=False))
    chart.set_data(
        ["2024", "2025"], [Series("Neglect", RED, (4, 2)), Series("Supervision", BLUE, (1, 4))]
    )
    (neglect_24, _), (supervision_24, _), (neglect_25, _), (supervision_25, _) = chart.bars()
    plot = chart.plot_area()
    assert neglect_24.bottom() == pytest.approx(plot.bottom())
    assert neglect_24.right() == pytest.approx(supervision_24.left())  # side by side
    assert neglect_24.height() == pytest.approx(supervision_25.height())  # both 4
    assert neglect_24.height() == pytest.approx(2 * neglect_25.height())
    assert neglect_24.left() < plot.center().x() < neglect_25.left()
    assert "4" in chart.texts() and chart.legend_shown() == ["Neglect", "Supervision"]


def test_a_narrow_chart_wraps_its_legend_and_shortens_only_what_cannot_fit(qtbot: Any) -> None:
    long = "Transition to adult services and the young people's team"
    chart = chart_of(qtbot, BarChart("Themes", horizontal=False, stacked=False), (180, 300))
    chart.set_data(["2025"], [Series("Neglect", RED, (1,)), Series(long, BLUE, (2,))])
    [neglect, shortened] = chart.legend_shown()
    assert neglect == "Neglect" and shortened.endswith("…") and long.startswith(shortened[:-1])
    entries = chart._laid_out().legend
    assert entries[0][4].top() < entries[1][4].top()  # on a line of its own
    assert chart._tip_at(entries[1][4].center()) == long  # the whole label as its tooltip
    assert chart._tip_at(QPointF(1, 1)) == ""


def test_nothing_to_chart_says_so(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("Themes", horizontal=False, stacked=False, empty="None yet."))
    chart.set_data([], [])
    assert chart.texts() == ["Themes", "None yet."]
    assert chart.bars() == [] and chart.accessibleDescription() == "None yet."
    chart.grab()  # drawn without a category


def test_each_series_needs_a_value_for_each_category(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("By agency", horizontal=True, stacked=True))
    with pytest.raises(ValueError, match="one value for each category"):
        chart.set_data(["Police", "Health"], [Series("Red", RED, (1,))])


def test_the_keyboard_goes_from_bar_to_bar_saying_each_ones_figures(qtbot: Any) -> None:
    """Tab reaches a chart and the arrow keys go from bar to bar, each bar's figures said
    beside it: a keyboard-only user had no way to a bar's value but the mouse's tooltip."""
    chart = chart_of(qtbot, BarChart("By agency", horizontal=True, stacked=True))
    chart.set_data(
        ["Police", "Health", "Schools"],
        [Series("Red", RED, (3, 1, 0)), Series("Blue", BLUE, (1, 0, 2))],
    )
    assert chart.focusPolicy() & Qt.FocusPolicy.TabFocus
    chart.activateWindow()
    qtbot.waitUntil(chart.isActiveWindow)
    chart.setFocus(Qt.FocusReason.TabFocusReason)
    said = []
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down):
        qtbot.keyClick(chart, key)
        said.append((chart.current, QToolTip.text()))
    assert said == [
        (0, "Police: Red 3, Blue 1"),
        (1, "Health: Red 1"),
        (2, "Schools: Blue 2"),
        (2, "Schools: Blue 2"),  # the last stays the last
    ]
    qtbot.keyClick(chart, Qt.Key.Key_Home)
    assert chart.current == 0
    qtbot.keyClick(chart, Qt.Key.Key_End)
    assert chart.current == 2
    qtbot.keyClick(chart, Qt.Key.Key_Up)
    assert chart.current == 1
    image = chart.grab().toImage()  # the bar the keyboard is on is marked behind its name
    _, _, place = chart._laid_out().names[1]
    assert QColor(image.pixel(QPointF(place.left() + 1, place.top()).toPoint())) == QColor(CURRENT)


def test_a_chart_of_columns_goes_left_and_right(qtbot: Any) -> None:
    chart = chart_of(qtbot, BarChart("By year", horizontal=False, stacked=False))
    chart.set_data(["2024", "2025"], [Series("Neglect", RED, (4, 2))])
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    assert chart.current == 1 and chart.figures(1) == "2025: Neglect 2"
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert chart.current == 0
