"""Three-way merge of two data sets that share a base: the meeting laptop's copy and the
shared database, against the copy's state when it was checked out (issue 24).

Pure: it compares three ``Document``s (the base stored in the copy at check-out, the copy's
data now and the shared database's data now, each as export collects it) and says what the
merge would do, without touching a database. Applying the result, in one transaction with the
audit trail's entries, is the service's work.

Field by field, record by record (reviews and inspections by reference, items by kind and
number, meetings by day and title):

- a field changed only in the copy is applied; one changed only in the shared database is
  kept; one changed on both sides to different values is a ``Conflict``;
- a record added on one side is added; one deleted on one side and left alone on the other
  is deleted; one deleted on one side and changed on the other is a conflict;
- append-only records (progress updates, decisions) are never deleted because the copy
  lacks them: what the copy added is appended after what the shared database holds, once,
  however often the copy is merged; a withdrawal made on one side is a field change like
  any other.

Nothing is dropped: every change the copy made is in ``applied`` or in ``conflicts``.
"""

from __future__ import annotations

import copy as copying
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from db.core.dates import format_date, utc_now
from db.core.errors import RuleError
from db.core.vocabulary import DecisionKind, Status, TrackedKind
from db.exchange.document import (
    AreaDoc,
    DecisionDoc,
    Document,
    EvidenceDoc,
    InitiativeDoc,
    InspectionDoc,
    MeetingDoc,
    NotedFindingDoc,
    OrganisationDoc,
    ReviewDoc,
    SchemeDoc,
    TrackedDoc,
    UpdateDoc,
)

RECORD = "(the record)"  # a conflict or change about a whole record: added, deleted
DECISION = "decision"  # a conflict between two decisions a meeting made about one subject


# Where a record is in a document: for each level, the list's name and the record's key in it
# (its ``_Spec.key`` and a count for a key met twice), from the document down.
Path = tuple[tuple[str, tuple[Any, ...]], ...]


@dataclass(frozen=True)
class Conflict:
    """A field (or a whole record) the two sides changed differently since the base; the
    shared database's value stands in ``Merge.result`` until a person chooses
    (``Merge.resolve``)."""

    where: str
    field: str
    base: Any
    copy: Any
    shared: Any
    path: Path = dataclasses.field(default=(), compare=False, repr=False)
    # In the result: the record (None for one the shared database deleted) and the list it is
    # in; the copy's record (None for one the copy deleted). What ``Merge.resolve`` changes.
    record: Any = dataclasses.field(default=None, compare=False, repr=False)
    container: list[Any] | None = dataclasses.field(default=None, compare=False, repr=False)
    mine: Any = dataclasses.field(default=None, compare=False, repr=False)
    sign_off: bool = dataclasses.field(default=False, compare=False, repr=False)
    # The meeting's decision recorded in the copy that the copy's value comes from (or, for a
    # ``DECISION`` conflict, the copy's decision itself), and what it wrote besides, held back
    # until the answer (``_Follows``): the decision follows the answer (issue 26).
    decided: DecisionDoc | None = dataclasses.field(default=None, compare=False, repr=False)
    decided_at: str = dataclasses.field(default="", compare=False, repr=False)  # the meeting
    follows: _Follows | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """What a person's answer names: the record, in words, and the field."""
        return (self.where, self.field)


@dataclass(frozen=True)
class Applied:
    """A change the copy made that the merge takes: ``old`` is the shared database's value;
    a whole record added has ``old`` None, one deleted has ``new`` None."""

    where: str
    field: str
    old: Any
    new: Any
    path: Path = dataclasses.field(default=(), compare=False, repr=False)

    @property
    def deletes(self) -> bool:
        return self.field == RECORD and self.new is None


COPY, SHARED = "copy", "shared"  # the two answers to a conflict, besides a value typed in


