"""Similar earlier learning (issue 25): for a recommendation or finding, the tracked items of
*other* reviews and inspections that carry the same learning, best first, even when worded
differently ("the voice of the child is recorded" against "capture the child's own views and
wishes").

The method, chosen by measurement (docs/performance.md, "Similar earlier learning"; the
labelled pairs in tests/data/similar_learning.json hidden among generated items):

- **Terms.** A text's words, lower-cased, function words and the boilerplate every
  recommendation shares ("should", "ensure", "partnership") left out, reduced to their stems
  (the Snowball English stemmer, PyStemmer's compiled one: "recording" and "recorded" are
  "record"), and the pairs
  of neighbouring stems ("strategi discuss").
- **Concepts.** A safeguarding thesaurus (``THESAURUS``): phrases panels write for one thing
  in several ways ("A&E", "emergency department"; "was not brought", "did not attend";
  "respectful uncertainty", "professional curiosity") each add one concept term, so two
  wordings of it meet.
- **Scoring.** BM25 over those terms, in an inverted index held in memory that keeps each
  term's weight per item: a query adds up at most its 24 rarest terms, and a term found in
  more than a twentieth of the items says little and is skipped, which keeps a query at
  100,000 items to short lists (15 ms at the 95th percentile). A score is twice the match
  over the query's and the item's scores against themselves: 1.0 for the same text.

Measured (docs/performance.md): fast enough, but it finds only about a quarter of the labelled
repeats among 100,000 items, far from the issue's 0.9: a lexical method cannot see that two
texts with no word in common say the same. Its matches are suggestions for a person.

Everything is offline and in the process; the index is built from the database's items (on
SQLite and PostgreSQL alike) and kept up to date item by item (``SimilarityIndex.update``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
import logging
import math
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias, TypeVar

import Stemmer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.core.dates import format_date
from db.core.errors import CaseReviewError
from db.core.vocabulary import Status, TrackedKind
from db.store.audit import newest_entry_id
from db.store.database import Database
from db.store.logs import cause
from db.store.models import AuditEntry, Inspection, Recommendation, Review

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
c_ed: a&e | a and e | emergency department | accident and emergency | urgent care |
    minor injuries unit | walk-in centre
c_gp: gp | general practitioner | general practice | primary care | surgery | practice nurse
c_mash: mash | multi agency safeguarding hub | multi-agency safeguarding hub | front door |
    single point of contact
c_icb: icb | integrated care board | ccg | clinical commissioning group | health commissioners
c_dhr: dhr | domestic homicide review | domestic abuse related death review | csp |
    community safety partnership
c_sar: safeguarding adults review | sar | safeguarding adults board | care act
c_strategy: strategy discussion | strategy meeting | section 47 | s47 | child protection
    enquiry | joint investigation
c_voice: voice of the child | child's voice | wishes and feelings | views | wishes | lived
    experience | what the child said | seen alone | spoken to alone | speak to the child alone
    | away from parent | away from their parent | without a parent present | own words |
    direct work | what life at home is like | daily life | listen to child | heard
c_curiosity: professional curiosity | respectful uncertainty | healthy scepticism | curious |
    curiosity | face value | disguised compliance | question what they are told | probe |
    verify | check what they are told
c_notbrought: was not brought | were not brought | not brought | did not attend | dna | missed
    appointment | failed to attend | non-attendance | non attendance | no access visit
c_nonmobile: non-mobile | non mobile | not yet mobile | immobile | pre-mobile | cannot crawl |
    cannot yet crawl | not crawling | pull to stand | cannot move independently
c_bruise: bruise | mark on | marks on | injury | unexplained injury | fracture | burn
c_baby: baby | infant | newborn | under one | under twelve months | babies
c_young: young person | young people | youngster | teenager | adolescent | teen | pupil
c_family: think family | whole family | wider family | household
c_fathers: father | male carer | men | man in the household | partner of the mother | mother's
    partner | invisible men | dad | significant male | male | stepfather | boyfriend | paternal
c_share: information sharing | share information | sharing information | shared | pass on |
    passing on | communicate concern | exchange of information | consent | data protection |
    gdpr | disclosure | disclose | notify | notification | tell | told | inform
c_risk: risk assessment | assess risk | assessment of risk | dash | risk identification |
    risk of harm | significant harm | at risk
c_escalation: escalation | escalate | professional disagreement | disagree | disagreement |
    resolving professional differences | challenge | dispute resolution | senior manager
c_neglect: neglect | graded care profile | cumulative harm | poor care | standards of care |
    home conditions | basic needs | hygiene | deterioration
c_da: domestic abuse | domestic violence | intimate partner violence | marac | idva |
    abusive relationship | perpetrator | violence at home | violence in the home | incident at
    home | called to the home | domestic incident | violence in
c_coercive: coercive control | controlling behaviour | controlling and coercive | coercion |
    isolating | jealous
c_mh: mental health | mental ill health | mental illness | camhs | psychiatric | emotional
    wellbeing | depression | perinatal mental health | psychosis | anxiety | adult psychiatry
c_substance: substance misuse | substance use | drug | alcohol | addiction | methadone | opioid
    | opiate | heroin | cannabis | drinking | intoxicated | substitute prescribing | substances
c_transition: transition | adult services | turning 18 | eighteenth birthday | eighteen |
    adulthood | preparing for adulthood | year 9 | fourteen | leaving care | care leaver
c_exploit: exploitation | exploited | county lines | contextual safeguarding | extra-familial
    harm | extra familial harm | grooming | gangs | trafficking | modern slavery | national
    referral mechanism
c_missing_ed: missing education | missing from education | elective home education | home
    educated | home education | off-rolled | off roll | not in school | school attendance |
    persistent absence | absence | absent | not receiving schooling | not on a school roll
c_missing: missing from home | missing episode | return home interview | went missing |
    runaway | reported missing
c_private_fostering: private fostering | privately fostered | not a close relative | 28 days
c_supervision: supervision | reflective | management oversight | line manager | supervisor
c_training: training | trained | learning and development | workforce development | briefing
    | e-learning | learning event | workshop | awareness | raise awareness
c_records: record keeping | record-keeping | record | documentation | case notes | chronology
c_interpreter: interpreter | interpreting | interpret | first language | language needs |
    translation | english is not | language other than english
c_disabled: disabled | disability | special educational needs | send | sen | ehcp | learning
    disability | complex health needs | complex needs | non-verbal | communication needs
c_selfneglect: self-neglect | self neglect | hoarding | hoard | declining care | refused care |
    refusing services | declines support | refuses help | self-care
c_sleep: safe sleep | co-sleeping | co sleeping | sudden unexpected death in infancy | sudi |
    unsafe sleep | sleeping arrangement | cot | moses basket | sofa
c_prebirth: pre-birth | pre birth | unborn | antenatal | ante-natal | pregnancy | pregnant |
    midwife | midwifery | before birth | expectant
c_health_visitor: health visitor | health visiting | 0-19 | public health nurse
c_police: police | constabulary | officer | force control room | force
c_school: school | education setting | designated safeguarding lead | dsl | teacher | pupil |
    lesson | classroom | headteacher | head teacher | academy | college
c_lado: lado | local authority designated officer | allegation | position of trust | positions
    of trust
c_referral: referral | refer | referred | contact and referral
c_feedback: feedback to referrer | feedback to the referrer | outcome of the referral |
    outcome of referrals | told the outcome | feedback
c_closure: case closure | closing a case | closed the case | step down | step-down | closure
c_carers: young carer | carer's assessment | carers assessment | unpaid carer | caring
    responsibilities | looking after a parent
c_audit: multi-agency audit | multi agency audit | audit | dip sample | dip-sample | assurance
c_suicide: suicide | self-harm | self harm | suicidal | overdose
c_homeless: homeless | homelessness | temporary accommodation | housing
c_probation: probation | offender manager | mappa | prison release | released from prison
c_online: online | internet | social media | image sharing | sexting | phone | apps
c_cp_plan: child protection plan | child protection conference | core group | child in need
c_threshold: threshold | level of need | continuum of need
"""
# An indented line goes on with the line before it.
THESAURUS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (concept.strip(), tuple(p.strip() for p in phrases.split("|")))
    for concept, phrases in (
        entry.split(":", 1) for entry in _THESAURUS_TEXT.replace("\n    ", " ").split("\n") if entry
    )
)

