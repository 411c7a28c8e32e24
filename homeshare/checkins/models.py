from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.behalf.models import GivenAs
from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class CheckInKind(str, enum.Enum):
    CONTACT = "contact"  # the first contact a few days after move-in
    CHECKIN = "checkin"
    REVIEW = "review"


class CheckIn(IdMixin, db.Model):
    """One check-in of a match, answered separately by each side.

    Scheduled check-ins carry the date the schedule planned (``planned_on``), so making
    the schedule again never duplicates one, even after a coordinator moved it
    (``due_on``); those a coordinator adds have none.
    """

    __tablename__ = "checkin"
    __table_args__ = (
        sa.UniqueConstraint("match_id", "kind", "planned_on"),
        sa.Index("ix_checkin_due_on", "due_on"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    kind: Mapped[CheckInKind] = mapped_column(string_enum(CheckInKind, "kind"), nullable=False)
    planned_on: Mapped[date | None] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    contact_kind: Mapped[str | None] = mapped_column(sa.String(10))
    contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_notes: Mapped[str | None] = mapped_column(sa.Text)
    contact_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))

    answers: Mapped[list[CheckInAnswer]] = relationship(lazy="raise", order_by="CheckInAnswer.side")


class CheckInAnswer(IdMixin, db.Model):
    """One side's answer to a check-in."""

    __tablename__ = "checkin_answer"
    __table_args__ = (sa.UniqueConstraint("checkin_id", "side"),
                      sa.Index("ix_checkin_answer_match_id_answered_at", "match_id", "answered_at"))

    checkin_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("checkin.id", ondelete="CASCADE"), nullable=False)
    # The check-in's match, written with the answer (a check-in never changes match): the
    # scheme's recent answers are found without a lookup of each answer's check-in.
    match_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), nullable=False)
    side: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    wellbeing: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    match_going: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    help_happening: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    wants_call: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    something_wrong: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    comments: Mapped[str | None] = mapped_column(sa.Text)
    # The sharer's answer to "Have you been asked to do anything outside the agreement?", and what.
    asked_outside_agreement: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    outside_agreement_what: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    # Whose hand the answer came by: the person's own, a coordinator's recording their view, or
    # their representative's (who and how: the answer's behalf records).
    given_as: Mapped[GivenAs] = mapped_column(string_enum(GivenAs, "given_as"), nullable=False,
                                              default=GivenAs.SELF)
