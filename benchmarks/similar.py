"""Similar earlier learning (issue 25): quality and speed of db.queries.similar, method by
method, on the labelled pairs of tests/data/similar_learning.json hidden among generated items.

    python benchmarks/similar.py [--items 100000] [--queries 200]

Each pair's two texts become recommendations of two reviews of their own (published in their
years) added to a copy of the generated data set. For a **repeat**, each text is asked for in
turn, excluding its own review, and the pair is found when the other text is among the first
five (recall@5, both directions counted). For a **false friend** the same question is a
mistake when the other text comes back (the false match rate, among the first five). A
suggestion is only shown at or above a score threshold (``SHOWN``); both figures are given
without it and with it.

Methods, each its own index over the same items: plain words (the anchor, what the full-text
index already there matches on), stems, stems with pairs of neighbouring stems, and the whole
method (with the thesaurus). Beside them, SQLite's own FTS5 with BM25 (a query of the text's
words joined by OR) on the same texts, as the issue's anchor.

Speed: building each index at the data set's size, and the 50th and 95th percentile of a
query (``--queries`` texts of the data set asked for). Targets (issue 25): recall@5 at least
0.9 with a false match rate that can be defended; a query within 50 ms at the 95th percentile
at 100,000 items; the index built within 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dataset, machine, resident_mb
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core.vocabulary import ReviewKind
from db.exchange.document import Document, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.queries.similar import SHOWN, Method, SimilarityIndex
from db.store.database import open_database
from db.store.location import resolve_location
from db.store.models import Recommendation, Review
from tests.helpers.similar_set import Pair, load_pairs

METHODS = {
    "words (anchor)": Method(stems=False, pairs=False, concepts=False),
    "stems": Method(stems=True, pairs=False, concepts=False),
    "stems + pairs": Method(stems=True, pairs=True, concepts=False),
    "stems + pairs + thesaurus (casereview)": Method(),
}


def _reference(pair: Pair, side: str) -> str:
    return f"PAIR-{pair.id.upper()}-{side}"


def with_pairs(items: int, folder: Path, pairs: list[Pair]) -> Path:
    """The generated data set with each pair's texts as two reviews of one item each."""
    path = folder / "similar.sqlite3"
    shutil.copy(dataset(items), path)
    doc = Document()
    for pair in pairs:
        for side, text in (("A", pair.a), ("B", pair.b)):
            doc.reviews.append(
                ReviewDoc(
                    reference=_reference(pair, side),
                    kind=ReviewKind.LEARNING_REVIEW,
                    title=f"Labelled pair {pair.id}",
                    recommendations=[TrackedDoc(number="1", text=text.text)],
                )
            )
    with (
        open_database(resolve_location(str(path))) as database,
        database.transaction("benchmark") as session,
    ):
        apply_document(session, doc)
    return path


def _split(pair: Pair) -> str:
    """Even-numbered pairs are the development half, whose misses the thesaurus was widened
    from; odd-numbered ones were never looked at, so their recall is the honest figure."""
    return "dev" if int(pair.id.rsplit("-", 1)[1]) % 2 == 0 else "test"


def quality(
    session: Session, index: SimilarityIndex, pairs: list[Pair], ids: dict[str, int]
) -> dict[str, float]:
    found = {"all": [0, 0], "easy": [0, 0], "hard": [0, 0], "dev": [0, 0], "test": [0, 0]}
    shown = [0, 0]
    false = [0, 0]
    false_shown = 0
    scores: dict[str, list[float]] = {"repeat": [], "false_friend": []}
    for pair in pairs:
        for side, other in (("A", "B"), ("B", "A")):
            text = pair.a.text if side == "A" else pair.b.text
            matches = index.similar(session, text, exclude_source=_reference(pair, side), limit=5)
            target = ids[_reference(pair, other)]
            hit = next((m for m in matches if m.item_id == target), None)
            if hit is not None:
                scores[pair.kind].append(hit.score)
            if pair.kind == "repeat":
                for bucket in ("all", pair.difficulty, _split(pair)):
                    found[bucket][0] += hit is not None
                    found[bucket][1] += 1
                shown[0] += hit is not None and hit.score >= SHOWN
                shown[1] += 1
            else:
                false[0] += hit is not None
                false[1] += 1
                false_shown += hit is not None and hit.score >= SHOWN
    for kind, found_scores in scores.items():
        if len(found_scores) >= 4:
            quarters = statistics.quantiles(found_scores, n=4)
            print(f"    scores of {kind}s found: quartiles "
                  + ", ".join(f"{q:.2f}" for q in quarters))  # fmt: skip
    return {
        "recall@5": found["all"][0] / found["all"][1],
        "recall@5 easy": found["easy"][0] / max(found["easy"][1], 1),
        "recall@5 hard": found["hard"][0] / max(found["hard"][1], 1),
        "recall@5 dev": found["dev"][0] / max(found["dev"][1], 1),
        "recall@5 test": found["test"][0] / max(found["test"][1], 1),
        "recall@5 shown": shown[0] / shown[1],
        "false matches@5": false[0] / false[1],
        "false matches@5 shown": false_shown / false[1],
    }


