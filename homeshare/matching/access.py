"""Who reaches a match: the coordinators of its scheme, and its two people."""

from __future__ import annotations

import uuid

from homeshare.behalf.models import Scope
from homeshare.behalf.service import represents
from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.errors import NotFound
from homeshare.extensions import db
from homeshare.matching.models import Match


def reach_match(account, match_id: uuid.UUID, scopes: tuple[Scope, ...] = ()) -> Match:
    """The match, for a coordinator of its scheme, one of its two people, or a representative
    of one of them whose consent covers ``scopes``; NotFound for anyone else. What each may do
    with it is the role the view requires: a coordinator acts as the scheme, a householder or a
    sharer as their side, a representative for the person they represent."""
    match = db.session.get(Match, match_id)
    if match is not None:
        if account.role is Role.COORDINATOR and match.scheme_id == account.scheme_id:
            return match
        if match.side_of(account.id) is not None:
            return match
        if (account.role is Role.REPRESENTATIVE and match.scheme_id == account.scheme_id
                and represents(account, (match.householder_id, match.sharer_id), scopes)):
            return match
    raise NotFound("No such match.")


MATCH = PathObject("match_id", "match", reach_match, scoped=True)
