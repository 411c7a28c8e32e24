from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.behalf.models import GivenAs
from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db
from homeshare.matching.models import Match


class MeetingKind(str, enum.Enum):
    INTRODUCTION = "introduction"
    VISIT = "visit"
    SHARED_MEAL = "shared-meal"
    OVERNIGHT_STAY = "overnight-stay"
    FINAL_MEETING = "final-meeting"
    OTHER = "other"


class MeetingStatus(str, enum.Enum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"
    MOVED = "moved"  # planned again at another time; the start before the last move is kept


UPCOMING_STATUSES = (MeetingStatus.PLANNED, MeetingStatus.MOVED)
"""Still to happen: it may be moved, cancelled, or marked held once its start has passed."""


class CarryOn(str, enum.Enum):
    """Whether a person would like to carry on towards sharing, after a meeting."""

    YES = "yes"
    NOT_SURE = "not-sure"
    NO = "no"


class Meeting(IdMixin, db.Model):
    """One meeting of a match on its way to a trial. ``sequence`` counts the changes people are
    told about (a move, a cancellation): calendars show the newest, and each tells once."""

    __tablename__ = "meeting"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    kind: Mapped[MeetingKind] = mapped_column(string_enum(MeetingKind, "kind"), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    previous_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(sa.String(200))  # null once erased
    coordinator_attends: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    status: Mapped[MeetingStatus] = mapped_column(string_enum(MeetingStatus, "status"), nullable=False)
    sequence: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    coordinator_notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    feedback: Mapped[list[MeetingFeedback]] = relationship(lazy="raise", order_by="MeetingFeedback.side")
    # Read with the meeting where its match decides who reaches it (``meetings.access``).
    match: Mapped[Match] = relationship(lazy="raise")

    zone = None  # the scheme's time zone (a ZoneInfo), set by the service for responses

    def _local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self.zone) if moment is not None and self.zone is not None else moment

    @property
    def local_starts_at(self) -> datetime:
        return self._local(self.starts_at)

    @property
    def local_ends_at(self) -> datetime:
        return self._local(self.ends_at)

    @property
    def local_previous_starts_at(self) -> datetime | None:
        return self._local(self.previous_starts_at)

    @property
    def timezone(self) -> str | None:
        return self.zone.key if self.zone is not None else None


class MeetingFeedback(IdMixin, db.Model):
    """One side's view of a meeting that was held."""

    __tablename__ = "meeting_feedback"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "side"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    side: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    how_it_went: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    carry_on: Mapped[CarryOn] = mapped_column(string_enum(CarryOn, "carry_on"), nullable=False)
    comments: Mapped[str | None] = mapped_column(sa.Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Whose hand it came by, as check-in answers say (who and how: its behalf records).
    given_as: Mapped[GivenAs] = mapped_column(string_enum(GivenAs, "given_as"), nullable=False, default=GivenAs.SELF)
