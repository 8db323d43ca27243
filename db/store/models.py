"""The case-review schema: one DeclarativeBase, typed mappings, a naming convention.

Alembic migrations in ``db/store/migrations`` create these tables; tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.core import fields
from db.core.dates import PartialDate, utc_now
from db.core.vocabulary import (
    AgencyRole,
    DecisionKind,
    FindingKind,
    OrganisationKind,
    ReviewKind,
    Status,
    TrackedKind,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always handed back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class PartialDateType(TypeDecorator[PartialDate]):
    """A ``PartialDate`` stored as its ISO text ("2010", "2010-03", "2010-03-25"), which sorts."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: PartialDate | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> PartialDate | None:
        return None if value is None else PartialDate.parse(value)


def _enum(kind: type[Any], name: str) -> Enum:
    """A slug column with a CHECK constraint, portable across SQLite and PostgreSQL."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
        PartialDate: PartialDateType(),
        str: String(255),
    }


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now, onupdate=utc_now)


review_themes = Table(
    "review_themes",
    Base.metadata,
    Column("review_id", ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)

recommendation_themes = Table(
    "recommendation_themes",
    Base.metadata,
    Column(
        "recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organisation(Timestamped, Base):
    """An agency or body; may be part of another (a department of a police force)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(fields.NAME), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")

    # post_update: the parent is set by an UPDATE of its own, so one flush may turn a pair
    # round (B under A as A is taken from under B), which is otherwise a cycle to SQLAlchemy.
    parent: Mapped[Organisation | None] = relationship(
        remote_side=[id], back_populates="parts", post_update=True
    )
    parts: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.name"
    )


class Theme(Base):
    """A learning theme ("information sharing"), shared by reviews and recommendations."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(fields.THEME), unique=True)


class Review(Timestamped, Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Raised by one on every update (SQLAlchemy's version counter); see db.services.editing.
    version: Mapped[int] = mapped_column(server_default="1")
    reference: Mapped[str] = mapped_column(String(fields.REFERENCE), unique=True)
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind, "kind"))
    title: Mapped[str] = mapped_column(String(fields.TITLE))
    subject: Mapped[str] = mapped_column(String(fields.NAME), default="")
    commissioned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    incident_on: Mapped[dt.date | None]
    notified_on: Mapped[dt.date | None]
    commissioned_on: Mapped[dt.date | None]
    published: Mapped[PartialDate | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    # For redacted briefing packs: the label that stands for the child ("Child A") and the
    # names of the child and family members it replaces, one per line.
    anonymised_label: Mapped[str] = mapped_column(
        String(fields.LABEL), default="", server_default=""
    )
    names_to_redact: Mapped[str] = mapped_column(Text, default="", server_default="")

    commissioned_by: Mapped[Organisation | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=review_themes, order_by=Theme.name)
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="review",
        cascade="all, delete-orphan",
        order_by="Recommendation.position",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class GradingScheme(Base):
    """A programme's ordered grades, as data: schemes differ by inspection programme."""

    __tablename__ = "grading_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(fields.THEME), unique=True)

    grades: Mapped[list[Grade]] = relationship(
        back_populates="scheme",
        cascade="all, delete-orphan",
        order_by="Grade.position",
    )


class Grade(Base):
    """One grade of a scheme; position 1 is the best."""

    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("scheme_id", "position"),
        UniqueConstraint("scheme_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("grading_schemes.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(fields.THEME))

    scheme: Mapped[GradingScheme] = relationship(back_populates="grades")


class Inspection(Timestamped, Base):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(fields.REFERENCE), unique=True)
    inspectorate_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    programme: Mapped[str] = mapped_column(String(fields.NAME))
    title: Mapped[str] = mapped_column(String(fields.TITLE))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    fieldwork_start: Mapped[dt.date | None]
    fieldwork_end: Mapped[dt.date | None]
    published_on: Mapped[dt.date | None]
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("grading_schemes.id", ondelete="RESTRICT"), index=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")

    inspectorate: Mapped[Organisation] = relationship(foreign_keys=[inspectorate_id])
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    scheme: Mapped[GradingScheme] = relationship()
    areas: Mapped[list[GradedArea]] = relationship(
        back_populates="inspection",
        cascade="all, delete-orphan",
        order_by="GradedArea.position",
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="inspection",
        cascade="all, delete-orphan",
        order_by="Finding.position",
    )
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="inspection",
        cascade="all, delete-orphan",
        order_by="Recommendation.position",
    )


