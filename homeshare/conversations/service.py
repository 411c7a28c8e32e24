"""How people reach their coordinator: the scheme's contact details, the person's named
coordinator, and conversations between a person (or their representative) and the scheme's
coordinators.

A conversation has two sides: the person's (the person and their representatives) and the
coordinators' (every coordinator of the scheme). Each side has a last-read marker, the number of
the last message it read; messages are numbered in their thread, so what a side has not read is
the thread's newest number less its marker, computed in SQL for any number of threads. Writing a
message marks the thread read for the writer's side.
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf.models import Representation, Scope
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.conversations.models import Conversation, ConversationMessage, NamedCoordinator, WrittenAs
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.notifications.service import Message, coordinators_of, notify
from homeshare.profiles.models import Profile

PERSON_SIDE, COORDINATORS_SIDE = "person", "coordinators"
# What lets a representative read and write in the conversations of the person they represent:
# speaking to the scheme for the person, as raising a concern does.
SCOPE = Scope.RAISE_CONCERNS

NAMED = audit.declare("coordinator.named", plain=("coordinator_id",))
ASSIGNED = audit.declare("conversation.assigned", plain=("assigned_coordinator_id",))


def side_of(actor: Account) -> str:
    return COORDINATORS_SIDE if actor.role is Role.COORDINATOR else PERSON_SIDE


def _marker(side: str):
    return Conversation.coordinators_read_seq if side == COORDINATORS_SIDE else Conversation.person_read_seq


def _unread(side: str) -> sa.ColumnElement[int]:
    return Conversation.last_seq - _marker(side)


def _coordinator_of(scheme_id: uuid.UUID, coordinator_id: uuid.UUID, field: str) -> Account:
    found = db.session.get(Account, coordinator_id)
    if found is None or found.role is not Role.COORDINATOR or found.scheme_id != scheme_id or not found.is_active:
        raise ValidationFailed({field: ["No such coordinator of this scheme."]})
    return found


# The named coordinator and the scheme's contact details ---------------------------------------


def named_coordinator(person: Account) -> Account | None:
    """The person's named coordinator while their account is active."""
    return db.session.scalars(sa.select(Account).join(NamedCoordinator, NamedCoordinator.coordinator_id == Account.id)
                              .where(NamedCoordinator.person_id == person.id, Account.is_active.is_(True))).first()


def your_coordinator(person: Account) -> dict[str, Any]:
    """What the person is shown about reaching the scheme: its contact details and their named
    coordinator (null without one)."""
    return {"scheme": person.scheme, "contact": person.scheme.contact, "coordinator": named_coordinator(person)}


def name_coordinator(*, actor: Account, person: Account, coordinator_id: uuid.UUID | None) -> dict[str, Any]:
    """Name (or, with None, unname) the coordinator of the scheme the person turns to first."""
    if coordinator_id is not None:
        _coordinator_of(person.scheme_id, coordinator_id, "coordinator_id")
    current = db.session.get(NamedCoordinator, person.id)
    before = current.coordinator_id if current is not None else None
    if before != coordinator_id:
        if coordinator_id is None:
            db.session.delete(current)
        elif current is None:
            db.session.add(NamedCoordinator(person_id=person.id, coordinator_id=coordinator_id, named_by_id=actor.id,
                                            named_at=utcnow()))
        else:
            current.coordinator_id, current.named_by_id, current.named_at = coordinator_id, actor.id, utcnow()
        audit.record(actor_id=actor.id, scheme_id=person.scheme_id, action=NAMED, target_type="person",
                     target_id=person.id, before={"coordinator_id": before}, after={"coordinator_id": coordinator_id})
    try:
        db.session.commit()
    except IntegrityError:  # named by two coordinators at once: the other one's stands, then this one
        db.session.rollback()
        if current is not None or db.session.get(NamedCoordinator, person.id) is None:
            raise
        return name_coordinator(actor=actor, person=person, coordinator_id=coordinator_id)
    return your_coordinator(person)


# Conversations ---------------------------------------------------------------------------------


def start(*, actor: Account, person: Account, values: Mapping[str, Any]) -> tuple[Conversation, bool]:
    """The person (or their representative, for them) starts a conversation with the scheme's
    coordinators, with its first message. Safe to repeat with the same ``conversation_id``.
    Returns the conversation and whether it was made."""
    conversation_id = values.get("conversation_id")
    if conversation_id is not None:
        existing = db.session.get(Conversation, conversation_id)
        if existing is not None:
            if existing.person_id == person.id:
                return with_details(existing, PERSON_SIDE), False
            raise Conflict("This id is already used; choose another.", kind="id-reused")
    now = utcnow()
    named = named_coordinator(person)
    conversation = Conversation(
        id=conversation_id or uuid.uuid4(), scheme_id=person.scheme_id, person_id=person.id,
        subject=values["subject"], started_by_id=actor.id, assigned_coordinator_id=named.id if named else None,
        created_at=now, last_message_at=now, last_seq=0, person_read_seq=0, coordinators_read_seq=0)
    db.session.add(conversation)
    try:
        db.session.flush()
        _append(actor=actor, conversation=conversation, body=values["body"], message_id=None, now=now)
        db.session.commit()
    except IntegrityError:  # the same conversation sent twice at once
        db.session.rollback()
        if conversation_id is None or db.session.get(Conversation, conversation_id) is None:
            raise
        return start(actor=actor, person=person, values=values)
    return with_details(conversation, PERSON_SIDE), True


