"""Colours for ratings and grades: always beside the word, dark text on a light tint so they
read in any theme and in greyscale."""

from __future__ import annotations

from PySide6.QtGui import QColor

from db.vocabulary import Rating

_RATING = {
    Rating.BLUE: ("#dce8fb", "#0b3d91"),
    Rating.GREEN: ("#dcefdc", "#1b5e20"),
    Rating.AMBER: ("#fde9c4", "#6d4100"),
    Rating.RED: ("#f8d5d5", "#8e1b1b"),
}

_GRADE_TIERS = (
    ("#dcefdc", "#1b5e20"),  # outstanding, good
    ("#f3f0c4", "#4f4a00"),  # adequate
    ("#fde9c4", "#6d4100"),  # requires improvement
    ("#f8d5d5", "#8e1b1b"),  # inadequate
)


def rating_colours(rating: Rating) -> tuple[QColor, QColor]:
    background, text = _RATING[rating]
    return QColor(background), QColor(text)


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
    background, text = _GRADE_TIERS[tier]
    return QColor(background), QColor(text)
