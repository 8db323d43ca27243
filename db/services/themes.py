"""The managed list of learning themes (issue 25): each theme with how many items and reviews
carry it; a theme renamed, or merged into another (its items and reviews take the other, and it
goes). Written through the ORM, so the audit trail records each change to an item's or a
review's themes and the theme's own rename or deletion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.core import fields
from db.core.errors import NotFoundError, RuleError
from db.store.models import Recommendation, Review, Theme, recommendation_themes, review_themes


@dataclass(frozen=True)
class ThemeCount:
    name: str
    items: int
    reviews: int


def theme_counts(session: Session) -> list[ThemeCount]:
    """Every theme, alphabetically, with the number of items and of reviews that carry it."""
    items: dict[int, int] = {
        int(theme_id): int(n)
        for theme_id, n in session.execute(
            select(recommendation_themes.c.theme_id, func.count()).group_by(
                recommendation_themes.c.theme_id
            )
        )
    }
    reviews: dict[int, int] = {
        int(theme_id): int(n)
        for theme_id, n in session.execute(
            select(review_themes.c.theme_id, func.count()).group_by(review_themes.c.theme_id)
        )
    }
    themes = session.scalars(select(Theme))
    counted = [ThemeCount(t.name, items.get(t.id, 0), reviews.get(t.id, 0)) for t in themes]
    return sorted(counted, key=lambda t: t.name.casefold())


def _theme(session: Session, name: str) -> Theme:
    if not name.strip():  # (a trial's --rename "" X said "There is no learning theme called .")
        raise RuleError("Give the name of a learning theme; the one given is empty.")
    found = next(
        (t for t in session.scalars(select(Theme)) if t.name.casefold() == name.casefold()),
        None,
    )  # compared in Python: SQLite's lower() knows only ASCII
    if found is None:
        raise NotFoundError(f"There is no learning theme called {name}.")
    return found


def rename_theme(session: Session, old: str, new: str) -> str:
    """Rename ``old`` to ``new``. A name held already by another theme (in any case) is
    refused, naming the merge that would join them: a merge cannot be undone by a rename,
    so it is asked for as one (a new user merged two themes by renaming one)."""
    theme = _theme(session, old)
    reason = fields.problem(new, fields.THEME, name=True) if new.strip() else "is empty"
    if reason is not None:
        raise RuleError(f"The new name {reason}; nothing was changed.")
    if new == theme.name:
        raise RuleError(f"The theme is called {new} already; nothing was changed.")
    held = next(
        (
            t
            for t in session.scalars(select(Theme))
            if t.name.casefold() == new.casefold() and t.id != theme.id
        ),
        None,
    )
    if held is not None:
        raise RuleError(
            f"A theme called {held.name} is held already: merge {theme.name} into it instead "
            "if they are the same learning; nothing was changed."
        )
    was = theme.name
    theme.name = new
    session.flush()
    return f"Renamed the theme {was} to {new}."


@dataclass(frozen=True)
class MergedTheme:
    """What a merge of themes changed, for undoing it: the theme merged away (by its name as
    spelt) and the one kept, the items and reviews that carried the first, and of those the
    ones that carried the second already (which keep it when the merge is undone)."""

    name: str
    into: str
    items: tuple[int, ...]
    reviews: tuple[int, ...]
    items_with_into: frozenset[int]
    reviews_with_into: frozenset[int]
    said: str


def merge_themes(session: Session, old: str, into: str) -> str:
    """Give every item and review that carries ``old`` the theme ``into`` instead, then take
    ``old`` off the list. Returns what was done, in a sentence."""
    return merge_themes_undoably(session, old, into).said


def merge_themes_undoably(session: Session, old: str, into: str) -> MergedTheme:
    """``merge_themes``, returning what ``unmerge_themes`` needs to undo it."""
    theme, target = _theme(session, old), _theme(session, into)
    if theme.id == target.id:
        raise RuleError(f"{theme.name} cannot be merged into itself; nothing was changed.")
    items: list[Recommendation] = list(
        session.scalars(
            select(Recommendation).where(Recommendation.themes.any(Theme.id == theme.id))
        )
    )
    reviews: list[Review] = list(
        session.scalars(select(Review).where(Review.themes.any(Theme.id == theme.id)))
    )
    holders: list[Recommendation | Review] = [*items, *reviews]
    had = {
        (type(holder), holder.id)
        for holder in holders
        if any(t.id == target.id for t in holder.themes)
    }
    for holder in holders:
        kept = [t for t in holder.themes if t.id != theme.id]
        if all(t.id != target.id for t in kept):
            kept.append(target)
        holder.themes = kept
    moved = len(items) + len(reviews)
    session.flush()
    name = theme.name
    session.delete(theme)
    session.flush()
    changed = f"{moved:,} record{'s' if moved != 1 else ''} changed"
    return MergedTheme(
        name,
        target.name,
        tuple(i.id for i in items),
        tuple(r.id for r in reviews),
        frozenset(i.id for i in items if (Recommendation, i.id) in had),
        frozenset(r.id for r in reviews if (Review, r.id) in had),
        f"Merged the theme {name} into {target.name} ({changed}).",
    )


def unmerge_themes(session: Session, merged: MergedTheme) -> None:
    """Undo ``merged``: the theme merged away is on the list again, carried by the items and
    reviews that carried it (those since deleted apart), and the theme it went into is taken
    off those that did not carry it before. Refused, changing nothing, when a theme of its name
    is held again, or the one it went into is no longer held (renamed or merged since)."""
    target = _theme(session, merged.into)
    if any(t.name.casefold() == merged.name.casefold() for t in session.scalars(select(Theme))):
        raise RuleError(
            f"A theme called {merged.name} is held again, so the merge into {merged.into} "
            "was not undone."
        )
    theme = Theme(name=merged.name)
    session.add(theme)

    def put_back(holders: Iterable[Recommendation | Review], had: frozenset[int]) -> None:
        for holder in holders:
            themes = list(holder.themes)
            if holder.id not in had:
                themes = [t for t in themes if t.id != target.id]
            holder.themes = [*themes, theme]

    for start in range(0, len(merged.items), 500):
        ids = merged.items[start : start + 500]
        found = session.scalars(select(Recommendation).where(Recommendation.id.in_(ids)))
        put_back(found, merged.items_with_into)
    for start in range(0, len(merged.reviews), 500):
        ids = merged.reviews[start : start + 500]
        put_back(
            session.scalars(select(Review).where(Review.id.in_(ids))), merged.reviews_with_into
        )
    session.flush()


__all__ = [
    "MergedTheme",
    "ThemeCount",
    "merge_themes",
    "merge_themes_undoably",
    "rename_theme",
    "theme_counts",
    "unmerge_themes",
]
