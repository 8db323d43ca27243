"""The one set of colours for ratings, grades and the selected row, shared by the window
(``desktop.palette``) and the briefing pack (``desktop.briefing``), which must not load Qt.

Plain hex strings keyed by the rating's stored value, so that this module stays data only.
Every pair passes WCAG 2 AA (tests/desktop/test_contrast.py): a word on its tint at least
4.5:1, a chart bar against a white page at least 3:1, the selected row's text on its
highlight at least 4.5:1. The rating's word is always shown beside its colour.
"""

from __future__ import annotations

from typing import NamedTuple


class Shade(NamedTuple):
    tint: str  # behind the rating's word, in a table cell or chip
    ink: str  # the word itself, on the tint
    bar: str  # a solid chart bar, on a white background


RATINGS: dict[str, Shade] = {
    "blue": Shade("#dce8fb", "#0b3d91", "#1f5fbf"),
    "green": Shade("#dcefdc", "#1b5e20", "#2e7d32"),
    "amber": Shade("#fde9c4", "#6d4100", "#c07a00"),
    "red": Shade("#f8d5d5", "#8e1b1b", "#c62828"),
}

# Grades by where they sit in their scheme: (tint, ink), best tier first.
GRADE_TIERS: tuple[tuple[str, str], ...] = (
    ("#dcefdc", "#1b5e20"),  # outstanding, good
    ("#f3f0c4", "#4f4a00"),  # adequate
    ("#fde9c4", "#6d4100"),  # requires improvement
    ("#f8d5d5", "#8e1b1b"),  # inadequate
)

# The selected row: white on a blue dark enough to read (Qt's default #308cc6 is 3.7:1).
SELECTION = ("#2a6fb0", "#ffffff")

# A chart's series that are not ratings (learning themes by year): Okabe and Ito's colours,
# told apart with the commoner kinds of colour blindness, darkened where needed so that each
# bar stands 3:1 against the white card (tests/desktop/test_contrast.py).
SERIES = ("#0072b2", "#d55e00", "#009e73", "#6a3d9a", "#cc79a7", "#8c564b")
