"""The rules every text value casereview stores meets, the same on SQLite and PostgreSQL.

Why it works this way: docs/architecture.md, "The field rules".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Longest values the database holds, by what they are.
REFERENCE = 60  # a review's or an inspection's reference
NUMBER = 20  # a recommendation's or a finding's number
NAME = 200  # an organisation or initiative; a person or role; a review's subject; a programme
THEME = 120  # a theme, a grading scheme or a grade
TITLE = 400  # a review's or an inspection's title
LABEL = 100  # the label a redacted briefing pack prints for a child
AREA = 300  # an inspection's graded area
MARKING = 60  # a protective marking, printed across every page of a briefing pack
FILE_NAME = 255
MEDIA_TYPE = 120
TEXT = 100_000  # free text: a recommendation, actions, a note, a summary, a narrative

# What XML 1.0 (so an .xlsx file) can hold, less the carriage return, which its readers turn
# into a line feed: everything else is refused rather than changed on the way out.
_UNSTORABLE = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# Characters a reference may hold beyond letters, digits, punctuation and spaces: the symbols
# a keyboard types. Emoji (and their modifiers and joiners), invisible format characters and
# private-use characters are refused: a reference is typed, searched, filed and read aloud.
_KEYBOARD_SYMBOLS = frozenset("$+<=>^`|~£€¬¦")
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _reference_character(character: str) -> bool:
    if _VARIATION_SELECTORS.match(character):
        return False
    category = unicodedata.category(character)
    return category[0] in "LNPM" or character == " " or character in _KEYBOARD_SYMBOLS


def problem(value: str, limit: int, *, name: bool = False, reference: bool = False) -> str | None:
    """What is wrong with ``value`` as a stored value, as words to follow the field's name
    ("owner: is longer than..."); None when it keeps every rule.

    ``name`` is for what lists hold and records are found by (agencies, themes, references,
    numbers): one line, with single spaces and no semicolons. ``reference`` (a review's or an
    inspection's) is a name of letters, digits, punctuation and keyboard symbols only.
    """
    if value != value.strip():
        return "begins or ends with a space or a line break, which casereview does not keep"
    if len(value) > limit:
        return f"is longer than the {limit:,} characters casereview keeps"
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        if bad.group() == "\r":
            return "holds a carriage return; casereview keeps line breaks as line feeds only"
        return f"holds the character U+{ord(bad.group()):04X}, which casereview cannot store"
    if name:
        if " ".join(value.split()) != value:
            return "holds a line break, a tab or spaces together, and a name is one line"
        if ";" in value:
            return "holds a semicolon, which casereview uses to separate names in a list"
    if reference:
        odd = next((c for c in value if not _reference_character(c)), None)
        if odd is not None:
            return (
                f"holds the character U+{ord(odd):04X}; a reference is letters, digits, "
                "punctuation and spaces"
            )
    return None


def valid(value: str, limit: int, *, name: bool = False) -> bool:
    return problem(value, limit, name=name) is None


def distinct(names: Iterable[str]) -> list[str]:
    """``names`` without repeats, ignoring case ("Neglect; neglect" is one theme): the first
    spelling given is kept. The window, the command line and every import list themes so."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def reference_problem(value: str) -> str | None:
    """``problem`` for a review's or an inspection's reference."""
    return problem(value, REFERENCE, name=True, reference=True)
