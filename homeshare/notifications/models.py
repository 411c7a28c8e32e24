from __future__ import annotations

import enum
import uuid
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db
from homeshare.notifications import kinds

# Kinds a phone shows at once, waking it if need be (a push's high priority); the rest may wait
# for the phone's next wake.
URGENT_KINDS = frozenset({"urgent_concern", "checkin_alert"})


class Notification(IdMixin, db.Model):
    """A message to one person: their inbox entry, created at most once per ``dedupe_key``."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_account_id_created_at", "account_id", "created_at"),)

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    # Where an email goes when not to the account's own address: an invitation to someone who
    # has no login, and so no address of their own yet. None: the account's email.
    to_address: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def target(self) -> dict[str, str] | None:
        """The screen the app opens, from the kind's declaration and the ids in ``data``."""
        return kinds.target_of(self.kind, self.data)


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


_UNSETTLED_SQL = "status IN ('pending', 'sending')"


class Delivery(IdMixin, db.Model):
    """One notification on one channel: the outbox row a scheduler claims, sends and settles.

    A claim sets ``status`` to ``sending`` with a lease (``claimed_until``); a process that
    dies mid-batch leaves leases that expire, and the work is claimed again.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel"),
        # Only the deliveries still to settle, in the order they are claimed: a claim reads the
        # first few of them, however many were sent before.
        sa.Index("ix_delivery_unsettled", "next_attempt_at", "status",
                 sqlite_where=sa.text(_UNSETTLED_SQL), postgresql_where=sa.text(_UNSETTLED_SQL)),
    )

    notification_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="CASCADE"), nullable=False)
    channel: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(string_enum(DeliveryStatus, "status"), nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Platform(str, enum.Enum):
    IOS = "ios"
    ANDROID = "android"


class Device(IdMixin, db.Model):
    """A phone that receives push notifications for an account."""

    __tablename__ = "device"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                                  nullable=False, index=True)
    platform: Mapped[Platform] = mapped_column(string_enum(Platform, "platform"), nullable=False)
    token: Mapped[str] = mapped_column(sa.String(400), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class NotificationPreference(db.Model):
    """A person's choice for one kind on one channel (``push``, ``email`` or ``sms``), where
    they made one: the kind's declared default otherwise."""

    __tablename__ = "notification_preference"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)


class QuietHours(db.Model):
    """A person's quiet hours, local times in their scheme's time zone (``ends_at`` before
    ``starts_at``: across midnight). Non-urgent pushes and texts wait for their end."""

    __tablename__ = "quiet_hours"
    __table_args__ = (sa.CheckConstraint("starts_at <> ends_at", name="not_empty"),)

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[time] = mapped_column(sa.Time, nullable=False)
    ends_at: Mapped[time] = mapped_column(sa.Time, nullable=False)