BM25_K1, BM25_B = 1.2, 0.75
SHOWN = 0.15  # the score from which the window and an import offer a match (docs/performance.md)
# What ``casereview similar`` says when a text's own words are why nothing was found.
NO_TELLING_WORDS = (
    'That text holds no word particular enough to compare (words such as "should" and '
    '"the" are left out): give the learning in more particular words.'
)
ALL_COMMON = (
    "Every word of that text is in more than a twentieth of the items, too common to tell "
    "earlier learning apart: give more particular words."
)
SOME_IN_NONE = (
    "No item holds some of the words of that text, and each of the others is in more than a "
    "twentieth of the items, too common to tell earlier learning apart: give more particular "
    "words."
)
# An item changed between the two readings of a build (``SimilarityIndex._build``), which
# only a session that is not one snapshot lets happen.
CHANGED_WHILE_READ = (
    "The items changed while the similar learning was being worked out: ask for it again."
)


class ChangedWhileRead(CaseReviewError):
    """``CHANGED_WHILE_READ``: what an import's report, which is not to fail over its
    repeats, tells apart from the database's other refusals."""

    def __init__(self) -> None:
        super().__init__(CHANGED_WHILE_READ)


NAMED_WORDS = 3  # the most of a text's own words a reason quotes (the rest are counted)
COMMON = 0.05  # a term in more than this share of items is skipped at query time,
COMMON_FLOOR = 200  # and in more than this many (a small database's terms all count)
MAX_TERMS = 24  # a query adds up at most this many of its rarest terms
CONCEPT_WEIGHT = 2.0  # a concept counts as this many occurrences of a word

# A word is a run of letters and digits ("[a-z0-9]+" for a text in plain ASCII, as most are);
# of any script in any other text (``_any_word``), where a new user had found "café" read as
# "caf", the Welsh "ŵ" and "ŷ" dropped and texts in Hebrew or Arabic said to hold no word.
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# The blocks whose marks ``_words`` takes off letters once decomposed: Latin's accents (the
# Welsh "ŵ" and "ŷ" among them), Hebrew's points and Arabic's vowel signs, which a writer may
# or may not add. Only their marks (``_marks``): the Hebrew maqaf, a hyphen, and Arabic's
# signs of a verse's end stand between words, and taken out joined two words in one.
_MARK_BLOCKS = (
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
    (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED),
)  # fmt: skip
# Characters that cannot be seen, or only draw a letter out, and come with pasted text, inside
# words as often as not: the soft hyphen, zero-width spaces and joiners, direction marks (the
# Arabic letter mark among them), the Arabic tatweel, the Mongolian vowel separator, the
# byte-order mark, and the variation selectors that choose a glyph (an emoji's, or a Japanese
# name's ideograph) without changing the letter.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u0640\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufe00-\ufe0f\ufeff\U000e0100-\U000e01ef]"
)
MOST_MARKS = 30  # combining marks kept on one letter (Unicode's stream-safe text format)
_STEMMER = Stemmer.Stemmer("english")
_log = logging.getLogger(__name__)
_T = TypeVar("_T")


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


Phrase = tuple[tuple[str, ...], str]  # a thesaurus phrase as stems, and its concept


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[Phrase, ...]]:
    """The thesaurus's phrases as stems (stop words kept), by the stem each begins with,
    longest first; so that "bruises", "bruised" and "bruising" all meet "bruise", and a text
    is looked through once, a dictionary look-up a word (a pattern of every phrase took 40 %
    of building the index)."""
    concept_of: dict[tuple[str, ...], str] = {}
    for concept, phrases in THESAURUS:
        for phrase in phrases:
            stems = tuple(_stem(w) for w in _words(phrase))
            if stems:
                concept_of.setdefault(stems, concept)
    starting: dict[str, list[Phrase]] = {}
    for stems, concept in concept_of.items():
        starting.setdefault(stems[0], []).append((stems, concept))
    return {
        first: tuple(sorted(found, key=lambda phrase: len(phrase[0]), reverse=True))
        for first, found in starting.items()
    }


def _concepts(stems: list[str]) -> set[str]:
    """The concepts whose phrases a text's stems hold: read left to right, the longest phrase
    at a word taken and the words it covers passed over (so "a minor injuries unit" is the
    emergency department, not also an injury)."""
    starting = _phrases()
    found = set()
    at, end = 0, len(stems)
    while at < end:
        step = 1
        for phrase, concept in starting.get(stems[at], ()):
            if tuple(stems[at : at + len(phrase)]) == phrase:
                found.add(concept)
                step = len(phrase)
                break
        at += step
    return found


