"""Who reaches an account: its scheme's coordinators (and admins, for any account); and who
reaches a person's profile, vetting and data: only the coordinators of their scheme."""

from __future__ import annotations

import uuid

from homeshare.accounts.models import Account
from homeshare.common.access import PathObject
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.errors import NotFound
from homeshare.extensions import db


def reach_account(account: Account, account_id: uuid.UUID) -> Account:
    """Admins reach every account; coordinators those of their scheme."""
    target = db.session.get(Account, account_id)
    if target is not None:
        if account.role is Role.ADMIN:
            return target
        if account.role is Role.COORDINATOR and target.scheme_id == account.scheme_id:
            return target
    raise NotFound("No such account.")


def reach_person(account: Account, person_id: uuid.UUID) -> Account:
    """A householder or sharer, for the coordinators of their scheme. Profiles and vetting are
    the scheme's business: admins, other schemes' coordinators and members get NotFound."""
    person = db.session.get(Account, person_id)
    if (
        person is not None
        and person.role in MEMBER_ROLES
        and account.role is Role.COORDINATOR
        and person.scheme_id == account.scheme_id
    ):
        return person
    raise NotFound("No such person.")


ACCOUNT = PathObject("account_id", "account", reach_account)
PERSON = PathObject("person_id", "person", reach_person)