@dataclass
class Merge:
    result: Document
    applied: list[Applied] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # What the copy did that the merge does not write, and why, in words: said to the person
    # merging, never dropped unsaid.
    notes: list[str] = field(default_factory=list)
    # Meetings (as the merge service names owners) whose agenda the merge itself kept an
    # entry on: the person merging did that, not the copy.
    kept_on_agenda: set[tuple[str, ...]] = field(default_factory=set)

    def resolve(self, conflict: Conflict, take: str, value: Any = None, *, by: str = "") -> None:
        """Answer one conflict in ``result``: ``take`` the copy's value, keep the shared
        database's, or (``take`` None) use ``value``, typed by a person, for a field. A change
        taken from the copy is added to ``applied``, so the merge writes it like any other.
        ``by``: who answers (a decision the answer sets aside has its log entry withdrawn
        in their name)."""
        if conflict.follows is not None:
            conflict.follows.answer(self, take == COPY, by)
        if conflict.field == DECISION:
            return
        if take == SHARED:
            return
        chosen = copying.deepcopy(conflict.copy) if take == COPY else value
        if conflict.field != RECORD:
            if conflict.sign_off:  # the whole sign-off, as the copy made it, on its evidence
                for name in _SIGN_OFF:
                    setattr(conflict.record, name, copying.deepcopy(getattr(conflict.mine, name)))
                held = {_EVIDENCE.key(e) for e in conflict.record.evidence}
                conflict.record.evidence = [
                    *conflict.record.evidence,
                    *(copying.deepcopy(e) for e in conflict.mine.evidence
                      if _EVIDENCE.key(e) not in held),
                ]  # fmt: skip
            else:
                setattr(conflict.record, conflict.field, chosen)
            self.applied.append(
                Applied(conflict.where, conflict.field, conflict.shared, chosen, conflict.path)
            )
            return
        if take != COPY:
            raise ValueError("a whole record is taken from one side or the other")
        assert conflict.container is not None
        if conflict.copy is None:  # deleted offline: the copy's answer deletes it
            conflict.container[:] = [r for r in conflict.container if r is not conflict.record]
            self.applied.append(
                Applied(conflict.where, RECORD, conflict.shared, None, conflict.path)
            )
        else:  # deleted in the shared database: the copy's answer restores it, as changed
            conflict.container.append(copying.deepcopy(conflict.mine))
            self.applied.append(Applied(conflict.where, RECORD, None, conflict.mine, conflict.path))


@dataclass(frozen=True)
class _Spec:
    """How one kind of record merges: how it is named and keyed, its lists of records merged
    one by one (``children``), and fields that are derived, not data (``ignored``)."""

    name: Callable[[Any, str], str]
    key: Callable[[Any], tuple[Any, ...]]
    children: dict[str, _Spec] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()
    append_only: bool = False  # never deleted: missing on one side means not seen there


def _within(where: str) -> str:
    return f" of {where}" if where else ""


_UPDATE = _Spec(
    name=lambda u, where: f"the update of {format_date(u.date)} by {u.author}{_within(where)}",
    key=lambda u: (u.date, u.author, u.status, u.note),
    append_only=True,
)
_EVIDENCE = _Spec(
    name=lambda e, where: f"the evidence '{e.description}'{_within(where)}",
    key=lambda e: (e.description, e.reference, e.file_name, e.added_at),
)
_TRACKED = _Spec(
    name=lambda t, where: f"{t.kind.label.lower()} {t.number}{_within(where)}",
    key=lambda t: ("tracked", t.kind, t.number),
    children={"updates": _UPDATE, "evidence": _EVIDENCE},
    ignored=frozenset({"rating"}),
)
_NOTED = _Spec(
    name=lambda f, where: f"{f.kind.label.lower()} {f.number}{_within(where)}",
    key=lambda f: ("noted", f.kind, f.number),
)
_REVIEW = _Spec(
    name=lambda r, _where: f"review {r.reference}",
    key=lambda r: (r.reference,),
    children={"recommendations": _TRACKED},
)
_AREA = _Spec(name=lambda a, where: f"the area '{a.name}'{_within(where)}", key=lambda a: (a.name,))
_INSPECTION = _Spec(
    name=lambda i, _where: f"inspection {i.reference}",
    key=lambda i: (i.reference,),
    children={"areas": _AREA, "findings": _TRACKED},  # noted findings: see _spec_of
)
_DECISION = _Spec(
    name=lambda d, where: (
        f"the decision ({d.decision.label.lower()}) about {_about(d, None)}{_within(where)}"
    ),
    key=lambda d: (d.review, d.inspection, d.number, d.kind, d.decision, d.recorded_at),
    append_only=True,
)
_MEETING = _Spec(
    name=lambda m, _where: f"the meeting of {format_date(m.held_on)} '{m.title}'",
    key=lambda m: (m.held_on, m.title),
    children={"decisions": _DECISION},
)
_ORGANISATION = _Spec(name=lambda o, _where: f"organisation {o.name}", key=lambda o: (o.name,))
_SCHEME = _Spec(name=lambda s, _where: f"grading scheme {s.name}", key=lambda s: (s.name,))
_INITIATIVE = _Spec(name=lambda i, _where: f"initiative {i.name}", key=lambda i: (i.name,))

