"""A meeting's minutes and action log (``db.services.meetings.Minutes``), as a PDF and as an
editable Word document.

Both say the same words (``minutes_lines``, ``people_rows``, ``decision_rows``,
``action_rows``) and look like the briefing pack: the PDF on the pack's canvas, styles and
tables (``desktop.briefing.pack``), the Word copy on the shared Word parts
(``db.exchange.word``), each with the marking at the top and foot of every page and
"Page X of Y".
"""

from __future__ import annotations

import io
import textwrap
from functools import partial
from typing import TYPE_CHECKING, Any

from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from db.core.dates import format_date
from db.core.vocabulary import DecisionKind
from db.exchange.word import add_table, docx_bytes, word_document
from desktop import __version__
from desktop.briefing.pack import (
    MARGIN,
    STYLES,
    NumberedCanvas,
    para,
    plain_table,
    reference_para,
    register_fonts,
)

if TYPE_CHECKING:
    from db.services.editing import ItemKey
    from db.services.meetings import ActionLine, DecisionLine, Minutes, Person, SourceKey

ITEM_TEXT_LIMIT = 110  # characters of an item's text the decision list shows
PEOPLE_HEADERS = ("Name", "Agency")
DECISION_HEADERS = ("Source", "No.", "Item", "Decision", "Note", "Date / whom")
DECISION_WIDTHS = (0.19, 0.05, 0.25, 0.12, 0.23, 0.16)
ACTION_HEADERS = ("Source", "No.", "Action", "Owner", "Due")
ACTION_WIDTHS = (0.19, 0.05, 0.34, 0.23, 0.19)
NONE_DECIDED = "No decisions were recorded at this meeting."
NO_ACTIONS = "The meeting set no actions."


# ----------------------------------------------------------------------------- the words


def minutes_title(said: Minutes) -> str:
    return f"Minutes: {said.meeting.title}"


def minutes_lines(said: Minutes) -> list[str]:
    """The lines under the title: when, and who chaired."""
    meeting = said.meeting
    return [
        f"Held on {format_date(meeting.held_on)}",
        f"Chair: {meeting.chair or 'not recorded'}",
    ]


def people_rows(people: tuple[Person, ...]) -> list[list[str]]:
    return [[p.name, p.agency] for p in people]


def decision_detail(line: DecisionLine, chair: str) -> str:
    """What a decision set: the new target, from or to whom, by when, or who assured it."""
    until = format_date(line.until) if line.until else ""
    return {
        DecisionKind.SIGNED_OFF: f"Assured by {chair}" if chair else "",
        DecisionKind.EXTENDED: f"New target {until}",
        DecisionKind.EVIDENCE_REQUESTED: f"From {line.whom}, by {until}",
        DecisionKind.ESCALATED: f"To {line.whom}",
        DecisionKind.NOTED: "",
    }[line.kind]


def decision_rows(said: Minutes) -> list[list[str]]:
    """The decision list, per item: the items in the order given (the minutes give the
    agenda's), an item's decisions together in the order they were made. A whole review or
    inspection has no number: its title stands as "Whole inspection: <title>"."""
    chair = said.meeting.chair
    first: dict[ItemKey | SourceKey, int] = {}
    for line in said.decided.decisions:
        first.setdefault(line.key.item, len(first))
    ordered = sorted(said.decided.decisions, key=lambda line: first[line.key.item])
    return [
        [
            line.source,
            line.numbered,
            _whole(line.whole, _shortened(line.text)),
            line.kind_label,
            line.note,
            decision_detail(line, chair),
        ]
        for line in ordered
    ]


def action_rows(said: Minutes) -> list[list[str]]:
    return [
        [
            a.source,
            a.numbered,
            _whole(a.whole, a.what),
            a.owner or "No lead agency",
            _due(a),
        ]
        for a in said.decided.actions
    ]


def _due(action: ActionLine) -> str:
    """An action's due date; an escalation takes none (it is made at the meeting, to whom
    the decision names), so its log says so rather than "No date set", which read as a date
    forgotten (an older fault)."""
    if action.due is None and action.kind is DecisionKind.ESCALATED:
        return "None: escalated at the meeting"
    return format_date(action.due, "No date set")


def _whole(whole: str, text: str) -> str:
    """``text`` led by "Whole inspection: " (or review) for a decision about a whole one."""
    return f"{whole}: {text}" if whole else text


def _shortened(text: str | None) -> str:
    if text is None:
        return "(text not yet entered)"
    return textwrap.shorten(text, ITEM_TEXT_LIMIT, placeholder=" …")


