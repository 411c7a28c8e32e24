"""Who someone is to the service: the roles of the product model.

Every layer speaks of roles (the authorisation gate checks them, each domain's rules depend
on them), so they sit at the bottom with the other shared types.
"""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    HOUSEHOLDER = "householder"
    SHARER = "sharer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    REPRESENTATIVE = "representative"


MEMBER_ROLES = (Role.HOUSEHOLDER, Role.SHARER)
"""The people a scheme matches: they register themselves and use the mobile app."""

STAFF_ROLES = (Role.COORDINATOR, Role.ADMIN)
"""The people who run schemes: their writes are audited."""

EVERYONE_IN_A_MATCH = (Role.COORDINATOR, *MEMBER_ROLES)
"""Who may take part in a match: its two people and their scheme's coordinators."""

PEOPLE_AND_THEIR_REPRESENTATIVES = (*MEMBER_ROLES, Role.REPRESENTATIVE)
"""Who answers for a householder or a sharer: they themselves, or a family member, friend or
attorney a coordinator linked to them (within the scope the person consented to)."""