_DOCUMENT: dict[str, _Spec] = {
    "organisations": _ORGANISATION,
    "grading_schemes": _SCHEME,
    "reviews": _REVIEW,
    "inspections": _INSPECTION,
    "initiatives": _INITIATIVE,
    "meetings": _MEETING,
}

# Every record type the merge knows, so that a new field of a document type is merged (as a
# scalar) rather than silently skipped: the test suite checks this covers document.py.
MERGED_TYPES = (
    OrganisationDoc,
    SchemeDoc,
    ReviewDoc,
    TrackedDoc,
    UpdateDoc,
    EvidenceDoc,
    InspectionDoc,
    AreaDoc,
    NotedFindingDoc,
    InitiativeDoc,
    MeetingDoc,
    DecisionDoc,
)


def three_way(base: Document, copy: Document, shared: Document) -> Merge:
    """What merging ``copy`` into ``shared`` does, against ``base`` (the copy at check-out)."""
    # The result is made of the shared document's records, copied shallowly where the merge
    # changes them (a deep copy of every record cost 2.5 s of a 4,000-item merge): ``shared``
    # itself is never changed, and a record the merge leaves alone is the shared one.
    merge = Merge(result=copying.copy(shared))
    for name, spec in _DOCUMENT.items():
        merged = _merge_list(
            getattr(base, name),
            getattr(copy, name),
            getattr(shared, name),
            spec,
            where="",
            merge=merge,
            path=(),
            list_name=name,
        )
        setattr(merge.result, name, merged)
    _decisions_follow(merge, base, copy, shared)
    return merge


def _keyed(items: Iterable[Any], spec: _Spec) -> dict[tuple[Any, ...], Any]:
    """Records by key; a key met again (the same update twice on one day) gets a count."""
    keyed: dict[tuple[Any, ...], Any] = {}
    for item in items:
        key = _spec_of(item, spec).key(item)
        n = 0
        while (key, n) in keyed:
            n += 1
        keyed[(key, n)] = item
    return keyed


def _spec_of(item: Any, spec: _Spec) -> _Spec:
    """An inspection's findings mix tracked items and noted findings in one list."""
    return _NOTED if isinstance(item, NotedFindingDoc) else spec


def _merge_list(
    base: Sequence[Any],
    copy: Sequence[Any],
    shared: Sequence[Any],
    spec: _Spec,
    *,
    where: str,
    merge: Merge,
    path: Path,
    list_name: str,
) -> list[Any]:
    """One list of records merged: the shared database's order, then the copy's additions."""
    b, c, s = _keyed(base, spec), _keyed(copy, spec), _keyed(shared, spec)
    result: list[Any] = []
    for key in [*s, *(k for k in c if k not in s)]:
        was, mine, theirs = b.get(key), c.get(key), s.get(key)
        one = theirs if theirs is not None else mine
        kind = _spec_of(one, spec)
        name = kind.name(one, where)
        here: Path = (*path, (list_name, key))
        if mine is None and theirs is not None:
            if was is None or spec.append_only:
                result.append(theirs)  # new in the shared database, or never deleted
            elif _same(was, theirs, kind):
                merge.applied.append(Applied(name, RECORD, theirs, None, here))  # deleted offline
            else:
                merge.conflicts.append(
                    Conflict(name, RECORD, was, None, theirs, here, theirs, result)
                )
                result.append(theirs)
        elif theirs is None and mine is not None:
            if was is None:
                merge.applied.append(Applied(name, RECORD, None, mine, here))  # added offline
                result.append(copying.deepcopy(mine))
            elif not _same(was, mine, kind):
                merge.conflicts.append(
                    Conflict(name, RECORD, was, mine, None, here, None, result, mine)
                )
            # else: deleted in the shared database, left alone offline: stays deleted
        elif mine is not None and theirs is not None:
            result.append(_merge_record(was, mine, theirs, kind, name=name, merge=merge, path=here))
    return result


