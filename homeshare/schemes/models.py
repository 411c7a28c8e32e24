from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.common.db import IdMixin, TimestampMixin
from homeshare.extensions import db
from homeshare.schemes.settings import resolved_settings

DEFAULT_TIMEZONE = "Europe/London"


class Scheme(IdMixin, TimestampMixin, db.Model):
    """One Homeshare organisation. Every person belongs to exactly one scheme."""

    __tablename__ = "scheme"

    slug: Mapped[str] = mapped_column(sa.String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default=DEFAULT_TIMEZONE)
    # Only the values a scheme chose; homeshare.schemes.settings fills in the defaults.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False, default=dict)

    @property
    def effective_settings(self) -> dict[str, Any]:
        """The scheme's choices with every default filled in."""
        return resolved_settings(self.settings)

    def __repr__(self) -> str:
        return f"<Scheme {self.slug}>"
