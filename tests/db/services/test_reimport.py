"""Issue 26: importing a file again when nothing in it has changed writes nothing at all (no
audit entries, no copy kept before it, the database file's bytes as they were), and a file
that changes one field writes that field alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from db.services import transfer
from db.store.database import Database
from db.store.models import AuditEntry, Recommendation
from db.store.paths import backups_folder
from tests.helpers import TODAY


def _file(database: Database, folder: Path, fmt: str) -> Path:
    """The whole database exported as a ``fmt`` file, and the export recorded in the audit
    trail, as ``casereview export`` does both."""
    path = folder / f"plan.{fmt}"
    transfer.export_file(database, path, fmt=fmt, today=TODAY, actor="Tester")
    return path


def _import(database: Database, path: Path) -> str:
    source = transfer.read_source(path, one_sheet=False)
    return transfer.apply_import(database, source, actor="Tester", today=TODAY).describe()


def _trail(database: Database) -> list[tuple[str, str, str | None]]:
    with database.session() as session:
        return [
            (e.action, e.entity, e.field)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def _bytes(database: Database) -> str:
    """The SQLite file's SHA-256, with its write-ahead log's: a commit that wrote anything
    lands in the log first, and in the file once the log is checkpointed."""
    path = database.location.path
    if path is None:
        return ""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        digest.update(part.read_bytes() if part.exists() else b"")
    return digest.hexdigest()


def _copies(database: Database) -> list[Path]:
    """The copies kept before imports (none for a server, which keeps its own backups)."""
    path = database.location.path
    return [] if path is None else sorted(backups_folder(path).glob("*.before-import.*"))


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_importing_a_file_the_database_already_holds_writes_nothing(
    sample_database: Database, tmp_path: Path, fmt: str
) -> None:
    """Exported, then imported twice: neither import writes anything, or keeps a copy of the
    database first (there is nothing a copy could give back)."""
    path = _file(sample_database, tmp_path, fmt)
    trail, file_bytes = _trail(sample_database), _bytes(sample_database)
    for _ in range(2):
        assert _import(sample_database, path) == "added nothing; updated nothing"
        assert _trail(sample_database) == trail
        assert _bytes(sample_database) == file_bytes
        assert _copies(sample_database) == []


def test_an_import_that_changes_something_still_keeps_a_copy_first(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _file(sample_database, tmp_path, "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["reviews"][0]["recommendations"][0]["owner"] = "Someone Else"
    path.write_text(json.dumps(data), encoding="utf-8")
    _import(sample_database, path)
    assert len(_copies(sample_database)) == (sample_database.location.path is not None)


def test_a_file_changing_one_field_writes_that_field_alone(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _file(sample_database, tmp_path, "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    review = data["reviews"][0]
    item = review["recommendations"][1]
    item["owner"] = "Someone Else"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = len(_trail(sample_database))
    assert _import(sample_database, path) == "added nothing; updated 1 recommendation"
    assert _trail(sample_database)[before:] == [("update", "recommendations", "owner")]
    with sample_database.session() as session:
        owners = session.scalars(
            select(Recommendation.owner).where(Recommendation.number == item["number"])
        )
        assert "Someone Else" in set(owners)


def test_a_file_adding_to_an_items_log_writes_that_entry_alone(
    sample_database: Database, tmp_path: Path
) -> None:
    """An item whose log differs goes the whole way through the importer, which adds only
    the entry it lacks (and moves the item's version)."""
    path = _file(sample_database, tmp_path, "json")
    data = json.loads(path.read_text(encoding="utf-8"))
    item = data["reviews"][0]["recommendations"][0]
    item.setdefault("updates", []).append(
        {"date": TODAY.isoformat(), "author": "Tester", "note": "Reported to the panel."}
    )
    path.write_text(json.dumps(data), encoding="utf-8")
    before = len(_trail(sample_database))
    assert _import(sample_database, path) == "added nothing; updated 1 recommendation"
    assert _trail(sample_database)[before:] == [("create", "progress_updates", None)]


def test_a_file_of_more_reviews_than_are_held_at_once_changes_only_what_it_changes(
    database: Database, tmp_path: Path
) -> None:
    """A document's reviews are merged ``REVIEWS_HELD_AT_ONCE`` at a time (what is held of
    the whole database was read at once, beside the document): a change in a later group is
    written, the rest of every group is left alone."""
    from db.exchange.records import REVIEWS_HELD_AT_ONCE
    from db.services.generate import generate

    reviews = REVIEWS_HELD_AT_ONCE * 2 + 3
    with database.transaction("setup") as session:
        generate(session, reviews=reviews, recommendations=reviews * 2, seed=7, today=TODAY)
    path = _file(database, tmp_path, "json")
    trail = _trail(database)
    assert _import(database, path) == "added nothing; updated nothing"
    assert _trail(database) == trail
    data = json.loads(path.read_text(encoding="utf-8"))
    late = data["reviews"][-2]["recommendations"][0]  # in the third group
    late["owner"] = "Someone Else"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _import(database, path) == "added nothing; updated 1 recommendation"
    assert _trail(database)[len(trail) :] == [("update", "recommendations", "owner")]


def test_a_file_read_lets_each_reviews_json_go_once_read(tmp_path: Path) -> None:
    """``read_document_file`` parses with ``release``: each review's decoded JSON is let go
    as its dataclass is made (the two together were most of a re-import's peak memory); a
    caller that keeps its data has it untouched."""
    from db.exchange.json_format import parse_document

    data = {
        "format": "casereview/1",
        "reviews": [{"reference": f"R-{n}", "kind": "scr", "title": "Fictional"} for n in range(3)],
    }
    kept = parse_document(json.loads(json.dumps(data)))
    assert [r.reference for r in kept.reviews] == ["R-0", "R-1", "R-2"]
    given = json.loads(json.dumps(data))
    released = parse_document(given, release=True)
    assert released == kept
    assert given["reviews"] == [None, None, None]
    untouched = json.loads(json.dumps(data))
    parse_document(untouched)
    assert untouched == data
