"""The rules every text value casereview stores meets, the same on SQLite and PostgreSQL.

One set of rules, checked in one place: the JSON import and the tracker import (both through
``check_document``), the window's editing services and the command line's options all ask
``problem``; db/models.py sizes its columns from the lengths here. A value that breaks a rule
is refused, never trimmed or cut: what a user gave is kept as given, or they are told.

The rules are those every file casereview writes can carry back: no surrounding spaces (a
spreadsheet cell loses them), only characters an .xlsx file can hold (no NUL or other control
characters, no lone surrogates; line breaks as line feeds), and names on one line without
semicolons, since lists of names are written one per line or separated by semicolons.

Free of SQLAlchemy, like db.rules, so the command line can check its options cheaply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from db.errors import DocumentError

if TYPE_CHECKING:
    from db.exchange.document import Document, TrackedDoc

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


def _key(kind: str, value: str, limit: int, position: int) -> str:
    """How a message names a record: by its key when that is sound, else by its place, so a
    message never quotes a long or broken value."""
    if value and valid(value, limit, name=True):
        return f"{kind} '{value}'"
    return f"{kind} {position}"


# (place, field, value, limit, is a name); the place names the record the field belongs to.
_Check = tuple[str, str, str | None, int, bool]


def _tracked(where: str, rec: TrackedDoc) -> Iterator[_Check]:
    yield where, "number", rec.number, NUMBER, True
    yield where, "text", rec.text, TEXT, False
    yield where, "status_reason", rec.status_reason, TEXT, False
    yield where, "actions", rec.actions, TEXT, False
    yield where, "owner", rec.owner, NAME, False
    yield where, "assured_by", rec.assured_by, NAME, False
    yield where, "area", rec.area, AREA, True
    yield where, "concern", rec.concern, NUMBER, True
    for key, names in (
        ("lead_agencies", rec.lead_agencies),
        ("joint_agencies", rec.joint_agencies),
    ):
        for agency in names:
            yield where, key, agency, NAME, True
    for theme in rec.themes:
        yield where, "themes", theme, THEME, True
    for n, update in enumerate(rec.updates, start=1):
        yield f"{where}, update {n}", "author", update.author, NAME, False
        yield f"{where}, update {n}", "note", update.note, TEXT, False
        yield f"{where}, update {n}", "withdrawn_by", update.withdrawn_by, NAME, False
        yield f"{where}, update {n}", "withdrawn_reason", update.withdrawn_reason, TEXT, False
    for n, item in enumerate(rec.evidence, start=1):
        place = f"{where}, evidence {n}"
        yield place, "description", item.description, TEXT, False
        yield place, "reference", item.reference, TEXT, False
        yield place, "file_name", item.file_name, FILE_NAME, False
        yield place, "media_type", item.media_type, MEDIA_TYPE, False
        yield place, "added_by", item.added_by, NAME, False


def _checks(doc: Document) -> Iterator[_Check]:
    from db.exchange.document import NotedFindingDoc

    for n, org in enumerate(doc.organisations, start=1):
        where = _key("organisation", org.name, NAME, n)
        yield where, "name", org.name, NAME, True
        yield where, "parent", org.parent, NAME, True
        yield where, "notes", org.notes, TEXT, False
    for n, scheme in enumerate(doc.grading_schemes, start=1):
        where = _key("grading scheme", scheme.name, THEME, n)
        yield where, "name", scheme.name, THEME, True
        for grade in scheme.grades:
            yield where, "grades", grade, THEME, True
    for n, review in enumerate(doc.reviews, start=1):
        where = _key("review", review.reference, REFERENCE, n)
        yield where, "reference", review.reference, REFERENCE, True
        yield where, "title", review.title, TITLE, False
        yield where, "subject", review.subject, NAME, False
        yield where, "anonymised_label", review.anonymised_label, LABEL, False
        for person in review.names_to_redact:
            yield where, "names_to_redact", person, NAME, True
        yield where, "commissioned_by", review.commissioned_by, NAME, True
        yield where, "summary", review.summary, TEXT, False
        for theme in review.themes:
            yield where, "themes", theme, THEME, True
        for m, rec in enumerate(review.recommendations, start=1):
            yield from _tracked(f"{where}, {_key('recommendation', rec.number, NUMBER, m)}", rec)
    for n, inspection in enumerate(doc.inspections, start=1):
        where = _key("inspection", inspection.reference, REFERENCE, n)
        yield where, "reference", inspection.reference, REFERENCE, True
        yield where, "inspectorate", inspection.inspectorate, NAME, True
        yield where, "programme", inspection.programme, NAME, False
        yield where, "title", inspection.title, TITLE, False
        yield where, "organisation", inspection.organisation, NAME, True
        yield where, "scheme", inspection.scheme, THEME, True
        yield where, "summary", inspection.summary, TEXT, False
        for m, area in enumerate(inspection.areas, start=1):
            place = f"{where}, {_key('area', area.name, AREA, m)}"
            yield place, "name", area.name, AREA, True
            yield place, "grade", area.grade, THEME, True
            yield place, "narrative", area.narrative, TEXT, False
        for m, finding in enumerate(inspection.findings, start=1):
            place = f"{where}, {_key('finding', finding.number, NUMBER, m)}"
            if isinstance(finding, NotedFindingDoc):
                yield place, "number", finding.number, NUMBER, True
                yield place, "text", finding.text, TEXT, False
                yield place, "area", finding.area, AREA, True
            else:
                yield from _tracked(place, finding)
    for n, initiative in enumerate(doc.initiatives, start=1):
        where = _key("initiative", initiative.name, NAME, n)
        yield where, "name", initiative.name, NAME, True
        yield where, "organisation", initiative.organisation, NAME, True
        yield where, "description", initiative.description, TEXT, False
        for m, link in enumerate(initiative.links, start=1):
            place = f"{where}, link {m}"
            yield place, "review", link.review, REFERENCE, True
            yield place, "recommendation", link.recommendation, NUMBER, True
            yield place, "inspection", link.inspection, REFERENCE, True
            yield place, "finding", link.finding, NUMBER, True
            yield place, "area", link.area, AREA, True


def check_document(doc: Document) -> None:
    """Refuse, with ``DocumentError`` naming the record and field, the first value in ``doc``
    that breaks a rule; the message never quotes the value."""
    for where, key, value, limit, name in _checks(doc):
        if value is None:
            continue
        reason = problem(value, limit, name=name)
        if reason is not None:
            raise DocumentError(f"{where}, {key}: {reason}")
    for where, key, value in _references(doc):
        reason = reference_problem(value) if value is not None else None
        if reason is not None:
            raise DocumentError(f"{where}, {key}: {reason}")


def _references(doc: Document) -> Iterator[tuple[str, str, str | None]]:
    """The references in ``doc``, held to the reference's own characters as well; each is
    named by its place, since it is checked because it may be wrong."""
    for n, review in enumerate(doc.reviews, start=1):
        yield f"review {n}", "reference", review.reference
    for n, inspection in enumerate(doc.inspections, start=1):
        yield f"inspection {n}", "reference", inspection.reference
