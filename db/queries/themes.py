"""Learning themes over time (issue 25): how many tracked items each theme has, by the year
their review or inspection was published, so that a panel sees which learning keeps coming
back. Read by the Overview's "Themes by year" tab and the pack's section of that name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.store.models import Inspection, Recommendation, Review, Theme, recommendation_themes


@dataclass(frozen=True)
class ThemeYears:
    """Counts of items by theme and year of publication: ``years`` in order, and for each
    theme (most items first) its count in each of them; ``undated`` items have a source not
    yet published."""

    years: list[int]
    rows: list[tuple[str, dict[int, int], int]]  # theme, count by year, undated

    @property
    def is_empty(self) -> bool:
        return not self.rows


def themes_by_year(session: Session, *, sources: set[str] | None = None) -> ThemeYears:
    """Every theme's items by year (only those of ``sources`` when given), in two grouped
    queries (reviews' items, inspections' items), whatever the number of items."""
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    undated: dict[str, int] = defaultdict(int)
    for source, published in ((Review, Review.published), (Inspection, Inspection.published_on)):
        link = Recommendation.review_id if source is Review else Recommendation.inspection_id
        query = (
            select(Theme.name, published, func.count(Recommendation.id))
            .join(recommendation_themes, recommendation_themes.c.theme_id == Theme.id)
            .join(Recommendation, Recommendation.id == recommendation_themes.c.recommendation_id)
            .join(source, link == source.id)
            .group_by(Theme.name, published)
        )
        if sources is not None:
            query = query.where(source.reference.in_(sources))
        for name, day, n in session.execute(query):
            year = getattr(day, "year", None)
            if year is None:
                undated[str(name)] += int(n)
            else:
                counts[str(name)][int(year)] += int(n)
    names = set(counts) | set(undated)
    rows = [(name, dict(counts.get(name, {})), undated.get(name, 0)) for name in names]
    rows.sort(key=lambda r: (-(sum(r[1].values()) + r[2]), r[0].casefold()))
    years = sorted({year for _, by_year, _ in rows for year in by_year})
    return ThemeYears(years, rows)


def themes_of_items(session: Session, ids: list[int]) -> list[str]:
    """The learning themes of these items, the most shared first: what a new item like them
    is offered when it has none."""
    if not ids:
        return []
    counted = session.execute(
        select(Theme.name, func.count())
        .join(recommendation_themes, recommendation_themes.c.theme_id == Theme.id)
        .where(recommendation_themes.c.recommendation_id.in_(ids))
        .group_by(Theme.name)
    ).all()
    return [str(name) for name, _ in sorted(counted, key=lambda c: (-c[1], str(c[0]).casefold()))]


__all__ = ["ThemeYears", "themes_by_year", "themes_of_items"]
