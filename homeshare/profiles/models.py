from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.common.db import TimestampMixin
from homeshare.extensions import db
from homeshare.profiles.completeness import completeness


class Profile(TimestampMixin, db.Model):
    """What a householder or sharer tells the scheme about themselves.

    One row per householder or sharer account, made when the account is. Columns prefixed
    ``room_`` and the ``*_wanted`` ones are a householder's; ``*_offered``, ``move_in_on``,
    ``stay_months``, ``max_distance_km``, ``occupation`` and ``base_*`` are a sharer's.
    ``version`` counts changes: it is the profile's ETag, and every update checks it.
    """

    __tablename__ = "profile"

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    address_line1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(8))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    location_source: Mapped[str | None] = mapped_column(sa.String(10))
    bio: Mapped[str | None] = mapped_column(sa.Text)
    interests: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    smoker: Mapped[bool | None] = mapped_column(sa.Boolean)
    has_pets: Mapped[bool | None] = mapped_column(sa.Boolean)
    accepts_pets: Mapped[bool | None] = mapped_column(sa.Boolean)
    dietary_needs: Mapped[str | None] = mapped_column(sa.String(200))
    daily_rhythm: Mapped[str | None] = mapped_column(sa.String(20))
    quiet_home: Mapped[bool | None] = mapped_column(sa.Boolean)
    gender: Mapped[str | None] = mapped_column(sa.String(20))
    gender_preference: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    photo_url: Mapped[str | None] = mapped_column(sa.String(500))

    # Householder
    room_furnished: Mapped[bool | None] = mapped_column(sa.Boolean)
    room_own_bathroom: Mapped[bool | None] = mapped_column(sa.Boolean)
    room_step_free: Mapped[bool | None] = mapped_column(sa.Boolean)
    room_available_from: Mapped[date | None] = mapped_column(sa.Date)
    tasks_wanted: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    hours_wanted_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    nights_at_home_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    things_to_know: Mapped[str | None] = mapped_column(sa.Text)

    # Sharer
    tasks_offered: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    hours_offered_per_week: Mapped[int | None] = mapped_column(sa.Integer)
    move_in_on: Mapped[date | None] = mapped_column(sa.Date)
    stay_months: Mapped[int | None] = mapped_column(sa.Integer)
    max_distance_km: Mapped[float | None] = mapped_column(sa.Float)
    base_name: Mapped[str | None] = mapped_column(sa.String(200))
    base_latitude: Mapped[float | None] = mapped_column(sa.Float)
    base_longitude: Mapped[float | None] = mapped_column(sa.Float)
    occupation: Mapped[str | None] = mapped_column(sa.String(20))

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    @property
    def role(self) -> Role:
        return self.account.role

    @property
    def householder_details(self) -> Profile | None:
        return self if self.role is Role.HOUSEHOLDER else None

    @property
    def sharer_details(self) -> Profile | None:
        return self if self.role is Role.SHARER else None

    @property
    def completeness(self) -> dict[str, Any]:
        return completeness(self)
