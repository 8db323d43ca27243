"""Similar earlier learning (issue 25): would static word vectors shipped in a registry
package find the labelled repeats that the lexical method misses? A measurement of a candidate
not adopted (docs/performance.md, "Similar earlier learning").

    pip install ".[vectors-experiment]"   # into a scratch environment, not the program's
    python benchmarks/similar_vectors.py [--items 100000]

The candidate is WordLlama's default model, the only sentence-embedding weights found inside
a package on the registry (``l2_supercat_256``: 32,000 token vectors of 256 numbers, 16 MB in
the wheel, averaged over a text's tokens). Its files are read straight from the installed
package with numpy, safetensors and tokenizers; ``WordLlama.load()`` is not called, because it
reaches for huggingface.co even when the files are in the package, and casereview opens no
connection.

The pairs are hidden among the generated items exactly as in ``benchmarks/similar.py`` and
asked for the same way. Reported: recall@5 and false matches@5 for the vectors alone among the
items and among the pairs' own texts only, and for the vectors' cosine added to the shipped
method's score with a few weights (the shipped method's 100 best and the vectors' 100 best
merged and ordered by the sum).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine
from similar import _reference, with_pairs
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.queries.similar import SimilarityIndex
from db.store.database import open_database
from db.store.location import resolve_location
from db.store.models import Recommendation, Review
from tests.helpers.similar_set import Pair, load_pairs

CANDIDATES = 100


def embedder() -> Callable[[list[str]], Any]:
    """The mean of a text's token vectors, of unit length, from the installed wheel's files."""
    import numpy as np
    import wordllama
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    package = Path(wordllama.__file__).parent
    table = next(iter(load_file(package / "weights" / "l2_supercat_256.safetensors").values()))
    table = table.astype(np.float32)
    tokenizer = Tokenizer.from_file(
        str(package / "tokenizers" / "l2_supercat_tokenizer_config.json")
    )

    def embed(texts: list[str]) -> Any:
        out = np.empty((len(texts), table.shape[1]), np.float32)
        for row, encoded in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
            vector = table[np.array(encoded.ids or [0])].mean(axis=0)
            out[row] = vector / np.linalg.norm(vector)
        return out

    return embed


def measure(
    pairs: list[Pair],
    ask: Callable[[str, str], list[str]],
) -> tuple[float, float]:
    """recall@5 of the repeats and false matches@5 of the false friends, for ``ask(text,
    own reference)`` giving the first five references."""
    found = [0, 0]
    false = [0, 0]
    for pair in pairs:
        for side, other, text in (("A", "B", pair.a.text), ("B", "A", pair.b.text)):
            hit = _reference(pair, other) in ask(text, _reference(pair, side))
            tally = found if pair.kind == "repeat" else false
            tally[0] += hit
            tally[1] += 1
    return found[0] / found[1], false[0] / false[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    pairs = load_pairs()
    embed = embedder()
    print(machine())
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        path = with_pairs(args.items, Path(folder), pairs)
        database = stack.enter_context(open_database(resolve_location(str(path))))
        session = stack.enter_context(database.session())
        report(pairs, embed, session)


def report(pairs: list[Pair], embed: Callable[[list[str]], Any], session: Session) -> None:
    """The table: the vectors alone, and mixed with casereview's score."""
    import numpy as np

    index = SimilarityIndex.build(session)
    rows = session.execute(
        select(Recommendation.id, Review.reference, Recommendation.text)
        .join(Review, Recommendation.review_id == Review.id)
        .where(Recommendation.text.is_not(None))
    ).all()
    ids = [item_id for item_id, _, _ in rows]
    row_of = {item_id: row for row, item_id in enumerate(ids)}
    source = [reference for _, reference, _ in rows]
    vectors = embed([text for _, _, text in rows])

    def by_vectors(among: Any, refs: list[str]) -> Callable[[str, str], list[str]]:
        def ask(text: str, own: str) -> list[str]:
            cosine = among @ embed([text])[0]
            order = np.argsort(-cosine)
            return [refs[row] for row in order[:6] if refs[row] != own][:5]

        return ask

    def combined(weight: float) -> Callable[[str, str], list[str]]:
        def ask(text: str, own: str) -> list[str]:
            cosine = vectors @ embed([text])[0]
            scores = {
                int(row): weight * float(cosine[row])
                for row in np.argpartition(-cosine, CANDIDATES)[:CANDIDATES]
            }
            for match in index.similar(session, text, exclude_source=own, limit=CANDIDATES):
                row = row_of[match.item_id]
                scores[row] = match.score + weight * float(cosine[row])
            best = sorted(scores, key=lambda row: -scores[row])
            return [source[row] for row in best if source[row] != own][:5]

        return ask

    own = [i for i, ref in enumerate(source) if ref.startswith("PAIR-")]
    print(f"\n{len(pairs)} labelled pairs among {len(ids):,} items\n")
    print("| method | recall@5 | false@5 |")
    print("|---|---:|---:|")
    for name, ask in (
        ("vectors alone, among every item", by_vectors(vectors, source)),
        ("vectors alone, among the pairs' texts only",
         by_vectors(vectors[own], [source[i] for i in own])),
    ):  # fmt: skip
        recall, false = measure(pairs, ask)
        print(f"| {name} | {recall:.2f} | {false:.2f} |")
    for weight in (0.0, 0.3, 0.6, 1.0, 2.0):
        recall, false = measure(pairs, combined(weight))
        print(f"| casereview's score + {weight} x cosine | {recall:.2f} | {false:.2f} |")


if __name__ == "__main__":
    main()
