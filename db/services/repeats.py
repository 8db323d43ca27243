"""A person's verdict on a suggested repeat of earlier learning (issue 25): confirmed ("this
item repeats that earlier one") or dismissed ("not the same learning", so it is not suggested
again). Each verdict is a RepeatLink row, written through the ORM so the audit trail records
who gave it and when; a verdict can be taken back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.core.errors import NotFoundError, RuleError
from db.exchange.records import DISMISSED, REPEATS
from db.store.models import Recommendation, RepeatLink


@dataclass(frozen=True)
class Verdict:
    """A verdict as the detail pane shows it, from the side of the item it is shown on."""

    other_id: int  # the other item of the pair
    source: str
    number: str
    text: str
    status_label: str
    earlier: bool  # True: the other item is the earlier one (this item repeats it)
    confirmed: bool  # False: dismissed
    decided_by: str


def _items(
    session: Session, item_id: int, earlier_id: int
) -> tuple[Recommendation, Recommendation]:
    item, earlier = session.get(Recommendation, item_id), session.get(Recommendation, earlier_id)
    if item is None or earlier is None:
        raise NotFoundError("That item is no longer there.")
    if item.source_reference == earlier.source_reference:
        raise RuleError(
            "An item repeats the learning of another review or inspection, not its own."
        )
    return item, earlier


def decide(session: Session, item_id: int, earlier_id: int, *, confirmed: bool, actor: str) -> None:
    """Confirm that ``item_id`` repeats ``earlier_id``, or dismiss the suggestion; a verdict
    held on the pair is replaced (the audit trail keeps the old one)."""
    item, earlier = _items(session, item_id, earlier_id)
    verdict = REPEATS if confirmed else DISMISSED
    held = next((link for link in item.verdicts if link.earlier_id == earlier.id), None)
    if held is None:
        item.verdicts.append(RepeatLink(earlier=earlier, verdict=verdict, decided_by=actor))
    else:
        held.verdict, held.decided_by = verdict, actor
    session.flush()


def take_back(session: Session, item_id: int, earlier_id: int) -> None:
    """Withdraw the verdict on the pair: the suggestion may be made again."""
    item, _ = _items(session, item_id, earlier_id)
    held = next((link for link in item.verdicts if link.earlier_id == earlier_id), None)
    if held is None:
        raise NotFoundError("There is no verdict on those two items to take back.")
    item.verdicts.remove(held)
    session.flush()


def held_verdict(session: Session, item_id: int, earlier_id: int) -> tuple[bool, str] | None:
    """The verdict held on the pair (confirmed or not, and by whom), for an undo to put back."""
    item, _ = _items(session, item_id, earlier_id)
    held = next((link for link in item.verdicts if link.earlier_id == earlier_id), None)
    return None if held is None else (held.verdict == REPEATS, held.decided_by)


def put_back(
    session: Session, item_id: int, earlier_id: int, held: tuple[bool, str] | None
) -> None:
    """Make the pair's verdict what ``held_verdict`` read: an undo."""
    item, _ = _items(session, item_id, earlier_id)
    link = next((link for link in item.verdicts if link.earlier_id == earlier_id), None)
    if held is None:
        if link is not None:
            item.verdicts.remove(link)
    else:
        decide(session, item_id, earlier_id, confirmed=held[0], actor=held[1])
    session.flush()


def verdicts(session: Session, item_id: int) -> list[Verdict]:
    """Every verdict that names the item, on either side: the earlier learning it repeats,
    the later items that repeat it, and the suggestions dismissed."""
    links = session.scalars(
        select(RepeatLink).where(
            or_(RepeatLink.item_id == item_id, RepeatLink.earlier_id == item_id)
        )
    )
    found = []
    for link in links:
        earlier_side = link.item_id == item_id
        other = link.earlier if earlier_side else link.item
        found.append(
            Verdict(
                other_id=other.id,
                source=other.source_reference,
                number=other.number,
                text=other.text or "",
                status_label=other.status.label,
                earlier=earlier_side,
                confirmed=link.verdict == REPEATS,
                decided_by=link.decided_by,
            )
        )
    return found


__all__ = ["Verdict", "decide", "held_verdict", "put_back", "take_back", "verdicts"]
