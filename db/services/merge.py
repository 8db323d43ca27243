"""Merging a copy taken to a meeting back into the database it was taken from (issue 24,
point 3; docs/architecture.md, "The meeting laptop").

``plan_merge`` reads only: which copy, against which database, and what the three-way
comparison (db.exchange.merging) finds. ``merge_copy`` writes it, in one transaction of the
shared database, once every conflict has an answer:

- what the copy deleted is deleted; the records it changed are written through the import's
  ``Importer``, so every rule an import keeps (fields, lifecycle, decisions) holds for merged
  changes too, and a refusal writes nothing;
- each audit entry the merge writes carries when and by whom the change was made in the copy,
  from the copy's own trail, with "(recorded offline in copy <id>)" after the name; a change
  the copy's trail cannot place is entered as the merging person's, now; the trail is chained
  as ever, and one more entry (``merges``) says what was merged, by whom;
- the check-out's note in the shared database, and the copy itself, are marked merged: a copy
  is merged once, and merging it again is refused, changing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from pathlib import Path as FilePath
from typing import Any

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.orm import Session, selectinload

from db.core.dates import format_date, utc_now
from db.core.errors import CaseReviewError, DamagedDatabaseError, DocumentError, RuleError
from db.core.vocabulary import DecisionKind, TrackedKind
from db.exchange.checks import check_document
from db.exchange.document import (
    AgendaDoc,
    DecisionDoc,
    Document,
    InspectionDoc,
    MeetingDoc,
    PersonDoc,
    ReviewDoc,
    TrackedDoc,
)
from db.exchange.json_format import parse_document
from db.exchange.merging import (
    COPY,
    DECISION,
    RECORD,
    SHARED,
    Applied,
    Conflict,
    Merge,
    Path,
    three_way,
)
from db.exchange.records import (
    Importer,
    apply_document,
    collect_document,
    collect_part,
    meeting_doc,
)
from db.queries.copies import BASE_DIGEST, base_digest, identity
from db.store.audit import ATTRIBUTION_KEY, newest_entry_id, record
from db.store.audit import _text as as_text
from db.store.audit_replay import Unaccounted, chain_problems, json_object, unaccounted
from db.store.database import Database, open_database
from db.store.location import Location
from db.store.migrations import data_shape
from db.store.models import (
    AuditEntry,
    Base,
    Checkout,
    CheckoutOrigin,
    GradingScheme,
    Initiative,
    Inspection,
    Meeting,
    Organisation,
    Recommendation,
    Review,
    Theme,
    recommendation_themes,
    review_themes,
)

Changes = dict[tuple[Any, ...], tuple[dt.datetime, str]]  # see _changes_since


@dataclass(frozen=True)
class MergePlan:
    """What merging the copy would do, and what it was compared against."""

    copy_id: str
    origin_location: str
    taken_at: dt.datetime
    taken_by: str
    merge: Merge
    copy_changes: Changes = field(default_factory=dict, repr=False)
    shared_changes: Changes = field(default_factory=dict, repr=False)
    # What ``merge_copy`` needs to take this plan rather than make it again: what was read
    # of the copy, the shared database's newest audit entry then, and whether a merge has
    # used it already (answering its conflicts changes ``merge.result``).
    offline: _Offline | None = field(default=None, repr=False, compare=False)
    shared_head: int = field(default=-1, repr=False, compare=False)
    spent: list[bool] = field(default_factory=list, repr=False, compare=False)

    def changed(self, conflict: Conflict) -> tuple[str, str]:
        """Who changed the conflict's record on each side since the copy was taken, and when,
        in words ("Sam, 5 December 2026 14:02"), as the two audit trails say; "" for a side
        whose trail cannot say."""
        return (
            _said(_lookup(self.copy_changes, conflict)),
            _said(_lookup(self.shared_changes, conflict)),
        )


@dataclass(frozen=True)
class Answer:
    """A person's answer to one conflict: ``take`` the copy's value (``COPY``) or the shared
    database's (``SHARED``), or, ``take`` None, the text ``value`` they typed."""

    take: str | None
    value: Any = None
    # The copy's and the shared database's values as the person saw them (``seen``): an
    # answer to values that have changed since is no answer.
    seen: tuple[str, str] | None = None


@dataclass(frozen=True)
class MergeSummary:
    copy_id: str
    applied: list[Applied]
    conflicts: int
    copy_marked: str | None  # None when the copy was marked merged; else why it was not
    answered: int = 0  # of ``applied``, the changes answers to conflicts took from the copy
    # Themes the copy renamed in case alone, as (the shared spelling, the copy's), and those
    # the copy renamed or merged away that the merge took off the list, carried by nothing.
    respelled: tuple[tuple[str, str], ...] = ()
    themes_dropped: tuple[str, ...] = ()

    def describe(self, *, rehearsed: bool = False) -> str:
        """What was merged; ``rehearsed``: what a dry run found the merge would do."""
        changes = len(self.applied) - self.answered
        counted = f"{changes} change{'s' if changes != 1 else ''}"
        conflicts = f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
        if rehearsed and not changes and self.conflicts:
            # (a new user read "would write 0 changes" above two conflicts answered)
            said = f"Tried with every rule, the merge would write only the answers to {conflicts}"
        elif rehearsed:
            said = f"Tried with every rule, the merge would write {counted} from the copy"
        elif changes:
            said = f"Merged the copy: {counted} written"
        else:
            said = "Merged the copy: it held no change the shared database lacked"
        if self.conflicts and not (rehearsed and not changes):
            said += f", {conflicts} answered"
        said += "."
        said += self._themes(rehearsed)
        if self.copy_marked is not None:
            said += (
                f" The copy itself could not be marked merged ({self.copy_marked}); the shared "
                "database knows it is, and will not merge it again."
            )
        return said

    def _themes(self, rehearsed: bool) -> str:
        """The shared list of themes' changes, by name: a theme taken off the list was not
        said before (a trial's find with ``merge --dry-run``)."""
        said = ""
        if self.respelled:
            spelt = _listed([f"“{old}” as “{new}”" for old, new in self.respelled])
            verb = "It would spell" if rehearsed else "Spelt"
            said += f" {verb} the theme{_s(self.respelled)} {spelt}, as the copy does."
        if dropped := self.themes_dropped:
            names = _listed([f"“{name}”" for name in dropped])
            verb = "It would take" if rehearsed else "Took"
            it = "it" if len(dropped) == 1 else "them"
            said += (
                f" {verb} the theme{_s(dropped)} {names} off the list: the copy renamed or "
                f"merged {it} away, and nothing carries {it} now."
            )
        return said


THEMES_NAMED = 5  # themes a merge's summary names; the rest are counted


def _s(things: tuple[object, ...]) -> str:
    return "" if len(things) == 1 else "s"


