"""The domain's fixed vocabularies: kinds of review, organisation and finding; statuses.

Each value is stored and exported as its slug; ``label`` is what a reader sees.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())


class ReviewKind(_Labelled):
    SCR = "scr"
    CSPR_LOCAL = "cspr_local"
    CSPR_NATIONAL = "cspr_national"
    RAPID_REVIEW = "rapid_review"
    SAR = "sar"
    DHR = "dhr"
    LEARNING_REVIEW = "learning_review"


class OrganisationKind(_Labelled):
    POLICE_FORCE = "police_force"
    LOCAL_AUTHORITY = "local_authority"
    HEALTH_BODY = "health_body"
    EDUCATION = "education"
    PROBATION = "probation"
    PARTNERSHIP = "partnership"
    INSPECTORATE = "inspectorate"
    OTHER = "other"


class Status(_Labelled):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"
    SUPERSEDED = "superseded"
    NOT_ACCEPTED = "not_accepted"

    @property
    def is_open(self) -> bool:
        """Still needs work or assurance: not started, in progress or implemented."""
        return self in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.IMPLEMENTED)


class Rating(_Labelled):
    """BRAG: blue closed, green on track, amber at risk, red overdue. Always derived."""

    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class TrackedKind(_Labelled):
    """Items that follow the recommendation lifecycle."""

    RECOMMENDATION = "recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"

    def numbered(self, number: str) -> str:
        """``number`` as tables and minutes print it: "2" for a recommendation, "AFI 2" for
        an area for improvement (an inspection may hold a recommendation and an area for
        improvement of the same number)."""
        return number if self is TrackedKind.RECOMMENDATION else f"AFI {number}"


class FindingKind(_Labelled):
    """Inspection findings that are noted but not tracked."""

    CAUSE_OF_CONCERN = "cause_of_concern"
    PROMISING_PRACTICE = "promising_practice"


class AgencyRole(_Labelled):
    LEAD = "lead"
    JOINT = "joint"


class DecisionKind(_Labelled):
    """What a panel meeting decided about an item (db.services.meetings.decide)."""

    SIGNED_OFF = "signed-off"
    EXTENDED = "extended"
    EVIDENCE_REQUESTED = "evidence-requested"
    ESCALATED = "escalated"
    NOTED = "noted"

    @property
    def for_whole_source(self) -> bool:
        """Whether a meeting may make this decision about a whole review or inspection: a
        sign-off and an extension are about one item's status and target, so not."""
        return self not in (DecisionKind.SIGNED_OFF, DecisionKind.EXTENDED)


_LABELS: dict[StrEnum, str] = {
    ReviewKind.SCR: "Serious case review",
    ReviewKind.CSPR_LOCAL: "Child safeguarding practice review (local)",
    ReviewKind.CSPR_NATIONAL: "Child safeguarding practice review (national)",
    ReviewKind.RAPID_REVIEW: "Rapid review",
    ReviewKind.SAR: "Safeguarding adults review",
    ReviewKind.DHR: "Domestic homicide review",
    ReviewKind.LEARNING_REVIEW: "Learning review",
    OrganisationKind.PARTNERSHIP: "Partnership or board",
    FindingKind.PROMISING_PRACTICE: "Innovative or promising practice",
    DecisionKind.SIGNED_OFF: "Signed off",
    DecisionKind.EXTENDED: "Target extended",
    DecisionKind.EVIDENCE_REQUESTED: "Evidence requested",
    DecisionKind.ESCALATED: "Escalated",
    DecisionKind.NOTED: "Noted",
}

REVIEW_KIND_ABBREVIATIONS: dict[ReviewKind, str] = {
    ReviewKind.SCR: "SCR",
    ReviewKind.CSPR_LOCAL: "CSPR",
    ReviewKind.CSPR_NATIONAL: "CSPR (national)",
    ReviewKind.RAPID_REVIEW: "Rapid review",
    ReviewKind.SAR: "SAR",
    ReviewKind.DHR: "DHR",
    ReviewKind.LEARNING_REVIEW: "Learning review",
}
