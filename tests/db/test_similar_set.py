"""The labelled set that measures "similar earlier learning" (issue 25, point 6) has the shape
the measurement relies on: enough pairs of each kind, each text real and distinct, UK English,
and repeats that are reworded rather than copied, so that a method scores well on it only by
matching meaning and not by matching words."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter

import pytest

from tests.helpers.similar_set import SET_FILE, Pair, load_document, load_pairs, overlap

# US spellings a careless edit lets in; the product writes UK English.
US_SPELLINGS = re.compile(
    r"\b(organiz\w*|recogniz\w*|prioritiz\w*|minimiz\w*|summariz\w*|analyz\w*|behavior\w*"
    r"|colors?|center\w*|program|programs|labor|favor\w*|defense"
    r"|enrollment|pediatric\w*|catalog|fulfill|fulfillment|judgment)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    return load_pairs()


def _of(pairs: list[Pair], kind: str) -> list[Pair]:
    return [p for p in pairs if p.kind == kind]


def test_the_file_is_pretty_printed_utf8_with_a_header() -> None:
    """One field a line, indented by two and with no escaped characters, so that diffs read."""
    document = load_document()
    stored = SET_FILE.read_bytes().decode("utf-8")  # not UTF-8 raises here
    assert stored == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    header = document["header"]
    assert {"format", "about", "kinds", "fields"} <= header.keys()
    assert set(header["kinds"]) == {"repeat", "false_friend"}


def test_there_are_enough_pairs_of_each_kind(pairs: list[Pair]) -> None:
    assert len(_of(pairs, "repeat")) >= 60
    assert len(_of(pairs, "false_friend")) >= 40
    assert {p.difficulty for p in _of(pairs, "repeat")} == {"easy", "hard"}


def test_ids_are_unique(pairs: list[Pair]) -> None:
    repeated = [i for i, n in Counter(p.id for p in pairs).items() if n > 1]
    assert not repeated


def test_no_text_is_empty_or_used_twice(pairs: list[Pair]) -> None:
    texts = [t.text.strip() for p in pairs for t in (p.a, p.b)]
    assert all(texts)
    assert all(p.theme.strip() and p.note.strip() and p.a.agency and p.b.agency for p in pairs)
    repeated = [t for t, n in Counter(t.casefold() for t in texts).items() if n > 1]
    assert not repeated


def test_the_texts_are_uk_english(pairs: list[Pair]) -> None:
    found = [
        (p.id, m.group(0))
        for p in pairs
        for text in (p.a.text, p.b.text, p.note, p.theme)
        for m in US_SPELLINGS.finditer(text)
    ]
    assert not found


def test_the_spelling_check_catches_us_spellings() -> None:
    for text in ("the organization", "a color chart", "the MASH center", "a new program"):
        assert US_SPELLINGS.search(text), text
    for text in ("the organisation", "at the centre", "a new programme", "professional judgement"):
        assert not US_SPELLINGS.search(text), text


def test_repeats_come_from_different_agencies_and_years(pairs: list[Pair]) -> None:
    same = [p.id for p in _of(pairs, "repeat") if p.a.agency == p.b.agency or p.a.year == p.b.year]
    assert not same


def test_repeats_are_reworded_not_copied(pairs: list[Pair]) -> None:
    scores = {p.id: overlap(p.a.text, p.b.text) for p in _of(pairs, "repeat")}
    near_copies = {i: round(s, 2) for i, s in scores.items() if s >= 0.6}
    assert not near_copies
    assert sum(s < 0.25 for s in scores.values()) >= 20


def test_false_friends_share_more_words_than_repeats(pairs: list[Pair]) -> None:
    """The set is built to catch word overlap out: its false friends look more alike on the
    surface than its repeats do."""
    repeats = [overlap(p.a.text, p.b.text) for p in _of(pairs, "repeat")]
    friends = [overlap(p.a.text, p.b.text) for p in _of(pairs, "false_friend")]
    assert statistics.median(friends) > 2 * statistics.median(repeats)