def post(*, actor: Account, conversation: Conversation, values: Mapping[str, Any]) -> tuple[ConversationMessage, bool]:
    """A message in the conversation, from either side. Safe to repeat with the same
    ``message_id``: the message made before is returned. Returns the message and whether it was
    made."""
    message_id = values.get("message_id")
    if message_id is not None:
        existing = db.session.get(ConversationMessage, message_id)
        if existing is not None:
            if existing.conversation_id == conversation.id and existing.author_id == actor.id:
                return existing, False
            raise Conflict("This id is already used; choose another.", kind="id-reused")
    if conversation.person_erased:
        raise Conflict("The person of this conversation was erased.", kind="person-erased")
    try:
        message = _append(actor=actor, conversation=conversation, body=values["body"], message_id=message_id,
                          now=utcnow())
        db.session.commit()
    except IntegrityError:  # the same message sent twice at once
        db.session.rollback()
        if message_id is None or db.session.get(ConversationMessage, message_id) is None:
            raise
        return post(actor=actor, conversation=conversation, values=values)
    return message, True


def _append(*, actor: Account, conversation: Conversation, body: str, message_id: uuid.UUID | None,
            now) -> ConversationMessage:
    """Number the message in its thread (the update takes the thread's row, so messages sent at
    once are numbered one after the other), mark the thread read for the writer's side and tell
    the other side once."""
    side = side_of(actor)
    db.session.execute(sa.update(Conversation).where(Conversation.id == conversation.id).values(
        {Conversation.last_seq: Conversation.last_seq + 1, Conversation.last_message_at: now,
         _marker(side): Conversation.last_seq + 1}).execution_options(synchronize_session=False))
    db.session.refresh(conversation)
    written_as = (WrittenAs.COORDINATOR if side == COORDINATORS_SIDE
                  else WrittenAs.REPRESENTATIVE if actor.role is Role.REPRESENTATIVE else WrittenAs.SELF)
    message = ConversationMessage(id=message_id or uuid.uuid4(), conversation_id=conversation.id,
                                  seq=conversation.last_seq, author_id=actor.id, written_as=written_as, body=body,
                                  created_at=now)
    db.session.add(message)
    db.session.flush()
    _tell_the_other_side(conversation, message, side)
    return message


def _tell_the_other_side(conversation: Conversation, message: ConversationMessage, side: str) -> None:
    """The person (their representatives get copies), or the assigned coordinator, else every
    coordinator of the scheme: once per message and recipient. The words stay in the thread."""
    if side == COORDINATORS_SIDE:
        recipients = [conversation.person_id]
        title = _l("A message from your coordinator")
        body = _l("Your coordinator wrote to you. Open the app to read it.")
    else:
        assigned = (db.session.get(Account, conversation.assigned_coordinator_id)
                    if conversation.assigned_coordinator_id else None)
        recipients = ([assigned.id] if assigned is not None and assigned.is_active
                      else coordinators_of(conversation.scheme_id))
        title, body = _l("A new message"), _l("Someone of your scheme wrote in a conversation.")
    data = {"conversation_id": str(conversation.id), "message_id": str(message.id)}
    notify(Message(recipient, "conversation_message", title, body,
                   f"conversation-message:{message.id}:{recipient}", data) for recipient in recipients)


def assign(*, actor: Account, conversation: Conversation, coordinator_id: uuid.UUID) -> Conversation:
    """Hand the conversation to a coordinator of its scheme (audited)."""
    _coordinator_of(conversation.scheme_id, coordinator_id, "assigned_coordinator_id")
    before = conversation.assigned_coordinator_id
    if before != coordinator_id:
        conversation.assigned_coordinator_id = coordinator_id
        audit.record(actor_id=actor.id, scheme_id=conversation.scheme_id, action=ASSIGNED, target_type="conversation",
                     target_id=conversation.id, before={"assigned_coordinator_id": before},
                     after={"assigned_coordinator_id": coordinator_id})
        db.session.commit()
    return with_details(conversation, COORDINATORS_SIDE)


def _threads(statement: sa.Select, side: str, *, page: int, per_page: int) -> Page[Conversation]:
    """A page of conversations with the person's name and what ``side`` has not read: one
    statement for the page, one for the count."""
    statement = (statement.add_columns(_unread(side).label("unread"), Profile.first_name, Profile.last_name)
                 .outerjoin(Profile, Profile.account_id == Conversation.person_id)
                 .order_by(Conversation.last_message_at.desc(), Conversation.id))
    result = paginate(statement, page=page, per_page=per_page, rows=True)
    items = []
    for conversation, unread, first_name, last_name in result.items:
        conversation.unread, conversation.person_first_name, conversation.person_last_name = (
            unread, first_name, last_name)
        items.append(conversation)
    result.items = items
    return result


