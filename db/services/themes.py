"""The managed list of learning themes (issue 25): each theme with how many items and reviews
carry it; a theme renamed, or merged into another (its items and reviews take the other, and it
goes). Written through the ORM, so the audit trail records each change to an item's or a
review's themes and the theme's own rename or deletion."""

from __future__ import annotations

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


def merge_themes(session: Session, old: str, into: str) -> str:
    """Give every item and review that carries ``old`` the theme ``into`` instead, then take
    ``old`` off the list. Returns what was done, in a sentence."""
    theme, target = _theme(session, old), _theme(session, into)
    if theme.id == target.id:
        raise RuleError(f"{theme.name} cannot be merged into itself; nothing was changed.")
    holders: list[Recommendation | Review] = [
        *session.scalars(
            select(Recommendation).where(Recommendation.themes.any(Theme.id == theme.id))
        ),
        *session.scalars(select(Review).where(Review.themes.any(Theme.id == theme.id))),
    ]
    for holder in holders:
        kept = [t for t in holder.themes if t.id != theme.id]
        if all(t.id != target.id for t in kept):
            kept.append(target)
        holder.themes = kept
    moved = len(holders)
    session.flush()
    name = theme.name
    session.delete(theme)
    session.flush()
    changed = f"{moved:,} record{'s' if moved != 1 else ''} changed"
    return f"Merged the theme {name} into {target.name} ({changed})."


__all__ = ["ThemeCount", "merge_themes", "rename_theme", "theme_counts"]