def _words(text: str) -> list[str]:
    """A text's words, lower case. Beyond plain ASCII, case is folded ("Straße" is
    "strasse"), invisible characters are taken out, and accents taken off ("café" is "cafe",
    as it is often typed; a ligature or a full-width letter is its plain letters). A symbol or
    a number that is not a digit ("™", "³", "½") stands between words as it always has: taken
    apart as letters, "Excel™" was "exceltm" and a footnote's "heard³" was "heard3", no
    longer the words of the same text typed in ASCII."""
    if text.isascii():  # most texts: nothing more to do, and no time spent on it
        return _ASCII_WORD.findall(text.lower())
    word, separated, marks, too_many = _patterns()
    plain = separated.sub(" ", _INVISIBLE.sub("", text))
    # At most MOST_MARKS marks on a letter (Unicode's stream-safe limit): decomposing puts a
    # run of marks in order, which takes time as the square of its length, and a pasted run of
    # 100,000 held the window 8 s at each keystroke and each question (found by a new user).
    plain = too_many.sub(r"\1", plain)
    # Taken apart, then folded, then taken apart again: folded first, a letter whose parts are
    # capitals (a mathematical bold C, U+1D402) kept them, and "Child" was not "child".
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", plain).casefold())
    # The Turkish dotless i (U+0131) is the i its capital I folds to: "ILIK" is one word.
    return word.findall(marks.sub("", plain).replace("\u0131", "i"))


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A word of any script: letters and digits with the combining marks that belong to them
    (the vowel signs of Devanagari, Tamil or Thai, Japanese sound marks), which Python's
    ``\\w`` does not count as a word's: a new user found a Hindi word cut at each vowel sign.
    With it, what stands between words though ``\\w`` counts it (a number that is not a digit)
    or it decomposes to letters (a symbol), the marks taken off (``_MARK_BLOCKS``), and a
    run of more than ``MOST_MARKS`` marks. Made the first time a text beyond ASCII is read
    (about 30 ms)."""
    marks: list[int] = []
    separated: list[int] = []
    for code in range(0x80, 0x20000):
        category = unicodedata.category(chr(code))
        if category[0] == "M":
            marks.append(code)
        elif category in ("No", "Nl") or category[0] == "S":
            separated.append(code)
    taken_off = [c for c in marks if any(a <= c <= b for a, b in _MARK_BLOCKS)]
    return (
        re.compile(f"(?:[^\\W_]|{_class(marks)})+"),
        re.compile(f"{_class(separated)}+"),
        re.compile(_class(taken_off) + "+"),
        re.compile(f"({_class(marks)}{{{MOST_MARKS}}}){_class(marks)}+"),
    )


def _class(codes: list[int]) -> str:
    """A character class of ``codes``, in ascending order, as ranges."""
    ranges: list[str] = []
    for _, run in itertools.groupby(enumerate(codes), lambda pair: pair[1] - pair[0]):
        span = [code for _, code in run]
        ranges.append(_span(span[0], span[-1]))
    return f"[{''.join(ranges)}]"


def _span(first: int, last: int) -> str:
    return f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}"


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
    words = _words(text)
    every = [_stem(w) for w in words] if method.stems or method.concepts else words
    kept = [
        stem if method.stems else word
        for word, stem in zip(words, every, strict=True)
        if word not in STOP_WORDS and len(word) > 1
    ]
    counted: Counter[str] = Counter(kept)
    if method.pairs:
        counted.update(f"{a} {b}" for a, b in itertools.pairwise(kept))
    if method.concepts:
        for concept in _concepts(every):
            counted[concept] += CONCEPT_WEIGHT  # type: ignore[assignment]
    return counted


def _typed_words(text: str, method: Method) -> list[tuple[str, str]]:
    """The words of ``text`` that ``terms`` keeps, each once, in the order typed, as typed
    (lower case: "renée", not the "renee" it is compared as), with its term (its stem, as
    ``method`` asks)."""
    typed = _as_typed(text)
    seen: dict[str, str] = {}
    for word in _words(text):
        if word not in STOP_WORDS and len(word) > 1 and word not in seen:
            seen[word] = _stem(word) if method.stems else word
    return [(typed.get(word, word), term) for word, term in seen.items()]


def _as_typed(text: str) -> dict[str, str]:
    """Each word of ``text`` as compared (``_words``), by how it was typed, lower case, the
    first time: a reason quoting "renee" or "strasse" for "Renée" or "Straße" named a word the
    user had not typed (found by a new user). A piece of the text that is more than one word
    as compared (a ligature's, say) is left out: those words are quoted as compared."""
    if text.isascii():
        return {}
    word, separated, _, too_many = _patterns()
    plain = too_many.sub(r"\1", separated.sub(" ", _INVISIBLE.sub("", text)))
    typed: dict[str, str] = {}
    for piece in word.findall(plain):
        compared = _words(piece)
        if len(compared) == 1:
            typed.setdefault(compared[0], piece.lower())
    return typed


QUOTED_LENGTH = 40  # characters of a word quoted back


def _quoted(words: Sequence[str], last: str) -> str:
    """``words`` quoted as a sentence lists them ('"a", "b" or "c"'), at most
    ``NAMED_WORDS`` of them and how many more, each cut at ``QUOTED_LENGTH`` characters (a
    new user's 100,000-character word came back whole in the sentence)."""
    shown = [
        f'"{word[:QUOTED_LENGTH]}…"' if len(word) > QUOTED_LENGTH else f'"{word}"'
        for word in words[:NAMED_WORDS]
    ]
    more = len(words) - len(shown)
    if more:
        return f"{', '.join(shown)} {last} {more:,} other word{'s' if more > 1 else ''}"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} {last} {shown[-1]}"


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


WEIGHT_STEPS = 65_535  # a posting's weights, as steps of a term's greatest weight
# A posting keeps each row's last ROW_BITS bits in two bytes; the rows of each block of
# 2 ** ROW_BITS rows are together (rows are in order), where its ``blocks`` say.
ROW_BITS = 16


def _weight(frequency: int, norm: float) -> int:
    """A term's weight in an item, BM25's saturated, length-normalised frequency, in
    ``WEIGHT_STEPS`` of the greatest (BM25_K1 + 1): worked out when the item is posted,
    against the average length of the last build (which a few changes hardly move), so a
    question only adds numbers up. Rounded, it is within 0.002 % of the exact weight. Never
    nought: nought marks a removed item's row (an item 145,000 times the average length
    would otherwise round to it, and be taken for removed)."""
    return max(min(round(WEIGHT_STEPS * frequency / (frequency + norm)), WEIGHT_STEPS), 1)


# A term's posting: the last ROW_BITS bits of each of its rows, in order; the row's weight
# (``_weight``); and where each block of rows after the first begins (the number of its
# rows in blocks before), as many as the posting's last block needs.
_Posting: TypeAlias = "tuple[array[int], array[int], tuple[int, ...]]"


