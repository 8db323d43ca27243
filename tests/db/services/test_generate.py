"""Generated data: the asked size, deterministic, fictional, and searchable like any other."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from db.exchange import collect_document, dump_document
from db.queries import tracker
from db.queries.rows import TrackerFilter
from db.services.dataset import counts
from db.services.generate import generate
from db.store import search
from db.store.database import Database
from db.store.lifecycle import check_state
from db.store.models import ProgressUpdate, Recommendation, Review
from tests.helpers import TODAY


def _generate(database: Database, seed: int = 3) -> None:
    with database.transaction("gen") as session:
        generate(session, reviews=7, recommendations=250, seed=seed, today=TODAY)


def _export(database: Database) -> dict:  # type: ignore[type-arg]
    with database.session() as session:
        data = json.loads(dump_document(collect_document(session, TODAY)))
    data.pop("exported_at")
    for review in data["reviews"]:
        for rec in review["recommendations"]:
            for evidence in rec["evidence"]:
                evidence.pop("added_at")
    return data


def test_the_asked_size(database: Database) -> None:
    _generate(database)
    with database.session() as session:
        found = counts(session)
        assert (found.reviews, found.recommendations) == (7, 250)
        assert tracker.count(session, TrackerFilter(), TODAY) == 250


def test_same_seed_same_data(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.store.database import open_database
    from db.store.location import resolve_location

    _generate(database, seed=3)
    with open_database(resolve_location(str(tmp_path / "same.sqlite3")), create=True) as same:
        _generate(same, seed=3)
        assert _export(same) == _export(database)
    with open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True) as other:
        _generate(other, seed=4)
        assert _export(other)["reviews"] != _export(database)["reviews"]


def test_generated_data_keeps_the_rules(database: Database) -> None:
    _generate(database)
    with database.session() as session:
        for rec in session.query(Recommendation):
            check_state(
                rec,
                status=rec.status,
                reason=rec.status_reason,
                assured_by=rec.assured_by,
                evidence_count=len(rec.evidence),
            )


def test_generated_data_is_fictional_and_searchable(database: Database) -> None:
    _generate(database)
    data = _export(database)
    assert all(o["name"].endswith("(fictional)") for o in data["organisations"])
    with database.session() as session:
        assert tracker.count(session, TrackerFilter(text="shortages"), TODAY) > 0
        first = tracker.page(session, TrackerFilter(), TODAY, limit=3)
        assert [r.number for r in first] == ["1", "2", "3"]


def test_generated_derived_columns_are_what_the_orm_would_write(database: Database) -> None:
    """generate writes rows in bulk, past the ORM listener that keeps search_text and
    source_key; each must still hold what the listener would have written."""
    _generate(database)
    with database.session() as session:
        recs = session.scalars(select(Recommendation)).all()
        assert len(recs) == 250
        for rec in recs:
            assert rec.search_text == search.search_text_for(rec)
            assert rec.source_key == search.source_key_for(rec)


@pytest.mark.parametrize(("reviews", "recs"), [(0, 5), (1, -1)])
def test_bad_sizes_are_refused(database: Database, reviews: int, recs: int) -> None:
    with pytest.raises(ValueError), database.transaction("gen") as session:
        generate(session, reviews=reviews, recommendations=recs, seed=1, today=TODAY)


DOUBLED_WORD = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)
# "a" before a vowel letter, "an" before a consonant letter: no word the generator uses
# breaks the rule by its sound ("a unit", "an hour"), so letters stand for sounds here.
WRONG_ARTICLE = re.compile(r"\b[Aa] [AEIOUaeiou]|\b[Aa]n [b-df-hj-np-tv-z]")


def _reads_as_english(sentences: str) -> bool:
    return (
        sentences[:1].isupper()
        and sentences.endswith(".")
        and not DOUBLED_WORD.search(sentences)
        and not WRONG_ARTICLE.search(sentences)
        and "  " not in sentences
        and " ." not in sentences
        and " ," not in sentences
    )


def test_generated_texts_read_as_english_and_vary(database: Database) -> None:
    """Similarity is tried on generated data, so it must read as published recommendations
    do: once the generator wrote "review a assessment of fathers" and "audit the the
    transition", from 600 possible sentences."""
    with database.transaction("gen") as session:
        generate(session, reviews=10, recommendations=1_000, seed=3, today=TODAY)
    with database.session() as session:
        texts = session.scalars(select(Recommendation.text)).all()
        written = [
            *texts,
            *session.scalars(select(Recommendation.actions)),
            *session.scalars(
                select(Recommendation.status_reason).where(Recommendation.status_reason != "")
            ),
            *session.scalars(select(ProgressUpdate.note)),
            *session.scalars(select(Review.summary)),
        ]
    assert [s for s in written if not _reads_as_english(s)] == []
    assert len(texts) == 1_000
    assert len(set(texts)) >= 900
    assert all(" should " in text for text in texts)  # addressed to someone, as published


@pytest.mark.parametrize(
    "sentence",
    [
        "The partnership should review a assessment of fathers.",
        "Lead officer to audit the the transition.",
        "Schools should agree an protocol.",
        "the police should review escalation.",
        "The police should review escalation",
    ],
)
def test_the_english_check_catches_the_old_faults(sentence: str) -> None:
    assert not _reads_as_english(sentence)