def _listed(names: list[str]) -> str:
    """ "a", "a and b", "a, b and c", or the first few "and 3 more"."""
    if len(names) > THEMES_NAMED:
        names = [*names[:THEMES_NAMED], f"{len(names) - THEMES_NAMED} more"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def plan_merge(copy: Database, shared: Database, *, today: dt.date) -> MergePlan:
    """Compare ``copy`` with ``shared`` against the base the copy stored when it was taken.

    Refused in one sentence, naming what differs: a database that is no copy, a copy taken
    from another database, a copy whose schema is not the shared database's, or a copy merged
    already."""
    offline = _read_copy(copy, today)
    with shared.session() as session:
        return _plan(session, offline, today)


def merge_copy(
    copy: Database,
    shared: Database,
    *,
    actor: str,
    today: dt.date,
    answers: Mapping[tuple[str, str], Answer] | None = None,
    plan: MergePlan | None = None,
    dry_run: bool = False,
) -> MergeSummary:
    """Merge ``copy`` into ``shared`` in one transaction: all of it or, refused, none.

    ``answers`` answer the conflicts by ``Conflict.key``; one without an answer refuses the
    merge before anything is written. ``plan``, the one the answers were given to, is taken
    when neither database has changed since it was made (their newest audit entries are the
    same); otherwise the plan is made again inside the transaction, so a change made
    meanwhile is compared too, and its conflicts must have been answered.

    ``dry_run`` does all of it, every rule checked, and rolls it back: what a merge would
    write, or why it would be refused, with nothing written to either database."""
    try:
        return _merge(copy, shared, actor=actor, today=today, answers=answers, plan=plan,
                      dry_run=dry_run)  # fmt: skip
    except _Rehearsed as rehearsed:
        return rehearsed.summary


class _Rehearsed(Exception):
    def __init__(self, summary: MergeSummary) -> None:
        super().__init__("rehearsed")
        self.summary = summary


def _merge(
    copy: Database,
    shared: Database,
    *,
    actor: str,
    today: dt.date,
    answers: Mapping[tuple[str, str], Answer] | None,
    plan: MergePlan | None,
    dry_run: bool,
) -> MergeSummary:
    answers = answers or {}
    offline = _still_read(copy, plan) or _read_copy(copy, today)
    with shared.transaction(actor) as session:
        if (
            plan is None
            or offline is not plan.offline
            or newest_entry_id(session) != plan.shared_head
        ):
            plan = _plan(session, offline, today)
        plan.spent.append(True)
        merge = plan.merge
        unanswered = [c for c in merge.conflicts if c.key not in answers]
        if unanswered:
            n = len(unanswered)
            raise RuleError(
                f"{n} conflict{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} no answer "
                f"yet (the first: {describe_conflict(unanswered[0])}), so nothing was merged."
            )
        stale = [
            c
            for c in merge.conflicts
            if answers[c.key].seen is not None and answers[c.key].seen != seen(c)
        ]
        if stale:
            n = len(stale)
            raise RuleError(
                f"{describe_conflict(stale[0])}"
                + (f" (and {n - 1} more)" if n > 1 else "")
                + " changed after it was answered, so nothing was merged: answer it again as it "
                "stands now."
            )
        planned = len(merge.applied)
        _check_decisions_answered_alike(merge.conflicts, answers)
        for conflict in merge.conflicts:
            answer = answers[conflict.key]
            _check_answer(conflict, answer)
            merge.resolve(conflict, answer.take or "", answer.value, by=actor)
        # What the person merging made, not the copy: a value they typed; evidence their
        # answer to a sign-off brought back; an agenda entry the merge kept (_keep_decided...).
        merging: set[tuple[Any, ...]] = {
            (*_owner_of_path(c.path), c.field)
            for c in merge.conflicts
            if answers[c.key].take is None
        }
        merging |= {
            (_owner_of_path(c.path)[0], "evidence")
            for c in merge.conflicts
            if c.sign_off and answers[c.key].take == COPY
        }
        merging |= {(owner, "agenda_items") for owner in merge.kept_on_agenda}
        # The shared database's decision set aside by the copy's, taken: the person merging
        # deleted its row and withdrew its log entry (_decisions_follow).
        for c in merge.conflicts:
            if c.field == DECISION and answers[c.key].take == COPY:
                merging |= _set_aside_by_merging(c)
        session.info[ATTRIBUTION_KEY] = _attribution(session, offline, actor, merging)
        try:
            _write(session, merge, today, offline.scope)
            respelled = _respell_themes(session, offline.themes_respelled)
            dropped = _drop_themes_left_empty(
                session, offline.themes_gone, since=offline.origin.origin_audit_id
            )
        except DocumentError as exc:
            raise RuleError(
                f"The merge was refused, so nothing was written: {exc.message.rstrip('.')}."
            ) from exc
        finally:
            session.info.pop(ATTRIBUTION_KEY, None)
        now = utc_now()
        note = session.get(Checkout, offline.copy_id)
        if note is not None:
            note.merged_at, note.merged_by = now, actor
        record(
            session,
            entity="merges",
            entity_id=offline.copy_id,
            new={
                "copy": offline.copy_id,
                "taken_at": offline.origin.taken_at.isoformat(),
                "taken_by": offline.origin.taken_by,
                "changes": len(merge.applied),
                "conflicts": len(merge.conflicts),
                "answers": {
                    f"{c.where}: {c.field}": answers[c.key].take or "typed" for c in merge.conflicts
                },
            },
        )
        if dry_run:
            raise _Rehearsed(
                MergeSummary(
                    offline.copy_id,
                    merge.applied,
                    len(merge.conflicts),
                    None,
                    len(merge.applied) - planned,
                    respelled,
                    dropped,
                )
            )
    return MergeSummary(
        offline.copy_id,
        merge.applied,
        len(merge.conflicts),
        _mark_copy(copy, actor, now),
        len(merge.applied) - planned,
        respelled,
        dropped,
    )


def refuse_unfit_copy(path: FilePath) -> None:
    """Refuse, before anything opens it, a copy's file that is a folder, not there, not a
    plain file (a device: "/dev/null" was said to be no file at all), or empty (opening an
    empty file would make a new database of it)."""
    if path.is_dir():
        raise CaseReviewError(f"{path} is a folder, not a copy's file; nothing was merged.")
    if not path.exists():
        raise CaseReviewError(f"There is no file {path}; nothing was merged.")
    if not path.is_file():
        raise CaseReviewError(
            f"{path} is not a plain file (a device, say), not a copy's file; nothing was merged."
        )
    if path.stat().st_size == 0:
        raise CaseReviewError(f"{path} is empty, not a copy taken offline; nothing was merged.")


def open_copy(location: Location) -> Database:
    """The copy taken offline, opened to be merged. A damaged one is refused in words for a
    copy: the refusal of a damaged database sends its user to the backups beside it and
    'casereview restore', which do not fit a file brought back from a laptop."""
    try:
        return open_database(location)
    except DamagedDatabaseError as exc:
        name = location.path.name if location.path is not None else "The copy"
        raise CaseReviewError(
            f"{name} is damaged (SQLite's check of it failed), so it cannot be merged; nothing "
            "was merged. Copy it from the laptop again: the laptop's own file may be sound."
        ) from exc


def describe_conflict(conflict: Conflict) -> str:
    """A conflict in words: the record and, for a field, its name."""
    if conflict.field == RECORD:
        side = "in the copy" if conflict.copy is None else "in the shared database"
        return f"{conflict.where}, deleted {side} and changed on the other side"
    if conflict.field == DECISION:
        return (
            f"{conflict.where}: the copy and the shared database recorded different decisions "
            "about it at that meeting (the one not taken is not written, or, already written, "
            "is undone)"
        )
    if conflict.decided is not None:
        return (
            f"{conflict.where}, {conflict.field.replace('_', ' ')} (the copy's value comes from "
            f"a decision of {conflict.decided_at}, '{show_value(conflict.decided)}', which is "
            "merged only if the copy's value is taken)"
        )
    if conflict.sign_off:
        return (
            f"{conflict.where}, signed off in the copy on evidence since deleted in the shared "
            "database (the copy's answer brings that evidence back)"
        )
    return f"{conflict.where}, {conflict.field.replace('_', ' ')}"


# Fields of free text a person may write an answer for; not names of who did what (who
# signed off, who withdrew an update), dates, statuses, lists or whole records.
TYPED_FIELDS = frozenset(
    {"text", "actions", "owner", "status_reason", "title", "subject", "summary", "notes",
     "narrative", "description", "reason", "chair", "anonymised_label"}
)  # fmt: skip


def typed_value_allowed(conflict: Conflict) -> bool:
    """Whether a person may type a value for the conflict rather than pick a side."""
    return conflict.field in TYPED_FIELDS and not conflict.sign_off


def seen(conflict: Conflict) -> tuple[str, str]:
    """The copy's and the shared database's values of a conflict, as a person is shown them:
    what an answer records it was given to (``Answer.seen``)."""
    if conflict.field == RECORD:
        return (
            "deleted" if conflict.copy is None else "kept, and changed",
            "deleted" if conflict.shared is None else "kept, and changed",
        )
    return show_value(conflict.copy), show_value(conflict.shared)


def _set_aside_by_merging(conflict: Conflict) -> set[tuple[Any, ...]]:
    """What the person merging did, answering a ``DECISION`` conflict with the copy's: the
    shared database's decision deleted (that row, by its own key), its log entry withdrawn."""
    rival = conflict.shared
    assert isinstance(rival, DecisionDoc)
    meeting = _owner_of_path(conflict.path)[0]
    made: set[tuple[Any, ...]] = {
        (meeting, "decisions", None, (as_text(rival.decision), as_text(rival.recorded_at)))
    }
    if rival.number:
        source = ("reviews", rival.review) if rival.review else ("inspections", rival.inspection)
        kind = (rival.kind or TrackedKind.RECOMMENDATION).value
        item = (*source, "item", kind, rival.number)
        made |= {
            (item, "progress_updates", column)
            for column in ("withdrawn_at", "withdrawn_by", "withdrawn_reason")
        }
    return made


def _check_decisions_answered_alike(
    conflicts: Sequence[Conflict], answers: Mapping[tuple[str, str], Answer]
) -> None:
    """Refuse answers that split one decision of the copy: the conflicts over what it set (a
    sign-off's status and its assurer, say) and over the decision itself are one question,
    all the copy's or none of it (answered apart, a sign-off could be written with the item
    left open). Conflicts are one question when they share a decision: the one each names
    (``decided``) or any whose steps ride on its answer (``follows.decisions``, two decisions
    of the copy about one subject folded into one question)."""
    group_of: dict[int, int] = {}  # a decision's id: its group's number
    groups: dict[int, list[Conflict]] = {}
    for n, conflict in enumerate(conflicts):
        carried = [conflict.decided] if conflict.decided is not None else []
        if conflict.follows is not None:
            carried += conflict.follows.decisions
        if not carried:
            continue
        joined = {group_of[id(d)] for d in carried if id(d) in group_of}
        members = [c for old in sorted(joined) for c in groups.pop(old)]
        groups[n] = sorted([*members, conflict], key=conflicts.index)
        for d in carried:
            group_of[id(d)] = n
        for member_of, number in list(group_of.items()):
            if number in joined:
                group_of[member_of] = n
    for group in groups.values():
        if len({answers[c.key].take == COPY for c in group}) > 1:
            named = ", ".join(
                "the decision" if c.field == DECISION else c.field.replace("_", " ") for c in group
            )
            raise RuleError(
                f"The conflicts over {group[0].where} ({named}) come from what the copy "
                f"decided at {group[0].decided_at}: answer them alike, all the copy's or all "
                "the shared database's, so nothing was merged."
            )


def _check_answer(conflict: Conflict, answer: Answer) -> None:
    if answer.take in (COPY, SHARED):
        return
    if not typed_value_allowed(conflict):
        what = "a whole record" if conflict.field == RECORD else conflict.field.replace("_", " ")
        raise RuleError(
            f"The answer to {describe_conflict(conflict)} cannot be typed ({what} is not free "
            "text): take the copy's or the shared database's, so nothing was merged."
        )
    typed = answer.value.strip() if isinstance(answer.value, str) else ""
    if not typed:
        raise RuleError(
            f"The answer typed to {describe_conflict(conflict)} is empty, so nothing was merged."
        )


@dataclass(frozen=True)
class _Offline:
    """What the merge reads from the copy, before the shared database's transaction."""

    copy_id: str
    origin: CheckoutOrigin
    schema: str
    document: Document
    base: Document
    scope: dict[str, Any]
    changes: dict[tuple[Any, ...], tuple[dt.datetime, str]]
    head: int  # the copy's newest audit entry when it was read
    # What the copy holds that its own trail does not account for, in words (_unaccounted).
    unaccounted: list[str] = field(default_factory=list)
    # What is wrong with the copy's trail's hash chain (db.store.audit_chain.verify).
    altered: list[str] = field(default_factory=list)
    # The themes the copy renamed or merged away, by the names they had (_themes_gone).
    themes_gone: tuple[str, ...] = ()
    # The themes the copy spelled anew (case only): each old spelling and the copy's own.
    themes_respelled: tuple[tuple[str, str], ...] = ()


def _still_read(copy: Database, plan: MergePlan | None) -> _Offline | None:
    """What ``plan`` read of the copy, when the copy has not changed since and no merge has
    used the plan yet."""
    if plan is None or plan.spent or plan.offline is None:
        return None
    with copy.session() as session:
        return plan.offline if newest_entry_id(session) == plan.offline.head else None


def _read_copy(copy: Database, today: dt.date) -> _Offline:
    with copy.session() as session:
        origin = session.scalar(select(CheckoutOrigin))
        if origin is None:
            raise RuleError("That database is no copy taken offline, so it has nothing to merge.")
        session.expunge(origin)
        if origin.merged_at is not None:
            stranded = _changed_after_merging(session)
            raise RuleError(_merged_already(origin.merged_at, origin.merged_by, stranded))
        # The trail the replay trusts must be the one casereview wrote: an entry added with
        # another program (with a change it claims to account for) breaks the chain.
        altered = chain_problems(session)
        renamed = _renamed_themes(session, _copy_made(session))
        return _Offline(
            copy_id=origin.copy_id,
            origin=origin,
            schema=_schema(session),
            document=collect_document(session, today),
            base=parse_document(json.loads(origin.base)),
            scope=json.loads(origin.scope),
            changes=_changes_since(session, _copy_made(session)),
            head=newest_entry_id(session),
            unaccounted=[] if altered else _unaccounted(session, origin),
            altered=altered,
            themes_gone=_themes_gone(renamed),
            themes_respelled=_themes_respelled(session, renamed),
        )


def _merged_already(at: dt.datetime, by: str | None, stranded: int = 0) -> str:
    """Why a copy merged already is not merged again; ``stranded``, how many of its records
    were changed after it was merged (before casereview refused such changes, or by the
    shared database's note alone, its own mark not written), which no merge can bring."""
    said = (
        f"The copy was merged back on {format_date(_moment(at).astimezone().date())} by "
        f"{by or 'someone'}, so it cannot be merged again"
    )
    if stranded:
        return (
            f"{said}; the changes made to {stranded} of its records after that were not "
            "merged and cannot be: make them in the shared database, and take a new copy for "
            "further work offline."
        )
    return f"{said}: take a new copy for further work offline."


def _changed_after_merging(session: Session) -> int:
    """How many records of a merged copy were changed after it was marked merged (its trail
    after the mark; exports, minutes and prints are no changes)."""
    mark = session.scalar(  # the first: only a merge marks it
        select(func.min(AuditEntry.id)).where(
            AuditEntry.entity == "checkout_origin", AuditEntry.field == "merged_at"
        )
    )
    if mark is None:
        return 0
    return sum(1 for key in _changes_since(session, mark) if len(key) == 1)


def _moment(at: dt.datetime) -> dt.datetime:
    """``at`` as an aware time: a database that keeps times without their zone keeps UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def _plan(session: Session, offline: _Offline, today: dt.date) -> MergePlan:
    origin = offline.origin
    here = identity(session)
    if here != origin.origin_id:
        raise RuleError(
            f"The copy was taken from another database ({origin.origin_location}, "
            f"identity {origin.origin_id[:8]}), not from this one (identity {here[:8]})."
        )
    schema = _schema(session)
    shapes = {data_shape(schema), data_shape(offline.schema)}
    if shapes != {data_shape(origin.origin_schema)}:
        raise RuleError(
            f"The copy was taken at schema {origin.origin_schema} and this database is at "
            f"{schema} now, so they cannot be compared: merge it with the casereview that "
            "took it."
        )
    note = session.get(Checkout, offline.copy_id)
    if note is None:  # every check-out is noted before its copy is kept (db.services.checkout)
        raise RuleError(
            f"The copy (identity {offline.copy_id[:8]}) was not checked out from this "
            "database as it is: it has no record of that copy (the copy was altered, or this "
            "database was put back from a backup older than the copy), so it was not merged."
        )
    if _moment(note.taken_at) != _moment(origin.taken_at) or note.taken_by != origin.taken_by:
        # Another copy's identity given to this one (edited outside casereview): its record
        # here says another moment, or another person, took it.
        raise RuleError(
            f"The copy (identity {offline.copy_id[:8]}) does not match this database's record "
            f"of that copy (taken by {note.taken_by} on "
            f"{format_date(_moment(note.taken_at).astimezone().date())}): it may have been "
            "altered, so it was not merged."
        )
    if note.merged_at is not None:
        raise RuleError(_merged_already(note.merged_at, note.merged_by))
    if offline.altered:
        raise RuleError(
            f"The copy's record of changes has been altered ({offline.altered[0].rstrip('.')}):"
            " it may have been edited outside casereview, so it is not merged."
        )
    if offline.unaccounted:
        shown, more = offline.unaccounted[:3], len(offline.unaccounted) - 3
        named = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        raise RuleError(
            f"The copy holds changes its own record does not account for ({named}): it may "
            "have been edited outside casereview, so it is not merged."
        )
    theirs = _shared_part(session, offline.scope, offline.document, today)
    merge = three_way(offline.base, offline.document, theirs)
    _keep_decided_on_agenda(merge)
    return MergePlan(
        offline.copy_id,
        origin.origin_location,
        origin.taken_at,
        origin.taken_by,
        merge,
        offline.changes,
        _changes_since(session, origin.origin_audit_id or 0),
        offline,
        newest_entry_id(session),
    )


def _keep_decided_on_agenda(merge: Merge) -> None:
    """A whole review or inspection a meeting decided on stays on its agenda (the decision is
    made on that entry): an agenda taken from one side that lacks it, while the other side
    decided on it, gets it back, and the plan says so."""
    for meeting in merge.result.meetings:
        listed = {(a.review, a.inspection) for a in meeting.agenda if not a.number}
        missing = []
        for decision in meeting.decisions:
            subject = (decision.review, decision.inspection)
            if not decision.number and subject not in listed:
                listed.add(subject)
                missing.append(AgendaDoc(review=decision.review, inspection=decision.inspection,
                                         reason="Decided on at the meeting"))  # fmt: skip
        if missing:
            meeting.agenda = [*meeting.agenda, *missing]
            merge.kept_on_agenda.add(("meetings", meeting.held_on.isoformat(), meeting.title))
            named = ", ".join(a.review or a.inspection or "" for a in missing)
            merge.notes.append(
                f"the meeting of {format_date(meeting.held_on)} '{meeting.title}': {named} "
                "stays on its agenda, taken off on one side, as the meeting decided on it."
            )


def _schema(session: Session) -> str:
    return str(session.scalar(text("SELECT version_num FROM alembic_version")))


def _shared_part(
    session: Session, scope: dict[str, object], mine: Document, today: dt.date
) -> Document:
    """The shared database's data as the copy holds it: the whole, or the same reviews,
    inspections and meetings (with any meeting made offline whose day and title the shared
    database now holds too, so that the two are compared, not both added)."""
    if scope.get("whole"):
        return collect_document(session, today)
    reviews = _strings(scope.get("reviews"))
    inspections = _strings(scope.get("inspections"))
    wanted = {(m.held_on, m.title) for m in mine.meetings}
    recorded = scope.get("meetings")
    if isinstance(recorded, list):
        wanted |= {
            (dt.date.fromisoformat(str(m["held_on"])), str(m["title"]))
            for m in recorded
            if isinstance(m, dict)
        }
    meetings = [m for m in session.scalars(select(Meeting)) if (m.held_on, m.title) in wanted]
    return collect_part(session, today, reviews=reviews, inspections=inspections, meetings=meetings)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


# -- writing the merge


def _write(session: Session, merge: Merge, today: dt.date, scope: dict[str, Any]) -> None:
    """Delete what the copy deleted, then write the records the copy changed, as merged.

    A review or inspection whose only changes are to items it already held has just those
    items written (``Importer.tracked``, under the same rules as an import); any other
    change writes the whole record through ``apply_document``. Re-importing every touched
    review whole made a 4,000-item merge with 500 changes spread over 20 reviews write all
    4,000 items again (docs/performance.md)."""
    for applied in merge.applied:
        if applied.deletes:
            found = _locate(session, applied.path)
            if found is not None:
                session.delete(found)
    session.flush()
    whole, items = _touched(merge)
    if not whole and not items:
        return
    result = merge.result
    part = Document()
    for f in fields(Document):
        if f.name == "exported_at":
            continue
        keep = [r for r in getattr(result, f.name) if (f.name, _top_key(f.name, r)) in whole]
        setattr(part, f.name, keep)
    gone = _deleted_subjects(merge)
    for meeting in part.meetings:  # entries about what the merge deleted went with it
        meeting.agenda = [a for a in meeting.agenda if not _names_deleted(a, gone)]
        meeting.decisions = [d for d in meeting.decisions if not _names_deleted(d, gone)]
    _keep_entries_outside(session, part.meetings, scope)
    _write_items(session, result, items)
    apply_document(session, part, today=today)


def _keep_entries_outside(
    session: Session, meetings: list[MeetingDoc], scope: dict[str, Any]
) -> None:
    """Put back in each meeting written whole the shared database's agenda entries about
    what a copy of part of the database does not hold: the copy's meetings hold only their
    entries about its own reviews and inspections, and writing one such meeting took the
    others off its agenda without a word (a trial's find; a decision about one stayed, off
    its agenda). Each goes back at its place in the shared agenda, as near as the merged
    agenda allows."""
    if scope.get("whole"):
        return
    reviews = set(_strings(scope.get("reviews")))
    inspections = set(_strings(scope.get("inspections")))
    for meeting in meetings:
        row = session.scalar(
            select(Meeting).where(
                Meeting.held_on == meeting.held_on, Meeting.title == meeting.title
            )
        )
        if row is None:
            continue
        agenda = list(meeting.agenda)
        for place, entry in enumerate(meeting_doc(row).agenda):
            if entry.review not in reviews and entry.inspection not in inspections:
                agenda.insert(min(place, len(agenda)), entry)
        meeting.agenda = agenda


def _touched(merge: Merge) -> tuple[set[Any], dict[Any, set[Any]]]:
    """The document's records the merge writes whole (by their first path step), and, for
    reviews and inspections changed only in items they held, those items' path steps."""
    whole: set[Any] = set()
    items: dict[Any, set[Any]] = {}
    for applied in merge.applied:
        path = applied.path
        if not path or (applied.deletes and len(path) == 1):
            continue
        top = path[0]
        item_only = (
            top[0] in ("reviews", "inspections")
            and len(path) >= 2
            and path[1][1][0][0] == "tracked"
            and not (len(path) == 2 and applied.field == RECORD)  # an item added or deleted
            and applied.field not in _SET_BY_ITS_SOURCE
        )
        if item_only:
            items.setdefault(top, set()).add(path[1])
        elif not (applied.deletes and len(path) == 2):  # an item deleted: deleted above
            whole.add(top)
    return whole, {top: steps for top, steps in items.items() if top not in whole}


# An inspection's item's area and concern are set by Importer.inspections, not .tracked.
_SET_BY_ITS_SOURCE = frozenset({"area", "concern"})


def _write_items(session: Session, result: Document, items: dict[Any, set[Any]]) -> None:
    """Write the changed items of reviews and inspections whose other records are as the
    shared database holds them: checked as an import checks, each through the importer."""
    if not items:
        return
    sources: dict[Any, ReviewDoc | InspectionDoc] = {}
    for name in ("reviews", "inspections"):
        for source in getattr(result, name):
            top = (name, _top_key(name, source))
            if top in items:
                sources[top] = source
    changed: list[tuple[str, str, TrackedDoc]] = []
    for top, held in sources.items():
        listed = held.recommendations if isinstance(held, ReviewDoc) else held.findings
        wanted = {step[1][0][1:] for step in items[top]}
        changed += [
            (top[0], held.reference, doc)
            for doc in listed
            if isinstance(doc, TrackedDoc) and (doc.kind, doc.number) in wanted
        ]
    check_document(
        Document(
            reviews=[_only(s, changed) for s in sources.values() if isinstance(s, ReviewDoc)],
            inspections=[
                _only(s, changed) for s in sources.values() if isinstance(s, InspectionDoc)
            ],
        )
    )
    importer = Importer(session)
    for kind, reference, doc in changed:
        rec = _item(session, kind, reference, doc)
        if rec is None:
            continue  # deleted in the shared database meanwhile: the plan says so
        what = "recommendation" if kind == "reviews" else doc.kind.label.lower()
        where = f"{kind[:-1]} '{reference}', {what} '{doc.number}'"
        importer.tracked(rec, doc, rec.position, where)
    session.flush()


def _only(source: Any, changed: list[tuple[str, str, TrackedDoc]]) -> Any:
    """``source`` holding only its changed items (what is checked)."""
    mine = [doc for _, reference, doc in changed if reference == source.reference]
    if isinstance(source, ReviewDoc):
        return replace(source, recommendations=mine)
    return replace(source, findings=mine)


def _item(session: Session, kind: str, reference: str, doc: TrackedDoc) -> Recommendation | None:
    """The shared database's item, with the lists the importer compares loaded at once."""
    owner = Review.reference if kind == "reviews" else Inspection.reference
    source = Recommendation.review if kind == "reviews" else Recommendation.inspection
    return session.scalar(
        select(Recommendation)
        .join(source)
        .where(
            owner == reference, Recommendation.kind == doc.kind, Recommendation.number == doc.number
        )
        .options(
            selectinload(Recommendation.themes),
            selectinload(Recommendation.agencies),
            selectinload(Recommendation.updates),
            selectinload(Recommendation.evidence),
        )
    )


def _deleted_subjects(merge: Merge) -> set[tuple[Any, ...]]:
    """The reviews, inspections and items the merge deletes, as agenda entries name them."""
    gone: set[tuple[Any, ...]] = set()
    for applied in merge.applied:
        if not applied.deletes or applied.path[0][0] not in ("reviews", "inspections"):
            continue
        source = (applied.path[0][0], applied.path[0][1][0][0])
        if len(applied.path) == 1:
            gone.add(source)
        elif len(applied.path) == 2 and applied.path[1][1][0][0] == "tracked":
            _, kind, number = applied.path[1][1][0]
            gone.add((*source, kind, number))
    return gone


def _names_deleted(entry: AgendaDoc | DecisionDoc, gone: set[tuple[Any, ...]]) -> bool:
    source = ("reviews", entry.review) if entry.review else ("inspections", entry.inspection)
    if source in gone:
        return True
    kind = entry.kind or TrackedKind.RECOMMENDATION
    return bool(entry.number) and (*source, kind, entry.number) in gone


def _top_key(name: str, record: Any) -> tuple[Any, ...]:
    """The key ``three_way`` gives a record of the document's own lists (the first of its key)."""
    if name == "meetings":
        return ((record.held_on, record.title), 0)
    if name in ("reviews", "inspections"):
        return ((record.reference,), 0)
    return ((record.name,), 0)


def _locate(session: Session, path: Path) -> Base | None:
    """The record of the shared database at ``path`` (db.exchange.merging.Path)."""
    (top, (key, _n)), *rest = path
    found: Any
    if top == "meetings":
        found = session.scalar(
            select(Meeting).where(Meeting.held_on == key[0], Meeting.title == key[1])
        )
    else:
        model, column = {
            "reviews": (Review, Review.reference),
            "inspections": (Inspection, Inspection.reference),
            "organisations": (Organisation, Organisation.name),
            "grading_schemes": (GradingScheme, GradingScheme.name),
            "initiatives": (Initiative, Initiative.name),
        }[top]
        found = session.scalar(select(model).where(column == key[0]))
    for name, (key, n) in rest:
        if found is None:
            return None
        candidates: list[Any]
        if name in ("recommendations", "findings") and key[0] == "tracked":
            candidates = [r for r in found.recommendations if (r.kind, r.number) == key[1:]]
        elif name == "findings":
            candidates = [f for f in found.findings if (f.kind, f.number) == key[1:]]
        elif name == "areas":
            candidates = [a for a in found.areas if a.name == key[0]]
        elif name == "decisions":  # one the copy's decision set aside (_decisions_follow)
            said = meeting_doc(found).decisions  # named as the plan named them
            candidates = [
                row
                for row, d in zip(found.decisions, said, strict=True)
                if (d.review, d.inspection, d.number, d.kind, d.decision, d.recorded_at) == key
            ]
        elif name == "evidence":
            candidates = [
                e
                for e in found.evidence
                if (e.description, e.reference, e.file_name, e.added_at) == key
            ]
        else:  # progress updates and decisions are never deleted
            return None
        found = candidates[n] if n < len(candidates) else None
    return found  # type: ignore[no-any-return]


def _mark_copy(copy: Database, actor: str, at: dt.datetime) -> str | None:
    """Mark the copy merged; why it could not be, or None. The shared database's note is
    what refuses a second merge, so a copy whose own mark could not be written (its disk full,
    say) is refused all the same."""
    try:
        with copy.transaction(actor) as session:
            origin = session.scalar(select(CheckoutOrigin))
            assert origin is not None
            origin.merged_at, origin.merged_by = at, actor
    except CaseReviewError as exc:
        return exc.message.rstrip(".")
    return None


# -- who made each change offline, and when


def _lookup(changes: Changes, conflict: Conflict) -> tuple[dt.datetime, str] | None:
    owner, table = _owner_of_path(conflict.path)
    if owner is None:
        return None
    return (
        changes.get((owner, table, conflict.field))
        or changes.get((owner, table))
        or changes.get((owner,))
    )


def _said(found: tuple[dt.datetime, str] | None) -> str:
    if found is None:
        return ""
    at, who = found
    local = at.astimezone()
    return f"{who}, {format_date(local.date())} {local:%H:%M}"


def _owner_of_path(path: Path) -> tuple[tuple[Any, ...] | None, str]:
    """The owner (as ``_owner`` names it) and table of the record at a document path."""
    if not path:
        return None, ""
    (top, (key, _n)), *rest = path
    if top == "meetings":
        return ("meetings", key[0].isoformat(), key[1]), "meetings"
    owner: tuple[Any, ...] = (top, key[0])
    table = top
    for name, (key, _n) in rest[:2]:
        if name in ("recommendations", "findings") and key[0] == "tracked":
            owner, table = (*owner, "item", key[1].value, key[2]), "recommendations"
        else:
            table = {"areas": "graded_areas", "findings": "findings"}.get(name, name)
            table = "progress_updates" if name == "updates" else table
    return owner, table


def _copy_made(session: Session) -> int:
    """The copy's audit entry for its own making: what follows was done offline."""
    made = session.scalar(
        select(func.min(AuditEntry.id)).where(
            AuditEntry.entity == CheckoutOrigin.__tablename__, AuditEntry.action == "create"
        )
    )
    return made or 0


def _unaccounted(session: Session, origin: CheckoutOrigin) -> list[str]:
    """What the copy holds that its own audit trail, replayed, does not account for, in
    words: changes made outside casereview, which a merge would otherwise write as the
    merging person's (found by a new user). A copy upgraded since it was taken is not
    replayed (its migrations write no entries): the merge refuses it for its schema."""
    if data_shape(_schema(session)) != data_shape(origin.origin_schema):
        return []
    return unaccounted_in_copy(session)


def unaccounted_in_copy(session: Session) -> list[str]:
    """In words, what a copy holds that its own audit trail does not account for
    (db.store.audit_replay, and the theme lists: _themes_unaccounted); also what
    ``casereview check`` says of such a copy."""
    found = [*unaccounted(session), *_themes_unaccounted(session)]
    return [*_origin_unaccounted(session), *(_name_unaccounted(session, one) for one in found)]


def _origin_unaccounted(session: Session) -> list[str]:
    """The copy's origin row against its own entry in the copy's trail, written as the copy
    was made: where it came from, its scope, and its base by digest (a trial altered the base,
    which the merge compares both sides against, and the merge wrote the office's decided
    target back over). A copy made before the digest was kept is compared without it."""
    origin = session.scalar(select(CheckoutOrigin))
    if origin is None:
        return []
    made = session.scalar(
        select(AuditEntry.new).where(
            AuditEntry.entity == "checkout_origin", AuditEntry.action == "create"
        )
    )
    recorded = json_object(made)
    if recorded is None:
        return ["the record of where the copy came from (it has no entry in its trail)"]
    for key, value in recorded.items():
        held = base_digest(origin.base) if key == BASE_DIGEST else getattr(origin, key, value)
        if as_text(held) != as_text(value) and str(held) != str(value):
            return ["the record of what the copy was taken with"]
    return []


# A themed table: its model, its link table and the link's column naming its row.
_THEMED: dict[str, tuple[type[Review] | type[Recommendation], Table, str]] = {
    "reviews": (Review, review_themes, "review_id"),
    "recommendations": (Recommendation, recommendation_themes, "recommendation_id"),
}


def _themes_unaccounted(session: Session) -> list[Unaccounted]:
    """Reviews and items whose theme lists are not what the copy's trail says.

    A theme list's link rows write no entries of their own; a change to it writes an update
    entry of the review or item, field "themes", naming the new list. So a row held since the
    copy was made should hold its list in the copy's base (``CheckoutOrigin.base``) or, once
    changed, its newest "themes" entry's; a link added with another program matches neither
    (found in review: the merge wrote it, as the person merging's). A row made since (added,
    or put back after its deletion) is passed over: its list, set as it was made, is in no
    entry."""
    origin = session.scalar(select(CheckoutOrigin))
    if origin is None:
        return []
    base = parse_document(json.loads(origin.base))
    at_start: dict[tuple[Any, ...], list[str]] = {}
    for review in base.reviews:
        at_start[("reviews", review.reference)] = review.themes
        for rec in review.recommendations:
            at_start[("review", review.reference, rec.kind.value, rec.number)] = rec.themes
    for inspection in base.inspections:
        for finding in inspection.findings:
            if isinstance(finding, TrackedDoc):
                key = ("inspection", inspection.reference, finding.kind.value, finding.number)
                at_start[key] = finding.themes
    made = _copy_made(session)
    references: dict[tuple[str, str], str] = {}  # (table, id) -> reference, as made
    expected: dict[tuple[str, str], list[str] | None] = {}  # None: not in the trail
    entries = session.execute(
        select(AuditEntry.id, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
               AuditEntry.field, AuditEntry.old, AuditEntry.new)
        .where(AuditEntry.entity.in_(["reviews", "inspections", "recommendations", "themes"]))
        .order_by(AuditEntry.id)
    )  # fmt: skip
    for entry_id, action, entity, entity_id, changed, old, new in entries:
        row = (entity, entity_id)
        if entity == "themes":  # renamed (or gone): every list held so far names it anew
            _follow_theme(expected, action, changed, old, new)
            continue
        if action == "delete":
            expected.pop(row, None)
        elif action == "create":
            values = json_object(new) or {}
            if entity != "recommendations":
                references[row] = str(values.get("reference"))
            if entity in _THEMED:  # made since the copy: its list is in no entry
                start = _start_key(entity, values, references) if entry_id <= made else None
                expected[row] = None if start is None else at_start.get(start)
        elif action == "update" and changed == "themes" and entity in _THEMED:
            try:
                loaded = json.loads(new) if new else []
            except ValueError:
                loaded = None
            expected[row] = [str(name) for name in loaded] if isinstance(loaded, list) else None
    found: list[Unaccounted] = []
    for table, (model, links, column) in _THEMED.items():
        held: dict[str, list[str]] = {}
        for owner_id, name in session.execute(
            select(links.c[column], Theme.name).join(Theme, Theme.id == links.c.theme_id)
        ):
            held.setdefault(str(owner_id), []).append(name)
        for ident in map(str, session.scalars(select(model.id))):
            wanted = expected.get((table, ident))
            if wanted is not None and _theme_names(held.get(ident, [])) != _theme_names(wanted):
                values = _row_values(session, table, ident) or {}
                found.append(Unaccounted(table, ident, "themes", values))
    return found


def _start_key(
    entity: str, values: dict[str, Any], references: dict[tuple[str, str], str]
) -> tuple[Any, ...] | None:
    """A row made with the copy, by how its base document names it."""
    if entity == "reviews":
        return ("reviews", values.get("reference"))
    for source, table in (("review", "reviews"), ("inspection", "inspections")):
        parent = values.get(f"{source}_id")
        if parent is not None:
            reference = references.get((table, str(parent)))
            return (source, reference, values.get("kind"), values.get("number"))
    return None


def _follow_theme(
    expected: dict[tuple[str, str], list[str] | None],
    action: str,
    changed: str | None,
    old: str | None,
    new: str | None,
) -> None:
    """A theme renamed in casereview (its "name" updated) renames it in every theme list
    expected so far; one deleted is taken out of them (its links went with it). A rename
    changes no review's or item's own entry, and a trial's renamed theme had a copy refused as
    edited outside casereview."""
    if action == "update" and changed == "name" and old and new:
        gone, named = old.casefold(), new
    elif action == "delete":
        gone, named = str((json_object(old) or {}).get("name", "")).casefold(), None
    else:
        return
    for row, names in expected.items():
        if names is not None and any(n.casefold() == gone for n in names):
            kept = [n for n in names if n.casefold() != gone]
            expected[row] = kept if named is None else [*kept, named]


def _renamed_themes(session: Session, after: int) -> list[tuple[str, str | None]]:
    """The themes renamed (old name, new) or deleted (old name, None) in the trail after
    entry ``after``, in order."""
    found: list[tuple[str, str | None]] = []
    for action, changed, old, new in session.execute(
        select(AuditEntry.action, AuditEntry.field, AuditEntry.old, AuditEntry.new)
        .where(AuditEntry.entity == "themes", AuditEntry.id > after)
        .order_by(AuditEntry.id)
    ):
        if action == "update" and changed == "name" and old and new:
            found.append((str(old), str(new)))
        elif action == "delete":
            name = (json_object(old) or {}).get("name")
            if name:
                found.append((str(name), None))
    return found


def _themes_gone(renamed: list[tuple[str, str | None]]) -> tuple[str, ...]:
    """The themes the copy renamed or merged away, each by the name it had, once."""
    return tuple(dict.fromkeys(old for old, _ in renamed))


def _themes_respelled(
    session: Session, renamed: list[tuple[str, str | None]]
) -> tuple[tuple[str, str], ...]:
    """The themes the copy renamed in case alone ("Neglect" to "NEGLECT"), each as (the
    spelling it had, the copy's spelling now). Items find a theme by its name whatever its
    case, so the items' lists carried no such rename, and a trial's was lost at the merge,
    though the merge said it had written the items' changes."""
    now = {name.casefold(): name for name in session.scalars(select(Theme.name))}
    respelled: dict[str, str] = {}
    for old, new in renamed:
        if new is not None and old != new and old.casefold() == new.casefold():
            spelled = now.get(old.casefold())
            if spelled is not None:
                respelled.setdefault(old, spelled)
    return tuple(respelled.items())


def _respell_themes(
    session: Session, respelled: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """Give the shared database's theme the copy's spelling, where it is still spelled as the
    copy had it before (the office's own renaming since is left as it is). Through the ORM,
    so the trail records it, as the person merging's. The themes respelled."""
    done: list[tuple[str, str]] = []
    for old, spelled in respelled:
        theme = session.scalar(select(Theme).where(Theme.name == old))
        if theme is not None and spelled != old:
            theme.name = spelled
            done.append((old, spelled))
    session.flush()
    return tuple(done)


def _drop_themes_left_empty(
    session: Session, names: tuple[str, ...], *, since: int | None
) -> tuple[str, ...]:
    """Take off the shared database's list each theme the copy renamed or merged away that
    nothing carries once the merge is written: its items and reviews took the new name, and
    the old one stayed behind, carried by nothing (a trial's find). Followed through the
    renames the shared database made since the copy was taken (its trail after ``since``):
    a theme both renamed, the copy's lists taken, left the office's name carried by nothing.
    One the shared database gave to something meanwhile stays, with it. Deleted through the
    ORM, so the trail records each, as the person merging's. The themes taken off, by name."""
    wanted = {name.casefold() for name in names}
    if not wanted:
        return ()
    if since is not None:
        for old, new in _renamed_themes(session, since):
            if new is not None and old.casefold() in wanted:
                wanted.add(new.casefold())
    carried = {
        *session.scalars(select(recommendation_themes.c.theme_id)),
        *session.scalars(select(review_themes.c.theme_id)),
    }
    dropped: list[str] = []
    for theme in session.scalars(select(Theme)).all():  # compared in Python: see themes._theme
        if theme.name.casefold() in wanted and theme.id not in carried:
            dropped.append(theme.name)
            session.delete(theme)
    session.flush()
    return tuple(sorted(dropped, key=str.casefold))


def _theme_names(themes: list[str]) -> list[str]:
    """A theme list as compared: each name once whatever its case, in order."""
    return sorted({name.casefold() for name in themes})


_OWNERS = ("reviews", "inspections", "recommendations", "meetings", "organisations", "initiatives")
_ROW_WORDS = {
    "progress_updates": "progress update",
    "evidence": "piece of evidence",
    "recommendation_agencies": "agency",
    "graded_areas": "graded area",
    "findings": "finding",
    "meeting_people": "person",
    "agenda_items": "agenda entry",
    "decisions": "decision",
    "initiative_links": "link",
    "repeat_links": "repeat",
}


# A field's name in words where its column's name does not read as one ("the assured by of").
_FIELD_WORDS = {
    "assured_by": "assurer",
    "assured_on": "date of assurance",
    "closed_on": "date it was closed",
    "decided_by": "person who recorded it",
    "decided_on": "date of the decision",
    "withdrawn_at": "time it was withdrawn",
    "withdrawn_by": "person who withdrew it",
}


def _name_unaccounted(session: Session, found: Unaccounted) -> str:
    """In words: "the owner of FSCP-CSPR-CHILD-A 7", "BSCB-SCR-2010 2, a progress update
    removed"."""
    owner = _owner(session, found.table, found.values.get)
    if owner is None:
        whose = f"a row of {found.table.replace('_', ' ')}"
        if found.field is None:
            return f"{whose} {'added' if found.added else 'removed'}"
        return f"the {found.field.replace('_', ' ')} of {whose}"
    if owner[0] == "meetings":
        named = f"the meeting of {format_date(dt.date.fromisoformat(owner[1]))} '{owner[2]}'"
    elif len(owner) > 2:  # an item: its review's or inspection's reference and its number
        named = f"{owner[1]} {owner[4]}"
    else:
        named = str(owner[1])
    own_row = found.table in _OWNERS
    # A meeting's people are at it; a review's rows, of it ("a person of the meeting of the
    # meeting of…" had read so; found by a new user).
    within = "at" if owner[0] == "meetings" else "of"
    if found.field is not None:
        field_words = _FIELD_WORDS.get(found.field, found.field.replace("_", " "))
        if own_row:
            return f"the {field_words} of {named}"
        what = _ROW_WORDS.get(found.table, "record")
        a_what = f"{'an' if what[0] in 'aeiou' else 'a'} {what}"
        return f"the {field_words} of {a_what} {within} {named}"
    done = "added" if found.added else "removed"
    if own_row:
        return f"{named}, {done}"
    what = _ROW_WORDS.get(found.table, "record")
    return f"{named}, {'an' if what[0] in 'aeiou' else 'a'} {what} {done}"


def _changes_since(session: Session, start: int) -> Changes:
    """From the audit trail after entry ``start``: when and by whom each record was last
    changed, by its owner (the review, inspection, item, meeting, organisation or initiative
    it belongs to, named as both databases name it), its table and its field."""
    changes: Changes = {}
    created: dict[tuple[str, str], dict[str, Any]] = {}
    entries = session.execute(
        select(
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.field,
            AuditEntry.old,
            AuditEntry.new,
        )
        .where(AuditEntry.id > start)
        .order_by(AuditEntry.id)
    )
    for at, actor, action, entity, entity_id, changed, old, new in entries:
        values: dict[str, Any] | None
        if action == "update":
            values = _row_values(session, entity, entity_id) or created.get((entity, entity_id))
        else:
            values = json_object(new if action == "create" else old)
            if action == "create" and values is not None:
                created[(entity, entity_id)] = values
        if values is None:
            continue
        owner = _owner(session, entity, values.get)
        if owner is None:
            continue
        when = (at, actor)
        own = _own_key(entity, values.get)
        if own is not None:  # this very row (an update, a decision), not its item's latest
            changes[(owner, entity, changed, own)] = when
        changes[(owner, entity, changed)] = when
        changes[(owner, entity)] = when
        changes[(owner,)] = when
    return changes


def _attribution(
    session: Session, offline: _Offline, actor: str, merging_made: set[tuple[Any, ...]]
) -> Callable[[Any, str | None], tuple[dt.datetime, str]]:
    """The shared session's audit attribution (db.store.audit.ATTRIBUTION_KEY)."""
    mark = offline.copy_id[:8]
    merging = f"{actor} (merging copy {mark})"[:200]
    changes = offline.changes
    now = utc_now()

    def attribute(obj: Any, field: str | None) -> tuple[dt.datetime, str]:
        table = str(obj.__tablename__)
        owner = _owner(session, table, _attribute_of(obj))
        found = None
        own = _own_key(table, _attribute_of(obj))
        if (
            (owner, table, field) in merging_made
            or (owner, table) in merging_made
            or (owner, table, field, own) in merging_made
        ):
            return now, merging
        if owner is not None:
            found = (
                (changes.get((owner, table, field, own)) if own is not None else None)
                or changes.get((owner, table, field))
                or changes.get((owner, table))
                or changes.get((owner,))
            )
        if found is None:
            return now, merging
        at, who = found
        return at, f"{who} (recorded offline in copy {mark})"[:200]

    return attribute


# The columns that tell one row from its siblings the same in both databases, for the rows an
# item or a meeting has many of (ids differ; a decision keeps its recording time).
_OWN_KEYS = {
    "progress_updates": ("on", "author", "status", "note"),
    "evidence": ("description", "reference", "file_name"),
    "decisions": ("kind", "recorded_at"),
    "meeting_people": ("name", "agency"),
}


def _own_key(table: str, value: Callable[[str], Any]) -> tuple[Any, ...] | None:
    columns = _OWN_KEYS.get(table)
    return None if columns is None else tuple(value(c) for c in columns)


_MODELS: dict[str, type[Base]] = {
    str(m.class_.__tablename__): m.class_ for m in Base.registry.mappers
}


def _row_values(session: Session, entity: str, entity_id: str) -> dict[str, Any] | None:
    model = _MODELS.get(entity)
    if model is None:
        return None
    try:
        key = tuple(int(part) for part in entity_id.split(","))
    except ValueError:
        return None
    obj = session.get(model, key if len(key) > 1 else key[0])
    if obj is None:
        return None
    return {p.key: as_text(getattr(obj, p.key)) for p in inspect(obj).mapper.column_attrs}


_PARENTS: dict[str, tuple[tuple[type[Base], str], ...]] = {
    "recommendations": ((Review, "review_id"), (Inspection, "inspection_id")),
    "progress_updates": ((Recommendation, "recommendation_id"),),
    "evidence": ((Recommendation, "recommendation_id"),),
    "recommendation_agencies": ((Recommendation, "recommendation_id"),),
    "graded_areas": ((Inspection, "inspection_id"),),
    "findings": ((Inspection, "inspection_id"),),
    "meeting_people": ((Meeting, "meeting_id"),),
    "agenda_items": ((Meeting, "meeting_id"),),
    "decisions": ((Meeting, "meeting_id"),),
    "initiative_links": ((Initiative, "initiative_id"),),
}


def _attribute_of(obj: Any) -> Callable[[str], Any]:
    """A row's value by attribute name, as its audit entries write it."""
    return lambda key: as_text(getattr(obj, key, None))


def _owner(session: Session, table: str, value: Callable[[str], Any]) -> tuple[Any, ...] | None:
    """What a row belongs to, named by what both databases share (references, kinds and
    numbers, days and titles, names), not by ids, which differ between a copy and its origin."""
    if table in ("reviews", "inspections"):
        return (table, value("reference"))
    if table == "meetings":
        return (table, value("held_on"), value("title"))
    if table in ("organisations", "initiatives"):
        return (table, value("name"))
    for model, column in _PARENTS.get(table, ()):
        ident = value(column)
        if ident in (None, ""):
            continue
        parent = session.get(model, int(ident))
        if parent is None:
            return None
        up = _owner(session, model.__tablename__, _attribute_of(parent))
        if up is None:
            return None
        if table == "recommendations":
            return (*up, "item", value("kind"), value("number"))
        return up
    return None


def show_value(value: Any) -> str:
    """A conflict's value in words, as the window and the command line show it."""
    if value is None or value in ("", []):
        return "(none)"
    if isinstance(value, dt.datetime):
        return format_date(value.astimezone().date())
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, str):
        return value
    if isinstance(value, AgendaDoc):  # an agenda entry: what it names
        source = value.review or value.inspection or ""
        if not value.number:
            return source
        kind = value.kind.label.lower() if value.kind else "recommendation"
        return f"{kind} {value.number} of {source}"
    if isinstance(value, DecisionDoc):  # a meeting's decision: what it decided, as minuted
        said = value.decision.label
        if value.decision is DecisionKind.EXTENDED:
            said = f"Target extended to {format_date(value.until)}"
        elif value.decision is DecisionKind.EVIDENCE_REQUESTED:
            said = f"Evidence requested from {value.whom} by {format_date(value.until)}"
        elif value.decision is DecisionKind.ESCALATED:
            said = f"Escalated to {value.whom}"
        return f"{said}, recorded by {value.decided_by}" + (f": {value.note}" if value.note else "")
    if isinstance(value, PersonDoc):
        return f"{value.name} ({value.agency})" if value.agency else value.name
    if is_dataclass(value):
        return "the record as it stands"
    return str(value)


__all__ = [
    "Answer",
    "MergePlan",
    "MergeSummary",
    "describe_conflict",
    "merge_copy",
    "open_copy",
    "plan_merge",
    "refuse_unfit_copy",
    "seen",
    "show_value",
    "typed_value_allowed",
    "unaccounted_in_copy",
]
