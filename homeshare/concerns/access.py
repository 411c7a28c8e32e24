"""Who reaches a concern: the coordinators of its scheme, who work on it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.concerns.models import Concern
from homeshare.errors import NotFound
from homeshare.extensions import db


def reach_concern(account, concern_id: uuid.UUID) -> Concern:
    """The concern with its notes, for a coordinator of its scheme; NotFound for anyone else."""
    concern = db.session.scalars(sa.select(Concern).where(Concern.id == concern_id)
                                 .options(selectinload(Concern.notes))).first()
    if concern is None or account.role is not Role.COORDINATOR or concern.scheme_id != account.scheme_id:
        raise NotFound("No such concern.")
    return concern


CONCERN = PathObject("concern_id", "concern", reach_concern)
