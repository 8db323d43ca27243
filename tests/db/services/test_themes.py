"""The managed list of learning themes (db.services.themes, issue 25) on SQLite and
PostgreSQL: counts, a rename, a rename onto a held theme (a merge), a merge, each audited;
refusals in one sentence, changing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.core.errors import CaseReviewError
from db.core.vocabulary import ReviewKind
from db.exchange.document import Document, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.services import themes
from db.store.database import Database
from db.store.models import AuditEntry


def _load(database: Database) -> None:
    doc = Document(
        reviews=[
            ReviewDoc("SCR-1", ReviewKind.SCR, "One (fictional)", themes=["Neglect"],
                      recommendations=[TrackedDoc("1", "A.", themes=["Neglect", "Supervision"]),
                                       TrackedDoc("2", "B.", themes=["Reflective supervision"])]),
        ]
    )  # fmt: skip
    with database.transaction("t") as session:
        apply_document(session, doc)


def _counts(database: Database) -> list[tuple[str, int, int]]:
    with database.session() as session:
        return [(t.name, t.items, t.reviews) for t in themes.theme_counts(session)]


def test_themes_are_counted_renamed_and_merged(database: Database) -> None:
    _load(database)
    assert _counts(database) == [
        ("Neglect", 1, 1),
        ("Reflective supervision", 1, 0),
        ("Supervision", 1, 0),
    ]
    with database.transaction("Chair") as session:
        said = themes.rename_theme(session, "neglect", "Chronic neglect")
    assert said == "Renamed the theme Neglect to Chronic neglect."
    with database.transaction("Chair") as session, pytest.raises(CaseReviewError) as caught:
        themes.rename_theme(session, "Supervision", "reflective supervision")
    assert caught.value.message == (  # a merge is asked for as one (found by a new user)
        "A theme called Reflective supervision is held already: merge Supervision into it "
        "instead if they are the same learning; nothing was changed."
    )
    with database.transaction("Chair") as session:
        said = themes.merge_themes(session, "Supervision", "reflective supervision")
    assert said == "Merged the theme Supervision into Reflective supervision (1 record changed)."
    assert _counts(database) == [("Chronic neglect", 1, 1), ("Reflective supervision", 2, 0)]
    with database.session() as session:
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.field).where(
                AuditEntry.actor == "Chair"
            )
        ).all()
    assert ("update", "themes", "name") in audited
    assert ("update", "recommendations", "themes") in audited
    assert ("delete", "themes", None) in audited


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("Nope", "X", "There is no learning theme called Nope."),
        ("Neglect", "", "The new name is empty; nothing was changed."),
        ("Neglect", "a;b", "The new name "),
        ("Neglect", " Padded ", "The new name "),
        ("Neglect", "Neglect", "The theme is called Neglect already"),
    ],
)
def test_bad_renames_are_one_sentence_and_change_nothing(
    database: Database, old: str, new: str, said: str
) -> None:
    _load(database)
    before = _counts(database)
    with database.transaction("t") as session, pytest.raises(CaseReviewError) as caught:
        themes.rename_theme(session, old, new)
    assert caught.value.message.startswith(said)
    assert _counts(database) == before


def test_a_theme_is_not_merged_into_itself(database: Database) -> None:
    _load(database)
    with database.transaction("t") as session, pytest.raises(CaseReviewError) as caught:
        themes.merge_themes(session, "Neglect", "neglect")
    assert caught.value.message == "Neglect cannot be merged into itself; nothing was changed."


def test_a_merge_is_undone_to_what_each_record_carried(database: Database) -> None:
    """Undoing a merge puts the theme back on what carried it, and takes the one it went into
    off what did not carry it before; with the name held again, refused, nothing changed."""
    _load(database)
    before = _counts(database)
    with database.transaction("Chair") as session:
        merged = themes.merge_themes_undoably(session, "Neglect", "Supervision")
    assert merged.said == "Merged the theme Neglect into Supervision (2 records changed)."
    assert _counts(database) == [("Reflective supervision", 1, 0), ("Supervision", 1, 1)]
    with database.transaction("Chair") as session:
        themes.unmerge_themes(session, merged)
    assert _counts(database) == before  # item 1 carried both: it keeps Supervision
    with database.transaction("Chair") as session:
        merged = themes.merge_themes_undoably(session, "Neglect", "Supervision")
    with database.transaction("Chair") as session:
        themes.rename_theme(session, "Reflective supervision", "NEGLECT")
    after = _counts(database)
    with database.transaction("Chair") as session, pytest.raises(CaseReviewError) as caught:
        themes.unmerge_themes(session, merged)
    assert caught.value.message == (
        "A theme called Neglect is held again, so the merge into Supervision was not undone."
    )
    assert _counts(database) == after


def test_an_empty_theme_name_is_refused_as_such(database: Database) -> None:
    """``themes --rename "" X`` said "There is no learning theme called ." (a trial's)."""
    _load(database)
    with database.transaction("Chair") as session, pytest.raises(CaseReviewError) as caught:
        themes.rename_theme(session, " ", "X")
    assert caught.value.message == "Give the name of a learning theme; the one given is empty."