def _block_of(lows: array[int], blocks: tuple[int, ...], block: int) -> tuple[int, int]:
    """Where the rows of ``block`` are in a posting: from, and up to (empty when none)."""
    if block > len(blocks):
        return len(lows), len(lows)
    start = blocks[block - 1] if block else 0
    return start, blocks[block] if block < len(blocks) else len(lows)


def _rows_of(lows: array[int], blocks: tuple[int, ...]) -> Iterable[int]:
    """The rows of a posting, in order, from their last bits and its blocks' beginnings."""
    start = 0
    for block, end in enumerate((*blocks, len(lows))):
        if end > start:
            high = block << ROW_BITS
            yield from (high | low for low in lows[start:end])
        start = end


class _Rows:
    """Which row of the index holds each item. The items of a build come in order of id, so
    their ids sit in one sorted array, found by bisection (a dictionary of 100,000 ids took
    11 MB); an item indexed since (added, or edited and so given a new row) is in a
    dictionary, and one of the build's since removed or re-indexed is in ``gone``."""

    def __init__(self) -> None:
        self.built = array("q")
        self.later: dict[int, int] = {}
        self.gone: set[int] = set()

    def __len__(self) -> int:
        return len(self.built) - len(self.gone) + len(self.later)

    def get(self, item_id: int) -> int | None:
        row = self.later.get(item_id)
        if row is not None or item_id in self.gone:
            return row
        at = bisect_left(self.built, item_id)
        return at if at < len(self.built) and self.built[at] == item_id else None

    def add(self, item_id: int, row: int) -> None:
        built = self.built
        if not self.later and row == len(built) and (not built or built[-1] < item_id):
            built.append(item_id)
        else:
            self.later[item_id] = row

    def pop(self, item_id: int) -> int | None:
        row = self.later.pop(item_id, None)
        if row is None:
            row = self.get(item_id)
        if row is not None and row < len(self.built) and self.built[row] == item_id:
            self.gone.add(item_id)
        return row


