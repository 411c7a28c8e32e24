from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class CheckKind(str, enum.Enum):
    IDENTITY = "identity"
    BACKGROUND = "background"
    REFERENCE_1 = "reference_1"
    REFERENCE_2 = "reference_2"
    RIGHT_TO_RENT = "right_to_rent"
    INTERVIEW = "interview"
    HOME_VISIT = "home_visit"


class CheckStatus(str, enum.Enum):
    NOT_STARTED = "not_started"
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    WAIVED = "waived"


class VettingStatus(str, enum.Enum):
    """A person's overall standing, always derived from their checks (``vetting.rules``)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    CLEARED = "cleared"
    REJECTED = "rejected"
    EXPIRED = "expired"


class VettingCheck(IdMixin, db.Model):
    """The latest record of one check of one person. Its history is in the audit trail."""

    __tablename__ = "vetting_check"
    __table_args__ = (sa.UniqueConstraint("account_id", "kind"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[CheckKind] = mapped_column(string_enum(CheckKind, "check_kind"), nullable=False)
    status: Mapped[CheckStatus] = mapped_column(string_enum(CheckStatus, "check_status"), nullable=False)
    waived_reason: Mapped[str | None] = mapped_column(sa.String(500))
    expires_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    certificate_number: Mapped[str | None] = mapped_column(sa.String(40))
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    referee_name: Mapped[str | None] = mapped_column(sa.String(200))
    referee_relationship: Mapped[str | None] = mapped_column(sa.String(100))
    referee_contact: Mapped[str | None] = mapped_column(sa.String(200))
    reference_received: Mapped[bool | None] = mapped_column(sa.Boolean)
    reference_satisfactory: Mapped[bool | None] = mapped_column(sa.Boolean)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class VettingStanding(db.Model):
    """A person's overall status as their checks and the scheme's checklist gave it, stored
    so that lists, the dashboard and matching read it instead of working it out over every
    check. ``vetting.service`` writes it in the same transaction as every change that moves it
    (a check recorded or deleted, the scheme's checklist or time zone changed).

    Time alone moves it in one way only: a valid required check reaching its expiry date
    makes the person ``expired``. ``lapses_on`` holds the first such date (none when the status
    is ``rejected`` or ``expired``, which time does not change), so readers that take the
    status as ``expired`` from that day (``vetting.rules.stored_status``) are never behind, and
    the daily job rewrites only the people whose date has come. A person with no row has
    recorded no check: ``not_started``.
    """

    __tablename__ = "vetting_standing"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[VettingStatus] = mapped_column(string_enum(VettingStatus, "vetting_status"), nullable=False)
    lapses_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