def _same(one: Any, other: Any, spec: _Spec) -> bool:
    """Equal as data (derived fields aside)."""
    return _data(one, spec) == _data(other, spec)


def _data(record: Any, spec: _Spec) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record) if f.name not in spec.ignored}


_ABSENT = object()  # a field of a record that was not in the base (added on both sides)


def _merge_record(
    was: Any, mine: Any, theirs: Any, spec: _Spec, *, name: str, merge: Merge, path: Path
) -> Any:
    result = copying.copy(theirs)  # its fields replaced, never changed in place
    for f in fields(theirs):
        if f.name in spec.ignored:
            continue
        b: Any = getattr(was, f.name) if was is not None else _ABSENT
        c, s = getattr(mine, f.name), getattr(theirs, f.name)
        child = spec.children.get(f.name)
        if child is not None:
            before: Sequence[Any] = [] if b is _ABSENT else b
            merged = _merge_list(
                before, c, s, child, where=name, merge=merge, path=path, list_name=f.name
            )
            setattr(result, f.name, merged)
        elif c in (s, b):
            continue  # the same on both sides, or changed only in the shared database
        elif s == b:
            merge.applied.append(Applied(name, f.name, s, c, path))
            setattr(result, f.name, copying.deepcopy(c))
        else:
            merge.conflicts.append(
                Conflict(name, f.name, None if b is _ABSENT else b, c, s, path, result, None, mine)
            )
    if isinstance(result, UpdateDoc):
        _one_withdrawal(result, mine, theirs, name=name, merge=merge)
    if isinstance(result, TrackedDoc):
        _keep_the_lifecycle(result, was, mine, theirs, name=name, merge=merge, path=path)
    return result


_WITHDRAWAL = ("withdrawn_at", "withdrawn_by", "withdrawn_reason")


def _one_withdrawal(result: UpdateDoc, mine: UpdateDoc, theirs: UpdateDoc, *, name: str,
                    merge: Merge) -> None:  # fmt: skip
    """An update withdrawn on both sides is withdrawn: no conflict over whose withdrawal it
    was. The shared database's stands (an update is withdrawn once); the copy's, when it
    differs, is said in a note rather than dropped unsaid (found by a new user)."""
    if mine.withdrawn_at is None or theirs.withdrawn_at is None:
        return
    dropped = [c for c in merge.conflicts if c.where == name and c.field in _WITHDRAWAL]
    if not dropped:
        return
    for conflict in dropped:
        merge.conflicts.remove(conflict)
    merge.notes.append(
        f"{name}: withdrawn in both; the shared database's withdrawal (by "
        f"{theirs.withdrawn_by}, '{theirs.withdrawn_reason}') stands, and the copy's (by "
        f"{mine.withdrawn_by}, '{mine.withdrawn_reason}') is not written."
    )


# What a sign-off sets, taken or refused together.
_SIGN_OFF = ("status", "status_reason", "closed_on", "assured_by", "assured_on")


def _keep_the_lifecycle(
    result: TrackedDoc,
    was: TrackedDoc | None,
    mine: TrackedDoc,
    theirs: TrackedDoc,
    *,
    name: str,
    merge: Merge,
    path: Path,
) -> None:
    """A sign-off made offline whose evidence the shared database no longer holds is not a
    silent close: it becomes a conflict, and the item keeps the shared database's state until
    it is answered. The copy's answer takes the sign-off with the evidence it rested on (the
    copy still holds it), so either answer can be written."""
    taken = [a for a in merge.applied if a.where == name and a.field in _SIGN_OFF]
    if result.status is not Status.CLOSED or result.evidence or not taken:
        return
    for applied in taken:
        merge.applied.remove(applied)
        setattr(result, applied.field, applied.old)
    status = next((a for a in taken if a.field == "status"), None)
    merge.conflicts.append(
        Conflict(
            name,
            "status",
            was.status if was is not None else None,
            status.new if status is not None else Status.CLOSED,
            theirs.status,
            path,
            result,
            None,
            mine,
            sign_off=True,
        )
    )


# -- a meeting's decision follows the answer to what it changed (issue 26)

