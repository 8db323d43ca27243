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

# Most entries a meeting's agenda holds (db.services.meetings, db.exchange.json_format): a
# panel goes through a few dozen, and an agenda of thousands (a generated data set proposes
# 41,557) is no agenda a panel can run and froze meeting mode.
AGENDA_ENTRIES = 200

# What XML 1.0 (so an .xlsx file) can hold, less the carriage return, which its readers turn
# into a line feed: everything else is refused rather than changed on the way out.
_UNSTORABLE = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# The bidirectional embeddings and overrides (LRE, RLE, PDF, LRO, RLO: U+202A to U+202E) are
# refused in every value: an override shows letters in an order other than the one stored,
# and an embedding left open runs on past the value into the text around it (a table's next
# cell, a pack's next line), so what a panel reads differs from what is stored and searched
# ("Trojan source"). Nothing typed needs them. The marks (LRM, RLM: U+200E, U+200F) and the
# isolates (LRI, RLI, FSI, PDI: U+2066 to U+2069) stay allowed: a mark has no letters of its
# own to reorder, an isolate cannot reverse letters and ends with its paragraph, and they are
# what Unicode's bidirectional algorithm (UAX #9) asks for to put an Arabic or Hebrew name in
# an English note, as panels do.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e]")


# Characters a reference may hold beyond letters, digits, punctuation and spaces: the symbols
# a keyboard types. Emoji (and their modifiers and joiners), invisible format characters and
# private-use characters are refused: a reference is typed, searched, filed and read aloud.
_KEYBOARD_SYMBOLS = frozenset("$+<=>^`|~£€¬¦")
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


# Invisible format characters (Unicode's category Cf, the ones a reference refuses among the
# rest) in a name or a meeting's title: a zero-width space, a word joiner, a byte order mark or
# a soft hyphen shows as nothing, so "Ann\u200bSmith" looked like "AnnSmith" and was another
# name that no typed search found. Kept: the bidirectional marks and isolates (kept in every
# value: why at _BIDI_CONTROLS), and the signs that span the digits after them (U+0600 to
# U+0605 and their kin), which show. The zero-width non-joiner and joiner (U+200C, U+200D) are
# kept where they stand between two characters that show: Persian writes "mi-khaham" with
# one, Hindi and Malayalam choose a conjunct's form with them, German keeps "Auf\u200clage" from
# a ligature, and an emoji sequence (a family, the rainbow flag) is joined by U+200D; at an end,
# or beside a space or another invisible character, they join or part nothing that shows, and
# are refused. The tag characters (U+E0000 on) are refused: they carry letters no one sees, and
# only a subdivision's flag (Scotland's, Wales's) is written with them, which no name needs.
_KEPT_FORMAT = frozenset(
    "\u061c\u200e\u200f\u2066\u2067\u2068\u2069"  # bidirectional marks and isolates
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
_JOINERS = frozenset("\u200c\u200d")
# Invisible though not format characters: the Hangul fillers (letters of no sound or shape).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_INVISIBLE_NAMES = {
    "\u00ad": "a soft hyphen",
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u2060": "a word joiner",
    "\ufeff": "a byte order mark",
    "\u180e": "a Mongolian vowel separator",
}


def _shows(character: str) -> bool:
    return not (
        character.isspace() or unicodedata.category(character) == "Cf" or character in _FILLERS
    )


def _invisible(value: str) -> str | None:
    """The first character of ``value`` a name may not hold because it shows as nothing (see
    _KEPT_FORMAT), or None."""
    for at, character in enumerate(value):
        if character in _FILLERS:
            return character
        if unicodedata.category(character) != "Cf" or character in _KEPT_FORMAT:
            continue
        between = 0 < at < len(value) - 1 and _shows(value[at - 1]) and _shows(value[at + 1])
        if character in _JOINERS and between:
            continue
        return character
    return None


def _invisible_problem(character: str, what: str) -> str:
    """Why ``what`` ("name", "title") may not hold the invisible ``character``."""
    plain = _INVISIBLE_NAMES.get(character)
    if plain is None:
        plain = "a Hangul filler" if character in _FILLERS else "an invisible character"
    return (
        f"holds the character U+{ord(character):04X} ({plain}), which does not show, so two "
        f"{what}s that look the same would differ"
    )


def _reference_character(character: str) -> bool:
    if _VARIATION_SELECTORS.match(character):
        return False
    category = unicodedata.category(character)
    return category[0] in "LNPM" or character == " " or character in _KEYBOARD_SYMBOLS


def problem(
    value: str,
    limit: int,
    *,
    name: bool = False,
    reference: bool = False,
    spaced: bool = False,
) -> str | None:
    """What is wrong with ``value`` as a stored value, as words to follow the field's name
    ("owner: is longer than..."); None when it keeps every rule.

    ``name`` is for what lists hold and records are found by (agencies, themes, references,
    numbers): one line, with single spaces and no semicolons. ``reference`` (a review's or an
    inspection's) is a name of letters, digits, punctuation and keyboard symbols only.
    ``spaced`` is a name's spacing alone, for a title a record is found by that no list
    holds (a meeting's: why at db.services.meetings.check_meeting), so semicolons stay allowed.
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
    control = bidi_problem(value)
    if control is not None:
        return control
    if (name or spaced) and " ".join(value.split()) != value:
        return _spacing_problem(value, "a name" if name else "a title")
    if name or spaced:
        hidden = _invisible(value)
        if hidden is not None:
            return _invisible_problem(hidden, "name" if name else "title")
    if name and ";" in value:
        return "holds a semicolon, which casereview uses to separate names in a list"
    if reference:
        odd = next((c for c in value if not _reference_character(c)), None)
        if odd is not None:
            return (
                f"holds the character U+{ord(odd):04X}; a reference is letters, digits, "
                "punctuation and spaces"
            )
    return None


def _spacing_problem(value: str, what: str) -> str:
    """Why the spacing of ``what`` ("a name", "a title") is refused: a space of another kind is
    named by its code (a non-breaking space alone read as "spaces together" to a new user)."""
    odd = next((c for c in value if c.isspace() and c not in " \n\t"), None)
    if odd is not None:
        kind = " (a non-breaking space)" if odd in "\u00a0\u202f" else ""
        return (
            f"holds the character U+{ord(odd):04X}{kind}; {what}'s words are separated by "
            "single ordinary spaces"
        )
    # The first met is named: "a line break, a tab or spaces together" left a new user to
    # find which of the three a title held.
    for at, character in enumerate(value):
        if character == "\n":
            return f"holds a line break, and {what} is one line"
        if character == "\t":
            return f"holds a tab; {what}'s words are separated by single ordinary spaces"
        if value.startswith("  ", at):
            return f"holds two spaces together; {what}'s words are separated by single spaces"
    return f"is not spaced as {what} is: one line, its words separated by single spaces"


def blank(value: str) -> bool:
    """Whether ``value`` shows nothing: spaces, line breaks and invisible format characters
    alone (a zero-width space was taken as a meeting's title, shown as nothing)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in value)


def bidi_problem(value: str) -> str | None:
    """The words for a bidirectional embedding or override in ``value`` ("holds the character
    U+202E, ..."), or None: refused in every value, for the reasons given at _BIDI_CONTROLS.
    A reader that names a cell by its row (the tracker's) asks this of each cell itself."""
    control = _BIDI_CONTROLS.search(value)
    if control is None:
        return None
    return (
        f"holds the character U+{ord(control.group()):04X}, which makes text show differently "
        "from what is stored"
    )


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
