"""Who reaches an enquiry: the coordinators of its scheme, who work on it."""

from __future__ import annotations

import uuid

from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.enquiries.models import Enquiry
from homeshare.errors import NotFound
from homeshare.extensions import db


def reach_enquiry(account, enquiry_id: uuid.UUID) -> Enquiry:
    """The enquiry, for a coordinator of its scheme; NotFound for anyone else."""
    enquiry = db.session.get(Enquiry, enquiry_id)
    if enquiry is None or account.role is not Role.COORDINATOR or enquiry.scheme_id != account.scheme_id:
        raise NotFound("No such enquiry.")
    return enquiry


ENQUIRY = PathObject("enquiry_id", "enquiry", reach_enquiry)