# The item's fields each decision sets (db.services.meetings.decide).
_DECISION_SETS: dict[DecisionKind, frozenset[str]] = {
    DecisionKind.SIGNED_OFF: frozenset(_SIGN_OFF),
    DecisionKind.EXTENDED: frozenset({"target_date"}),
}


@dataclass(frozen=True)
class _Follows:
    """What a conflict's answer ``COPY`` writes besides its own value: the copy's decision
    and what it wrote (held back from ``applied`` until then), and what undoes the shared
    database's contradicting decision. The answer ``SHARED`` writes none of it."""

    on_copy: list[Callable[[str], Applied]] = field(default_factory=list)
    # The copy's decisions whose steps ride on this answer (more than one when a second pair
    # of decisions about the same subject folds into one question): every conflict over what
    # any of them set is answered alike (db.services.merge).
    decisions: list[DecisionDoc] = field(default_factory=list)

    def answer(self, merge: Merge, took_copy: bool, by: str) -> None:
        if took_copy:
            merge.applied.extend(step(by) for step in self.on_copy)


def _says(decision: DecisionDoc) -> tuple[Any, ...]:
    """What a decision decided: two alike are one decision made on both sides."""
    return (decision.decision, decision.until, decision.whom.strip())


def _twins(mine: DecisionDoc, theirs: DecisionDoc) -> bool:
    """The same decision, in the same words, recorded on both sides (by the laptop and the
    office, or twice by one person): one decision, whoever recorded it and when."""
    return (
        _subject(mine) == _subject(theirs)
        and _says(mine) == _says(theirs)
        and mine.note.strip() == theirs.note.strip()
    )


def _drop_twin(merge: Merge, meeting: MeetingDoc, decision: DecisionDoc) -> None:
    """Write the copy's ``decision`` no more: the shared database holds its twin (a trial's
    escalation recorded on both sides was written twice, and the minutes listed it and its
    action twice). Its log entry, its item's fields are as the twin's, merged as they are."""
    for applied in [a for a in merge.applied if a.field == RECORD and a.new is decision]:
        merge.applied.remove(applied)
    meeting.decisions[:] = [
        d for d in meeting.decisions if _DECISION.key(d) != _DECISION.key(decision)
    ]


def _subject(decision: DecisionDoc) -> tuple[Any, ...]:
    kind = decision.kind or (TrackedKind.RECOMMENDATION if decision.number else None)
    return (decision.review, decision.inspection, kind, decision.number)


