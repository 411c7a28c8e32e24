"""What people are told, in their own language: Welsh for those who chose Cymraeg, English for
everyone else, whoever caused it. In the inbox and the push, by email through a local SMTP
server, and by text through the Twilio stand-in."""

from __future__ import annotations

import email
import email.policy
import socket
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from homeshare.accounts.models import Account
from homeshare.extensions import db
from homeshare.profiles.models import Profile
from tests.helpers import PushGateway
from tests.matchdesk import Desk
from tests.notifications.outbox import deliver
from tests.notifications.test_sms import TwilioStub, twilio  # noqa: F401 (the fixture)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)  # a Sunday; London is on UTC
VISIT = {"kind": "visit", "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00",
         "place": "The householder's home", "coordinator_attends": True}


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme())


@pytest.fixture
def mail_and_push(app):
    mailbox, gateway = Mailbox(), PushGateway()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config.get(key) for key in ("HOMESHARE_SMTP_URL", "HOMESHARE_PUSH_WEBHOOK_URL")}
    app.config.update(HOMESHARE_SMTP_URL=f"smtp://127.0.0.1:{port}", HOMESHARE_PUSH_WEBHOOK_URL=gateway.url)
    yield mailbox, gateway
    app.config.update(saved)
    controller.stop()
    gateway.close()


def speaks_welsh(client, session):
    response = client.patch("/api/v1/me", headers=session.headers, json={"language": "cy"})
    assert response.status_code == 200, response.json
    assert response.json["language"] == "cy"


def inbox(client, session, kind):
    items = client.get("/api/v1/me/notifications", headers=session.headers).json["items"]
    return [(item["title"], item["body"]) for item in items if item["kind"] == kind]


def test_a_welsh_speaker_reads_a_proposal_and_a_meeting_in_welsh_and_the_other_side_in_english(client, desk):
    speaks_welsh(client, desk.sharer)
    desk.to_introduction()
    assert inbox(client, desk.sharer, "match_proposed") == [(
        "Mae paru wedi'i gynnig i chi",
        "Mae eich cydlynydd wedi cynnig paru i chi: edrychwch arno a dywedwch a hoffech gyfarfod.")]
    assert inbox(client, desk.householder, "match_proposed") == [(
        "You have been proposed a match",
        "Your coordinator proposed a match for you: have a look and say whether you would like to meet.")]
    response = client.post(f"/api/v1/matches/{desk.match_id}/meetings", headers=desk.coordinator.headers, json=VISIT)
    assert response.status_code == 201, response.json
    assert inbox(client, desk.sharer, "meeting_planned") == [(
        "Ymweliad wedi'i drefnu", "Ymweliad: Dydd Mawrth 12 Ionawr 2027 am 14:00. Mae'r manylion yn yr ap.")]
    assert inbox(client, desk.householder, "meeting_planned") == [(
        "Visit planned", "Visit on Tuesday 12 January 2027 at 14:00. The details are in the app.")]
    # The coordinator's own language does not matter: each reader gets theirs.
    speaks_welsh(client, desk.coordinator)
    meeting_id = response.json["id"]
    moved = client.patch(f"/api/v1/meetings/{meeting_id}", headers=desk.coordinator.headers,
                         json={"starts_at": "2027-01-13T10:00:00", "ends_at": "2027-01-13T12:00:00"})
    assert moved.status_code == 200, moved.json
    assert [title for title, _body in inbox(client, desk.householder, "meeting_moved")] == ["Visit moved"]
    assert [title for title, _body in inbox(client, desk.sharer, "meeting_moved")] == ["Ymweliad wedi'i symud"]


def test_a_welsh_speaker_is_pushed_and_emailed_in_welsh(app, client, desk, mail_and_push):
    mailbox, gateway = mail_and_push
    speaks_welsh(client, desk.sharer)
    for session in (desk.sharer, desk.householder):
        client.post("/api/v1/me/devices", headers=session.headers,
                    json={"platform": "android", "token": f"token-{session.person.id}"})
    desk.propose()
    deliver(app, NOW + timedelta(minutes=1))
    pushed = {body["devices"][0]["token"]: body for _key, body in gateway.received}
    assert pushed[f"token-{desk.sharer.person.id}"]["title"] == "Mae paru wedi'i gynnig i chi"
    assert pushed[f"token-{desk.householder.person.id}"]["title"] == "You have been proposed a match"
    mails = {message["To"]: message for message in mailbox.messages}
    welsh, english = mails[desk.sharer_person.email], mails[desk.householder_person.email]
    assert welsh["Subject"] == "Mae paru wedi'i gynnig i chi"
    assert welsh.get_content().strip() == (
        "Mae eich cydlynydd wedi cynnig paru i chi: edrychwch arno a dywedwch a hoffech gyfarfod.")
    assert english["Subject"] == "You have been proposed a match"


def test_a_scheme_writing_in_welsh_sends_its_new_people_their_code_in_welsh(app, client, make, mail_and_push):
    mailbox, _gateway = mail_and_push
    scheme = make.scheme(settings={"default_language": "cy"})
    response = client.post("/api/v1/auth/register", json={"scheme": scheme.slug, "email": "nia@example.org",
                                                          "password": "a long password", "role": "sharer"})
    assert response.status_code == 202, response.json
    deliver(app, datetime.now(timezone.utc) + timedelta(minutes=1))
    [message] = mailbox.messages
    assert message["Subject"].startswith("Eich cod Homeshare: ")
    assert "Eich cod i gadarnhau'r cyfeiriad e-bost hwn yw" in message.get_content()


def test_a_welsh_speaker_gets_texts_in_welsh(app, client, desk, twilio):  # noqa: F811
    speaks_welsh(client, desk.sharer)
    with app.app_context():
        for person in (desk.sharer_person, desk.householder_person):
            db.session.execute(sa.update(Profile).where(Profile.account_id == uuid.UUID(person.id))
                               .values(phone="07911 123456" if person is desk.sharer_person else "07911 123457"))
            db.session.execute(sa.update(Account).where(Account.id == uuid.UUID(person.id)).values(sms_opt_in=True))
        db.session.commit()
        db.session.remove()
    desk.propose()
    deliver(app, NOW + timedelta(minutes=1))
    texts = {text["To"]: text["Body"] for text in twilio.texts}
    assert texts["+447911123456"].startswith("Mae paru wedi'i gynnig i chi: Mae eich cydlynydd wedi cynnig paru")
    assert texts["+447911123457"].startswith("You have been proposed a match: Your coordinator proposed")


def test_a_representatives_copy_is_in_the_representatives_language(client, make, desk):
    daughter = make.login(client, make.representative(desk.scheme, desk.householder_person))
    speaks_welsh(client, daughter)
    desk.propose()
    assert inbox(client, desk.householder, "match_proposed")[0][0] == "You have been proposed a match"
    assert inbox(client, daughter, "match_proposed")[0][0] == "Mae paru wedi'i gynnig i chi"