class SimilarityIndex:
    """An inverted index of every tracked item's terms, for ``similar``.

    Held compactly, because the window keeps one for as long as a database is open (issue 26:
    the window within 150 MB at 100,000 items; a dictionary of terms per item and a
    dictionary per term took 480 MB). Each term has a number; each item a row; each term
    found in few enough items to be asked for (``COMMON``) a posting of rows and weights in
    two arrays. An item's own terms are held only until they are posted (in one shared
    array: a term's number times 256 plus its frequency), not for as long as the index: they
    were as large as the postings' rows (5.8 MB at 100,000 items) for two uses that do
    without them, a match's score against itself (worked out from its text, which
    ``similar`` reads anyway) and an item's removal (found in the postings). Texts, numbers
    and statuses stay in the database: ``similar`` reads those of the few it returns.
    """

    def __init__(self, method: Method = FULL) -> None:
        self.method = method
        self._clear()

    def _clear(self) -> None:
        self.head = 0  # the audit trail's newest entry when the index last read the items
        self._rows = _Rows()  # item id: its row (a re-indexed item gets a new one)
        self._item = array("q")  # by row: the item's id
        self._source = array("i")  # by row: its source's number in _sources
        self._length = array("f")  # by row: its terms' total frequency
        # The terms of the rows not yet posted (from _first_pending on), until they are
        self._first_pending = 0
        self._start = array("I")  # by row not yet posted: where its terms begin in _packed
        self._count = array("I")  # by row not yet posted: how many terms it has
        self._packed = array("I")  # those rows' terms: number * 256 + frequency
        self._sources: list[tuple[str, dt.date | None]] = []  # reference, publication
        self._source_number: dict[str, int] = {}
        # Each term's number: a build's terms by their strings' hashes, in order, beside
        # their numbers (twelve bytes a term, not a dictionary's 120 or so); a term first
        # met since, in the dictionary. Two terms of one 64-bit hash would share a number.
        self._hashes = array("q")
        self._hashed = array("I")
        self._term_number: dict[str, int] = {}
        self._found_in = array("i")  # by term: how many items hold it
        # The build's postings, in three arrays: each term's rows (their last ROW_BITS bits)
        # from _begins[term] up to _begins[term + 1], in order; by block after the first,
        # where the term's rows of that block begin (from its first); each row's weight
        # (``_weight``: two bytes, 2.9 MB less at 100,000 items than a float), nought once
        # the row's item is removed. A few bytes a term, where a posting of its own took
        # about 500 (issue 26: 48 MB for a vocabulary 2 % richer than the generated items').
        self._begins = array("I")
        self._splits: list[array[int]] = []
        self._lows = array("H")
        self._weights = array("H")
        # The rows posted since the build, by term, each a ``_Posting``.
        self._postings: dict[int, _Posting] = {}
        self._unposted: set[int] = set()  # terms too common at the last build to post
        self._total_length = 0.0
        self._average = 1.0  # the average length the weights were worked out against

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, item_id: int) -> bool:
        return self._rows.get(item_id) is not None

    def source_of(self, item_id: int) -> tuple[str, dt.date | None] | None:
        """The reference and publication day of an indexed item's source."""
        row = self._rows.get(item_id)
        return None if row is None else self._sources[self._source[row]]

    # -- building and keeping up to date

    @classmethod
    def build(
        cls,
        session: Session,
        method: Method = FULL,
        *,
        between_readings: Callable[[], None] | None = None,
        pause: Callable[[], None] | None = None,
    ) -> SimilarityIndex:
        """An index of every item (``session`` one snapshot: ``Database.snapshot``), which
        reads them twice (``_build``), calling ``between_readings`` in between (the window
        gives back to the system what the first reading freed) and ``pause`` before each
        ``PAUSE_ROWS`` items (the window waits there while the Overview reads its figures)."""
        index = cls(method)
        index._build(session, between_readings, pause)
        return index

    def catch_up(self, session: Session, most: int | None = None) -> bool:
        """Read again the items changed since the index last read them, by this process or
        another: the audit trail names them (one look at its newest entries). With ``most``,
        only if no more than that many changed, else nothing is done and False returned:
        an index of many items added since its build is better built again (what is posted
        since a build is kept per term, about 500 bytes a term: an import of 20,000 items
        of unusual words took a window's index from 10 to 340 MB) and the window builds it
        off its GUI thread (reading them here held it for seconds)."""
        head = newest_entry_id(session)
        if head == self.head:
            return True
        changed = session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.id > self.head, AuditEntry.entity == Recommendation.__tablename__
            )
        )
        ids = {int(entity_id) for entity_id in changed if entity_id.isdigit()}
        if most is not None and len(ids) > most:
            return False
        self.update(session, ids)
        self.head = head
        return True

    def update(self, session: Session, ids: Iterable[int] | None = None) -> None:
        """(Re)index the items ``ids`` (all when None): an edit or an import passes the ids it
        touched; one no longer there (deleted) leaves the index. All of them are read twice
        (``_build``): ``session`` should see one snapshot (``Database.snapshot``)."""
        if ids is None:
            self._build(session)
            return
        wanted = set(ids)
        self._remove(wanted)
        try:
            for item_id, source, published, text in _rows(session, wanted):
                if text:
                    self._add(item_id, source, published, terms(text, self.method))
        except BaseException:
            self._forget_pending()  # read again when next asked: catch_up's head stays
            raise
        self._post(range(self._first_pending, len(self._item)))
        self._first_pending = len(self._item)
        self._start, self._count, self._packed = array("I"), array("I"), array("I")

    def _build(
        self,
        session: Session,
        between: Callable[[], None] | None = None,
        pause: Callable[[], None] | None = None,
    ) -> None:
        """Index every item afresh, reading them twice: the first reading numbers each
        item's terms and counts the items holding each term, the second posts them straight
        into postings made at their full size (``_post_read``). Holding every item's terms
        from one to the other, as an update holds its few items' (``_packed``), took 12 MB
        above the index for the seconds of its build at 100,000 items, which with the tabs
        a user read meanwhile took the window past its 150 MB (issue 26). The second reading
        works out the terms again: 10-20 % more time (docs/performance.md)."""
        self._clear()
        self.head = newest_entry_id(session)  # read first: a change after it is caught up
        read = array("q")  # by row: its text's hash, so the second reading is known the same
        try:
            for item_id, source, published, text in _paused(_rows(session, None), pause):
                if text:
                    self._add(item_id, source, published, terms(text, self.method), held=False)
                    read.append(hash(text))
            if between is not None:
                between()
            self._post_read(_paused(_texts(session), pause), read)
        except BaseException:
            self._clear()
            raise
        self._first_pending = len(self._item)

    def _add(
        self,
        item_id: int,
        source: str,
        published: dt.date | None,
        found: Counter[str],
        held: bool = True,
    ) -> None:
        """Give the item a row and its terms numbers, counted among the items holding them;
        its terms ``held`` until ``_post`` posts them (a build reads them again instead)."""
        number = self._source_number.get(source)
        if number is None:
            number = self._source_number[source] = len(self._sources)
            self._sources.append((source, published))
        elif self._sources[number][1] != published:  # the source's date was changed
            self._sources[number] = (source, published)
        term_number = self._term_number
        found_in = self._found_in
        unposted = self._unposted
        row = len(self._item)
        self._rows.add(item_id, row)
        self._item.append(item_id)
        self._source.append(number)
        if held:
            self._start.append(len(self._packed))
            self._count.append(len(found))
        length = 0.0
        hashed = bool(self._hashes)
        for term, frequency in found.items():
            term_id = term_number.get(term)
            if term_id is None and hashed:
                term_id = self._term_id(term)
            if term_id is None:
                term_id = term_number[term] = len(found_in)
                found_in.append(0)
            if term_id not in unposted:  # one too common at the build keeps the build's count
                found_in[term_id] += 1
            if held:
                self._packed.append(term_id << 8 | min(int(frequency), 255))
            length += frequency
        self._length.append(length)
        self._total_length += length

    def _forget_pending(self) -> None:
        """Undo the rows read but not yet posted (a read of the items that failed part way),
        so that reading them again adds each once: their items leave the index, their terms'
        counts and the total length are as before. Their places stay, unused."""
        unposted, found_in = self._unposted, self._found_in
        for row in range(self._first_pending, len(self._item)):
            item_id = self._item[row]
            if self._rows.get(item_id) == row:
                self._rows.pop(item_id)
            self._total_length -= self._length[row]
            for packed in self._terms_of(row):
                if packed >> 8 not in unposted:
                    found_in[packed >> 8] -= 1
        self._first_pending = len(self._item)
        self._start, self._count, self._packed = array("I"), array("I"), array("I")

    def _terms_of(self, row: int) -> array[int]:
        """The terms of a row not yet posted."""
        at = row - self._first_pending
        start = self._start[at]
        return self._packed[start : start + self._count[at]]

    def _norm(self, row: int) -> float:
        return BM25_K1 * (1 - BM25_B + BM25_B * self._length[row] / self._average)

    def _post_read(self, texts: Iterable[tuple[int, str | None]], read: array[int]) -> None:
        """Read every item's text again (``texts``) and post its terms, for every term few
        enough items hold to be asked for: a term in more is skipped by every question
        (``COMMON``), so its posting would be memory for nothing (half of them at 100,000
        generated items). Such a term stays without one until the index is next built, even
        if deletions make it rare enough to ask for. ``read`` has the hash of each row's text
        as first read: a text changed since (the session not one snapshot) is refused, not
        posted wrongly.

        Each posting is made at its full size at once (how many items hold each term is
        known by now) and filled in place: appended to, 4,000 arrays growing together left
        the heap fragmented, about 10 MB of the window's memory at 100,000 items."""
        # 1.0 when no item holds a word worth indexing ("Do x"): a zero average divided every
        # weight by zero (found by a new user's import).
        self._average = (self._total_length / len(self._rows) if self._rows else 0.0) or 1.0
        common = self._common()
        found_in = self._found_in
        self._unposted = {number for number, held in enumerate(found_in) if held > common}
        terms_held = len(found_in)
        begins = array("I", bytes(4 * (terms_held + 1)))
        total = 0
        for number, held in enumerate(found_in):
            begins[number] = total
            if held <= common:
                total += held
        begins[terms_held] = total
        lows, weights = array("H", bytes(2 * total)), array("H", bytes(2 * total))
        filled = array("I", begins)  # by term: where its next row goes
        splits: list[array[int]] = []
        mask = (1 << ROW_BITS) - 1
        term_number, items, method = self._term_number, self._item, self.method
        row = 0
        for item_id, text in texts:
            if not text:
                continue
            if row >= len(read) or items[row] != item_id or read[row] != hash(text):
                raise ChangedWhileRead()
            if row and not row & mask:
                splits.append(array("I", [filled[t] - begins[t] for t in range(terms_held)]))
            norm, low = self._norm(row), row & mask
            once = _weight(1, norm)  # most terms are once in an item: worked out once a row
            try:
                for term, frequency in terms(text, method).items():
                    term_id = term_number[term]
                    at = filled[term_id]
                    if at < begins[term_id + 1]:  # a posted term (a common one has no room)
                        lows[at] = low
                        weights[at] = (
                            once if frequency == 1 else _weight(min(int(frequency), 255), norm)
                        )
                        filled[term_id] = at + 1
            except KeyError:  # a term the first reading never met: the text is not the same
                raise ChangedWhileRead() from None
            row += 1
        if row != len(read):
            raise ChangedWhileRead()
        self._begins, self._splits, self._lows, self._weights = begins, splits, lows, weights
        self._postings = {}
        by_hash = sorted((hash(term), number) for term, number in self._term_number.items())
        self._hashes = array("q", [hashed for hashed, _ in by_hash])
        self._hashed = array("I", [number for _, number in by_hash])
        self._term_number = {}

    def _term_id(self, term: str) -> int | None:
        """The term's number, or None for a term the index has never met."""
        number = self._term_number.get(term)
        if number is not None or not self._hashes:
            return number
        hashed, hashes = hash(term), self._hashes
        at = bisect_left(hashes, hashed)
        return self._hashed[at] if at < len(hashes) and hashes[at] == hashed else None

    def _is_posted(self, term_id: int) -> bool:
        begins = self._begins
        if term_id + 1 < len(begins) and begins[term_id + 1] > begins[term_id]:
            return True
        return term_id in self._postings

    def _built_block(self, term_id: int, block: int) -> tuple[int, int]:
        """Where the build's rows of ``block`` holding the term are: from, and up to."""
        begins, splits = self._begins, self._splits
        if term_id + 1 >= len(begins) or block > len(splits):
            return 0, 0
        base = begins[term_id]
        start = base + splits[block - 1][term_id] if block else base
        return start, base + splits[block][term_id] if block < len(splits) else begins[term_id + 1]

    def _segments(self, term_id: int) -> Iterable[tuple[int, int, int]]:
        """The build's rows holding the term, block by block: the block's first row, and
        where its rows are, from and up to."""
        begins = self._begins
        if term_id + 1 >= len(begins) or begins[term_id + 1] == begins[term_id]:
            return
        base = start = begins[term_id]
        for block, split in enumerate(self._splits):
            end = base + split[term_id]
            if end > start:
                yield block << ROW_BITS, start, end
            start = end
        if begins[term_id + 1] > start:
            yield len(self._splits) << ROW_BITS, start, begins[term_id + 1]

    def _post(self, rows: Iterable[int]) -> None:
        """Add ``rows`` (new, so after every row posted) to their terms' postings."""
        postings, unposted = self._postings, self._unposted
        mask = (1 << ROW_BITS) - 1
        for row in rows:
            norm = self._norm(row)
            block = row >> ROW_BITS
            for packed in self._terms_of(row):
                term_id = packed >> 8
                posting = postings.get(term_id)
                if posting is None:
                    if term_id in unposted:
                        continue
                    posting = postings[term_id] = (array("H"), array("H"), ())
                lows, weights, blocks = posting
                if len(blocks) < block:  # the row is in a block after the posting's last
                    blocks += (len(lows),) * (block - len(blocks))
                    postings[term_id] = (lows, weights, blocks)
                lows.append(row & mask)
                weights.append(_weight(packed & 255, norm))

    def _remove(self, item_ids: Iterable[int]) -> None:
        """Take the items ``item_ids`` out of the postings, and out of the counts of the
        items holding each posted term. Their terms are not held, so every posting is looked
        through: by bisection for each of a few rows (its rows are in order), or in one pass
        over all of them for many (an import's). A term too common to post keeps the count it
        had at the build, neither raised by items added since (``_add``) nor lowered by those
        removed: it is never asked for. A row's place in the other arrays stays, unused,
        until the index is next built."""
        rows = []
        for item_id in item_ids:
            row = self._rows.pop(item_id)
            if row is not None:
                rows.append(row)
                self._total_length -= self._length[row]
        if not rows:
            return
        found_in, postings = self._found_in, self._postings
        lows, weights = self._lows, self._weights
        built = len(self._begins) - 1 if self._begins else 0
        mask = (1 << ROW_BITS) - 1
        entries = len(lows) + sum(len(posting[0]) for posting in postings.values())
        if len(rows) * (built + len(postings)) * 6 <= entries:
            for term_id in range(built):
                for row in rows:
                    start, end = self._built_block(term_id, row >> ROW_BITS)
                    at = bisect_left(lows, row & mask, start, end)
                    if at < end and lows[at] == row & mask and weights[at]:
                        weights[at] = 0
                        found_in[term_id] -= 1
            for term_id, (later, later_weights, was) in postings.items():
                blocks = was
                for row in rows:
                    block = row >> ROW_BITS
                    start, end = _block_of(later, blocks, block)
                    at = bisect_left(later, row & mask, start, end)
                    if at < end and later[at] == row & mask:
                        del later[at]
                        del later_weights[at]
                        found_in[term_id] -= 1
                        blocks = blocks[:block] + tuple(begins - 1 for begins in blocks[block:])
                if blocks is not was:
                    postings[term_id] = (later, later_weights, blocks)
            return
        gone = set(rows)
        for term_id in range(built):
            for high, start, end in self._segments(term_id):
                for at in range(start, end):
                    if weights[at] and high | lows[at] in gone:
                        weights[at] = 0
                        found_in[term_id] -= 1
        for term_id, (later, later_weights, blocks) in postings.items():
            kept = [at for at, row in enumerate(_rows_of(later, blocks)) if row not in gone]
            if len(kept) < len(later):
                found_in[term_id] -= len(later) - len(kept)
                postings[term_id] = (
                    array("H", [later[at] for at in kept]),
                    array("H", [later_weights[at] for at in kept]),
                    tuple(bisect_left(kept, begins) for begins in blocks),
                )

    def _common(self) -> float:
        return max(COMMON * len(self._rows), COMMON_FLOOR)

    # -- asking

    def similar(
        self,
        session: Session,
        text: str,
        *,
        exclude_source: str | None = None,
        limit: int = 5,
        published_by: dt.date | None = None,
    ) -> list[Match]:
        """The ``limit`` items most like ``text``, of sources other than ``exclude_source``;
        with ``published_by``, none of a source published after that day (earlier learning
        is learning published before; a source not yet published is kept). ``session``
        reads the texts, numbers and statuses of those returned."""
        count = len(self._rows)
        if not count or not text.strip():
            return []
        query = terms(text, self.method)
        common = self._common()
        average = self._total_length / count or 1.0  # no item holds a word worth indexing
        norm = BM25_K1 * (1 - BM25_B + BM25_B * sum(query.values()) / average)
        asked = []
        for term, weight in query.items():
            term_id = self._term_id(term)
            if term_id is None or not self._is_posted(term_id):
                continue
            held = self._found_in[term_id]
            if held <= common:
                idf = math.log(1 + (count - held + 0.5) / (held + 0.5))
                own = weight * (BM25_K1 + 1) / (weight + norm)  # as it would weigh in an item
                asked.append((weight * idf, term_id, own, held))
        # The rarest terms say the most: at most MAX_TERMS of them are added up, which bounds
        # a long text's question.
        asked.sort(key=lambda a: a[3])
        scores: dict[int, float] = {}
        get = scores.get
        best = 0.0
        built_lows, built_weights = self._lows, self._weights
        for factor, term_id, own, _held in asked[:MAX_TERMS]:
            best += factor * own  # the query's score against itself
            scaled = factor * (BM25_K1 + 1) / WEIGHT_STEPS
            for high, start, end in self._segments(term_id):
                part = zip(built_lows[start:end], built_weights[start:end], strict=True)
                if not high:  # the first block: a row is its low bits
                    for row, value in part:
                        scores[row] = get(row, 0.0) + scaled * value
                    continue
                for low, value in part:
                    row = high | low
                    scores[row] = get(row, 0.0) + scaled * value
            posting = self._postings.get(term_id)  # rows posted since the build
            if posting is None:
                continue
            lows, weights, blocks = posting
            if not blocks:  # every row in the first block: a row is its low bits
                for row, value in zip(lows, weights, strict=True):
                    scores[row] = get(row, 0.0) + scaled * value
                continue
            start = 0
            for block, end in enumerate((*blocks, len(lows))):
                high = block << ROW_BITS
                for low, value in zip(lows[start:end], weights[start:end], strict=True):
                    row = high | low
                    scores[row] = get(row, 0.0) + scaled * value
                start = end
        if best <= 0:
            return []
        excluded = None if exclude_source is None else self._source_number.get(exclude_source)
        sources, source_of = self._sources, self._source
        candidates = (  # a removed item's rows score nought: their weights are
            (row, score)
            for row, score in scores.items()
            if score > 0
            and source_of[row] != excluded
            and not _later(sources[source_of[row]][1], published_by)
        )
        # The best by BM25, then scored as a share of the two texts' own and ordered by that
        # score, the one shown: best first as the reader sees it (a new user found 0.64 after
        # 0.54 when the order was BM25's).
        chosen = {
            self._item[row]: (score, self._norm(row))
            for row, score in heapq.nlargest(limit * 3 + 10, candidates, key=lambda s: s[1])
        }
        found = []
        for item_id, source, kind, number, said, status, published in _described(session, chosen):
            score, own_norm = chosen[item_id]
            own = self._own_score(terms(said, self.method), own_norm, count, common)
            share = min(2 * score / (best + own), 1.0)
            found.append(Match(item_id, source, kind, number, said, status, published, share))
        found.sort(key=lambda m: (-m.score, m.item_id))
        return found[:limit]

    def why_nothing(self, text: str, *, typed: bool = False) -> str | None:
        """Why ``similar`` found nothing for ``text``, when the reason is the text's words
        rather than a want of like learning: none of them telling (only words such as
        "should" or "the", which are never compared), or every one that items hold in too
        many of them to be asked for (``COMMON``). None when no such reason holds (no item
        holds any of its words, say).

        With ``typed`` (the user typed ``text`` themselves), the words no item holds are
        always named, as typed (lower case, in order, at most ``NAMED_WORDS``), and with the
        reason that the others are too common, those: a user could not tell which of "police
        xylophone" was the one no item holds, nor that "frobnicate" is in none. Never for an
        item's own text, which the reason must not quote."""
        method = dataclasses.replace(self.method, pairs=False, concepts=False)
        words = terms(text, method)
        if not words:
            return NO_TELLING_WORDS
        # A term no item holds any longer (its items deleted since the build) keeps its
        # number with a count of nought: it is in no item.
        held = {
            term: self._found_in[term_id]
            for term in words
            if (term_id := self._term_id(term)) is not None and self._found_in[term_id]
        }
        too_common = bool(held) and all(count > self._common() for count in held.values())
        if len(held) == len(words):
            return ALL_COMMON if too_common else None
        if not typed:
            return SOME_IN_NONE if too_common else None
        missing: list[str] = []
        common: list[str] = []
        for word, term in _typed_words(text, method):
            (common if term in held else missing).append(word)
        if not too_common:  # in no item, or with others found but nothing like the whole
            return f"No earlier learning like it was found: no item holds {_quoted(missing, 'or')}."
        return (
            f"No item holds {_quoted(missing, 'or')}; {_quoted(common, 'and')} "
            f"{'is' if len(common) == 1 else 'are each'} in more than a twentieth of the "
            "items, too common to tell earlier learning apart: give more particular words."
        )

    def _own_score(self, found: Counter[str], norm: float, count: int, common: float) -> float:
        """What an item scores against itself, from its terms ``found`` (its text's, as
        indexed, when ``catch_up`` has read it in the same session: on PostgreSQL another
        process's edit committed between the two can give one answer a score mixed of the
        two texts, until the next ``catch_up``) and ``norm`` (its length's, as posted): with the
        query's score against itself, what a match's score is a share of (twice the match
        over the two: 1.0 for the same text, whichever of the two is the longer)."""
        total = 0.0
        for term, many in found.items():
            term_id = self._term_id(term)
            if term_id is None or not self._is_posted(term_id):
                continue
            held = self._found_in[term_id]
            if held <= common:
                frequency = min(int(many), 255)  # as the item was posted
                idf = math.log(1 + (count - held + 0.5) / (held + 0.5))
                total += frequency * idf * frequency * (BM25_K1 + 1) / (frequency + norm)
        return total


