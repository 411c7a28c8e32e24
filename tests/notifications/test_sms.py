"""Text messages through Twilio's Messages API, against a local stub that checks the basic auth
and form fields and plays Twilio's error answers; and the opt-in they need."""

from __future__ import annotations

import base64
import logging
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.audit.models import AuditEvent
from homeshare.config import ConfigError, check_channels
from homeshare.extensions import db
from homeshare.notifications.providers import sms
from homeshare.profiles.models import Profile
from tests.helpers import LocalServer, assert_problem
from tests.notifications.outbox import deliver, delivery_on, stored

T0 = datetime(2027, 5, 3, 10, 0, tzinfo=timezone.utc)
SID, AUTH = "AC0123456789abcdef0123456789abcdef", "twilio-auth-token"
SENDER = "+447700900001"


class TwilioStub(LocalServer):
    """Twilio's ``Messages.json``: records each text's form; ``answers`` are played in turn (then 201)."""

    def __init__(self):
        self.texts: list[dict[str, str]] = []
        self.answers: list[tuple[int, dict, dict]] = []
        super().__init__()

    def answer(self, request, raw):
        assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json", request.path
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{AUTH}".encode()).decode()
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(raw.decode(), strict_parsing=True)
        assert all(len(values) == 1 for values in form.values())
        self.texts.append({key: values[0] for key, values in form.items()})
        return self.answers.pop(0) if self.answers else (201, {"sid": "SM1", "status": "queued"}, {})


def twilio_error(status: int, code: int, message: str = "error", headers=None):
    return status, {"code": code, "message": message, "status": status,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}"}, headers or {}


@pytest.fixture
def twilio(app, monkeypatch):
    stub = TwilioStub()
    for name, value in {"HOMESHARE_TWILIO_ACCOUNT_SID": SID, "HOMESHARE_TWILIO_AUTH_TOKEN": AUTH,
                        "HOMESHARE_TWILIO_FROM": SENDER, "HOMESHARE_TWILIO_BASE_URL": stub.url,
                        "HOMESHARE_SMTP_URL": None, "HOMESHARE_PUSH_WEBHOOK_URL": None,
                        "HOMESHARE_FCM_PROJECT_ID": None}.items():
        monkeypatch.setitem(app.config, name, value)
    yield stub
    stub.close()


def texting(app, make, phone="07911 123456", opt_in=True, without_login=False, scheme=None):
    scheme = scheme or make.scheme()
    person = make.without_login("householder", scheme) if without_login else make.sharer(scheme)
    with app.app_context():
        db.session.execute(sa.update(Profile).where(Profile.account_id == uuid.UUID(person.id)).values(phone=phone))
        db.session.execute(sa.update(Account).where(Account.id == uuid.UUID(person.id)).values(sms_opt_in=opt_in))
        db.session.commit()
        db.session.remove()
    return person


def notify(app, account_id, key="sms:1", title="Check-in due", body="Your check-in with Rose is due today."):
    stored(app, account_id, kind="match_proposed", title=title, body=body, key=key, data={"match_id": "m-1"}, now=T0)


def sms_delivery(app):
    return delivery_on(app, "sms")


def test_an_opted_in_person_gets_a_short_text_at_their_mobile_number(app, make, twilio):
    person = texting(app, make, phone="07911 123456")
    notify(app, person.id)
    assert deliver(app, T0) == 2  # log and sms
    assert twilio.texts == [{"To": "+447911123456", "From": SENDER,
                             "Body": "Check-in due: Your check-in with Rose is due today."}]
    delivery = sms_delivery(app)
    assert (delivery.status.value, delivery.last_error) == ("sent", None)
    assert deliver(app, T0 + timedelta(hours=1)) == 0


def test_a_messaging_service_sends_in_place_of_a_number(app, make, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "HOMESHARE_TWILIO_FROM", "MG0123456789abcdef0123456789abcdef")
    person = texting(app, make)
    notify(app, person.id)
    deliver(app, T0)
    assert twilio.texts[0]["MessagingServiceSid"] == "MG0123456789abcdef0123456789abcdef"
    assert "From" not in twilio.texts[0]


