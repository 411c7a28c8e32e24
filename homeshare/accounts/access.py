"""The one way views check who may do what.

``requires(*roles)`` guards a view: a valid access token whose session and account are
still live, and (when roles are given) one of those roles. Object checks are plain
functions that raise ``NotFound`` for anything outside the caller's reach, so the API
never confirms that another scheme's records exist.

``requires`` also runs the object check of every object the path names (``scheme_id``,
``account_id``, ``person_id``, ``match_id``, ``concern_id``) before the view reads the
request's body or query string: a caller outside their reach gets 404 whatever they send,
never a validation error about a request they may not make at all.
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import current_app, g
from flask_jwt_extended import get_current_user, verify_jwt_in_request

from homeshare.accounts.models import Account
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.audit.service import staff_write
from homeshare.concerns.models import Concern
from homeshare.errors import Forbidden, NotFound
from homeshare.extensions import db, documents_bearer_auth, documents_errors
from homeshare.matching.models import Match


STAFF_ROLES = (Role.COORDINATOR, Role.ADMIN)


def requires(*roles: Role, refresh: bool = False):
    """Guard a view: authenticated, and in one of ``roles`` when any are given.

    With ``refresh=True`` the view takes a refresh token instead of an access token.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(refresh=refresh)
            account = current_account()
            if roles and account.role not in roles:
                raise Forbidden("Your role does not allow this.")
            ensure_path_reach(account, kwargs)
            if account.role in STAFF_ROLES:
                staff_write(account)
            return current_app.ensure_sync(func)(*args, **kwargs)

        documents_bearer_auth(wrapper)
        documents_errors(*((401, 403) if roles else (401,)))(wrapper)
        return wrapper

    return decorator


def current_account() -> Account:
    """The signed-in account itself (not a proxy to it, which would look it up again on
    every attribute read: fifteen times to serialise an account)."""
    return get_current_user()


def ensure_scheme_staff(account: Account, scheme_id: uuid.UUID) -> None:
    """Admins reach every scheme; coordinators only their own."""
    if account.role is Role.ADMIN:
        return
    if account.role is Role.COORDINATOR and account.scheme_id == scheme_id:
        return
    raise NotFound("No such scheme.")


def ensure_account_staff(account: Account, target: Account | None) -> Account:
    """The target account, if the caller administers its scheme; NotFound otherwise."""
    if target is not None:
        if account.role is Role.ADMIN:
            return target
        if account.role is Role.COORDINATOR and target.scheme_id == account.scheme_id:
            return target
    raise NotFound("No such account.")


def ensure_person_coordinated_by(account: Account, person: Account | None) -> Account:
    """The householder or sharer ``person``, if ``account`` coordinates their scheme.

    Profiles and vetting are the scheme's business: admins, other schemes' coordinators
    and other members get NotFound.
    """
    if (
        person is not None
        and person.role in MEMBER_ROLES
        and account.role is Role.COORDINATOR
        and person.scheme_id == account.scheme_id
    ):
        return person
    raise NotFound("No such person.")


def ensure_match_reach(account: Account, match) -> str:
    """How ``account`` may see ``match``: ``"coordinator"`` (of its scheme), ``"householder"``
    or ``"sharer"`` (one of its two people). Anyone else gets NotFound."""
    if match is not None:
        if account.role is Role.COORDINATOR and match.scheme_id == account.scheme_id:
            return "coordinator"
        side = match.side_of(account.id)
        if side is not None:
            return side
    raise NotFound("No such match.")


def ensure_concern_reach(account: Account, concern) -> None:
    """Concerns are worked on by the coordinators of their scheme."""
    if concern is None or account.role is not Role.COORDINATOR or concern.scheme_id != account.scheme_id:
        raise NotFound("No such concern.")


def ensure_path_reach(account: Account, view_args: dict) -> None:
    """Run the object check of each object named in the path (see the module's docstring).

    The objects loaded are kept for the request (``g.path_objects``): the session's
    identity map holds objects weakly, and the view reads the same ones again.
    """
    def loaded(model, value):
        found = db.session.get(model, value)
        g.setdefault("path_objects", []).append(found)
        return found

    checks = {
        "scheme_id": lambda value: ensure_scheme_staff(account, value),
        "account_id": lambda value: ensure_account_staff(account, loaded(Account, value)),
        "person_id": lambda value: ensure_person_coordinated_by(account, loaded(Account, value)),
        "match_id": lambda value: ensure_match_reach(account, loaded(Match, value)),
        "concern_id": lambda value: ensure_concern_reach(account, loaded(Concern, value)),
    }
    for name, value in view_args.items():
        if name in checks:
            checks[name](value)
