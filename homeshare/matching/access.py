"""Who reaches a match: the coordinators of its scheme, and its two people."""

from __future__ import annotations

import uuid

from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.errors import NotFound
from homeshare.extensions import db
from homeshare.matching.models import Match


def reach_match(account, match_id: uuid.UUID) -> Match:
    """The match, for a coordinator of its scheme or one of its two people; NotFound for
    anyone else. What each may do with it is the role the view requires: a coordinator acts
    as the scheme, a householder or a sharer as their side."""
    match = db.session.get(Match, match_id)
    if match is not None:
        if account.role is Role.COORDINATOR and match.scheme_id == account.scheme_id:
            return match
        if match.side_of(account.id) is not None:
            return match
    raise NotFound("No such match.")


MATCH = PathObject("match_id", "match", reach_match)
