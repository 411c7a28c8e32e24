"""Who reaches a conversation: its person, their representatives within the view's scope, and the
coordinators of its scheme."""

from __future__ import annotations

import uuid

from homeshare.accounts.models import Account
from homeshare.behalf.models import Scope
from homeshare.behalf.service import represents
from homeshare.common.access import PathObject
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.conversations.models import Conversation
from homeshare.errors import NotFound
from homeshare.extensions import db


def reach_conversation(account: Account, conversation_id: uuid.UUID, scopes: tuple[Scope, ...] = ()) -> Conversation:
    found = db.session.get(Conversation, conversation_id)
    if found is not None:
        if account.role is Role.COORDINATOR and found.scheme_id == account.scheme_id:
            return found
        if account.role in MEMBER_ROLES and found.person_id == account.id:
            return found
        if account.role is Role.REPRESENTATIVE and scopes and represents(account, [found.person_id], scopes):
            return found
    raise NotFound("No such conversation.")


CONVERSATION = PathObject("conversation_id", "conversation", reach_conversation, scoped=True)
