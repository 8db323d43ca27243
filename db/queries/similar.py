"""Similar earlier learning (issue 25): for a recommendation or finding, the tracked items of
*other* reviews and inspections that carry the same learning, best first, even when worded
differently ("the voice of the child is recorded" against "capture the child's own views and
wishes").

The method, chosen by measurement (docs/performance.md, "Similar earlier learning"; the
labelled pairs in tests/data/similar_learning.json hidden among generated items):

- **Terms.** A text's words, lower-cased, function words and the boilerplate every
  recommendation shares ("should", "ensure", "partnership") left out, reduced to their stems
  (snowballstemmer's English stemmer: "recording" and "recorded" are "record"), and the pairs
  of neighbouring stems ("strategi discuss").
- **Concepts.** A safeguarding thesaurus (``THESAURUS``): phrases panels write for one thing
  in several ways ("A&E", "emergency department"; "was not brought", "did not attend";
  "respectful uncertainty", "professional curiosity") each add one concept term, so two
  wordings of it meet.
- **Scoring.** BM25 over those terms, in an inverted index held in memory: a term found in
  more than a fifth of all items says little and is skipped at query time, which keeps a
  query at 100,000 items to the short lists of rarer terms. A score is given as a fraction of
  the query's score against itself (1.0: the same terms), so one threshold serves every
  query length.

Everything is offline and in the process; the index is built from the database's items (on
SQLite and PostgreSQL alike) and kept up to date item by item (``SimilarityIndex.update``).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core.vocabulary import Status, TrackedKind
from db.store.models import Inspection, Recommendation, Review

# Words that carry no learning: English function words, and what nearly every
# recommendation says whatever its subject.
_STOP_TEXT = """
a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing during each few for from further had
has have having he her here hers him his how i if in into is it its itself just may me might
more most must my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with
would you your yours ensure ensures ensuring should must will partnership partnerships
partner partners board boards safeguarding agency agencies local all across within wherever
review reviews recommendation recommendations practice practitioners practitioner staff
professionals professional services service relevant appropriate effective effectively
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# One concept, several wordings: a phrase found in a text (lower case, after "&" and
# apostrophes are made plain) adds the concept's term. Written from the domain's vocabulary,
# not from the labelled pairs the method is measured on.
_THESAURUS_TEXT = """
c_ed: a&e | a and e | emergency department | accident and emergency | urgent care
c_gp: gp | gps | general practitioner | general practice | primary care
c_mash: mash | multi agency safeguarding hub | multi-agency safeguarding hub | front door |
    single point of contact
c_icb: icb | integrated care board | ccg | clinical commissioning group
c_dhr: dhr | domestic homicide review | domestic abuse related death review
c_sar: safeguarding adults review | sar
c_strategy: strategy discussion | strategy meeting | strategy discussions | strategy meetings |
    section 47 | s47 | child protection enquiry | child protection enquiries
c_voice: voice of the child | child's voice | childs voice | wishes and feelings | child's
    views | childs views | own views | views and wishes | lived experience | what the child
    said | speak to the child alone | seen alone | spoken to alone | direct work with the child
c_curiosity: professional curiosity | respectful uncertainty | healthy scepticism | curious |
    challenge what they are told | accept at face value | disguised compliance
c_notbrought: was not brought | were not brought | not brought | did not attend | dna | missed
    appointment | missed appointments | failed to attend | non-attendance | non attendance
c_nonmobile: non-mobile | non mobile | not yet mobile | immobile baby | babies who are not
    mobile | pre-mobile | premobile
c_bruise: bruise | bruising | bruised | marks on | injury to a baby | unexplained injury |
    unexplained injuries
c_family: think family | whole family | whole-family
c_fathers: father | fathers | male carer | male carers | men in the household | partner of the
    mother | mother's partner | invisible men | dad | dads | significant male
c_share: information sharing | share information | sharing information | shared information |
    information was not shared | pass on information | communicate concerns | exchange of
    information
c_risk: risk assessment | assess risk | assessing risk | assessment of risk | risk assessments
    | dash | risk identification checklist
c_escalation: escalation | escalate | escalating | resolving professional differences |
    professional disagreement | challenge decisions | dispute resolution
c_neglect: neglect | neglected | neglectful | graded care profile | cumulative harm | chronic
    neglect
c_da: domestic abuse | domestic violence | intimate partner violence | coercive control |
    controlling behaviour | controlling and coercive | marac | idva
c_coercive: coercive control | controlling behaviour | controlling and coercive | coercion
c_mh: mental health | mental ill health | mental illness | camhs | psychiatric | emotional
    wellbeing | depression | post-natal depression | perinatal mental health
c_substance: substance misuse | substance use | drug use | drug misuse | alcohol | drugs and
    alcohol | addiction | misuse of drugs
c_transition: transition to adult | transitions to adult | transition into adult | moving to
    adult services | turning 18 | eighteenth birthday | adult services | transition planning
c_exploit: exploitation | exploited | county lines | criminal exploitation | sexual
    exploitation | cse | cce | contextual safeguarding | extra-familial harm | extra familial
    harm | grooming
c_missing_ed: missing education | missing from education | elective home education | home
    educated | home education | off-rolled | not in school | school attendance | persistent
    absence
c_missing: missing from home | missing episodes | return home interview | went missing |
    runaway
c_private_fostering: private fostering | privately fostered
c_supervision: supervision | reflective supervision | case supervision | management oversight |
    line management oversight
c_training: training | trained | learning and development | workforce development | briefing |
    briefings | e-learning
c_records: record keeping | record-keeping | records | recording | documentation | case notes |
    chronology | chronologies
c_interpreter: interpreter | interpreters | interpreting | first language | language needs |
    translation
c_disabled: disabled child | disabled children | disability | disabilities | special
    educational needs | learning disability | complex health needs
c_selfneglect: self-neglect | self neglect | hoarding | declining care | refused care |
    refusing services
c_sleep: safe sleep | co-sleeping | co sleeping | sudden unexpected death in infancy | sudi |
    unsafe sleeping
c_prebirth: pre-birth | pre birth | unborn | antenatal | ante-natal | pregnancy | pregnant |
    midwife | midwifery
c_health_visitor: health visitor | health visiting | 0-19 | public health nurse
c_police: police | constabulary | officers | force control room
c_school: school | schools | education settings | designated safeguarding lead | dsl | teacher
    | teachers
c_lado: lado | local authority designated officer | allegations against staff | allegation
    against a member of staff | people in positions of trust
c_referral: referral | referrals | refer | referred | contact and referral
c_feedback: feedback to referrer | feedback to the referrer | outcome of the referral | outcome
    of referrals | told the outcome
c_closure: case closure | closing a case | closed the case | step down | step-down | closure of
    cases
c_carers: young carer | young carers | carer's assessment | carers assessment | unpaid carer
c_audit: multi-agency audit | multi agency audit | audit | audits | dip sample | dip-sample |
    assurance
c_suicide: suicide | self-harm | self harm | suicidal | overdose
c_homeless: homeless | homelessness | temporary accommodation | housing
c_probation: probation | offender manager | mappa | prison release
c_online: online | internet | social media | image sharing | sexting
c_cp_plan: child protection plan | child protection conference | core group | child in need
    plan | child in need
c_threshold: threshold | thresholds | level of need | continuum of need
"""
# An indented line goes on with the line before it.
THESAURUS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (concept.strip(), tuple(p.strip() for p in phrases.split("|")))
    for concept, phrases in (
        entry.split(":", 1) for entry in _THESAURUS_TEXT.replace("\n    ", " ").split("\n") if entry
    )
)

