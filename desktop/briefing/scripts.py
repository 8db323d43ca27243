"""Right-to-left names on the page: Arabic-script text joined and put in visual order.

Why it works this way: docs/architecture.md, "Right-to-left names in a pack".
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