# ----------------------------------------------------------------------------- PDF


def render_minutes(said: Minutes, marking: str) -> bytes:
    """The minutes and action log as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    title = minutes_title(said)
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        subject=f"Minutes and action log, {format_date(said.meeting.held_on)}",
        creator=f"casereview {__version__}",
        producer=f"casereview {__version__}",
        keywords=[marking],
    )
    width = document.width
    story: list[Any] = [para(title, STYLES["h1"])]
    story += [para(line, STYLES["cover"]) for line in minutes_lines(said)]
    story += _people("Present", said.meeting.attendees, width)
    story += _people("Apologies", said.meeting.apologies, width)
    if said.meeting.notes:
        story += [para("Notes", STYLES["h2"]), para(said.meeting.notes, STYLES["body"])]
    story += _listed(
        "Decisions",
        headers=DECISION_HEADERS,
        rows=decision_rows(said),
        shares=DECISION_WIDTHS,
        empty=NONE_DECIDED,
        width=width,
    )
    story += _listed(
        "Action log",
        headers=ACTION_HEADERS,
        rows=action_rows(said),
        shares=ACTION_WIDTHS,
        empty=NO_ACTIONS,
        width=width,
    )
    document.build(story, canvasmaker=partial(NumberedCanvas, marking=marking, title=title))
    return buffer.getvalue()


def _people(heading: str, people: tuple[Person, ...], width: float) -> list[Any]:
    story: list[Any] = [para(heading, STYLES["h2"])]
    if not people:
        return [*story, para("None recorded.", STYLES["body"])]
    return [
        *story,
        _pdf_table(PEOPLE_HEADERS, people_rows(people), (0.45, 0.55), width),
        Spacer(0, 2 * mm),
    ]


def _listed(
    heading: str,
    *,
    headers: tuple[str, ...],
    rows: list[list[str]],
    shares: tuple[float, ...],
    empty: str,
    width: float,
) -> list[Any]:
    story: list[Any] = [Spacer(0, 3 * mm), para(heading, STYLES["h1"])]
    if not rows:
        return [*story, para(empty, STYLES["body"])]
    return [*story, _pdf_table(headers, rows, shares, width)]


def _pdf_table(
    headers: tuple[str, ...], rows: list[list[str]], shares: tuple[float, ...], width: float
) -> Any:
    """The pack's table: a bold header row repeated on each page, a wrapped cell per value
    (the first, the source's reference, broken after its hyphens)."""
    widths = [width * share for share in shares]
    cells = [[para(h, STYLES["cellbold"]) for h in headers]]
    cells += [
        [reference_para(row[0], STYLES["cell"], widths[0])]
        + [para(value, STYLES["cell"]) for value in row[1:]]
        for row in rows
    ]
    return plain_table(cells, widths)


# ----------------------------------------------------------------------------- Word


CELL_SIZE = Pt(8)


def render_minutes_docx(said: Minutes, marking: str) -> bytes:
    """The minutes and action log as .docx bytes, for the business manager to edit."""
    document = word_document(marking)
    document.add_heading(minutes_title(said), level=0)
    for line in minutes_lines(said):
        document.add_paragraph(line)
    for heading, people in (
        ("Present", said.meeting.attendees),
        ("Apologies", said.meeting.apologies),
    ):
        document.add_heading(heading, level=2)
        if people:
            add_table(document, PEOPLE_HEADERS, people_rows(people), widths=(0.45, 0.55))
        else:
            document.add_paragraph("None recorded.")
    if said.meeting.notes:
        document.add_heading("Notes", level=2)
        document.add_paragraph(said.meeting.notes)
    for heading, headers, rows, shares, empty in (
        ("Decisions", DECISION_HEADERS, decision_rows(said), DECISION_WIDTHS, NONE_DECIDED),
        ("Action log", ACTION_HEADERS, action_rows(said), ACTION_WIDTHS, NO_ACTIONS),
    ):
        document.add_heading(heading, level=1)
        if rows:
            add_table(document, headers, rows, widths=shares, size=CELL_SIZE)
        else:
            document.add_paragraph(empty)
    return docx_bytes(document)


MINUTES_ENDINGS = (".pdf", ".docx")


def render_minutes_as(said: Minutes, marking: str, ending: str) -> bytes:
    """The minutes in the format a file name's ``ending`` asks for: .pdf or .docx."""
    if ending == ".pdf":
        return render_minutes(said, marking)
    if ending == ".docx":
        return render_minutes_docx(said, marking)
    raise ValueError(f"no minutes format for {ending!r}")