@dataclass(frozen=True)
class Repeat:
    """A new item whose learning an earlier one of another source carried."""

    source: str
    kind: TrackedKind
    number: str
    earlier: Match


NEW_ITEMS_COMPARED = 500  # an import adding more is not compared here (casereview similar is)


def repeats_since(session: Session, after: int) -> list[Repeat] | None:
    """The items added since audit entry ``after`` (an import's) that repeat earlier learning:
    each with the best earlier item of another source scoring from ``SHOWN``; None when more
    than ``NEW_ITEMS_COMPARED`` were added (the index is built for the question)."""
    added = session.scalars(
        select(AuditEntry.entity_id).where(
            AuditEntry.id > after,
            AuditEntry.entity == Recommendation.__tablename__,
            AuditEntry.action == "create",
        )
    )
    ids = {int(entity_id) for entity_id in added if entity_id.isdigit()}
    if len(ids) > NEW_ITEMS_COMPARED:
        return None
    if not ids:
        return []
    index = SimilarityIndex.build(session)
    found = []
    for item_id, source, kind, number, text, _status, published in sorted(_described(session, ids)):
        if item_id not in index:
            continue
        asked = index.similar(
            session, text, exclude_source=source, limit=10, published_by=published
        )
        earlier = next((m for m in asked if m.item_id not in ids and m.score >= SHOWN), None)
        if earlier is not None:
            found.append(Repeat(source, kind, number, earlier))
    return found


