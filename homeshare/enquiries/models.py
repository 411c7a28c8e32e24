from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, TimestampMixin, string_enum
from homeshare.extensions import db


class Seeking(str, enum.Enum):
    """The role the person the enquiry is about would take."""

    HOUSEHOLDER = "householder"
    SHARER = "sharer"


class Source(str, enum.Enum):
    SELF = "self"
    FAMILY_OR_FRIEND = "family-or-friend"
    SOCIAL_WORKER = "social-worker"
    GP_OR_HEALTH = "gp-or-health"
    COUNCIL = "council"
    CHARITY = "charity"
    WEBSITE = "website"
    OTHER = "other"


class Stage(str, enum.Enum):
    ENQUIRY = "enquiry"
    APPLICATION = "application"
    ASSESSMENT = "assessment"
    APPROVED = "approved"
    CLOSED = "closed"


class ClosedReason(str, enum.Enum):
    NOT_ELIGIBLE = "not-eligible"
    CHOSE_OTHER_SUPPORT = "chose-other-support"
    NO_REPLY = "no-reply"
    MOVED_AWAY = "moved-away"
    DIED = "died"
    OTHER = "other"


# The stages an enquiry moves through, in order; any open one may be closed instead.
FORWARD = (Stage.ENQUIRY, Stage.APPLICATION, Stage.ASSESSMENT, Stage.APPROVED)
OPEN_STAGES = (Stage.ENQUIRY, Stage.APPLICATION, Stage.ASSESSMENT)
# The column holding the day each stage was reached.
STAGE_DATES = {Stage.ENQUIRY: "enquiry_on", Stage.APPLICATION: "application_on", Stage.ASSESSMENT: "assessment_on",
               Stage.APPROVED: "approved_on", Stage.CLOSED: "closed_on"}
REPEAT_MINUTES = 10


def allowed_next(stage: Stage) -> list[Stage]:
    """The stages an enquiry in ``stage`` may move to: any later one, or closed, while it is open."""
    if stage not in OPEN_STAGES:
        return []
    return [*FORWARD[FORWARD.index(stage) + 1:], Stage.CLOSED]
  # a coordinator's identical enquiry within this is a retry


class Enquiry(IdMixin, TimestampMixin, db.Model):
    """Someone asking about a scheme, for themselves or for someone else, and how far it went.

    ``name``, ``contact``, ``contact_name`` and ``notes`` are personal: they are emptied when the
    person the enquiry became is erased (``homeshare.privacy``)."""

    __tablename__ = "enquiry"
    __table_args__ = (
        sa.Index("ix_enquiry_scheme_id_stage", "scheme_id", "stage"),
        sa.UniqueConstraint("scheme_id", "repeat_key", name="uq_enquiry_scheme_id_repeat_key"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    contact: Mapped[str | None] = mapped_column(sa.String(200))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    seeking: Mapped[Seeking] = mapped_column(string_enum(Seeking, "seeking"), nullable=False)
    source: Mapped[Source] = mapped_column(string_enum(Source, "source"), nullable=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, "stage"), nullable=False)
    closed_reason: Mapped[ClosedReason | None] = mapped_column(string_enum(ClosedReason, "closed_reason"))
    enquiry_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    application_on: Mapped[date | None] = mapped_column(sa.Date)
    assessment_on: Mapped[date | None] = mapped_column(sa.Date)
    approved_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    person_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    # A keyed hash of a website enquiry's contact, name and day: the same form sent again that
    # day is one enquiry (unique per scheme, so even two sent at once make one).
    repeat_key: Mapped[str | None] = mapped_column(sa.String(64))
    person_erased: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    @property
    def latest_on(self) -> date:
        """The day of the stage it is in."""
        return getattr(self, STAGE_DATES[self.stage])
