from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.common.languages import ENGLISH
from homeshare.common.roles import Role
from homeshare.common.db import IdMixin, TimestampMixin, UTCDateTime, string_enum
from homeshare.extensions import db
from homeshare.schemes.models import Scheme


class Origin(str, enum.Enum):
    """How an account came to be."""

    SELF_REGISTERED = "self-registered"  # a householder or sharer who registered in the app
    COORDINATOR = "coordinator"  # a person or representative a coordinator added, without a login at first
    STAFF = "staff"  # a coordinator or admin made by an admin or the command line


class LeaveReason(str, enum.Enum):
    """Why a householder or sharer left the scheme, as schemes count it (docs/api-guide.md,
    "Quality measures": those who left for the first two never count as dropping out)."""

    FAILED_VETTING = "failed-vetting"  # a required check was not passed
    INELIGIBLE = "ineligible"  # outside the scheme's criteria (age, area, needs it cannot meet)
    FOUND_OTHER_HOUSING = "found-other-housing"
    CHANGED_MIND = "changed-mind"
    HEALTH = "health"  # their health, or a move into care
    MOVED_AWAY = "moved-away"
    DIED = "died"
    NO_SUITABLE_MATCH = "no-suitable-match"  # tired of waiting, or nobody suitable nearby
    OTHER = "other"


NOT_DROPPING_OUT = (LeaveReason.FAILED_VETTING, LeaveReason.INELIGIBLE)
"""Leaving for these is the scheme's decision, not dropping out."""
LEAVE_REASON_LENGTH = 30


class Account(IdMixin, TimestampMixin, db.Model):
    """Someone the service knows: a householder, a sharer, a representative or staff.

    Admins belong to no scheme; everyone else to exactly one. A login is an email and a
    password: a person a coordinator added has neither until they claim an invitation, and
    their record stays the same when they do.
    """

    __tablename__ = "account"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'admin' AND scheme_id IS NULL) OR (role <> 'admin' AND scheme_id IS NOT NULL)",
            name="scheme_unless_admin",
        ),
    )

    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        string_enum(Role, "role"), nullable=False,
    )
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("scheme.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_reason: Mapped[str | None] = mapped_column(sa.String(200))  # the coordinator's note
    # Why they left, from the closed vocabulary; none for those who left before it existed
    # (counted as "other").
    left_reason_code: Mapped[LeaveReason | None] = mapped_column(
        string_enum(LeaveReason, "left_reason_code", length=LEAVE_REASON_LENGTH))
    # When the owner proved the email is theirs (a code sent to it); set at creation for
    # accounts made by staff or the CLI. Unverified people are never matched.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    origin: Mapped[Origin] = mapped_column(string_enum(Origin, "origin"), nullable=False,
                                           default=Origin.SELF_REGISTERED)
    # The day a person who has the app agreed that their coordinator may answer for them (on
    # the phone, in person, on paper). A person without a login needs no such agreement.
    behalf_agreed_on: Mapped[date | None] = mapped_column(sa.Date)
    # Notifications by text message too: said yes by the person, or for a person without a
    # login by their coordinator; no until then.
    sms_opt_in: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    # The language the person is written to in (homeshare.common.languages): notifications,
    # emails, texts and the printed agreement. New accounts take their scheme's default_language.
    language: Mapped[str] = mapped_column(sa.String(2), nullable=False, default=ENGLISH, server_default=ENGLISH)
    # Coordinators only: the name and work phone (E.164) their people see (GET /me/coordinator).
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    work_phone: Mapped[str | None] = mapped_column(sa.String(20))

    scheme: Mapped[Scheme | None] = relationship(lazy="joined", innerjoin=False)

    @property
    def has_login(self) -> bool:
        return self.password_hash is not None

    @property
    def email_settled(self) -> bool:
        """Matched only once their email is proven theirs; a person without a login has none to prove."""
        return self.email_verified_at is not None or self.email is None

    @classmethod
    def email_settled_expression(cls) -> sa.ColumnElement[bool]:
        return sa.or_(cls.email_verified_at.is_not(None), cls.email.is_(None))

    @property
    def may_be_acted_for(self) -> bool:
        """A coordinator may record this person's answers: they have no login, or agreed to it."""
        return not self.has_login or self.behalf_agreed_on is not None

    def __repr__(self) -> str:
        return f"<Account {self.role.value} {self.id}>"


@dataclass(frozen=True, slots=True)
class SignedInAccount:
    """The signed-in account as a request that changes nothing reads it (GET and HEAD): a plain
    row of its columns, but the password hash (``has_login`` says whether there is one), without
    the ORM's bookkeeping (about 0.35 ms a request); and its scheme (the ``Scheme``, read in the
    same statement). Requests that may change data get the ``Account`` itself. Read in
    ``homeshare.accounts.tokens``."""

    id: uuid.UUID
    email: str | None
    role: Role
    scheme_id: uuid.UUID | None
    is_active: bool
    password_changed_at: datetime | None
    last_login_at: datetime | None
    erased_at: datetime | None
    left_at: datetime | None
    left_reason: str | None
    left_reason_code: LeaveReason | None
    email_verified_at: datetime | None
    origin: Origin
    behalf_agreed_on: date | None
    sms_opt_in: bool
    language: str
    display_name: str | None
    work_phone: str | None
    created_at: datetime
    updated_at: datetime
    has_login: bool
    scheme: Scheme | None

    email_settled = Account.email_settled
    may_be_acted_for = Account.may_be_acted_for


# The columns of the account a SignedInAccount holds, in its order (the rest follow them).
SIGNED_IN_COLUMNS = tuple(field.name for field in fields(SignedInAccount)[:-2])


class AuthSession(IdMixin, db.Model):
    """One signed-in device: a family of refresh tokens, of which only the newest is valid.

    Every access and refresh token carries its session id. Logging out, changing the
    password or deactivating the account revokes sessions, which ends every token of
    theirs at once, in every process. Presenting a refresh token other than the
    session's newest (a stolen or replayed one) revokes the whole session.
    """

    __tablename__ = "auth_session"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    refresh_jti: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))

    account: Mapped[Account] = relationship(lazy="raise")


class CodePurpose(str, enum.Enum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"


class AccountCode(IdMixin, db.Model):
    """The one live code an account has for a purpose, sent to its email.

    Only a keyed hash of the code is stored. A new code replaces the old one (and its
    count of tries); a code is good once, until ``expires_at``, for a few tries.
    """

    __tablename__ = "account_code"
    __table_args__ = (sa.UniqueConstraint("account_id", "purpose"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False
    )
    purpose: Mapped[CodePurpose] = mapped_column(string_enum(CodePurpose, "purpose"), nullable=False)
    code_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    tries: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InvitationChannel(str, enum.Enum):
    """How the coordinator hands the code over."""

    EMAIL = "email"  # emailed to ``sent_to`` (and shown to the coordinator)
    PHONE = "phone"  # read out on the phone
    LETTER = "letter"  # printed in a letter


class Invitation(IdMixin, db.Model):
    """A code a coordinator gives a person (or representative) who has no login, to make one:
    claiming it sets the account's email and password, and the record stays the same.

    Only a keyed hash of the code is stored, unique, so that a claim finds its invitation from
    the code alone. An account has at most one live invitation: a new one voids the others.
    """

    __tablename__ = "invitation"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True, index=True)
    channel: Mapped[InvitationChannel] = mapped_column(string_enum(InvitationChannel, "channel"), nullable=False)
    # The address the code was emailed to (channel email only): a claim with it proves it.
    sent_to: Mapped[str | None] = mapped_column(sa.String(254))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