def import_repeats(database: Database, before: int | None) -> list[Repeat] | None:
    """``repeats_since`` of an import that has committed, or nothing when it cannot be
    worked out (the import is done: its report is not to fail over this)."""
    if before is None:
        return []
    try:
        with database.snapshot() as session:  # the items are read twice (``_build``)
            return repeats_since(session, before)
    except (SQLAlchemyError, ChangedWhileRead) as exc:
        return _not_looked_for(exc)


def trial_repeats(session: Session, before: int) -> list[Repeat] | None:
    """``repeats_since`` of an import only tried (a dry run, the wizard's check), read in its
    own transaction before that is rolled back, so it names what the import would; nothing
    when it cannot be worked out (the trial's report is not to fail over this either). That
    transaction writes, so on PostgreSQL it is no snapshot: another user's change between
    the index's two readings is one such case."""
    try:
        return repeats_since(session, before)
    except (SQLAlchemyError, ChangedWhileRead) as exc:
        return _not_looked_for(exc)


def _not_looked_for(exc: SQLAlchemyError | ChangedWhileRead) -> list[Repeat]:
    _log.info("repeated learning not looked for: %s", cause(exc))
    return []


def describe_repeats(repeats: list[Repeat] | None, *, tried: bool = False) -> list[str]:
    """What an import's report says of its new items that repeat earlier learning, a line
    each (the command line prints them; the window lists them after an import). ``tried``
    for an import only tried, whose items are not there to ask about."""
    if repeats is None:
        if tried:
            return [
                f"More than {NEW_ITEMS_COMPARED} items would be added, so they were not "
                "compared with earlier learning here: once they are imported, ask casereview "
                "similar about any of them."
            ]
        return [
            f"More than {NEW_ITEMS_COMPARED} items were added, so they were not compared with "
            "earlier learning here: ask casereview similar about any of them."
        ]
    lines = []
    for repeat in repeats:
        earlier = repeat.earlier
        published = f", published {format_date(earlier.published)}" if earlier.published else ""
        lines.append(
            f"May repeat earlier learning: {repeat.source} {repeat.number} is like "
            f"{earlier.source} {earlier.number} ({earlier.status.label}{published}; "
            f"score {earlier.score:.2f})."
        )
    return lines


