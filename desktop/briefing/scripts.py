"""Right-to-left names on the page: Arabic-script text joined and put in visual order.

ReportLab draws a string's characters left to right, one glyph each. Arabic letters take a
different form at the start, middle and end of a word and run right to left, so a name such
as "فاطمة الزهراء" must be given to it already joined (``arabic_reshaper`` picks each letter's
form from the font's presentation forms, which DejaVu Sans has) and already in the order it
is seen (``python-bidi`` applies the Unicode bidirectional algorithm, so Latin text and
numbers beside it keep their order). Text with no right-to-left letters is left as it is.

A line is made visual after it has been broken to fit its space, never before: the renderer
wraps table cells itself and makes each line visual; a paragraph of mostly right-to-left text
longer than a line would need ReportLab's own bidi support (the rlbidi package), which is not
available, so paragraphs are made visual whole (names and short phrases, in this product).
"""

from __future__ import annotations

import re

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended, and the Hebrew
# and Arabic presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def visual(text: str) -> str:
    """``text`` as it is drawn left to right: right-to-left runs joined and reordered."""
    if not _RIGHT_TO_LEFT.search(text):
        return text
    from arabic_reshaper import reshape
    from bidi import get_display

    # The page reads left to right: a line that begins with a right-to-left name is still a
    # left-to-right line (the name's run is reversed within it, the rest keeps its order).
    return "\n".join(str(get_display(reshape(line), base_dir="L")) for line in text.split("\n"))
