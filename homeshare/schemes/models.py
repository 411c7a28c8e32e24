from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, TimestampMixin
from homeshare.extensions import db
from homeshare.schemes.settings import resolved_settings

DEFAULT_TIMEZONE = "Europe/London"
# The parts of a scheme's contact details, and the column that holds each.
CONTACT_COLUMNS = {"phone": "contact_phone", "email": "contact_email", "office_hours": "office_hours",
                   "emergency": "emergency"}


class Scheme(IdMixin, TimestampMixin, db.Model):
    """One Homeshare organisation. Every person belongs to exactly one scheme."""

    __tablename__ = "scheme"

    slug: Mapped[str] = mapped_column(sa.String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default=DEFAULT_TIMEZONE)
    # Only the values a scheme chose; homeshare.schemes.settings fills in the defaults.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)
    # How its people reach the scheme: set by its coordinators, shown to its people.
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    office_hours: Mapped[str | None] = mapped_column(sa.String(500))
    emergency: Mapped[str | None] = mapped_column(sa.String(1000))

    @property
    def contact(self) -> dict[str, str | None]:
        """How its people reach the scheme (each part null until its coordinators set it)."""
        return {name: getattr(self, column) for name, column in CONTACT_COLUMNS.items()}

    @property
    def effective_settings(self) -> dict[str, Any]:
        """The scheme's choices with every default filled in."""
        return resolved_settings(self.settings)

    def __repr__(self) -> str:
        return f"<Scheme {self.slug}>"