def _decisions_follow(merge: Merge, base: Document, copy: Document, shared: Document) -> None:
    """A decision recorded in the copy follows the answers to what it changed: two different
    decisions about one subject made at one meeting, one in the copy and one in the shared
    database since the check-out, are a ``DECISION`` conflict; a decision whose field (a
    target extended, a sign-off) is in conflict goes with that conflict's answer. Until the
    answer, what the copy's decision wrote (its row, its log entry, its fields) is held back,
    so a plan lists it under its conflict, not as a change."""
    items: dict[tuple[Any, ...], tuple[TrackedDoc, Path, TrackedDoc | None, str]] = {}
    for name, listed in (("reviews", "recommendations"), ("inspections", "findings")):
        was = {
            (s.reference, t.kind, t.number): t
            for s in getattr(base, name)
            for t in getattr(s, listed)
            if isinstance(t, TrackedDoc)
        }
        for source in getattr(merge.result, name):
            top = _DOCUMENT[name]
            source_name = top.name(source, "")
            for t in getattr(source, listed):
                if isinstance(t, TrackedDoc):
                    path: Path = (
                        (name, (top.key(source), 0)),
                        (listed, (_TRACKED.key(t), 0)),
                    )
                    subject = (
                        source.reference if name == "reviews" else None,
                        source.reference if name == "inspections" else None,
                        t.kind,
                        t.number,
                    )
                    items[subject] = (t, path, was.get((source.reference, t.kind, t.number)),
                                      _TRACKED.name(t, source_name))  # fmt: skip
    meetings = {
        side: {_MEETING.key(m): m for m in doc.meetings}
        for side, doc in (("base", base), ("copy", copy), ("shared", shared))
    }
    for meeting in merge.result.meetings:
        key = _MEETING.key(meeting)
        mine_m, theirs_m = meetings["copy"].get(key), meetings["shared"].get(key)
        if mine_m is None or theirs_m is None:
            continue
        was_m = meetings["base"].get(key)
        before = {_DECISION.key(d) for d in (was_m.decisions if was_m is not None else [])}
        ours = {_DECISION.key(d) for d in mine_m.decisions}
        held = {_DECISION.key(d) for d in theirs_m.decisions}
        mine = [d for d in mine_m.decisions if _DECISION.key(d) not in before | held]
        theirs = [d for d in theirs_m.decisions if _DECISION.key(d) not in before | ours]
        meeting_name = _MEETING.name(meeting, "")
        meeting_path: Path = (("meetings", (key, 0)),)
        claimed: set[int] = set()  # the shared database's log entries already set aside
        rivals = _pair(mine, theirs)
        for decision in mine:
            if any(_twins(decision, d) for d in theirs):
                _drop_twin(merge, meeting, decision)
                continue
            rival = rivals.get(id(decision))
            item = items.get(_subject(decision)) if decision.number else None
            related = [
                c for c in merge.conflicts
                if item is not None and c.path == item[1] and c.decided is None
                and c.field in _DECISION_SETS.get(decision.decision, ())
            ]  # fmt: skip
            if rival is None and not related:
                continue
            steps = _hold_back(merge, meeting, decision, item)
            if rival is not None:
                steps += _set_aside(
                    merge,
                    meeting,
                    rival,
                    item,
                    taken=decision,
                    meeting_path=meeting_path,
                    claimed=claimed,
                )
                where = f"the decisions about {_about(decision, item)}{_within(meeting_name)}"
                asked = next((c for c in merge.conflicts if c.key == (where, DECISION)), None)
                if asked is not None and asked.follows is not None:
                    # Two decisions of the copy about it against two of the shared database's:
                    # one question, and this one goes with its answer too (not dropped).
                    asked.follows.on_copy.extend(steps)
                    asked.follows.decisions.append(decision)
                    merge.notes.append(
                        f"{where}: the answer to this conflict also answers for the copy's "
                        f"{_said(decision)} against the shared database's {_said(rival)}: "
                        "taking the copy's writes the copy's and sets the shared database's "
                        "aside."
                    )
                else:
                    merge.conflicts.append(
                        Conflict(
                            where,
                            DECISION,
                            None,
                            decision,
                            rival,
                            (*meeting_path, ("decisions", (_DECISION.key(decision), 0))),
                            meeting,
                            meeting.decisions,
                            decision,
                            decided=decision,
                            decided_at=meeting_name,
                            follows=_Follows(steps, [decision]),
                        )
                    )
            # The fields it set in conflict go with its answer: named with it, and answered
            # alike (db.services.merge refuses answers that differ: a sign-off written with the
            # item left open, say); the first carries it when there is no decision conflict.
            for c in related:
                at = merge.conflicts.index(c)
                carries = rival is None and c is related[0]
                merge.conflicts[at] = dataclasses.replace(
                    c,
                    decided=decision,
                    decided_at=meeting_name,
                    follows=_Follows(steps, [decision]) if carries else None,
                )


def _pair(mine: list[DecisionDoc], theirs: list[DecisionDoc]) -> dict[int, DecisionDoc]:
    """Each decision of the copy with the shared database's decision about the same subject
    that contradicts it most directly, each of theirs used once: one of the same kind first
    (two extensions, two sign-offs), then one setting the same fields of the item, then any
    other that says something different. A Noted against another kind is still a question
    for a person (two people recorded different outcomes of one discussion), but it is only
    paired when nothing closer is left, so answering about an extension never sets aside a
    Noted that stands beside the other extension."""
    tiers: list[Callable[[DecisionDoc, DecisionDoc], bool]] = [
        lambda d, o: d.decision is o.decision,
        lambda d, o: bool(
            _DECISION_SETS.get(d.decision, frozenset())
            & _DECISION_SETS.get(o.decision, frozenset())
        ),
        lambda _d, _o: True,
    ]
    rivals: dict[int, DecisionDoc] = {}
    used: set[int] = set()
    for close in tiers:
        for decision in mine:
            if id(decision) in rivals:
                continue
            rival = next(
                (d for d in theirs
                 if id(d) not in used and _subject(d) == _subject(decision)
                 and _says(d) != _says(decision) and close(decision, d)),
                None,
            )  # fmt: skip
            if rival is not None:
                rivals[id(decision)] = rival
                used.add(id(rival))
    return rivals


