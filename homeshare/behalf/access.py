"""Who reaches a representative's link (its scheme's coordinators) and a represented person
(the representative, while the link lasts)."""

from __future__ import annotations

import uuid

from homeshare.accounts.models import Account
from homeshare.behalf.models import Representation, Scope
from homeshare.behalf.service import represented_person
from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.errors import NotFound
from homeshare.extensions import db


def reach_representation(account: Account, representation_id: uuid.UUID) -> Representation:
    found = db.session.get(Representation, representation_id)
    if found is not None and account.role is Role.COORDINATOR and found.scheme_id == account.scheme_id:
        return found
    raise NotFound("No such representative link.")


def reach_represented(account: Account, person_id: uuid.UUID, scopes: tuple[Scope, ...] = ()) -> Account:
    """A person, for a representative who represents them now within ``scopes``."""
    if account.role is Role.REPRESENTATIVE:
        return represented_person(account, person_id, scopes)
    raise NotFound("No such person you represent.")


REPRESENTATION = PathObject("representation_id", "link", reach_representation)
REPRESENTED = PathObject("represented_id", "represented", reach_represented, scoped=True)
