"""Invitations: a coordinator invites a person (or representative) who has no login, and the
app claims the code to give that same record an email and a password. Through HTTP, and the
code's format directly."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import date, timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from homeshare.accounts import codes
from homeshare.accounts.models import Account, AuthSession, Invitation, Origin
from homeshare.audit.models import AuditEvent
from homeshare.behalf import service as behalf
from homeshare.behalf.models import How, Relationship, Scope
from homeshare.extensions import db
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Notification
from tests.accounts.test_throttling import throttled_app
from tests.factories import PASSWORD
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

CLAIM = "/api/v1/auth/invitation"
CODE_SHAPE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def invitations_url(account_id) -> str:
    return f"/api/v1/accounts/{account_id}/invitations"


def add_person(client, coordinator, scheme, role="householder", **details):
    response = client.post(f"/api/v1/schemes/{scheme.id}/people", headers=coordinator.headers,
                           json={"role": role, "first_name": "Edith", "last_name": "Crowther", **details})
    assert response.status_code == 201, response.json
    return response.json["person_id"]


def invite(client, coordinator, account_id, channel="phone", **body):
    response = client.post(invitations_url(account_id), headers=coordinator.headers, json={"channel": channel, **body})
    assert response.status_code == 201, response.json
    return response.json


def claim(client, code, email="edith@example.org", password=PASSWORD, **environ):
    return client.post(CLAIM, json={"code": code, "email": email, "password": password}, environ_base=environ)


def bearer(tokens) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def account_row(app, account_id) -> Account:
    with app.app_context():
        found = db.session.get(Account, uuid.UUID(str(account_id)))
        db.session.expunge_all()
        db.session.remove()
    return found


@pytest.fixture
def desk_scheme(make):
    return make.scheme()


@pytest.fixture
def coordinator(client, make, desk_scheme):
    return make.login(client, make.coordinator(desk_scheme))


# Inviting ----------------------------------------------------------------------------------


def test_an_invitation_by_phone_shows_its_code_once_and_keeps_only_a_hash(app, client, coordinator, desk_scheme,
                                                                           clock):
    person_id = add_person(client, coordinator, desk_scheme)
    answer = invite(client, coordinator, person_id, channel="phone")

    assert set(answer) == {"invitation_id", "code", "channel", "expires_at"}
    assert CODE_SHAPE.match(answer["code"]) and answer["channel"] == "phone"
    assert answer["expires_at"].startswith((clock.now + timedelta(days=14)).date().isoformat())
    with app.app_context():
        row = db.session.get(Invitation, uuid.UUID(answer["invitation_id"]))
        stored = " ".join(str(value) for value in (row.code_hash, row.sent_to, row.channel))
        assert answer["code"].replace("-", "") not in stored and row.sent_to is None
        assert row.code_hash == codes.invitation_hash(codes.normalise_invitation_code(answer["code"]))
        # Nothing is emailed by phone; the trail says it happened, never the code.
        assert db.session.scalars(sa.select(Notification).where(
            Notification.account_id == uuid.UUID(person_id))).all() == []
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.created")).one()
        assert (event.target_type, str(event.target_id), str(event.actor_id)) == (
            "account", person_id, coordinator.person.id)
        assert event.after["channel"] == "phone" and event.after["expires_at"]
        assert answer["code"] not in str(event.after) and row.code_hash not in str(event.after)
        db.session.remove()


def test_the_scheme_says_how_long_an_invitation_lasts(client, coordinator, desk_scheme, clock):
    changed = client.patch(f"/api/v1/schemes/{desk_scheme.id}", headers=coordinator.headers,
                           json={"settings": {"invitation_days": 3}})
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"]["invitation_days"] == 3
    answer = invite(client, coordinator, add_person(client, coordinator, desk_scheme), channel="letter")
    assert answer["expires_at"].startswith((clock.now + timedelta(days=3)).date().isoformat())
    for days in (0, 61):
        refused = client.patch(f"/api/v1/schemes/{desk_scheme.id}", headers=coordinator.headers,
                               json={"settings": {"invitation_days": days}})
        assert_problem(refused, 422, "validation-error")


def test_an_invitation_by_email_puts_the_code_in_the_outbox_for_that_address(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    answer = invite(client, coordinator, person_id, channel="email", email="  Edith@Example.ORG ")

    with app.app_context():
        [email] = db.session.scalars(sa.select(Notification).where(
            Notification.account_id == uuid.UUID(person_id))).all()
        assert (email.kind, email.to_address) == ("invitation", "edith@example.org")
        assert answer["code"] in email.title and answer["code"] in email.body
        db.session.remove()
    # Like every email about the account itself, it is never in an inbox.
    session = claim(client, answer["code"]).json
    assert client.get("/api/v1/me/notifications", headers=bearer(session)).json["items"] == []


def test_the_invitation_email_is_sent_to_the_address_given(app, client, coordinator, desk_scheme):
    received = []

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    saved = app.config.get("HOMESHARE_SMTP_URL")
    app.config["HOMESHARE_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        answer = invite(client, coordinator, add_person(client, coordinator, desk_scheme), channel="email",
                        email="edith@example.org")
        with app.app_context():
            assert notifications.deliver_due() == 1
            db.session.remove()
    finally:
        app.config["HOMESHARE_SMTP_URL"] = saved
        controller.stop()
    [envelope] = received
    message = message_from_bytes(envelope.content)
    assert envelope.rcpt_tos == ["edith@example.org"] and message["To"] == "edith@example.org"
    assert answer["code"] in message["Subject"]


def test_the_body_says_how_and_where(client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    url = invitations_url(person_id)
    for body in ({"channel": "email"}, {"channel": "phone", "email": "edith@example.org"},
                 {"channel": "pigeon"}, {}, {"channel": 3}, {"channel": None}, {"channel": ["phone"]},
                 {"channel": "email", "email": "not an address"}, {"channel": "phone", "code": "ABCD"}):
        assert_problem(client.post(url, headers=coordinator.headers, json=body), 422, "validation-error")
    malformed = client.post(url, headers={**coordinator.headers, "Content-Type": "application/json"}, data="{")
    assert_problem(malformed, 400, "malformed-json")
    assert_problem(client.post(url, headers=coordinator.headers, json=["phone"]), 422)
    assert_problem(client.post(url, headers=coordinator.headers), 422)


def test_only_people_without_a_login_are_invited(client, make, coordinator, desk_scheme):
    with_login = make.householder(desk_scheme)
    refused = client.post(invitations_url(with_login.id), headers=coordinator.headers, json={"channel": "phone"})
    assert "login already" in assert_problem(refused, 409, "has-login")["detail"]
    staff = make.coordinator(desk_scheme)
    assert_problem(client.post(invitations_url(staff.id), headers=coordinator.headers, json={"channel": "phone"}),
                   409, "not-invitable")
    person_id = add_person(client, coordinator, desk_scheme)
    assert client.post(f"/api/v1/accounts/{person_id}/deactivate", headers=coordinator.headers,
                       json={"reason": "Moved away."}).status_code == 200
    assert_problem(client.post(invitations_url(person_id), headers=coordinator.headers, json={"channel": "phone"}),
                   409, "account-inactive")


def test_other_schemes_and_other_roles_do_not_invite(client, make, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    elsewhere = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.post(invitations_url(person_id), headers=elsewhere.headers, json={"channel": "phone"}),
                   404, "not-found")
    assert_problem(client.post(invitations_url(uuid.uuid4()), headers=coordinator.headers,
                               json={"channel": "phone"}), 404, "not-found")
    for caller in (make.householder(desk_scheme), make.admin()):
        session = make.login(client, caller)
        assert_problem(client.post(invitations_url(person_id), headers=session.headers, json={"channel": "phone"}),
                       403, "forbidden")
    assert_problem(client.post(invitations_url(person_id), json={"channel": "phone"}), 401)


# Claiming -----------------------------------------------------------------------------------


def test_claiming_signs_in_and_keeps_the_same_record(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme, preferred_name="Edie")
    code = invite(client, coordinator, person_id, channel="letter")["code"]

    claimed = claim(client, code.lower().replace("-", " "), email=" Edith@Example.org")
    assert claimed.status_code == 200, claimed.json
    assert set(claimed.json) == {"access_token", "refresh_token", "token_type", "expires_in", "refresh_expires_in"}
    me = client.get("/api/v1/me", headers=bearer(claimed.json)).json
    assert (me["id"], me["email"], me["role"], me["has_login"], me["origin"]) == (
        person_id, "edith@example.org", "householder", True, "coordinator")
    # Not sent to that address: a code to verify it goes there, as after registering.
    assert me["email_verified_at"] is None
    with app.app_context():
        [sent] = db.session.scalars(sa.select(Notification).where(
            Notification.account_id == uuid.UUID(person_id))).all()
        assert (sent.kind, sent.to_address) == ("email_verification", None)
        code_sent = re.search(r"\b(\d{6})\b", sent.body).group(1)
        row = db.session.scalars(sa.select(Invitation)).one()
        assert row.used_at is not None and row.voided_at is None
        db.session.remove()
    profile = client.get("/api/v1/me/profile", headers=bearer(claimed.json))
    assert (profile.json["person_id"], profile.json["first_name"], profile.json["preferred_name"]) == (
        person_id, "Edith", "Edie")
    assert client.post("/api/v1/auth/verification", headers=bearer(claimed.json),
                       json={"code": code_sent}).json["email_verified_at"]
    # From now on, as anyone: sign in with the email and password; the coordinator sees the login.
    signed_in = client.post("/api/v1/auth/login", json={"email": "edith@example.org", "password": PASSWORD})
    assert signed_in.status_code == 200
    people = client.get(f"/api/v1/schemes/{desk_scheme.id}/accounts", headers=coordinator.headers,
                        query_string={"role": "householder"}).json["items"]
    assert [(p["id"], p["has_login"]) for p in people] == [(person_id, True)]
    # And a second invitation is refused: the account has a login now.
    assert_problem(client.post(invitations_url(person_id), headers=coordinator.headers, json={"channel": "phone"}),
                   409, "has-login")


def test_claiming_with_the_address_it_was_emailed_to_verifies_it(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id, channel="email", email="edith@example.org")["code"]
    tokens = claim(client, code, email="EDITH@example.org").json
    assert client.get("/api/v1/me", headers=bearer(tokens)).json["email_verified_at"]
    with app.app_context():
        kinds = db.session.scalars(sa.select(Notification.kind).where(
            Notification.account_id == uuid.UUID(person_id))).all()
        assert kinds == ["invitation"]  # no verification code: the address is proven
        db.session.remove()


def test_a_person_in_a_match_claims_and_finds_the_same_match(app, client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    # The householder as a coordinator would have added them: no email, no password, no session.
    with app.app_context():
        householder = db.session.get(Account, uuid.UUID(desk.householder_person.id))
        householder.email = householder.password_hash = householder.email_verified_at = None
        householder.origin = Origin.COORDINATOR
        db.session.execute(sa.delete(AuthSession).where(AuthSession.account_id == householder.id))
        db.session.commit()
        db.session.remove()
    code = invite(client, desk.coordinator, desk.householder_person.id)["code"]

    tokens = claim(client, code, email="peggy@example.org").json
    [match] = client.get("/api/v1/me/matches", headers=bearer(tokens)).json["items"]
    assert match["id"] == desk.match_id
    assert client.get(f"/api/v1/me/matches/{desk.match_id}", headers=bearer(tokens)).status_code == 200
    assert desk.detail()["householder_id"] == desk.householder_person.id


def test_a_representative_is_invited_and_claims(app, client, make, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    with app.app_context():
        actor = db.session.get(Account, uuid.UUID(coordinator.person.id))
        link, _ = behalf.link(actor=actor, person=db.session.get(Account, uuid.UUID(person_id)), values={
            "relationship": Relationship.FAMILY, "consent_on": date.today(), "consent_how": How.IN_PERSON,
            "scopes": [Scope.SEE_MATCH],
            "representative": {"full_name": "Jean Crowther", "phone": "0113 496 0001",
                               "contact_email": "jean@example.org"}})
        representative_id = str(link.representative_id)
        db.session.remove()
    code = invite(client, coordinator, representative_id, channel="email", email="jean@example.org")["code"]

    tokens = claim(client, code, email="jean@example.org").json
    me = client.get("/api/v1/me", headers=bearer(tokens)).json
    assert (me["id"], me["role"], me["has_login"]) == (representative_id, "representative", True)
    assert client.post("/api/v1/auth/login", json={"email": "jean@example.org", "password": PASSWORD}).status_code \
        == 200


def test_a_new_invitation_replaces_the_old(client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    old = invite(client, coordinator, person_id)["code"]
    new = invite(client, coordinator, person_id, channel="email", email="edith@example.org")["code"]
    assert old != new
    body = assert_problem(claim(client, old), 410, "invitation-replaced")
    assert "newer one" in body["detail"]
    assert claim(client, new).status_code == 200


def test_a_used_code_is_gone_but_the_same_claim_again_signs_in_again(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    first = claim(client, code)
    assert first.status_code == 200

    again = claim(client, code.replace("-", ""))  # the phone lost the answer
    assert again.status_code == 200 and again.json["refresh_token"] != first.json["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(again.json)).json["id"] == person_id
    assert client.get("/api/v1/me", headers=bearer(first.json)).status_code == 200  # both sessions live
    for other in ({"email": "someone.else@example.org"}, {"password": "not the password chosen"}):
        body = assert_problem(claim(client, code, **other), 410, "invitation-used")
        assert "used already" in body["detail"]
    with app.app_context():
        assert db.session.scalar(sa.select(Account.email).where(Account.id == uuid.UUID(person_id))) \
            == "edith@example.org"
        db.session.remove()


def test_the_same_claim_sent_at_once_signs_in_each_time_and_sets_the_login_once(app, client, coordinator,
                                                                                 desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]

    answers = at_once(lambda: claim(app.test_client(), code).status_code, 3)
    assert answers == [200] * 3
    with app.app_context():
        row = db.session.scalars(sa.select(Invitation)).one()
        assert row.used_at is not None
        account = db.session.get(Account, uuid.UUID(person_id))
        assert account.email == "edith@example.org" and account.password_hash
        codes_sent = db.session.scalars(sa.select(Notification.kind).where(
            Notification.account_id == account.id)).all()
        assert codes_sent == ["email_verification"]
        db.session.remove()


def test_different_claims_of_one_code_at_once_give_one_login(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    emails = iter(["first@example.org", "second@example.org", "third@example.org"])

    answers = at_once(lambda: claim(app.test_client(), code, email=next(emails)).status_code, 3)
    assert sorted(answers) == [200, 410, 410]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(
            Account.email.in_(["first@example.org", "second@example.org", "third@example.org"]))) == 1
        db.session.remove()


def test_an_expired_code_is_gone(client, coordinator, desk_scheme, clock):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    clock.advance(days=14)
    body = assert_problem(claim(client, code), 410, "invitation-expired")
    assert "expired" in body["detail"]
    # The same claim after the time a repeat is honoured: used, not a way in.
    fresh = invite(client, coordinator, person_id)["code"]
    assert claim(client, fresh).status_code == 200
    clock.advance(days=15)
    assert_problem(claim(client, fresh), 410, "invitation-used")


def test_a_closed_account_cannot_be_claimed(client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    assert client.post(f"/api/v1/accounts/{person_id}/deactivate", headers=coordinator.headers,
                       json={}).status_code == 200
    assert_problem(claim(client, code), 410, "invitation-withdrawn")


def test_a_wrong_code_is_not_valid(client, coordinator, desk_scheme):
    code = invite(client, coordinator, add_person(client, coordinator, desk_scheme))["code"]
    last = "A" if code[-1] != "A" else "B"
    for wrong in (code[:-1] + last, "ABCD-EFGH-JKL", "0000-0000-0000", "not a code at all", "x"):
        body = assert_problem(claim(client, wrong), 422, "invitation-not-valid")
        assert "code" in body["errors"]
    assert claim(client, code).status_code == 200


def test_an_email_another_account_has_is_refused(client, make, coordinator, desk_scheme):
    owner = make.sharer(make.scheme(), email="taken@example.org")
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    body = assert_problem(claim(client, code, email="Taken@Example.org"), 409, "email-taken")
    assert "Another account" in body["detail"]
    # Nothing was used up: the code still works with another address.
    assert claim(client, code, email="edith@example.org").status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}).status_code == 200


def test_bad_input_is_refused_never_a_server_error(client, coordinator, desk_scheme):
    code = invite(client, coordinator, add_person(client, coordinator, desk_scheme))["code"]
    bodies = [
        {}, {"code": code}, {"code": code, "email": "edith@example.org"},
        {"code": 123456789012, "email": "edith@example.org", "password": PASSWORD},
        {"code": None, "email": "edith@example.org", "password": PASSWORD},
        {"code": [code], "email": "edith@example.org", "password": PASSWORD},
        {"code": code, "email": "not an address", "password": PASSWORD},
        {"code": code, "email": "edith@example.org", "password": "short"},
        {"code": code, "email": "edith@example.org", "password": 1234567890123},
        {"code": code, "email": "edith@example.org", "password": PASSWORD, "role": "coordinator"},
        {"code": "", "email": "edith@example.org", "password": PASSWORD},
        {"code": "A" * 65, "email": "edith@example.org", "password": PASSWORD},
    ]
    for body in bodies:
        assert_problem(client.post(CLAIM, json=body), 422, "validation-error")
    assert_problem(client.post(CLAIM, json=[code]), 422)
    assert_problem(client.post(CLAIM, data="{", headers={"Content-Type": "application/json"}), 400, "malformed-json")
    assert_problem(client.post(CLAIM, data="code", headers={"Content-Type": "text/plain"}), 415)
    assert_problem(client.post(CLAIM), 422)
    assert claim(client, code).status_code == 200  # none of it used the code


def test_claims_are_throttled_per_address_and_failed_ones_counted(app, client, coordinator, desk_scheme, tmp_path):
    codes_given = [invite(client, coordinator, add_person(client, coordinator, desk_scheme))["code"]
                   for _ in range(2)]
    with throttled_app(app, tmp_path, HOMESHARE_LOGIN_RATE_LIMIT="3 per minute") as throttled:
        guesser = throttled.test_client()
        for _ in range(3):
            assert_problem(claim(guesser, "ABCD-EFGH-JKLM", REMOTE_ADDR="192.0.2.30"), 422, "invitation-not-valid")
        refused = claim(guesser, codes_given[0], REMOTE_ADDR="192.0.2.30")
        assert_problem(refused, 429, "too-many-requests")
        assert int(refused.headers["Retry-After"]) > 0

    with throttled_app(app, tmp_path, HOMESHARE_LOCKOUT_FAILURES=3) as throttled:
        guesser = throttled.test_client()
        for _ in range(3):
            assert_problem(claim(guesser, "ABCD-EFGH-JKLM", REMOTE_ADDR="192.0.2.31"), 422, "invitation-not-valid")
        # Once the failures fill the window, the address's claims are refused unchecked, even a right one.
        locked = claim(guesser, codes_given[0], REMOTE_ADDR="192.0.2.31")
        body = assert_problem(locked, 429, "invitation-claims-locked")
        assert int(locked.headers["Retry-After"]) > 0 and "coordinator" in body["detail"]
        # Another address is counted on its own; right claims (and their repeats) are not counted.
        for _ in range(4):
            assert claim(guesser, codes_given[1], email="ada@example.org", REMOTE_ADDR="192.0.2.32").status_code \
                == 200


def test_an_erased_person_loses_their_invitations(app, client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id, channel="email", email="edith@example.org")["code"]
    assert client.delete(f"/api/v1/people/{person_id}", headers=coordinator.headers).status_code == 204
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation)).all() == []
        assert db.session.scalars(sa.select(Notification)).all() == []
        db.session.remove()
    assert_problem(claim(client, code), 422, "invitation-not-valid")


def test_a_login_less_account_never_signs_in_until_it_claims(client, coordinator, desk_scheme):
    person_id = add_person(client, coordinator, desk_scheme)
    code = invite(client, coordinator, person_id)["code"]
    sign_in = {"email": "edith@example.org", "password": PASSWORD}
    assert_problem(client.post("/api/v1/auth/login", json=sign_in), 401, "invalid-credentials")
    assert claim(client, code).status_code == 200
    assert client.post("/api/v1/auth/login", json=sign_in).status_code == 200


# The code's format --------------------------------------------------------------------------


def test_new_codes_are_twelve_unambiguous_characters_in_groups(app):
    made = {codes.new_invitation_code() for _ in range(200)}
    assert len(made) == 200 and all(CODE_SHAPE.match(code) for code in made)
    assert not set("".join(made)) & set("01OI")
    assert len(codes.INVITATION_ALPHABET) == 32 and codes.INVITATION_LENGTH * 5 >= 60


@pytest.mark.parametrize(("typed", "normalised"), [
    ("K7QM-4WXT-HN2P", "K7QM4WXTHN2P"),
    ("k7qm-4wxt-hn2p", "K7QM4WXTHN2P"),
    ("K7QM4WXTHN2P", "K7QM4WXTHN2P"),
    (" k7qm 4wxt hn2p ", "K7QM4WXTHN2P"),
    ("K7QM\u20134WXT\u2014HN2P", "K7QM4WXTHN2P"),  # dashes a phone's keyboard makes
    ("K7QM.4WXT.HN2P", "K7QM4WXTHN2P"),
    ("\uff2b\uff17\uff31\uff2d-4WXT-HN2P", "K7QM4WXTHN2P"),  # full-width letters
    ("K7QM-4WXT-HN2", None),  # too short
    ("K7QM-4WXT-HN2PP", None),  # too long
    ("K7QM-4WXT-HN0P", None),  # 0 is never in a code
    ("K7QM-4WXT-HNOP", None),  # nor O
    ("K7QM-4WXT-HN1P", None),  # nor 1
    ("K7QM-4WXT-HNIP", None),  # nor I
    ("K7QM/4WXT/HN2P", None),
    ("", None),
    ("-" * 64, None),
    ("K" * 65, None),
])
def test_a_typed_code_is_normalised(typed, normalised):
    assert codes.normalise_invitation_code(typed) == normalised


def test_a_code_hashes_the_same_however_it_is_typed(app):
    with app.app_context():
        hashes = {codes.invitation_hash(codes.normalise_invitation_code(typed))
                  for typed in ("K7QM-4WXT-HN2P", "k7qm 4wxt hn2p", "K7QM4WXTHN2P")}
        assert len(hashes) == 1 and len(hashes.pop()) == 64
        assert codes.invitation_hash("K7QM4WXTHN2P") != codes.invitation_hash("K7QM4WXTHN2Q")
