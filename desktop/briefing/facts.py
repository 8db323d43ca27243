"""What a briefing pack says in words and counts, whatever it is drawn in: the PDF
(``desktop.briefing.pack``) and the Word copy (``desktop.briefing.word``) both print these, so
the two copies of a pack never say different things."""

from __future__ import annotations

from db.core.dates import format_date
from db.core.vocabulary import Rating
from db.queries.briefing_content import (
    Change,
    Pack,
    PackInspection,
    PackItem,
    PackRepeat,
    PackReview,
)

RATING_ORDER = (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.BLUE)
ITEM_HEADERS = ("No.", "Lead", "Jointly with", "Target", "Status", "Rating", "Latest update")
SHORT_KINDS = {
    "Recommendation": "",
    "Area for improvement": "AFI ",
    "Cause of concern": "CoC ",
    "Innovative or promising practice": "PP ",
}


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def item_number(item: PackItem) -> str:
    """An item's number, with its kind's short name unless it is a recommendation."""
    return f"{SHORT_KINDS.get(item.kind, '')}{item.number}"


def change_number(change: Change) -> str:
    """A change's item number as the item's table prints it ("AFI 1"), or "All" for a review
    or an inspection as a whole: an inspection's recommendation 1 and its area for
    improvement 1 were listed alike."""
    return f"{SHORT_KINDS.get(change.kind, '')}{change.number}"


def status_word(item: PackItem) -> str:
    """An item's status, or "Noted" for a finding that is noted rather than tracked."""
    return item.status.label if item.rating else "Noted"


def cover_lines(pack: Pack) -> list[str]:
    """The first page's lines below the title: the meeting, the data's date, who prepared it."""
    meeting = "Meeting date not set"
    if pack.meeting_date:
        named = f"{pack.meeting_title}, " if pack.meeting_title else ""
        meeting = f"Meeting: {named}{format_date(pack.meeting_date)}"
    return [
        meeting,
        f"Data as of {format_date(pack.as_of)}",
        f"Prepared by {pack.prepared_by}",
    ]


def review_tallies(pack: Pack) -> list[tuple[str, dict[Rating, int]]]:
    """Each review's recommendations counted by rating."""
    tallies = []
    for review in pack.reviews:
        tally = dict.fromkeys(RATING_ORDER, 0)
        for item in review.items:
            if item.rating is not None:
                tally[item.rating] += 1
        tallies.append((review.reference, tally))
    return tallies


def lead_agency_tallies(pack: Pack) -> list[tuple[str, dict[Rating, int]]]:
    """Recommendations by rating per lead agency: a rated recommendation counts once for each
    of its lead agencies; the agencies with most come first."""
    agency: dict[str, dict[Rating, int]] = {}
    for review in pack.reviews:
        for item in review.items:
            if item.rating is not None:
                for name in filter(None, item.lead.split("; ")):
                    agency.setdefault(name, dict.fromkeys(RATING_ORDER, 0))[item.rating] += 1
    return sorted(agency.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))


def due_sentences(pack: Pack) -> list[str]:
    """How many items are tracked and overdue, and how many fall due before the meeting."""
    items = pack.items
    overdue = [i for i in items if i.rating is Rating.RED]
    said = [f"{count(len(items), 'tracked item', 'tracked items')}; {len(overdue)} overdue."]
    if pack.meeting_date is not None:
        due = [
            i
            for i in items
            if i.status.is_open
            and i.target_date
            and pack.as_of <= i.target_date <= pack.meeting_date
        ]
        said.append(
            f"{count(len(due), 'item falls', 'items fall')} due before the meeting on "
            f"{format_date(pack.meeting_date)}."
        )
    return said


def review_facts(review: PackReview) -> str:
    """The line under a review's heading: its kind, subject, commissioner and publication."""
    facts = [
        review.kind,
        f"subject: {review.subject}" if review.subject else "",
        f"commissioned by {review.commissioned_by}" if review.commissioned_by else "",
        f"published {review.published}" if review.published else "",
    ]
    return "; ".join(f for f in facts if f) + "."


def inspection_facts(inspection: PackInspection) -> str:
    """The line under an inspection's heading."""
    published = format_date(inspection.published, "date not recorded")
    return (
        f"{inspection.inspectorate}, {inspection.programme}; {inspection.organisation}; "
        f"published {published}."
    )


NOTHING_TO_REPORT = (
    "The database holds no reviews or inspections for this pack, so there is nothing to report."
)


def provenance(pack: Pack) -> str:
    """The pack's last words: the audit trail's head when it was made, so a reader can have
    the database checked against the printed pack ("" for a pack not recorded)."""
    if not pack.audit_head:
        return ""
    return (
        f"Made from the casereview database on {format_date(pack.as_of)}. Its audit trail "
        f"then held {pack.audit_entries:,} entries, the newest recording this pack, whose "
        f"hash is {pack.audit_head}. 'casereview check' confirms that the trail still "
        "leads to it unaltered."
    )


THEME_YEARS = 8  # the last years a pack's table of learning themes shows (a page's width)


def repeat_outcome(repeat: PackRepeat) -> str:
    """What became of the earlier item of a confirmed repeat, as the pack's Repeated learning
    table says it (PDF and Word alike)."""
    came_again = ", and the learning has come again" if repeat.recurred else ""
    return f"{repeat.earlier_status.label}{came_again} (confirmed by {repeat.decided_by})"