def speed(session: Session, index: SimilarityIndex, texts: list[str]) -> tuple[float, float]:
    """Each question as the window asks it: the index, then the matches' texts read."""
    times = []
    for text in texts:
        start = time.perf_counter()
        index.similar(session, text, limit=5)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def fts5(path: Path, pairs: list[Pair], texts: list[str]) -> tuple[float, float, float]:
    """Plain FTS5 (BM25) on the same texts: recall@5 of the repeats, and query times."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE VIRTUAL TABLE plain USING fts5(reference, body)")
        conn.execute(
            "INSERT INTO plain SELECT COALESCE(r.reference, i.reference), c.text "
            "FROM recommendations c LEFT JOIN reviews r ON r.id = c.review_id "
            "LEFT JOIN inspections i ON i.id = c.inspection_id WHERE c.text IS NOT NULL"
        )

        def ask(text: str, exclude: str | None) -> list[str]:
            words = " OR ".join(f'"{w}"' for w in re.findall(r"[A-Za-z]{3,}", text))
            if not words:
                return []
            rows = conn.execute(
                "SELECT reference FROM plain WHERE plain MATCH ? AND reference IS NOT ? "
                "ORDER BY bm25(plain) LIMIT 5",
                (words, exclude),
            ).fetchall()
            return [r[0] for r in rows]

        hits = total = 0
        for pair in pairs:
            if pair.kind != "repeat":
                continue
            for side, other, text in (("A", "B", pair.a.text), ("B", "A", pair.b.text)):
                hits += _reference(pair, other) in ask(text, _reference(pair, side))
                total += 1
        times = []
        for text in texts:
            start = time.perf_counter()
            ask(text, None)
            times.append(time.perf_counter() - start)
    times.sort()
    return hits / total, statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    pairs = load_pairs()
    print(machine())
    repeats = sum(p.kind == "repeat" for p in pairs)
    print(
        f"{repeats} repeat pairs and {len(pairs) - repeats} false friends among "
        f"{args.items:,} generated items; {dt.date.today().isoformat()}."
    )
    with tempfile.TemporaryDirectory() as folder:
        path = with_pairs(args.items, Path(folder), pairs)
        with open_database(resolve_location(str(path))) as database:
            with database.session() as session:
                rows = session.execute(
                    select(Recommendation.id, Review.reference, Recommendation.text).join(
                        Review, Recommendation.review_id == Review.id
                    )
                ).all()
            ids = {reference: item_id for item_id, reference, _ in rows
                   if reference.startswith("PAIR-")}  # fmt: skip
            rng = random.Random(25)
            texts = rng.sample([text for _, _, text in rows if text], args.queries)
            del rows
            print("\n| method | build (s) | recall@5 | easy | hard | dev | test | shown | "
                  "false@5 | false shown | query p50 (ms) | p95 (ms) | index (MB) |")  # fmt: skip
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for name, method in METHODS.items():
                before = resident_mb()
                start = time.perf_counter()
                with database.session() as session:
                    index = SimilarityIndex.build(session, method)
                built = time.perf_counter() - start
                gc.collect()
                held = resident_mb() - before
                with database.session() as session:
                    q = quality(session, index, pairs, ids)
                    p50, p95 = speed(session, index, texts)
                print(
                    f"| {name} | {built:.1f} | {q['recall@5']:.2f} | {q['recall@5 easy']:.2f} "
                    f"| {q['recall@5 hard']:.2f} | {q['recall@5 dev']:.2f} "
                    f"| {q['recall@5 test']:.2f} | {q['recall@5 shown']:.2f} "
                    f"| {q['false matches@5']:.2f} | {q['false matches@5 shown']:.2f} "
                    f"| {p50 * 1000:.1f} | {p95 * 1000:.1f} | {held:.0f} |"
                )
                del index
                gc.collect()
        recall, p50, p95 = fts5(path, pairs, texts)
        print(f"| plain FTS5, BM25 | - | {recall:.2f} | | | | | | | | {p50 * 1000:.1f} "
              f"| {p95 * 1000:.1f} | |")  # fmt: skip


if __name__ == "__main__":
    main()