def _later(published: dt.date | None, by: dt.date | None) -> bool:
    return published is not None and by is not None and published > by


def _rows(
    session: Session, ids: set[int] | None
) -> Iterable[tuple[int, str, dt.date | None, str | None]]:
    """Each tracked item's id, source reference, the day its source was published and its
    text, read in two queries (reviews' items, inspections' items)."""
    for item_id, reference, _kind, _number, text, _status, day in _read(session, ids):
        yield item_id, reference, day, text


PAUSE_ROWS = 500  # a build's ``pause`` is called before each this many items
# Items are read this many at a time: fetched all at once, 100,000 texts made the window's
# memory peak by 40 MB that Python's allocator then kept; 2,000 at a time, a build beside the
# tabs' reading left 2-3 MB more of the window's heap in pieces than 400 (issue 26).
BATCH = 400


def _paused(rows: Iterable[_T], pause: Callable[[], None] | None) -> Iterable[_T]:
    """``rows``, calling ``pause`` (if any) before each ``PAUSE_ROWS`` of them."""
    if pause is None:
        yield from rows
        return
    for number, row in enumerate(rows):
        if not number % PAUSE_ROWS:
            pause()
        yield row


def _texts(session: Session) -> Iterable[tuple[int, str | None]]:
    """Each tracked item's id and text, in order of id, as ``_read`` reads them all."""
    query = select(Recommendation.id, Recommendation.text).order_by(Recommendation.id)
    rows = session.execute(query, execution_options={"yield_per": BATCH})
    yield from ((item_id, text) for item_id, text in rows)


def _described(
    session: Session, ids: Iterable[int]
) -> Iterable[tuple[int, str, TrackedKind, str, str, Status, dt.date | None]]:
    """What a match shows of each of the items ``ids``: the index keeps none of it."""
    for item_id, reference, kind, number, text, status, day in _read(session, set(ids)):
        yield item_id, reference, kind, number, text or "", status, day


def _read(
    session: Session, ids: set[int] | None
) -> Iterable[tuple[int, str, TrackedKind, str, str | None, Status, dt.date | None]]:
    """Each tracked item's id, source reference, kind, number, text, status and the day its
    source was published, in order of id (``_Rows`` keeps a build's items by it)."""
    if ids is not None and not ids:
        return
    query = (
        select(
            Recommendation.id,
            Recommendation.review_id,
            Review.reference,
            Inspection.reference,
            Recommendation.kind,
            Recommendation.number,
            Recommendation.text,
            Recommendation.status,
            Review.published,
            Inspection.published_on,
        )
        .outerjoin(Review, Recommendation.review_id == Review.id)
        .outerjoin(Inspection, Recommendation.inspection_id == Inspection.id)
        .order_by(Recommendation.id)
    )
    if ids is not None:
        query = query.where(Recommendation.id.in_(ids))
    batches = session.execute(query, execution_options={"yield_per": BATCH})
    for (
        item_id,
        of_review,
        review,
        inspection,
        kind,
        number,
        text,
        status,
        published,
        on,
    ) in batches:
        if of_review is not None:  # an item is a review's or an inspection's (a constraint)
            yield item_id, review, kind, number, text, status, _day(published)
        else:
            yield item_id, inspection, kind, number, text, status, _day(on)


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    first = getattr(value, "earliest", None)  # a PartialDate: its first day
    return first() if callable(first) else None


__all__ = [
    "FULL",
    "NEW_ITEMS_COMPARED",
    "SHOWN",
    "THESAURUS",
    "Match",
    "Method",
    "Repeat",
    "SimilarityIndex",
    "describe_repeats",
    "import_repeats",
    "repeats_since",
    "terms",
    "trial_repeats",
]
