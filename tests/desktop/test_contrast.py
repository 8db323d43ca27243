"""Colours that pass WCAG 2 AA, computed with WCAG's own formula: the rating and grade
words on their tints, the chart bars on white, the selected row; and the window and the
briefing pack drawing ratings from the one palette."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from db.core.vocabulary import Rating
from desktop.briefing import pack
from desktop.charts import CURRENT, INK, PAPER, QUIET_INK
from desktop.palette import rating_colours
from desktop.window import MainWindow
from resources.palette import GRADE_TIERS, RATINGS, SELECTION, SERIES
from tests.helpers.window import show_overview

TEXT, GRAPHICS = 4.5, 3.0  # WCAG 2.1 AA: 1.4.3 (normal text) and 1.4.11 (graphics)


def luminance(colour: str) -> float:
    """WCAG's relative luminance of an sRGB colour "#rrggbb"."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    value = QColor(colour)
    return (
        0.2126 * linear(value.red())
        + 0.7152 * linear(value.green())
        + 0.0722 * linear(value.blue())
    )


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_gives_wcags_own_figures() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#ffffff", "#308cc6"), 2) == 3.69  # Qt's default selection
    assert round(contrast("#e39b00", "#ffffff"), 2) == 2.35  # the old amber bar


def test_every_rating_word_and_bar_passes() -> None:
    for name, shade in RATINGS.items():
        assert contrast(shade.ink, shade.tint) >= TEXT, name
        assert contrast(shade.bar, "#ffffff") >= GRAPHICS, name
    for tint, ink in GRADE_TIERS:
        assert contrast(ink, tint) >= TEXT, tint


def test_the_selected_row_is_readable_in_the_window(sample_window: MainWindow) -> None:
    view = sample_window.recommendations_tab.view
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette = view.palette()
        highlight = palette.color(group, QPalette.ColorRole.Highlight).name()
        text = palette.color(group, QPalette.ColorRole.HighlightedText).name()
        assert contrast(text, highlight) >= TEXT, (group, text, highlight)
    assert SELECTION[0] == view.palette().color(QPalette.ColorRole.Highlight).name()


def test_the_overviews_bars_stand_out_from_the_page(sample_window: MainWindow) -> None:
    tab = show_overview(sample_window)
    for chart in (tab.agency_chart, tab.review_chart, tab.themes_chart):
        assert chart.series()
        for series in chart.series():  # on the chart's white card
            assert contrast(series.colour.name(), PAPER) >= GRAPHICS, series.label
    for colour in SERIES:  # the themes' colours, whichever six are charted
        assert contrast(colour, PAPER) >= GRAPHICS, colour
    assert contrast(INK, PAPER) >= TEXT and contrast(QUIET_INK, PAPER) >= TEXT
    assert contrast(INK, CURRENT) >= TEXT  # a name on the band the keyboard is on


def test_the_window_and_the_briefing_pack_share_one_rating_palette() -> None:
    for rating in Rating:
        fill, ink = pack.RATING_STYLE[rating]
        tint, text = rating_colours(rating)
        assert fill.hexval()[2:] == tint.name()[1:] == RATINGS[rating.value].tint[1:]
        assert ink.hexval()[2:] == text.name()[1:] == RATINGS[rating.value].ink[1:]
