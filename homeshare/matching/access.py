"""Who may reach a match, and as what."""

from __future__ import annotations

import uuid

from homeshare.accounts.access import current_account, ensure_match_reach
from homeshare.errors import Forbidden
from homeshare.matching.models import Match
from homeshare.matching.service import get_match


def match_for(match_id: uuid.UUID, *sides: str) -> tuple[Match, str]:
    """The match and the caller's part in it (``coordinator``, ``householder`` or ``sharer``).

    Outside the match: NotFound. In it, but in a part not among ``sides``: Forbidden.
    """
    match = get_match(match_id)
    reach = ensure_match_reach(current_account(), match)
    if reach not in sides:
        raise Forbidden("Your part in this match does not allow this.")
    return match, reach
