"""A person (or their representative, for them) and the scheme's coordinators write to each other
in conversations: each side's unread count, hand-over, notifications, and who reaches what."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.conversations.models import Conversation, ConversationMessage
from homeshare.extensions import db
from homeshare.notifications.models import Notification
from tests.helpers import assert_problem, at_once


def _count(office, model, *where):
    with office.make.app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
        db.session.remove()
        return found


def _notifications(office, conversation_id):
    with office.make.app.app_context():
        found = [(str(n.account_id), n.data.get("message_id"), n.data.get("for_person_id"))
                 for n in db.session.scalars(sa.select(Notification).where(Notification.kind == "conversation_message"))
                 if n.data.get("conversation_id") == conversation_id]
        db.session.remove()
        return sorted(found, key=str)


def test_a_person_starts_a_conversation_and_both_sides_read_and_answer(office):
    client = office.client
    thread = office.start(office.householder)
    assert (thread["subject"], thread["messages"], thread["unread"], thread["assigned_coordinator_id"]) == (
        "The boiler", 1, 0, None)
    # Without a named coordinator, every coordinator of the scheme is told; not the other scheme's.
    first = office.read(office.householder, thread["id"])["items"][0]
    assert (first["written_as"], first["author_id"], first["seq"]) == ("self", office.householder.person.id, 1)
    assert _notifications(office, thread["id"]) == sorted([
        (office.coordinator.person.id, first["id"], None), (office.colleague.person.id, first["id"], None)], key=str)
    assert office.unread(office.coordinator) == {"unread": 1, "conversations": 1}
    assert office.unread(office.householder) == {"unread": 0, "conversations": 0}
    listed = office.ok(client.get(f"/api/v1/schemes/{office.scheme.id}/conversations?unread=true",
                                  headers=office.coordinator.headers))
    assert [(item["id"], item["unread"], item["person_id"]) for item in listed["items"]] == [
        (thread["id"], 1, office.householder.person.id)]
    # Reading marks it read for the whole coordinators' side.
    office.read(office.coordinator, thread["id"])
    assert office.unread(office.colleague) == {"unread": 0, "conversations": 0}
    assert office.ok(client.get(f"/api/v1/schemes/{office.scheme.id}/conversations?unread=true",
                                headers=office.coordinator.headers))["items"] == []
    reply = office.write(office.colleague, thread["id"], "An engineer comes on Tuesday.")
    assert reply["written_as"] == "coordinator" and reply["seq"] == 2
    # The person is told, and their daughter, who receives their notifications, gets a copy.
    told = _notifications(office, thread["id"])
    assert (office.householder.person.id, reply["id"], None) in told
    assert (office.daughter.person.id, reply["id"], office.householder.person.id) in told
    assert office.unread(office.householder) == {"unread": 1, "conversations": 1}
    mine = office.ok(client.get("/api/v1/me/conversations", headers=office.householder.headers))
    assert [(item["id"], item["unread"], item["messages"]) for item in mine["items"]] == [(thread["id"], 1, 2)]
    page = office.read(office.householder, thread["id"])
    assert [item["body"] for item in page["items"]] == ["An engineer comes on Tuesday.", "The boiler is making a noise."]
    assert office.unread(office.householder)["unread"] == 0
    assert office.ok(client.get(f"/api/v1/conversations/{thread['id']}", headers=office.householder.headers))[
        "unread"] == 0


def test_the_named_coordinator_gets_new_conversations_and_a_thread_is_handed_over(office):
    client = office.client
    office.ok(client.put(f"/api/v1/people/{office.sharer.person.id}/coordinator", headers=office.coordinator.headers,
                         json={"coordinator_id": office.colleague.person.id}))
    thread = office.start(office.sharer, "Hours", "Can we talk about my hours?")
    assert thread["assigned_coordinator_id"] == office.colleague.person.id
    first = office.read(office.sharer, thread["id"])["items"][0]
    assert _notifications(office, thread["id"]) == [(office.colleague.person.id, first["id"], None)]
    url = f"/api/v1/conversations/{thread['id']}/assignment"
    handed = office.ok(client.put(url, headers=office.colleague.headers,
                                  json={"assigned_coordinator_id": office.coordinator.person.id}))
    assert handed["assigned_coordinator_id"] == office.coordinator.person.id
    second = office.write(office.sharer, thread["id"], "Any news?")
    assert (office.coordinator.person.id, second["id"], None) in _notifications(office, thread["id"])
    assert (office.colleague.person.id, second["id"], None) not in _notifications(office, thread["id"])
    assigned = office.ok(client.get(f"/api/v1/schemes/{office.scheme.id}/conversations",
                                    query_string={"assigned_coordinator_id": office.coordinator.person.id},
                                    headers=office.coordinator.headers))
    assert [item["id"] for item in assigned["items"]] == [thread["id"]]
    # Only to a coordinator of the same scheme.
    for someone in (office.outsider.person.id, office.sharer.person.id, str(uuid.uuid4())):
        assert_problem(client.put(url, headers=office.coordinator.headers, json={"assigned_coordinator_id": someone}),
                       422)
    assert_problem(client.put(url, headers=office.outsider.headers,
                              json={"assigned_coordinator_id": office.outsider.person.id}), 404)
    assert_problem(client.put(url, headers=office.sharer.headers,
                              json={"assigned_coordinator_id": office.colleague.person.id}), 403)
    with office.make.app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "conversation.assigned")).all()
        assert [(e.before["assigned_coordinator_id"], e.after["assigned_coordinator_id"]) for e in events] == [
            (office.colleague.person.id, office.coordinator.person.id)]
        assert db.session.get(Conversation, uuid.UUID(thread["id"])).assigned_coordinator_id == uuid.UUID(
            office.coordinator.person.id)


def test_a_representative_who_may_raise_concerns_writes_for_the_person(office):
    client, person = office.client, office.householder.person
    url = f"/api/v1/represented/{person.id}/conversations"
    thread = office.start(office.daughter, "Mum's room", "Mum would like the heating looked at.", url=url)
    assert thread["person_id"] == person.id
    first = office.read(office.daughter, thread["id"])["items"][0]
    assert (first["written_as"], first["author_id"]) == ("representative", office.daughter.person.id)
    # The person sees it as theirs, and answers in it.
    assert [item["id"] for item in office.ok(client.get("/api/v1/me/conversations",
                                                        headers=office.householder.headers))["items"]] == [thread["id"]]
    office.write(office.coordinator, thread["id"], "We will call her.")
    assert office.unread(office.daughter) == {"unread": 1, "conversations": 1}
    assert [item["id"] for item in office.ok(client.get(url, headers=office.daughter.headers))["items"]] == [
        thread["id"]]
    # Her son may only see matches: not her conversations.
    assert_problem(client.get(url, headers=office.son.headers), 404)
    assert_problem(client.post(url, headers=office.son.headers, json={"subject": "Hi", "body": "Hello"}), 404)
    assert_problem(client.get(f"/api/v1/conversations/{thread['id']}/messages", headers=office.son.headers), 404)
    assert_problem(client.post(f"/api/v1/conversations/{thread['id']}/messages", headers=office.son.headers,
                               json={"body": "Hello"}), 404)
    assert office.unread(office.son) == {"unread": 0, "conversations": 0}


def test_nobody_reaches_another_persons_or_another_schemes_conversation(office, make, client):
    thread = office.start(office.sharer, "Private", "Only for my coordinator.")
    other = make.login(client, make.householder(office.scheme))
    others_representative = make.login(client, make.representative(office.scheme, other.person))
    admin = make.login(client, make.admin())
    refusals = {
        404: (office.householder,  # a householder, in a sharer's thread
              other, office.daughter,  # another person's representative
              others_representative, office.outsider),
        403: (admin,),
    }
    before = _count(office, ConversationMessage)
    for status, sessions in refusals.items():
        for session in sessions:
            for response in (
                    client.get(f"/api/v1/conversations/{thread['id']}", headers=session.headers),
                    client.get(f"/api/v1/conversations/{thread['id']}/messages", headers=session.headers),
                    client.post(f"/api/v1/conversations/{thread['id']}/messages", headers=session.headers,
                                json={"body": "Let me in."})):
                assert_problem(response, status)
    assert _count(office, ConversationMessage) == before
    assert_problem(client.get(f"/api/v1/schemes/{office.scheme.id}/conversations", headers=office.outsider.headers),
                   404)
    assert_problem(client.get("/api/v1/me/conversations", headers=office.coordinator.headers), 403)
    # An unknown conversation looks the same as one out of reach.
    assert_problem(client.get(f"/api/v1/conversations/{uuid.uuid4()}", headers=office.coordinator.headers), 404)
    assert office.unread(office.outsider) == {"unread": 0, "conversations": 0}
    assert office.unread(other) == {"unread": 0, "conversations": 0}


def test_writing_again_with_the_same_ids_makes_nothing_twice(office):
    client = office.client
    conversation_id, message_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"conversation_id": conversation_id, "subject": "Keys", "body": "I lost a key."}
    first = office.ok(client.post("/api/v1/me/conversations", headers=office.sharer.headers, json=body), 201)
    again = office.ok(client.post("/api/v1/me/conversations", headers=office.sharer.headers, json=body), 200)
    assert first == again
    # Someone else's use of the id is a conflict, not their conversation.
    assert_problem(client.post("/api/v1/me/conversations", headers=office.householder.headers, json=body), 409,
                   "id-reused")
    sent = office.ok(client.post(f"/api/v1/conversations/{conversation_id}/messages", headers=office.sharer.headers,
                                 json={"message_id": message_id, "body": "Found it."}), 201)
    repeated = office.ok(client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                     headers=office.sharer.headers,
                                     json={"message_id": message_id, "body": "Found it."}), 200)
    assert sent == repeated
    assert_problem(client.post(f"/api/v1/conversations/{conversation_id}/messages", headers=office.coordinator.headers,
                               json={"message_id": message_id, "body": "Good."}), 409, "id-reused")
    assert _count(office, ConversationMessage, ConversationMessage.conversation_id == uuid.UUID(conversation_id)) == 2
    assert _count(office, Conversation) == 1
    told = _notifications(office, conversation_id)
    assert len(told) == 4  # two messages, each to both coordinators, once


def test_the_same_message_sent_at_once_is_kept_once_and_messages_at_once_are_numbered_in_turn(office, app):
    thread = office.start(office.sharer)
    message_id = str(uuid.uuid4())
    url = f"/api/v1/conversations/{thread['id']}/messages"

    def send(body, ident):
        with app.test_client() as client:
            return client.post(url, headers=office.sharer.headers, json={"message_id": ident, "body": body}).status_code

    assert sorted(at_once(lambda: send("Once", message_id), 3)) == [200, 200, 201]
    assert sorted(at_once(lambda: send("Each", str(uuid.uuid4())), 3)) == [201, 201, 201]
    seqs = [item["seq"] for item in office.read(office.coordinator, thread["id"])["items"]]
    assert seqs == [5, 4, 3, 2, 1]


def test_messages_are_bounded_and_not_empty(office):
    thread = office.start(office.sharer)
    url = f"/api/v1/conversations/{thread['id']}/messages"
    for body in ({"body": ""}, {"body": "   "}, {"body": "x" * 5001}, {}, {"body": "Hi", "attachment": "x"}):
        assert_problem(office.client.post(url, headers=office.sharer.headers, json=body), 422)
    for body in ({"subject": "", "body": "Hi"}, {"subject": "Hi"}, {"subject": "x" * 201, "body": "Hi"}):
        assert_problem(office.client.post("/api/v1/me/conversations", headers=office.sharer.headers, json=body), 422)
    assert _count(office, ConversationMessage) == 1
    assert _count(office, Conversation) == 1


def test_the_coordinators_list_stays_flat_with_page_size(office, count_queries):
    url = f"/api/v1/schemes/{office.scheme.id}/conversations"
    office.start(office.sharer)
    with count_queries() as few:
        office.ok(office.client.get(url, headers=office.coordinator.headers))
    for session in (office.householder, office.sharer, office.daughter):
        for number in range(3):
            thread = office.start(session, f"Question {number}",
                                  url=f"/api/v1/represented/{office.householder.person.id}/conversations"
                                  if session is office.daughter else "/api/v1/me/conversations")
            office.write(office.coordinator, thread["id"])
    with count_queries() as many:
        listed = office.ok(office.client.get(url, headers=office.coordinator.headers))
    assert listed["pagination"]["total"] == 10
    assert len(few) == len(many)


def test_the_persons_conversations_are_in_their_export(office):
    client, person = office.client, office.householder.person
    thread = office.start(office.householder, "Heating", "The heating is off.")
    office.write(office.daughter, thread["id"], "I can be there on Monday.")
    office.write(office.coordinator, thread["id"], "Thank you both.")
    office.start(office.sharer, "Mine", "Not hers.")
    for url, session in (("/api/v1/me/export", office.householder), (f"/api/v1/people/{person.id}/export",
                                                                    office.coordinator)):
        exported = office.ok(client.get(url, headers=session.headers))["conversations"]
        assert [(item["id"], item["subject"]) for item in exported] == [(thread["id"], "Heating")]
        assert [(m["written_as"], m["author_id"], m["body"]) for m in exported[0]["messages"]] == [
            ("self", person.id, "The heating is off."),
            ("representative", office.daughter.person.id, "I can be there on Monday."),
            ("coordinator", office.coordinator.person.id, "Thank you both.")]


def test_the_same_conversation_started_at_once_is_made_once(office, app):
    body = {"conversation_id": str(uuid.uuid4()), "subject": "Keys", "body": "I lost a key."}

    def send():
        with app.test_client() as client:
            return client.post("/api/v1/me/conversations", headers=office.sharer.headers, json=body).status_code

    assert sorted(at_once(send, 3)) == [200, 200, 201]
    assert _count(office, Conversation) == 1 and _count(office, ConversationMessage) == 1
    assert len(_notifications(office, body["conversation_id"])) == 2  # the first message, to both coordinators


def test_a_deactivated_named_coordinator_is_no_longer_shown_nor_given_new_conversations(office):
    client = office.client
    office.ok(client.put(f"/api/v1/people/{office.sharer.person.id}/coordinator", headers=office.coordinator.headers,
                         json={"coordinator_id": office.colleague.person.id}))
    office.ok(client.post(f"/api/v1/accounts/{office.colleague.person.id}/deactivate",
                          headers=office.coordinator.headers, json={}))
    assert office.ok(client.get("/api/v1/me/coordinator", headers=office.sharer.headers))["coordinator"] is None
    thread = office.start(office.sharer)
    assert thread["assigned_coordinator_id"] is None
    assert [who for who, _message, _for in _notifications(office, thread["id"])] == [office.coordinator.person.id]