def of_person(person: Account, *, page: int, per_page: int) -> Page[Conversation]:
    """The person's conversations, the latest first, with what their side has not read."""
    return _threads(sa.select(Conversation).where(Conversation.person_id == person.id), PERSON_SIDE,
                    page=page, per_page=per_page)


def of_scheme(*, scheme_id: uuid.UUID, unread: bool | None, assigned_coordinator_id: uuid.UUID | None,
              person_id: uuid.UUID | None, page: int, per_page: int) -> Page[Conversation]:
    """The scheme's conversations for its coordinators, the latest first."""
    statement = sa.select(Conversation).where(Conversation.scheme_id == scheme_id)
    if unread is not None:
        statement = statement.where(_unread(COORDINATORS_SIDE) > 0 if unread else _unread(COORDINATORS_SIDE) == 0)
    if assigned_coordinator_id is not None:
        statement = statement.where(Conversation.assigned_coordinator_id == assigned_coordinator_id)
    if person_id is not None:
        statement = statement.where(Conversation.person_id == person_id)
    return _threads(statement, COORDINATORS_SIDE, page=page, per_page=per_page)


def with_details(conversation: Conversation, side: str) -> Conversation:
    """One conversation as ``side`` sees it: its unread count and the person's name."""
    name = db.session.execute(sa.select(Profile.first_name, Profile.last_name)
                              .where(Profile.account_id == conversation.person_id)).first()
    conversation.person_first_name, conversation.person_last_name = name if name else (None, None)
    marker = conversation.coordinators_read_seq if side == COORDINATORS_SIDE else conversation.person_read_seq
    conversation.unread = conversation.last_seq - marker
    return conversation


def messages(*, actor: Account, conversation: Conversation, page: int, per_page: int) -> Page[ConversationMessage]:
    """A page of the conversation's messages, the newest first; reading them marks the thread
    read for the caller's side up to the newest message shown."""
    result = paginate(sa.select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
                      .order_by(ConversationMessage.seq.desc()), page=page, per_page=per_page)
    if result.items:
        newest, marker = max(message.seq for message in result.items), _marker(side_of(actor))
        marked = db.session.execute(sa.update(Conversation).where(Conversation.id == conversation.id, marker < newest)
                                    .values({marker: newest}).execution_options(synchronize_session=False))
        if marked.rowcount:
            db.session.commit()
    return result


def _represented_for_conversations(representative: Account) -> list[uuid.UUID]:
    links = db.session.scalars(sa.select(Representation).where(
        Representation.representative_id == representative.id, Representation.ended_at.is_(None)))
    return [link.person_id for link in links if link.allows(SCOPE)]


def unread_count(actor: Account) -> dict[str, int]:
    """What the caller's side has not read, over all the conversations they see: messages and
    conversations with any."""
    side = side_of(actor)
    if actor.role is Role.COORDINATOR:
        where = Conversation.scheme_id == actor.scheme_id
    elif actor.role in MEMBER_ROLES:
        where = Conversation.person_id == actor.id
    else:
        where = Conversation.person_id.in_(_represented_for_conversations(actor))
    unread = _unread(side)
    messages_unread, conversations = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(unread), 0), sa.func.count()).where(where, unread > 0)).one()
    return {"unread": int(messages_unread), "conversations": int(conversations)}


# The person's data ---------------------------------------------------------------------------


def export_of(person: Account) -> list[dict[str, Any]]:
    """The person's conversations with every message, oldest first, for their export."""
    threads = db.session.scalars(sa.select(Conversation).where(Conversation.person_id == person.id)
                                 .order_by(Conversation.created_at, Conversation.id)).all()
    found: dict[uuid.UUID, list[ConversationMessage]] = {thread.id: [] for thread in threads}
    if threads:
        for message in db.session.scalars(sa.select(ConversationMessage).where(
                ConversationMessage.conversation_id.in_(list(found))).order_by(ConversationMessage.seq)):
            found[message.conversation_id].append(message)
    return [{"id": str(thread.id), "subject": thread.subject, "created_at": thread.created_at.isoformat(),
             "messages": [{"id": str(message.id), "author_id": str(message.author_id) if message.author_id else None,
                           "written_as": message.written_as.value, "body": message.body,
                           "created_at": message.created_at.isoformat()} for message in found[thread.id]]}
            for thread in threads]


def erase_person(person: Account) -> None:
    """Blank the words of the person's conversations: the subject, their own messages, those
    their representatives wrote for them and the coordinators' replies (which are about them);
    the threads stay, marked, with who wrote when. The caller commits."""
    theirs = sa.select(Conversation.id).where(Conversation.person_id == person.id)
    db.session.execute(sa.update(ConversationMessage).where(ConversationMessage.conversation_id.in_(theirs))
                       .values(body=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(Conversation).where(Conversation.person_id == person.id)
                       .values(subject=None, person_erased=True).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(NamedCoordinator).where(NamedCoordinator.person_id == person.id)
                       .execution_options(synchronize_session=False))