BM25_K1, BM25_B = 1.2, 0.75
COMMON = 0.2  # a term in more than this share of items is skipped at query time,
COMMON_FLOOR = 200  # and in more than this many (a small database's terms all count)
CONCEPT_WEIGHT = 2.0  # a concept counts as this many occurrences of a word

_WORD = re.compile(r"[a-z][a-z0-9]*")
_STEMMER = snowballstemmer.stemmer("english")


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    return re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(re.escape(p.strip()) for p in phrases) + r")(?![a-z0-9])"
    )


_CONCEPTS = tuple((concept, _phrase_pattern(phrases)) for concept, phrases in THESAURUS)


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _plain(text: str) -> str:
    """Lower case, with curly apostrophes and "&" made plain (so "A & E" is "a&e")."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s*&\s*", "&", lowered)


@dataclass(frozen=True)
class Method:
    """Which kinds of term are used: the whole method, or a part of it to measure alone
    (benchmarks/similar.py compares them)."""

    stems: bool = True
    pairs: bool = True
    concepts: bool = True


FULL = Method()


def terms(text: str, method: Method = FULL) -> Counter[str]:
    """The weighted terms of a text: stems, neighbouring pairs of stems, concepts."""
    plain = _plain(text)
    words = [w for w in _WORD.findall(plain) if w not in STOP_WORDS and len(w) > 1]
    stems = [_stem(w) for w in words] if method.stems else words
    counted: Counter[str] = Counter(stems)
    if method.pairs:
        counted.update(f"{a} {b}" for a, b in itertools.pairwise(stems))
    if method.concepts:
        for concept, pattern in _CONCEPTS:
            if pattern.search(plain):
                counted[concept] += CONCEPT_WEIGHT  # type: ignore[assignment]
    return counted


@dataclass(frozen=True)
class Match:
    """One earlier item that carries the same learning, as the lists show it."""

    item_id: int
    source: str  # the review's or inspection's reference
    kind: TrackedKind
    number: str
    text: str
    status: Status
    published: dt.date | None  # the source's publication (a partial date: its first day)
    score: float  # 0 to 1: a fraction of the query's score against itself


@dataclass
class _Item:
    source: str
    kind: TrackedKind
    number: str
    text: str
    status: Status
    published: dt.date | None
    length: float
    terms: Counter[str]


class SimilarityIndex:
    """An inverted index of every tracked item's terms, for ``similar``."""

    def __init__(self, method: Method = FULL) -> None:
        self.method = method
        self.items: dict[int, _Item] = {}
        self.postings: dict[str, dict[int, float]] = {}
        self.total_length = 0.0

    # -- building and keeping up to date

    @classmethod
    def build(cls, session: Session, method: Method = FULL) -> SimilarityIndex:
        index = cls(method)
        index.update(session)
        return index

    def update(self, session: Session, ids: Iterable[int] | None = None) -> None:
        """(Re)index the items ``ids`` (all when None): an edit or an import passes the ids it
        touched; one no longer there (deleted) leaves the index."""
        wanted = None if ids is None else set(ids)
        for item_id in wanted or ():
            self._remove(item_id)
        for item_id, source, kind, number, text, status, published in _rows(session, wanted):
            if text:
                self._add(
                    item_id,
                    _Item(source, kind, number, text, status, published, 0.0, Counter()),
                )

    def _add(self, item_id: int, item: _Item) -> None:
        self._remove(item_id)
        item.terms = terms(item.text, self.method)
        item.length = float(sum(item.terms.values()))
        self.items[item_id] = item
        self.total_length += item.length
        for term, count in item.terms.items():
            self.postings.setdefault(term, {})[item_id] = float(count)

    def _remove(self, item_id: int) -> None:
        item = self.items.pop(item_id, None)
        if item is None:
            return
        self.total_length -= item.length
        for term in item.terms:
            posting = self.postings.get(term)
            if posting is not None:
                posting.pop(item_id, None)
                if not posting:
                    del self.postings[term]

    # -- asking

    def similar(
        self, text: str, *, exclude_source: str | None = None, limit: int = 5
    ) -> list[Match]:
        """The ``limit`` items most like ``text``, of sources other than ``exclude_source``."""
        count = len(self.items)
        if not count or not text.strip():
            return []
        average = self.total_length / count
        query = terms(text, self.method)
        scores: dict[int, float] = {}
        best = 0.0
        for term, weight in query.items():
            posting = self.postings.get(term)
            if not posting or len(posting) > max(COMMON * count, COMMON_FLOOR):
                continue
            idf = math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            best += weight * idf * (BM25_K1 + 1)
            for item_id, tf in posting.items():
                norm = tf + BM25_K1 * (1 - BM25_B + BM25_B * self.items[item_id].length / average)
                scores[item_id] = (
                    scores.get(item_id, 0.0) + weight * idf * tf * (BM25_K1 + 1) / norm
                )
        if best <= 0:
            return []
        found = []
        candidates = (
            (item_id, score)
            for item_id, score in scores.items()
            if exclude_source is None or self.items[item_id].source != exclude_source
        )
        for item_id, score in heapq.nlargest(limit, candidates, key=lambda s: s[1]):
            item = self.items[item_id]
            found.append(
                Match(
                    item_id,
                    item.source,
                    item.kind,
                    item.number,
                    item.text,
                    item.status,
                    item.published,
                    min(score / best, 1.0),
                )
            )
        return found


def _rows(
    session: Session, ids: set[int] | None
) -> Iterable[tuple[int, str, TrackedKind, str, str | None, Status, dt.date | None]]:
    """Each tracked item's id, source reference, kind, number, text, status and the day its
    source was published, read in two queries (reviews' items, inspections' items)."""
    for source, published in ((Review, Review.published), (Inspection, Inspection.published_on)):
        link = Recommendation.review_id if source is Review else Recommendation.inspection_id
        query = select(
            Recommendation.id,
            source.reference,
            Recommendation.kind,
            Recommendation.number,
            Recommendation.text,
            Recommendation.status,
            published,
        ).join(source, link == source.id)
        if ids is not None:
            query = query.where(Recommendation.id.in_(ids))
        for item_id, reference, kind, number, text, status, day in session.execute(query):
            yield item_id, reference, kind, number, text, status, _day(day)


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    first = getattr(value, "earliest", None)  # a PartialDate: its first day
    return first() if callable(first) else None


__all__ = ["FULL", "THESAURUS", "Match", "Method", "SimilarityIndex", "terms"]
