"""The scheme website's enquiry form: no sign-in, one answer for everything, repeats and
bots store nothing new, and limits per client address and per contact."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.enquiries.models import Enquiry
from homeshare.extensions import db
from tests import factories
from tests.accounts.test_throttling import retry_after, throttled_app
from tests.helpers import assert_problem, at_once

FORM = {"name": "Margaret Hill", "contact": "0113 496 0000", "seeking": "householder",
        "message": "My mother would like company and help with the shopping."}
ANSWER = {"message": "Thank you. Someone from the scheme will be in touch soon."}


def form_url(slug):
    return f"/api/v1/schemes/by-slug/{slug}/enquiries"


def send(client, slug, address="203.0.113.1", **body):
    return client.post(form_url(slug), json={**FORM, **body}, environ_base={"REMOTE_ADDR": address})


def stored(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(Enquiry).order_by(Enquiry.created_at)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def scheme(make, clock):
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    return make.scheme()


def test_an_enquiry_from_the_website_waits_for_an_owner_and_tells_the_coordinators(app, client, make, scheme):
    coordinators = [make.login(client, make.coordinator(scheme)) for _ in range(2)]
    response = send(client, scheme.slug)
    assert response.status_code == 202 and response.json == ANSWER
    [enquiry] = stored(app)
    assert enquiry.source.value == "website" and enquiry.owner_id is None and enquiry.stage.value == "enquiry"
    assert enquiry.notes == FORM["message"] and enquiry.contact_name is None
    assert str(enquiry.enquiry_on) == "2027-03-31"
    for coordinator in coordinators:
        inbox = client.get("/api/v1/me/notifications", headers=coordinator.headers).json["items"]
        [alert] = [n for n in inbox if n["kind"] == "enquiry_received"]
        assert alert["data"] == {"enquiry_id": str(enquiry.id)}
        assert FORM["name"] not in alert["body"] and FORM["contact"] not in alert["body"]
    listed = client.get(f"/api/v1/schemes/{scheme.id}/enquiries", headers=coordinators[0].headers).json
    assert [item["id"] for item in listed["items"]] == [str(enquiry.id)]
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enquiry.received")).one()
        assert event.actor_id is None and event.after["name"] == "[personal data]"


def test_the_same_person_again_that_day_is_one_enquiry(app, client, make, scheme, clock):
    coordinator = make.login(client, make.coordinator(scheme))
    assert send(client, scheme.slug).json == ANSWER
    # The same contact however it is typed, and the same name in other case and spacing.
    assert send(client, scheme.slug, contact="0113-496-0000 ", name="margaret  HILL").json == ANSWER
    assert len(stored(app)) == 1
    inbox = client.get("/api/v1/me/notifications", headers=coordinator.headers).json["items"]
    assert len([n for n in inbox if n["kind"] == "enquiry_received"]) == 1
    assert send(client, scheme.slug, name="Bernard Hill").status_code == 202
    clock.advance(days=1)
    assert send(client, scheme.slug).status_code == 202
    assert len(stored(app)) == 3


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(app, client, make, scheme):
    coordinator = make.login(client, make.coordinator(scheme))
    response = send(client, scheme.slug, website="http://spam.example")
    assert response.status_code == 202 and response.json == ANSWER
    assert stored(app) == []
    assert client.get("/api/v1/me/notifications", headers=coordinator.headers).json["items"] == []
    assert send(client, scheme.slug, website="").status_code == 202
    assert len(stored(app)) == 1


def test_bad_input_and_unknown_schemes(app, client, scheme):
    assert_problem(send(client, "no-such-scheme"), 404)
    assert_problem(send(client, "x" * 300), 404)
    for body in ({"seeking": "landlord"}, {"name": ""}, {"contact": "x" * 201}, {"source": "council"},
                 {"owner_id": str(uuid.uuid4())}, {"website": "x" * 201}):
        assert_problem(send(client, scheme.slug, **body), 422)
    assert_problem(client.post(form_url(scheme.slug), json=["not", "an", "object"]), 422)
    assert_problem(client.post(form_url(scheme.slug), data="name=x", content_type="application/x-www-form-urlencoded"),
                   415)
    assert stored(app) == []


def test_the_form_is_throttled_per_address_and_per_contact(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_ENQUIRY_RATE_LIMIT="3 per hour",
                       HOMESHARE_ENQUIRY_CONTACT_RATE_LIMIT="2 per hour") as throttled:
        scheme = factories.Factories(throttled).scheme()
        client = throttled.test_client()
        address = "198.51.100.20"
        for number in range(3):
            assert send(client, scheme.slug, address, contact=f"0700 000 00{number}").status_code == 202
        refused = send(client, scheme.slug, address, contact="0700 000 009")
        assert_problem(refused, 429, "too-many-requests")
        assert retry_after(refused) <= 3600
        # Another address, but a contact already used twice (written another way): refused too.
        assert send(client, scheme.slug, "198.51.100.21", contact="07000 00000", name="A").status_code == 202
        assert_problem(send(client, scheme.slug, "198.51.100.22", contact="0700-000-000", name="B"), 429)
        assert send(client, scheme.slug, "198.51.100.23", contact="someone@example.org").status_code == 202
        with throttled.app_context():
            contacts = sorted(db.session.scalars(sa.select(Enquiry.contact)).all())
            db.session.remove()
        assert "0700 000 009" not in contacts and "0700-000-000" not in contacts


def test_the_same_form_sent_at_once_stores_one_enquiry(app, client, make, scheme):
    make.coordinator(scheme)
    answers = at_once(lambda: app.test_client().post(form_url(scheme.slug), json=FORM), 4)
    assert [answer.status_code for answer in answers] == [202] * 4
    assert all(answer.json == ANSWER for answer in answers)
    assert len(stored(app)) == 1
