"""Colours for ratings and grades: always beside the word, dark text on a light tint so they
read in any theme and in greyscale. The colours themselves are ``resources.palette``'s, the
same ones the briefing pack prints."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from db.core.vocabulary import Rating
from resources.palette import GRADE_TIERS, RATINGS, SELECTION, SERIES


def rating_colours(rating: Rating) -> tuple[QColor, QColor]:
    shade = RATINGS[rating.value]
    return QColor(shade.tint), QColor(shade.ink)


def rating_bar(rating: Rating) -> QColor:
    """A rating's solid colour for a chart bar on a white background."""
    return QColor(RATINGS[rating.value].bar)


def series_colour(n: int) -> QColor:
    """The ``n``th colour of a chart's series that are not ratings (themes, say)."""
    return QColor(SERIES[n % len(SERIES)])


def grade_colours(position: int | None, count: int) -> tuple[QColor, QColor] | None:
    """Colours by where a grade sits in its scheme (1 is best), whatever the scheme's size."""
    if position is None or count < 2:
        return None
    fraction = (position - 1) / (count - 1)
    if fraction < 0.4:
        tier = 0
    elif fraction < 0.6:
        tier = 1
    elif fraction < 1:
        tier = 2
    else:
        tier = 3
    background, text = GRADE_TIERS[tier]
    return QColor(background), QColor(text)


def with_readable_selection(palette: QPalette) -> QPalette:
    """``palette`` with the selected row's colours set to ones that pass WCAG AA, whether
    the window has focus or not."""
    highlight, text = SELECTION
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor(highlight))
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor(text))
    return palette