class GradedArea(Base):
    __tablename__ = "graded_areas"
    __table_args__ = (UniqueConstraint("inspection_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(fields.AREA))
    grade_id: Mapped[int | None] = mapped_column(
        ForeignKey("grades.id", ondelete="RESTRICT"), index=True
    )
    narrative: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[Inspection] = relationship(back_populates="areas")
    grade: Mapped[Grade | None] = relationship()


class Finding(Base):
    """A finding that is noted, not tracked: a cause of concern or promising practice.

    Recommendations and areas for improvement are tracked, so they live in
    ``recommendations`` with ``inspection_id`` set.
    """

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("inspection_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    kind: Mapped[FindingKind] = mapped_column(_enum(FindingKind, "kind"))
    number: Mapped[str] = mapped_column(String(fields.NUMBER))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("graded_areas.id", ondelete="SET NULL"), index=True
    )

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    area: Mapped[GradedArea | None] = relationship()


class Recommendation(Timestamped, Base):
    """A tracked item: a review's recommendation, or an inspection's recommendation or area
    for improvement. All share the lifecycle in ``db.store.lifecycle``."""

    __tablename__ = "recommendations"
    __table_args__ = (
        CheckConstraint(
            "(review_id IS NULL) <> (inspection_id IS NULL)", name="belongs_to_one_source"
        ),
        UniqueConstraint("review_id", "number"),
        UniqueConstraint("inspection_id", "kind", "number"),
        Index("ix_recommendations_source_key_position", "source_key", "position"),
        # Covers the Reviews tab's counts of open and overdue items per review.
        Index("ix_recommendations_review_rollup", "review_id", "status", "target_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Raised by one on every update (SQLAlchemy's version counter); see db.services.editing.
    version: Mapped[int] = mapped_column(server_default="1")
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[TrackedKind] = mapped_column(
        _enum(TrackedKind, "kind"), default=TrackedKind.RECOMMENDATION
    )
    number: Mapped[str] = mapped_column(String(fields.NUMBER))
    position: Mapped[int]
    # None means the text has not been entered yet (the count is known, the words are not).
    text: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(fields.NAME), default="")
    target_date: Mapped[dt.date | None] = mapped_column(index=True)
    status: Mapped[Status] = mapped_column(
        _enum(Status, "status"), default=Status.NOT_STARTED, index=True
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("graded_areas.id", ondelete="SET NULL"), index=True
    )
    concern_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="SET NULL"), index=True
    )
    assured_by: Mapped[str | None] = mapped_column(String(fields.NAME))
    assured_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    # Number, text, actions, owner and every update's note, kept by db.store.search for full-text
    # search (SQLite FTS5 table recommendation_fts; a GIN index on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Reviews before inspections, each by reference ("0 SCR-1", "1 HMICFRS-2"): with
    # ``position`` it gives the tracker's default order straight from an index. Kept by
    # db.store.search.
    source_key: Mapped[str] = mapped_column(String(80), default="", server_default="")

    review: Mapped[Review | None] = relationship(back_populates="recommendations")
    inspection: Mapped[Inspection | None] = relationship(back_populates="recommendations")
    area: Mapped[GradedArea | None] = relationship()
    concern: Mapped[Finding | None] = relationship()
    agencies: Mapped[list[RecommendationAgency]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="RecommendationAgency.position",
    )
    themes: Mapped[list[Theme]] = relationship(secondary=recommendation_themes, order_by=Theme.name)
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="(ProgressUpdate.on, ProgressUpdate.id)",
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="(Evidence.added_at, Evidence.id)",
    )

    def agency_names(self, role: AgencyRole) -> tuple[str, ...]:
        """The names of the item's agencies in ``role``, in their order: what every read model
        of an item (db.queries.details, db.queries.briefing_content, db.exchange.records,
        db.services.editing) shows of its agencies."""
        return tuple(link.organisation.name for link in self.agencies if link.role is role)

    @property
    def source_reference(self) -> str:
        source = self.review or self.inspection
        return source.reference if source is not None else ""

    # A person's verdicts on suggested repeats of earlier learning (RepeatLink, issue 25).
    verdicts: Mapped[list[RepeatLink]] = relationship(
        foreign_keys="RepeatLink.item_id",
        back_populates="item",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class RecommendationAgency(Base):
    """An agency a recommendation is addressed to, as lead or jointly with the lead."""

    __tablename__ = "recommendation_agencies"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    role: Mapped[AgencyRole] = mapped_column(_enum(AgencyRole, "role"))
    position: Mapped[int]

    recommendation: Mapped[Recommendation] = relationship(back_populates="agencies")
    organisation: Mapped[Organisation] = relationship()


class ProgressUpdate(Base):
    """One dated entry in a recommendation's progress log. Entries are appended, never edited
    and never erased: one entered in error is withdrawn, and stays in the log marked with who
    withdrew it, when and why (three columns, all set or all empty)."""

    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    on: Mapped[dt.date] = mapped_column("dated")
    author: Mapped[str] = mapped_column(String(fields.NAME))
    # The status the item moved to with this update, or None for a note alone.
    status: Mapped[Status | None] = mapped_column(_enum(Status, "status"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(fields.NAME))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    recommendation: Mapped[Recommendation] = relationship(back_populates="updates")

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Evidence(Base):
    """Evidence of completion: a stored file, a reference to one elsewhere, or both."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint("reference IS NOT NULL OR content IS NOT NULL", name="has_substance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(fields.FILE_NAME))
    media_type: Mapped[str | None] = mapped_column(String(fields.MEDIA_TYPE))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    added_by: Mapped[str] = mapped_column(String(fields.NAME))
    added_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    recommendation: Mapped[Recommendation] = relationship(back_populates="evidence")


class Initiative(Timestamped, Base):
    """Work an agency does that inspectors noted or that answers a recommendation."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(fields.NAME), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    started: Mapped[PartialDate | None]
    description: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation | None] = relationship()
    links: Mapped[list[InitiativeLink]] = relationship(
        back_populates="initiative",
        cascade="all, delete-orphan",
        order_by="InitiativeLink.id",
    )


class InitiativeLink(Base):
    """What an initiative answers: exactly one finding, graded area or recommendation."""

    __tablename__ = "initiative_links"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN finding_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN area_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="links_one_thing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("graded_areas.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )

    initiative: Mapped[Initiative] = relationship(back_populates="links")
    finding: Mapped[Finding | None] = relationship()
    area: Mapped[GradedArea | None] = relationship()
    recommendation: Mapped[Recommendation | None] = relationship()