def test_a_text_is_one_segment_whatever_the_alphabet(app, make, twilio):
    person = texting(app, make)
    notify(app, person.id, body="x" * 300)
    notify(app, person.id, key="sms:2", title="Visite à faire — demain", body="ż" * 300)
    deliver(app, T0)
    plain, unicode = sorted((t["Body"] for t in twilio.texts), key=lambda b: b.startswith("Visite"))
    assert len(plain) == sms.SEGMENT_GSM7 and plain.endswith("...")
    assert len(unicode) == sms.SEGMENT_UCS2 and unicode.endswith("…")
    assert sms.text("{" * 100, "") == "{" * 78 + "..."  # two septets each: 156 + 3 of 160


def test_a_person_who_did_not_say_yes_gets_no_text(app, make, twilio):
    person = texting(app, make, opt_in=False)
    notify(app, person.id)
    deliver(app, T0)
    assert twilio.texts == []
    assert sms_delivery(app).status.value == "sent"


@pytest.mark.parametrize("phone", ["0113 496 0000", "12345", "not a number", None])
def test_no_valid_mobile_number_sends_nothing_and_says_why_without_retrying(app, make, twilio, phone):
    person = texting(app, make, phone=phone)
    notify(app, person.id)
    deliver(app, T0)
    delivery = sms_delivery(app)
    assert (delivery.status.value, delivery.attempts) == ("sent", 1)
    assert "no valid mobile number" in delivery.last_error
    assert twilio.texts == []


def test_too_many_requests_waits_for_retry_after(app, make, twilio):
    twilio.answers.append(twilio_error(429, 20429, "Too Many Requests", {"Retry-After": "300"}))
    person = texting(app, make)
    notify(app, person.id)
    deliver(app, T0)
    delivery = sms_delivery(app)
    assert (delivery.status.value, delivery.next_attempt_at) == ("pending", T0 + timedelta(seconds=300))
    assert deliver(app, T0 + timedelta(seconds=299)) == 0
    assert deliver(app, T0 + timedelta(seconds=300)) == 1
    assert len(twilio.texts) == 2 and sms_delivery(app).status.value == "sent"


def test_a_server_error_is_retried_with_backoff(app, make, twilio):
    twilio.answers.append(twilio_error(503, 20503, "Service Unavailable"))
    person = texting(app, make)
    notify(app, person.id)
    deliver(app, T0)
    delivery = sms_delivery(app)
    assert (delivery.status.value, delivery.next_attempt_at) == ("pending", T0 + timedelta(seconds=60))
    assert "503" in delivery.last_error
    deliver(app, T0 + timedelta(seconds=60))
    assert sms_delivery(app).status.value == "sent"


def test_a_number_twilio_refuses_is_not_retried(app, make, twilio):
    twilio.answers.append(twilio_error(400, 21211, "The 'To' number is not a valid phone number."))
    person = texting(app, make)
    notify(app, person.id)
    deliver(app, T0)
    delivery = sms_delivery(app)
    assert (delivery.status.value, delivery.attempts) == ("dead", 1)
    assert "21211" in delivery.last_error
    deliver(app, T0 + timedelta(days=1))
    assert len(twilio.texts) == 1


def test_refused_credentials_are_logged_as_an_error_and_retried(app, make, twilio, caplog):
    twilio.answers.append(twilio_error(401, 20003, "Authenticate"))
    person = texting(app, make)
    notify(app, person.id)
    with caplog.at_level(logging.ERROR, logger="homeshare.notifications"):
        deliver(app, T0)
    assert any(r.levelno == logging.ERROR and "credentials" in r.getMessage() for r in caplog.records)
    assert sms_delivery(app).status.value == "pending"


def test_twilio_out_of_reach_is_retried(app, make, twilio):
    twilio.close()
    person = texting(app, make)
    notify(app, person.id)
    deliver(app, T0)
    delivery = sms_delivery(app)
    assert delivery.status.value == "pending" and "unreachable" in delivery.last_error


