"""Registration that reveals nothing, verifying the email address, and resetting a forgotten
password with a code sent by email: through HTTP, and the code rules directly."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
import sqlalchemy as sa

from homeshare.accounts import codes
from homeshare.accounts.models import Account, AccountCode, CodePurpose
from homeshare.extensions import db
from homeshare.notifications.models import Delivery, Notification
from tests.factories import PASSWORD
from tests.helpers import assert_problem, at_once

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/verification"
RESEND = "/api/v1/auth/verification/resend"
RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirmation"
NEW_PASSWORD = "a brand new passphrase"


def register(client, scheme, **overrides):
    body = {"scheme": scheme.slug, "email": "ada@example.org", "password": PASSWORD, "role": "sharer"}
    body.update(overrides)
    return client.post(REGISTER, json=body)


def emails(app, email: str, kind: str | None = None) -> list[Notification]:
    """The emails in the outbox for the account with this address, oldest first."""
    with app.app_context():
        statement = (sa.select(Notification).join(Account, Account.id == Notification.account_id)
                     .where(Account.email == email).order_by(Notification.created_at))
        if kind:
            statement = statement.where(Notification.kind == kind)
        found = list(db.session.scalars(statement))
        db.session.expunge_all()
        db.session.remove()
    return found


def last_code(app, email: str, kind: str) -> str:
    sent = emails(app, email, kind)
    assert sent, f"no {kind} email for {email}"
    return re.search(r"\b(\d{6})\b", sent[-1].body).group(1)


def accounts_with(app, email: str) -> list[Account]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Account).where(Account.email == email)))
        db.session.expunge_all()
        db.session.remove()
    return found


def sign_in(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def bearer(tokens) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# Registration ------------------------------------------------------------------------------


def test_registration_answers_the_same_whoever_has_an_account(app, client, make):
    scheme, elsewhere = make.scheme(), make.scheme()
    owner = make.householder(scheme, email="owner@example.org")
    new = register(client, scheme, email="  Ada@Example.ORG ", role="householder")
    answers = [
        new,
        register(client, scheme, email="owner@example.org", role="householder", password="a wrong guess here"),
        register(client, scheme, email="owner@example.org", role="householder", password=PASSWORD),  # the right one
        register(client, scheme, email="OWNER@example.org", role="sharer"),
        register(client, elsewhere, email="owner@example.org", role="householder", password=PASSWORD),
    ]
    assert {response.status_code for response in answers} == {202}
    assert all(response.json == new.json for response in answers)
    assert set(new.json) == {"message"} and "check your email" in new.json["message"].lower()

    [account] = accounts_with(app, "ada@example.org")
    assert (account.role.value, account.email_verified_at) == ("householder", None)
    [kept] = accounts_with(app, "owner@example.org")  # nothing changed on the owner's account
    assert kept.role.value == "householder" and str(kept.scheme_id) == scheme.id
    assert sign_in(client, owner.email).status_code == 200
    # The owner is told, once a day however often it is tried; the newcomer gets a code.
    [warning] = emails(app, "owner@example.org")
    assert warning.kind == "registration_attempt" and "already has one" in warning.body
    [code_email] = emails(app, "ada@example.org")
    assert code_email.kind == "email_verification" and re.search(r"\b\d{6}\b", code_email.title)


def test_a_repeated_registration_creates_nothing_twice_and_warns_nobody(app, client, make):
    scheme = make.scheme()
    first, second = register(client, scheme), register(client, scheme)
    assert (first.status_code, second.status_code) == (202, 202) and first.json == second.json
    assert len(accounts_with(app, "ada@example.org")) == 1
    assert [n.kind for n in emails(app, "ada@example.org")] == ["email_verification"]


def test_registrations_at_once_make_one_account(app, make):
    scheme = make.scheme()

    answers = at_once(lambda: register(app.test_client(), scheme).status_code, 4)
    assert answers == [202] * 4
    assert len(accounts_with(app, "ada@example.org")) == 1
    assert [n.kind for n in emails(app, "ada@example.org")] == ["email_verification"]


def test_account_emails_go_by_email_only_never_to_the_inbox_or_a_phone(app, client, make):
    app.config["HOMESHARE_SMTP_URL"] = "smtp://127.0.0.1:9"
    app.config["HOMESHARE_PUSH_WEBHOOK_URL"] = "http://127.0.0.1:9/push"
    try:
        scheme = make.scheme()
        assert register(client, scheme).status_code == 202
    finally:
        app.config["HOMESHARE_SMTP_URL"] = app.config["HOMESHARE_PUSH_WEBHOOK_URL"] = None
    with app.app_context():
        channels = list(db.session.scalars(sa.select(Delivery.channel)))
        db.session.remove()
    assert channels == ["email"]
    # Whoever signs in may not own the address: the code is not in their inbox.
    headers = bearer(sign_in(client, "ada@example.org").json)
    assert client.get("/api/v1/me/notifications", headers=headers).json["items"] == []
    assert client.get("/api/v1/me/notifications/unread-count", headers=headers).json["unread"] == 0
    [sent] = emails(app, "ada@example.org")
    assert_problem(client.post(f"/api/v1/me/notifications/{sent.id}/read", headers=headers), 404)


# Verifying the email address -----------------------------------------------------------------


def test_the_emailed_code_verifies_the_address_once(app, client, make):
    scheme = make.scheme()
    register(client, scheme)
    login = sign_in(client, "ada@example.org")  # an unverified account may sign in
    assert login.status_code == 200
    headers = bearer(login.json)
    assert client.get("/api/v1/me", headers=headers).json["email_verified_at"] is None
    code = last_code(app, "ada@example.org", "email_verification")

    wrong = assert_problem(client.post(VERIFY, headers=headers, json={"code": other(code)}), 422, "validation-error")
    assert wrong["errors"] == {"code": ["This code is not right."]}
    verified = client.post(VERIFY, headers=headers, json={"code": code})
    assert verified.status_code == 200 and verified.json["email_verified_at"] is not None
    repeated = client.post(VERIFY, headers=headers, json={"code": code})  # a phone's retry
    assert repeated.status_code == 200 and repeated.json["email_verified_at"] == verified.json["email_verified_at"]
    assert_problem(client.post(RESEND, headers=headers), 409, "email-already-verified")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 456", "123456\n", 123456, None])
def test_a_code_that_is_not_six_digits_is_refused(client, make, code):
    headers = bearer(make.login(client, make.sharer(make.scheme(), email_verified=False)).tokens)
    body = assert_problem(client.post(VERIFY, headers=headers, json={"code": code}), 422, "validation-error")
    assert "code" in body["errors"]


def test_a_code_takes_five_tries_then_a_new_one_is_needed(app, client, make):
    register(client, make.scheme())
    headers = bearer(sign_in(client, "ada@example.org").json)
    code = last_code(app, "ada@example.org", "email_verification")
    for _ in range(5):
        assert_problem(client.post(VERIFY, headers=headers, json={"code": other(code)}), 422)
    exhausted = assert_problem(client.post(VERIFY, headers=headers, json={"code": code}), 422)
    assert exhausted["errors"] == {"code": ["This code was tried too often: ask for a new one."]}


def test_a_new_code_waits_a_minute_and_replaces_the_last(app, client, make, clock):
    register(client, make.scheme())
    headers = bearer(sign_in(client, "ada@example.org").json)
    first = last_code(app, "ada@example.org", "email_verification")
    too_soon = client.post(RESEND, headers=headers)
    assert_problem(too_soon, 429, "code-sent-recently")
    assert 0 < int(too_soon.headers["Retry-After"]) <= 61
    assert len(emails(app, "ada@example.org")) == 1
    clock.advance(seconds=61)
    resent = client.post(RESEND, headers=headers)
    assert resent.status_code == 202 and set(resent.json) == {"message"}
    second = last_code(app, "ada@example.org", "email_verification")
    if second != first:
        assert_problem(client.post(VERIFY, headers=headers, json={"code": first}), 422)
    assert client.post(VERIFY, headers=headers, json={"code": second}).status_code == 200


def test_a_verification_code_expires_after_a_day(app, client, make, clock):
    register(client, make.scheme())
    code = last_code(app, "ada@example.org", "email_verification")
    clock.advance(hours=24, seconds=1)
    headers = bearer(sign_in(client, "ada@example.org").json)
    body = assert_problem(client.post(VERIFY, headers=headers, json={"code": code}), 422)
    assert body["errors"] == {"code": ["This code is no longer valid: ask for a new one."]}


def test_only_a_keyed_hash_of_the_code_is_stored(app, client, make):
    register(client, make.scheme())
    code = last_code(app, "ada@example.org", "email_verification")
    with app.app_context():
        row = db.session.scalars(sa.select(AccountCode)).one()
        assert code not in row.code_hash and len(row.code_hash) == 64
        assert row.code_hash == codes._hash(row.account_id, CodePurpose.VERIFY_EMAIL, code)
        db.session.remove()


def test_tries_at_once_never_exceed_the_limit(app, make):
    """Ten wrong codes at once: five are compared, the rest are refused as exhausted."""
    person = make.sharer(make.scheme(), email_verified=False)
    with app.app_context():
        account = db.session.get(Account, uuid.UUID(person.id))
        codes.issue(account, CodePurpose.VERIFY_EMAIL)
        db.session.commit()
        db.session.remove()
    reasons: list[str] = []
    start = threading.Barrier(10)

    def attempt():
        with app.app_context():
            account = db.session.get(Account, uuid.UUID(person.id))
            start.wait()
            try:
                codes.use(account, CodePurpose.VERIFY_EMAIL, "not a code")
            except codes.CodeRefused as refused:
                reasons.append(refused.reason)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(reasons) == ["exhausted"] * 5 + ["wrong"] * 5


def test_unverified_people_are_neither_candidates_nor_proposed(app, client, make):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    householder = make.ready("householder", scheme)
    sharer = make.ready("sharer", scheme)
    with app.app_context():
        db.session.execute(sa.update(Account).where(Account.id == uuid.UUID(sharer.id))
                           .values(email_verified_at=None))
        db.session.commit()
        db.session.remove()
    listed = client.get(f"/api/v1/people/{householder.id}/candidates", headers=coordinator.headers)
    assert listed.status_code == 200 and listed.json["pagination"]["total"] == 0
    pool = client.get(f"/api/v1/schemes/{scheme.id}/pool-suggestion", headers=coordinator.headers).json
    assert pool["pairs"] == [] and pool["sharers_waiting"] == 0
    refused = client.post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers,
                          json={"householder_id": householder.id, "sharer_id": sharer.id})
    body = assert_problem(refused, 422, "validation-error")
    assert body["errors"] == {"sharer_id": ["This person has not verified their email address yet."]}


# A forgotten password ------------------------------------------------------------------------


def test_asking_for_a_reset_answers_the_same_whether_or_not_the_email_has_an_account(app, client, make):
    person = make.sharer(make.scheme())
    known = client.post(RESET, json={"email": person.email.upper()})
    unknown = client.post(RESET, json={"email": "nobody@example.org"})
    assert (known.status_code, unknown.status_code) == (202, 202) and known.json == unknown.json
    [sent] = emails(app, person.email)
    assert sent.kind == "password_reset"


def test_the_code_sets_a_new_password_and_ends_every_session(app, client, make):
    person = make.sharer(make.scheme(), email_verified=False)
    session = make.login(client, person)
    client.post(RESET, json={"email": person.email})
    code = last_code(app, person.email, "password_reset")

    body = {"email": person.email, "code": code, "new_password": NEW_PASSWORD}
    done = client.post(CONFIRM, json=body)
    assert done.status_code == 204, done.json
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401)
    assert_problem(sign_in(client, person.email), 401, "invalid-credentials")
    tokens = sign_in(client, person.email, NEW_PASSWORD).json
    # The code came to the address: it is verified now.
    assert client.get("/api/v1/me", headers=bearer(tokens)).json["email_verified_at"] is not None

    # A phone's retry of the same request answers the same and ends nothing more.
    assert client.post(CONFIRM, json=body).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 200
    # The code is good once: not for another password.
    again = client.post(CONFIRM, json={**body, "new_password": "yet another passphrase"})
    assert_problem(again, 422, "validation-error")
    assert sign_in(client, person.email, NEW_PASSWORD).status_code == 200


def test_every_refused_reset_looks_the_same(app, client, make, clock):
    person = make.sharer(make.scheme())
    client.post(RESET, json={"email": person.email})
    code = last_code(app, person.email, "password_reset")
    unknown = client.post(CONFIRM, json={"email": "nobody@example.org", "code": code, "new_password": NEW_PASSWORD})
    wrong = client.post(CONFIRM, json={"email": person.email, "code": other(code), "new_password": NEW_PASSWORD})
    first, second = assert_problem(unknown, 422), assert_problem(wrong, 422)
    assert (first["detail"], first["errors"]) == (second["detail"], second["errors"])
    clock.advance(minutes=30, seconds=1)
    expired = client.post(CONFIRM, json={"email": person.email, "code": code, "new_password": NEW_PASSWORD})
    assert assert_problem(expired, 422)["errors"] == first["errors"]
    assert sign_in(client, person.email).status_code == 200  # unchanged


def test_a_reset_code_takes_five_tries(app, client, make):
    person = make.sharer(make.scheme())
    client.post(RESET, json={"email": person.email})
    code = last_code(app, person.email, "password_reset")
    for _ in range(5):
        assert_problem(client.post(CONFIRM, json={"email": person.email, "code": other(code),
                                                  "new_password": NEW_PASSWORD}), 422)
    assert_problem(client.post(CONFIRM, json={"email": person.email, "code": code, "new_password": NEW_PASSWORD}), 422)
    assert sign_in(client, person.email).status_code == 200


def test_asking_again_within_a_minute_sends_nothing_more(app, client, make, clock):
    person = make.sharer(make.scheme())
    for _ in range(3):
        assert client.post(RESET, json={"email": person.email}).status_code == 202
    assert len(emails(app, person.email, "password_reset")) == 1
    clock.advance(seconds=61)
    assert client.post(RESET, json={"email": person.email}).status_code == 202
    assert len(emails(app, person.email, "password_reset")) == 2


def test_a_deactivated_account_gets_no_reset_code(app, client, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    coordinator = make.login(client, make.coordinator(scheme))
    assert client.post(f"/api/v1/accounts/{person.id}/deactivate", headers=coordinator.headers).status_code == 200
    assert client.post(RESET, json={"email": person.email}).status_code == 202
    assert emails(app, person.email, "password_reset") == []


@pytest.mark.parametrize("body, field", [
    ({"email": "ada@example.org", "code": "123456"}, "new_password"),
    ({"email": "ada@example.org", "code": "123456", "new_password": "short"}, "new_password"),
    ({"email": "not an email", "code": "123456", "new_password": NEW_PASSWORD}, "email"),
    ({"email": "ada@example.org", "code": "12345", "new_password": NEW_PASSWORD}, "code"),
    ({"email": "ada@example.org", "code": "123456", "new_password": NEW_PASSWORD, "extra": 1}, "extra"),
])
def test_a_reset_with_bad_input_is_refused(client, body, field):
    assert field in assert_problem(client.post(CONFIRM, json=body), 422, "validation-error")["errors"]