class Meeting(Timestamped, Base):
    """A panel meeting (a case review subgroup): who came, its agenda and its decisions.

    Named by its date and title, which are unique together; db.services.meetings keeps it."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("held_on", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Raised by one on every update (SQLAlchemy's version counter), as a review's is.
    version: Mapped[int] = mapped_column(server_default="1")
    held_on: Mapped[dt.date] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(fields.NAME))
    # Empty until the chair is known; a sign-off at the meeting needs it.
    chair: Mapped[str] = mapped_column(String(fields.NAME), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    people: Mapped[list[MeetingPerson]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingPerson.position",
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position",
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="(Decision.recorded_at, Decision.id)",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class MeetingPerson(Base):
    """Someone at a meeting (``present``) or who sent apologies (not ``present``)."""

    __tablename__ = "meeting_people"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(fields.NAME))
    agency: Mapped[str] = mapped_column(String(fields.NAME), default="")
    present: Mapped[bool]

    meeting: Mapped[Meeting] = relationship(back_populates="people")


def _one_subject() -> CheckConstraint:
    """Exactly one of a tracked item, a review and an inspection: what an agenda entry, and
    a decision, is about."""
    return CheckConstraint(
        "(CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN review_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN inspection_id IS NULL THEN 0 ELSE 1 END) = 1",
        name="one_subject",
    )


class AgendaItem(Base):
    """One entry of a meeting's agenda: exactly one tracked item, review or inspection (an
    inspection's recommendation or area for improvement is a ``Recommendation`` row), with
    why it is there."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        _one_subject(),
        UniqueConstraint("meeting_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int]
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    recommendation: Mapped[Recommendation | None] = relationship()
    review: Mapped[Review | None] = relationship()
    inspection: Mapped[Inspection | None] = relationship()


class Decision(Base):
    """What a meeting decided about one item, or about a whole review or inspection on its
    agenda (exactly one of the three, as an agenda entry), as recorded in the meeting. An
    item's log holds a dated entry naming the meeting for each decision about it
    (db.services.meetings.decide); a whole review or inspection has no log."""

    __tablename__ = "decisions"
    __table_args__ = (_one_subject(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "kind"))
    note: Mapped[str] = mapped_column(Text, default="")
    # The new target date (extended), or when the evidence is due (evidence requested).
    until: Mapped[dt.date | None]
    # Evidence from whom, or escalated to whom.
    whom: Mapped[str] = mapped_column(String(fields.NAME), default="")
    decided_on: Mapped[dt.date]
    decided_by: Mapped[str] = mapped_column(String(fields.NAME))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    recommendation: Mapped[Recommendation | None] = relationship()
    review: Mapped[Review | None] = relationship()
    inspection: Mapped[Inspection | None] = relationship()


class AuditEntry(Base):
    """One change to one field, written in the same transaction as the change itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(60))
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    # The hash chain (db.store.audit_chain): the entry before's hash, and this entry's over that and
    # the fields above. Set on every entry written since revision 0004, and on those before it.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'delete')", name="action"),
        # An item's history, who last changed a record, who deleted it (revision 0012).
        Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
    )


class DatabaseIdentity(Base):
    """The database's own random id, made once by migration 0009 (one row): a copy taken to a
    meeting is a new database with its own, and names its origin's (``CheckoutOrigin``)."""

    __tablename__ = "database_identity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime]


class CheckoutOrigin(Base):
    """In a copy checked out of another database (one row): where it came from, when and by
    whom, the origin's schema and audit head, the scope, and the base, the scope's JSON
    document as checked out, which a merge compares both sides against
    (db.services.checkout; docs/architecture.md, "The meeting laptop")."""

    __tablename__ = "checkout_origin"

    copy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    origin_id: Mapped[str] = mapped_column(String(36))
    origin_location: Mapped[str] = mapped_column(Text)
    taken_at: Mapped[dt.datetime]
    taken_by: Mapped[str] = mapped_column(String(fields.NAME))
    origin_schema: Mapped[str] = mapped_column(String(32))
    origin_audit_id: Mapped[int | None]
    origin_audit_hash: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text)  # JSON: what was asked for and what it took
    base: Mapped[str] = mapped_column(Text)
    # Set when the copy was merged back (revision 0010): a merged copy is not merged again.
    merged_at: Mapped[dt.datetime | None]
    merged_by: Mapped[str | None] = mapped_column(String(fields.NAME))