def _said(decision: DecisionDoc) -> str:
    """A decision in a few words, for a note: "decision (target extended to 31 March 2027)
    by Sam"."""
    what = decision.decision.label.lower()
    if decision.until is not None:
        what += f" to {format_date(decision.until)}"
    return f"decision ({what}) by {decision.decided_by}"


def _about(
    decision: DecisionDoc, item: tuple[TrackedDoc, Path, TrackedDoc | None, str] | None
) -> str:
    """The subject of a decision in words, with its item's kind: an inspection's
    recommendation 1 and its area for improvement 1 are two subjects."""
    if item is not None:
        return item[3]
    source = f"review {decision.review}" if decision.review else f"inspection {decision.inspection}"
    kind = _subject(decision)[2]
    if not decision.number or kind is None:
        return source
    return f"{kind.label.lower()} {decision.number} of {source}"


def _minuted(meeting: MeetingDoc) -> str:
    """How a decision's log entry begins, naming its meeting ("Case Review Subgroup,
    10 December 2026: ", db.queries.meetings.decision_text)."""
    return f"{meeting.title}, {format_date(meeting.held_on)}: "


def _logged_by(update: UpdateDoc, meeting: MeetingDoc, decision: DecisionDoc) -> bool:
    """Whether ``update`` is the log entry ``decision`` wrote: its day, its author, and its
    words as db.queries.meetings.decision_text says them (which db.exchange may not import),
    so two decisions one person recorded about one item that day have an entry each, and a
    plain update of that day is neither's. A sign-off's entry names the chair at the time,
    which may have changed since: it is matched up to the chair's name and by its note."""
    if update.date != decision.decided_on or update.author != decision.decided_by:
        return False
    if update.withdrawn_at is not None:
        return False
    note = decision.note.strip()
    if decision.decision is DecisionKind.SIGNED_OFF:
        opening = f"{_minuted(meeting)}signed off on the evidence; assurance given by "
        return update.note.startswith(opening) and update.note.endswith(f". {note}".rstrip())
    due, whom = format_date(decision.until), decision.whom.strip()
    said = {
        DecisionKind.EXTENDED: f"target extended to {due}",
        DecisionKind.EVIDENCE_REQUESTED: f"evidence requested from {whom} by {due}",
        DecisionKind.ESCALATED: f"escalated to {whom}",
        DecisionKind.NOTED: "noted",
    }.get(decision.decision)
    if said is None:
        return False
    return update.note == f"{_minuted(meeting)}{said}. {note}".strip()


def _hold_back(
    merge: Merge,
    meeting: MeetingDoc,
    decision: DecisionDoc,
    item: tuple[TrackedDoc, Path, TrackedDoc | None, str] | None,
) -> list[Callable[[str], Applied]]:
    """Take out of ``applied`` and the result what the copy's decision wrote (its row, its
    item's log entry, the item's fields it set): the steps that put it back."""
    steps: list[Callable[[str], Applied]] = []

    def put_back(applied: Applied, redo: Callable[[], None]) -> None:
        merge.applied.remove(applied)

        def step(_by: str) -> Applied:
            redo()
            return applied

        steps.append(step)

    for applied in [a for a in merge.applied if a.field == RECORD and a.new is decision]:
        row = next(
            (d for d in meeting.decisions if _DECISION.key(d) == _DECISION.key(decision)), None
        )
        if row is None:  # not in the result: nothing to hold back
            continue
        meeting.decisions.remove(row)
        put_back(applied, lambda row=row: meeting.decisions.append(row))  # type: ignore[misc]
    if item is None:
        return steps
    record, path, _was, _name = item
    sets = _DECISION_SETS.get(decision.decision, frozenset())
    for applied in [a for a in merge.applied if a.path == path and a.field in sets]:
        setattr(record, applied.field, applied.old)
        put_back(applied, lambda a=applied: setattr(record, a.field, copying.deepcopy(a.new)))  # type: ignore[misc]
    logged = next(
        (
            a for a in merge.applied
            if a.field == RECORD and len(a.path) == 3 and a.path[:2] == path
            and a.path[2][0] == "updates" and isinstance(a.new, UpdateDoc)
            and _logged_by(a.new, meeting, decision)
        ),
        None,
    )  # fmt: skip
    entry = None if logged is None else next((u for u in record.updates if u == logged.new), None)
    if logged is not None and entry is not None:
        record.updates = [u for u in record.updates if u is not entry]
        put_back(logged, lambda: record.updates.append(entry))
    return steps


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return format_date(value)
    label = getattr(value, "label", None)
    return str(label) if isinstance(label, str) else ("none" if value is None else str(value))