@pytest.mark.parametrize("settings", [{"HOMESHARE_TWILIO_ACCOUNT_SID": SID},
                                      {"HOMESHARE_TWILIO_ACCOUNT_SID": SID, "HOMESHARE_TWILIO_AUTH_TOKEN": AUTH},
                                      {"HOMESHARE_TWILIO_FROM": SENDER}])
def test_twilio_configured_in_part_is_refused(settings):
    with pytest.raises(ConfigError, match="Text messages need"):
        check_channels(settings)


# The opt-in ---------------------------------------------------------------------------------------


def opt_in_events(app):
    with app.app_context():
        events = db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.target_id, AuditEvent.after)
                                    .where(AuditEvent.action == "account.sms_opt_in_set")
                                    .order_by(AuditEvent.occurred_at)).all()
        db.session.remove()
    return [(str(actor), str(target), after) for actor, target, after in events]


def test_a_person_says_yes_to_texts_and_no_again(app, client, make):
    person = make.sharer(make.scheme())
    session = make.login(client, person)
    assert client.get("/api/v1/me", headers=session.headers).json["sms_opt_in"] is False
    for _ in range(2):  # the same again changes nothing
        response = client.put("/api/v1/me/sms", headers=session.headers, json={"sms_opt_in": True})
        assert response.status_code == 200 and response.json == {"sms_opt_in": True}
    assert client.get("/api/v1/me", headers=session.headers).json["sms_opt_in"] is True
    assert client.put("/api/v1/me/sms", headers=session.headers, json={"sms_opt_in": False}).json == {"sms_opt_in": False}
    assert opt_in_events(app) == [(person.id, person.id, {"sms_opt_in": True}),
                                  (person.id, person.id, {"sms_opt_in": False})]


@pytest.mark.parametrize("body", [{}, {"sms_opt_in": "maybe"}, {"sms_opt_in": True, "phone": "07911 123456"}])
def test_a_malformed_answer_is_refused_and_changes_nothing(app, client, make, body):
    person = make.sharer(make.scheme())
    session = make.login(client, person)
    assert_problem(client.put("/api/v1/me/sms", headers=session.headers, json=body), 422)
    assert client.get("/api/v1/me", headers=session.headers).json["sms_opt_in"] is False
    assert opt_in_events(app) == []


def test_a_coordinator_says_it_for_a_person_without_a_login_only(app, client, make):
    scheme = make.scheme()
    office = make.login(client, make.coordinator(scheme))
    without = make.without_login("householder", scheme)
    response = client.put(f"/api/v1/people/{without.id}/sms", headers=office.headers, json={"sms_opt_in": True})
    assert response.status_code == 200 and response.json == {"sms_opt_in": True}
    assert opt_in_events(app) == [(office.person.id, without.id, {"sms_opt_in": True})]

    with_login = make.sharer(scheme)
    assert_problem(client.put(f"/api/v1/people/{with_login.id}/sms", headers=office.headers,
                              json={"sms_opt_in": True}), 409, "has-login")
    elsewhere = make.without_login("sharer", make.scheme())
    assert_problem(client.put(f"/api/v1/people/{elsewhere.id}/sms", headers=office.headers,
                              json={"sms_opt_in": True}), 404)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)
                                 .where(Account.sms_opt_in.is_(True))) == 1
        db.session.remove()
    assert len(opt_in_events(app)) == 1


def test_a_person_without_a_login_gets_texts_once_their_coordinator_says_yes(app, client, make, twilio):
    scheme = make.scheme()
    office = make.login(client, make.coordinator(scheme))
    person = texting(app, make, opt_in=False, without_login=True, scheme=scheme)
    notify(app, person.id)
    deliver(app, T0)
    client.put(f"/api/v1/people/{person.id}/sms", headers=office.headers, json={"sms_opt_in": True})
    notify(app, person.id, key="sms:2")
    deliver(app, T0)
    assert [t["To"] for t in twilio.texts] == ["+447911123456"]  # the one sent after the yes
