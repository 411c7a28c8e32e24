"""Who reaches a scheme: admins every scheme, coordinators only their own."""

from __future__ import annotations

import uuid

from homeshare.common.access import PathObject
from homeshare.common.roles import Role
from homeshare.errors import NotFound
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import get_scheme


def reach_scheme(account, scheme_id: uuid.UUID) -> Scheme:
    if account.role is Role.ADMIN or (account.role is Role.COORDINATOR and account.scheme_id == scheme_id):
        return get_scheme(scheme_id)
    raise NotFound("No such scheme.")


SCHEME = PathObject("scheme_id", "scheme", reach_scheme, scheme_of=lambda scheme: scheme.id)
