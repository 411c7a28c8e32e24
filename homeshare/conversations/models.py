from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, UTCDateTime, string_enum
from homeshare.extensions import db


class NamedCoordinator(db.Model):
    """The coordinator of the scheme a householder or sharer turns to first, named by a
    coordinator of the scheme. New conversations of the person are assigned to them."""

    __tablename__ = "named_coordinator"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    coordinator_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"),
                                                      nullable=False, index=True)
    named_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class WrittenAs(str, enum.Enum):
    """Whose hand a message came by."""

    SELF = "self"  # the person, in the app
    REPRESENTATIVE = "representative"  # their representative, for them
    COORDINATOR = "coordinator"  # a coordinator of the scheme


class Conversation(IdMixin, db.Model):
    """A thread between one householder or sharer (or their representative, for them) and their
    scheme's coordinators.

    Messages are numbered in the thread (``last_seq`` is the newest); each side keeps the number
    of the last message it has read, so what a side has not read is ``last_seq`` less its marker.
    """

    __tablename__ = "conversation"
    __table_args__ = (
        sa.Index("ix_conversation_scheme_id_last_message_at", "scheme_id", "last_message_at"),
        sa.Index("ix_conversation_person_id", "person_id"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scheme.id", ondelete="RESTRICT"), nullable=False)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False)
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    started_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    assigned_coordinator_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seq: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    person_read_seq: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    coordinators_read_seq: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    person_erased: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class ConversationMessage(IdMixin, db.Model):
    """One message of a conversation: text only. Its id may be chosen by the client, so that
    sending it again makes no second message."""

    __tablename__ = "conversation_message"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "seq"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"),
                                                       nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    written_as: Mapped[WrittenAs] = mapped_column(string_enum(WrittenAs, "written_as"), nullable=False)
    body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
