"""Render a ``db.queries.briefing_content.Pack`` as an editable Word document.

The PDF's sections in the same order (cover, summary, changes, reviews, inspections, about
this pack), with the words and counts of ``desktop.briefing.facts``, on the shared Word parts
of ``db.exchange.word`` (the marking in every header and footer, "Page X of Y", real tables
with a repeating header row, ratings as words). A table cell holds an item's whole text, so
the Word copy needs no appendix of long texts. Reviews and inspections start a landscape
section, for their eight-column tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docx.enum.text import WD_BREAK
from docx.shared import Pt

from db.core.dates import format_date
from db.exchange.word import add_table, docx_bytes, new_section, word_document
from db.queries.briefing_content import Pack, PackInspection, PackItem, PackReview
from desktop.briefing.facts import (
    ITEM_HEADERS,
    NOTHING_TO_REPORT,
    RATING_ORDER,
    THEME_YEARS,
    change_number,
    cover_lines,
    due_sentences,
    inspection_facts,
    item_number,
    lead_agency_tallies,
    provenance,
    repeat_outcome,
    review_facts,
    review_tallies,
    status_word,
)

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

    from db.core.vocabulary import Rating
    from db.queries.details import GradeMatrix

CELL_SIZE = Pt(8)
ITEM_WIDTHS = (0.06, 0.25, 0.11, 0.11, 0.09, 0.1, 0.07, 0.21)


def render_pack_docx(pack: Pack) -> bytes:
    """The pack as .docx bytes."""
    document = word_document(pack.marking)
    _cover(document, pack)
    if pack.is_empty:
        document.add_heading("Nothing to report", level=1)
        document.add_paragraph(NOTHING_TO_REPORT)
    else:
        _summary(document, pack)
        _changes(document, pack)
        _repeated(document, pack)
        _themes(document, pack)
        if pack.reviews:
            new_section(document, pack.marking, landscape=True)
            document.add_heading("Reviews", level=1)
            for review in pack.reviews:
                _review(document, review)
        if pack.inspections:
            new_section(document, pack.marking, landscape=True)
            document.add_heading("Inspections", level=1)
            for inspection in pack.inspections:
                _inspection(document, inspection)
    if said := provenance(pack):
        document.add_heading("About this pack", level=3)
        document.add_paragraph(said)
    return docx_bytes(document)


def _cover(document: WordDocument, pack: Pack) -> None:
    document.add_heading(pack.title, level=0)
    for line in cover_lines(pack):
        document.add_paragraph(line)
    document.add_paragraph(pack.marking or "No protective marking")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(document: WordDocument, pack: Pack) -> None:
    document.add_heading("Summary", level=1)
    for heading, first, tallies in (
        ("Recommendations by rating, per review", "Review", review_tallies(pack)),
        ("Recommendations by rating, per lead agency", "Lead agency", lead_agency_tallies(pack)),
    ):
        if tallies:
            document.add_heading(heading, level=3)
            _tally_table(document, first, tallies)
    for sentence in due_sentences(pack):
        document.add_paragraph(sentence)


def _tally_table(
    document: WordDocument, first: str, tallies: list[tuple[str, dict[Rating, int]]]
) -> None:
    headers = [first, *[r.label for r in RATING_ORDER], "Total"]
    rows = [
        [name, *[tally[r] for r in RATING_ORDER], sum(tally.values())] for name, tally in tallies
    ]
    add_table(document, headers, rows, widths=[0.46, 0.09, 0.09, 0.09, 0.09, 0.18])
    document.add_paragraph()


def _repeated(document: WordDocument, pack: Pack) -> None:
    """Repeated learning, as the PDF gives it (desktop.briefing.pack._repeated)."""
    if not pack.repeats:
        return
    document.add_heading("Repeated learning", level=1)
    rows = [
        [
            f"{r.source} {r.number}",
            f"{r.earlier_source} {r.earlier_number}",
            repeat_outcome(r),
        ]
        for r in pack.repeats
    ]
    add_table(
        document,
        ["Item", "Repeats", "What became of it"],
        rows,
        widths=[0.3, 0.3, 0.4],
        size=CELL_SIZE,
    )


def _themes(document: WordDocument, pack: Pack) -> None:
    """Learning themes by year, as the PDF gives them (desktop.briefing.pack._themes)."""
    themes = pack.themes
    if themes is None or themes.is_empty:
        return
    years = themes.years[-THEME_YEARS:]
    undated = any(u for _, _, u in themes.rows)
    heads = ["Theme", *(str(y) for y in years), *(["Not yet published"] if undated else [])]
    rows = [
        [
            name,
            *(str(by_year.get(y, 0) or "") for y in years),
            *([str(not_yet or "")] if undated else []),
        ]
        for name, by_year, not_yet in themes.rows
    ]
    document.add_heading("Learning themes by year", level=1)
    rest = 0.66 / max(len(heads) - 1, 1)
    add_table(document, heads, rows, widths=[0.34] + [rest] * (len(heads) - 1), size=CELL_SIZE)


def _changes(document: WordDocument, pack: Pack) -> None:
    if pack.since is None:
        return
    document.add_heading(f"Changes since {format_date(pack.since)}", level=1)
    if not pack.changes:
        document.add_paragraph("No updates were recorded in this period.")
        return
    rows = [[c.on, c.source, change_number(c), c.what] for c in pack.changes]
    add_table(
        document,
        ["Date", "Source", "No.", "Change"],
        rows,
        widths=[0.16, 0.22, 0.07, 0.55],
        size=CELL_SIZE,
    )


def _items(document: WordDocument, items: list[PackItem], text_heading: str) -> None:
    headers = [ITEM_HEADERS[0], text_heading, *ITEM_HEADERS[1:]]
    rows = [
        [
            item_number(item),
            item.text if item.text is not None else "(text not yet entered)",
            item.lead,
            item.joint,
            item.target_date,
            status_word(item),
            item.rating if item.rating is not None else "Noted",
            item.latest_update,
        ]
        for item in items
    ]
    add_table(document, headers, rows, widths=ITEM_WIDTHS, size=CELL_SIZE)
    document.add_paragraph()


def _review(document: WordDocument, review: PackReview) -> None:
    document.add_heading(f"{review.reference}: {review.title}", level=2)
    document.add_paragraph(review_facts(review))
    if review.summary:
        document.add_paragraph(review.summary)
    if review.items:
        _items(document, review.items, "Recommendation")
    else:
        document.add_paragraph("No recommendations recorded.")


def _inspection(document: WordDocument, inspection: PackInspection) -> None:
    document.add_heading(f"{inspection.reference}: {inspection.title}", level=2)
    document.add_paragraph(inspection_facts(inspection))
    if inspection.areas:
        document.add_heading("Graded areas", level=3)
        rows = [[a.name, a.grade or "Not graded"] for a in inspection.areas]
        add_table(document, ["Graded area", "Grade"], rows, widths=[0.7, 0.3])
        document.add_paragraph()
    _grades_over_time(document, inspection.matrix)
    if inspection.findings:
        document.add_heading("Findings", level=3)
        _items(document, inspection.findings, "Finding")
    if inspection.initiatives:
        document.add_heading("Initiatives noted", level=3)
        for name, description in inspection.initiatives:
            paragraph = document.add_paragraph()
            paragraph.add_run(name).bold = True
            paragraph.add_run(f": {description}")


def _grades_over_time(document: WordDocument, matrix: GradeMatrix) -> None:
    """The organisation's grades area by area, a column per inspection, when there is more
    than one inspection to compare."""
    if len(matrix.inspections) <= 1:
        return
    document.add_heading(f"Grades over time: {matrix.organisation}", level=3)
    headers = ["Area"] + [format_date(i.published_on, i.reference) for i in matrix.inspections]
    rows = []
    for area in matrix.areas:
        cells = [matrix.cells.get((area, i.id)) for i in matrix.inspections]
        rows.append([area] + [c[0] if c else "—" for c in cells])
    rest = 0.6 / len(matrix.inspections)
    add_table(document, headers, rows, widths=[0.4] + [rest] * len(matrix.inspections))
    document.add_paragraph()