class RepeatLink(Base):
    """A person's verdict on a suggested repeat (issue 25, revision 0011): ``item`` repeats the
    learning of the ``earlier`` item ("repeats"), or the suggestion was wrong ("dismissed",
    so it is not made again)."""

    __tablename__ = "repeat_links"
    __table_args__ = (
        CheckConstraint("verdict IN ('repeats', 'dismissed')", name="verdict"),
        CheckConstraint("item_id <> earlier_id", name="not_itself"),
        UniqueConstraint("item_id", "earlier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"))
    earlier_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(fields.NAME))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    item: Mapped[Recommendation] = relationship(foreign_keys=[item_id], back_populates="verdicts")
    earlier: Mapped[Recommendation] = relationship(foreign_keys=[earlier_id])


class Checkout(Base):
    """In a shared database: a copy checked out of it, by whom and since when. A notice, not
    a lock."""

    __tablename__ = "checkouts"

    copy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    taken_at: Mapped[dt.datetime]
    taken_by: Mapped[str] = mapped_column(String(fields.NAME))
    target: Mapped[str] = mapped_column(Text)  # where the copy was written, as given
    scope: Mapped[str] = mapped_column(Text)  # in words
    merged_at: Mapped[dt.datetime | None]  # when it was merged back (revision 0010), by whom
    merged_by: Mapped[str | None] = mapped_column(String(fields.NAME))
    # JSON: {"whole": bool, "reviews": [...], "inspections": [...]}, the references the copy
    # holds (revision 0010; None for a check-out noted before it)
    holds: Mapped[str | None] = mapped_column(Text)


# What describes the database rather than holding its data: erasing the data keeps these.
ABOUT_THE_DATABASE = frozenset(
    {DatabaseIdentity.__tablename__, CheckoutOrigin.__tablename__, Checkout.__tablename__}
)


__all__ = [
    "ABOUT_THE_DATABASE",
    "AgendaItem",
    "AuditEntry",
    "Base",
    "Checkout",
    "CheckoutOrigin",
    "DatabaseIdentity",
    "Decision",
    "Evidence",
    "Finding",
    "Grade",
    "GradedArea",
    "GradingScheme",
    "Initiative",
    "InitiativeLink",
    "Meeting",
    "MeetingPerson",
    "Organisation",
    "ProgressUpdate",
    "Recommendation",
    "RecommendationAgency",
    "RepeatLink",
    "Review",
    "Theme",
]
