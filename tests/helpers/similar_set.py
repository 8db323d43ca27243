"""The labelled set for "similar earlier learning" (issue 25): pairs of recommendation texts
that say the same thing in other words, and pairs that share words but not their learning.

The shape test and the quality benchmark both read the set through this loader, so that a
change to the file's format is made in one place and a malformed entry fails loudly here
rather than as a wrong recall figure later."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.helpers import ROOT

SET_FILE = ROOT / "tests" / "data" / "similar_learning.json"

Kind = Literal["repeat", "false_friend"]
Difficulty = Literal["easy", "hard"]
KINDS: tuple[Kind, ...] = ("repeat", "false_friend")
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "hard")


@dataclass(frozen=True)
class Text:
    """One recommendation as an agency wrote it in a given year."""

    text: str
    agency: str
    year: int


@dataclass(frozen=True)
class Pair:
    """Two texts and whether they carry the same learning (a repeat) or only look alike."""

    id: str
    kind: Kind
    a: Text
    b: Text
    theme: str
    difficulty: Difficulty
    note: str


def _string(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string in {entry.get('id', 'an entry')}")
    return value


def _text(entry: dict[str, Any], key: str) -> Text:
    side = entry.get(key)
    if not isinstance(side, dict):
        raise ValueError(f"{key} must be an object in {entry.get('id', 'an entry')}")
    year = side.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError(f"{key}.year must be a whole number in {entry.get('id', 'an entry')}")
    return Text(text=_string(side, "text"), agency=_string(side, "agency"), year=year)


def _pair(entry: dict[str, Any]) -> Pair:
    kind = _string(entry, "kind")
    difficulty = _string(entry, "difficulty")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} in {entry.get('id')}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r} in {entry.get('id')}")
    return Pair(
        id=_string(entry, "id"),
        kind=kind,  # narrowed to Kind by the check above
        a=_text(entry, "a"),
        b=_text(entry, "b"),
        theme=_string(entry, "theme"),
        difficulty=difficulty,  # narrowed by the check above
        note=_string(entry, "note"),
    )


def load_document(path: Path = SET_FILE) -> dict[str, Any]:
    """The file as stored: its header object and its list of pairs."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError("the labelled set must be a JSON object")
    return document


def load_pairs(path: Path = SET_FILE) -> list[Pair]:
    """Every labelled pair, in file order, each entry checked for its fields and their types."""
    entries = load_document(path).get("pairs")
    if not isinstance(entries, list):
        raise ValueError("the labelled set has no list of pairs")
    return [_pair(entry) for entry in entries]


def words(text: str) -> set[str]:
    """The distinct words of a text, lower-cased; "A&E" gives "a" and "e"."""
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def overlap(first: str, second: str) -> float:
    """Jaccard overlap of two texts' words: what a bag-of-words method sees of their likeness."""
    a, b = words(first), words(second)
    return len(a & b) / len(a | b) if a | b else 0.0
