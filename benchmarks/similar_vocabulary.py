"""The similarity index's memory as its vocabulary grows (issue 26, goal 7): the generated
items' texts draw on a small vocabulary (about 4,000 terms at 100,000 items), real trackers'
on a far larger one. Each word of the generated data set's texts is replaced, with the
probability given, by one of 50,000 made-up words drawn as natural language draws them
(Zipf's law), and the index is built over the texts directly (no database): its terms,
postings, entries, postings held by one item, and the memory it holds once built and at its
peak (tracemalloc).

    python benchmarks/similar_vocabulary.py SHARE [DATABASE]

DATABASE defaults to benchmarks/.data/generated-100000.sqlite3 (made by run_all or
``casereview generate``).
"""

from __future__ import annotations

import gc
import random
import sqlite3
import sys
import tracemalloc
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.queries.similar import SimilarityIndex, terms  # noqa: E402


def word(rank: int) -> str:
    """A made-up word for a rank: letters only, so the stemmer leaves it a word."""
    made = ""
    rank += 1000
    while rank:
        made += "bcdfghjklmnprstvz"[rank % 17] + "aeiou"[rank // 17 % 5]
        rank //= 85
    return made + "ment"


def main() -> None:
    share = float(sys.argv[1])
    source = (
        sys.argv[2]
        if len(sys.argv) > 2
        else str(ROOT / "benchmarks/.data/generated-100000.sqlite3")
    )
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as con:
        texts = [t for (t,) in con.execute("select text from recommendations order by id") if t]
    chance = random.Random(7)
    ranks = list(range(50_000))
    weights = [1 / (r + 1) ** 1.07 for r in ranks]

    def changed(text: str) -> str:
        return " ".join(
            word(chance.choices(ranks, weights)[0]) if chance.random() < share else w
            for w in text.split()
        )

    texts = [changed(t) for t in texts]
    gc.collect()
    tracemalloc.start()
    index = SimilarityIndex()
    for n, text in enumerate(texts):
        index._add(n + 1, f"SRC{n // 200}", None, terms(text))
    index._post_all()
    index._first_pending = len(index._item)  # as update() lets the items' terms go
    index._start, index._count, index._packed = array("I"), array("I"), array("I")
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    posted = [t for t in range(len(index._found_in)) if index._is_posted(t)]
    begins = index._begins
    single = sum(1 for t in posted if begins[t + 1] - begins[t] == 1)
    print(
        f"| {share:.0%} | {len(texts):,} | {len(index._found_in):,} | {len(posted):,} | "
        f"{len(index._lows):,} | {single:,} | {held / 1e6:.1f} | {peak / 1e6:.1f} |"
    )


if __name__ == "__main__":
    main()
