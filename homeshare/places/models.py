from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from homeshare.extensions import db


class PostcodeDistrict(db.Model):
    """The centre of a postcode district (the outward part of a postcode, e.g. ``M14``)."""

    __tablename__ = "postcode_district"

    district: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    latitude: Mapped[float] = mapped_column(sa.Float, nullable=False)
    longitude: Mapped[float] = mapped_column(sa.Float, nullable=False)