def _set_aside(
    merge: Merge,
    meeting: MeetingDoc,
    rival: DecisionDoc,
    item: tuple[TrackedDoc, Path, TrackedDoc | None, str] | None,
    *,
    taken: DecisionDoc,
    meeting_path: Path,
    claimed: set[int],
) -> list[Callable[[str], Applied]]:
    """The steps that undo the shared database's decision when the copy's is taken, as undoing
    a decision in the window does: its row deleted, its own log entry withdrawn (kept, with
    who and why; ``claimed`` holds the entries other set-aside decisions took), and the
    item's fields it set put back as they were at the check-out, unless the shared database
    changed them again after the decision: that later change stays, and ``merge.notes`` says
    so (undo in the window refuses rather than overwrite it)."""
    steps: list[Callable[[str], Applied]] = []
    meeting_name = _MEETING.name(meeting, "")
    rival_name = _DECISION.name(rival, meeting_name)
    rival_path: Path = (*meeting_path, ("decisions", (_DECISION.key(rival), 0)))

    def delete(_by: str) -> Applied:
        meeting.decisions[:] = [d for d in meeting.decisions if d is not rival]
        return Applied(rival_name, RECORD, rival, None, rival_path)

    steps.append(delete)
    if item is None:
        return steps
    record, path, was, name = item
    entry = next(
        (u for u in record.updates
         if id(u) not in claimed and _logged_by(u, meeting, rival)
         and (was is None or u not in was.updates)),
        None,
    )  # fmt: skip
    if entry is not None:
        claimed.add(id(entry))
        where = _UPDATE.name(entry, name)
        entry_path: Path = (*path, ("updates", (_UPDATE.key(entry), 0)))

        def withdraw(by: str) -> Applied:
            at = next((n for n, u in enumerate(record.updates) if u is entry), None)
            if at is None:
                raise RuleError(
                    f"The merge was refused, so nothing was written: {where}, the log entry "
                    f"of {rival_name}, could not be found to withdraw."
                )
            record.updates[at] = dataclasses.replace(
                entry,
                withdrawn_at=utc_now(),
                withdrawn_by=by or "the merge",
                withdrawn_reason=(
                    f"The decision ({rival.decision.label.lower()}) was set aside when merging "
                    f"a copy: the copy's decision ({taken.decision.label.lower()}) was taken."
                )[:500],
            )
            return Applied(where, "withdrawn_at", None, record.updates[at].withdrawn_at,
                           entry_path)  # fmt: skip

        steps.append(withdraw)
    if was is None:
        return steps
    mine = _DECISION_SETS.get(taken.decision, frozenset())
    changed = [
        f for f in sorted(_DECISION_SETS.get(rival.decision, frozenset()) - mine)
        if getattr(record, f) != getattr(was, f)
    ]  # fmt: skip
    if not changed:
        return steps
    # Still as the decision left it (as db.services.meetings.undo_decision checks)?
    stands = (rival.decision is DecisionKind.SIGNED_OFF and record.status is Status.CLOSED) or (
        rival.decision is DecisionKind.EXTENDED and record.target_date == rival.until
    )
    if not stands:
        now = ", ".join(f"{f.replace('_', ' ')} {_shown(getattr(record, f))}" for f in changed)
        merge.notes.append(
            f"{name}: changed in the shared database after {rival_name} ({now}); if the "
            "copy's decision is taken, that decision is set aside but the later change stays."
        )
        return steps
    for name_ in changed:

        def put_back(_by: str, f: str = name_) -> Applied:
            old = getattr(record, f)
            setattr(record, f, copying.deepcopy(getattr(was, f)))
            return Applied(name, f, old, getattr(was, f), path)

        steps.append(put_back)
    return steps


__all__ = [
    "COPY",
    "DECISION",
    "MERGED_TYPES",
    "RECORD",
    "SHARED",
    "Applied",
    "Conflict",
    "Merge",
    "Path",
    "three_way",
]
