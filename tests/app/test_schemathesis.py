"""Every operation of the committed ``openapi.yaml``, fuzzed in process by Schemathesis.

Each operation gets a bounded number of generated requests (``HOMESHARE_FUZZ_EXAMPLES``,
default 12) valid and invalid alike, plus Schemathesis' explicit cases and the coverage
phase's valid boundary cases, sent to the WSGI app as the role that operation is for (log in
through the API), with the ids of a seeded world in its path most of the time so that
requests reach the handlers rather than stop at 404. Every response must be no server error,
have a status code the operation documents (its ``default`` response stands only for the
errors any request can meet: 400, 413, 415 and 503), the documented content type and
headers, and a body matching the documented schema; the same request without credentials,
or with bad ones, must be refused. Invalid requests must be refused with a 4xx; valid ones
may only be refused for rules a schema cannot state (409 for the state of things, 422 for a
rule across fields or about stored data, 404 for an id out of the caller's reach, 412/428
for If-Match), never with the message of a rule on one field, which the schema can state.
Methods a path does not have must get 405 with ``Allow``. A last test checks that every
operation succeeded at least once.

It runs on one database, to keep it within about a minute: PostgreSQL, or SQLite where
PostgreSQL is not at hand (the rest of the suite covers both). The world (a scheme, its
coordinator, an admin, householders and sharers in matches at every stage, an active match
with an accepted agreement, hours entries, check-ins and answers, a concern, a device,
notifications, an enquiry and a conversation) is built once through the API and the services, kept in
memory, and put back before each operation, so each operation starts from the same data
while its own requests accumulate. Operations that end sessions or accounts (logout, refresh, password
change, ``DELETE /me``) use a new account for every request; the people that staff
operations deactivate, reset or erase are their own. Generation is derandomised and reads
nothing back from responses, so a run is repeatable.

Longer campaigns (more examples, and the coverage phase's invalid cases too)::

    HOMESHARE_FUZZ_EXAMPLES=200 HOMESHARE_FUZZ_REPORT=1 .venv/bin/python -m pytest -s tests/app/test_schemathesis.py

``HOMESHARE_FUZZ_REPORT=1`` prints how often each operation answered each status.
"""

from __future__ import annotations

import os
import re
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from homeshare.accounts.models import AccountCode
from homeshare.extensions import db
from homeshare.notifications.models import Notification
from homeshare.notifications.service import Message, notify
from homeshare.questionnaires.models import Occasion, Questionnaire
from tests.conftest import DATABASES, migrated_app
from tests.matchdesk import TERMS, Desk
from tests.helpers import PROJECT_ROOT

OPENAPI = PROJECT_ROOT / "openapi.yaml"
DEFAULT_EXAMPLES = 12
EXAMPLES = int(os.environ.get("HOMESHARE_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
CAMPAIGN = EXAMPLES > DEFAULT_EXAMPLES
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)  # a Wednesday; the active match began on 1 March
TRIAL_START = "2027-03-01"

# Statuses any request may meet, whatever its operation documents: covered by ``default``.
ANY_OPERATION = {400, 413, 415, 503}
# What a valid request may still get: rules no schema states (the state of things, rules
# across fields or about stored data, ids out of reach, stale or missing preconditions).
VALID_BUT_REFUSED = ["2xx", "401", "403", "404", "409", "410", "412", "422", "428"]

CONFIG = schemathesis.Config.from_dict({
    # Text holding a NUL character is refused everywhere (400, as the API's description says,
    # since PostgreSQL cannot store one): JSON Schema could only say so field by field, so no
    # generated text holds one. tests/common/test_robustness.py checks the refusal.
    "generation": {"mode": "all", "max-examples": EXAMPLES, "allow-x00": False, "deterministic": True},
    "checks": {"positive_data_acceptance": {"expected-statuses": VALID_BUT_REFUSED}},
    # The coverage phase's boundary cases: the valid ones always; the invalid ones (hundreds
    # for some operations) in longer campaigns, the fuzzing phase's invalid cases standing in
    # for them here. Generation reads nothing back from responses (the world's ids are new on
    # every run), so a run is repeatable.
    "phases": {
        "coverage": {"generation": {"mode": "all" if CAMPAIGN else "positive", "allow-x00": False,
                                    "deterministic": True},
                     "extra-data-sources": {"responses": False}},
        "fuzzing": {"extra-data-sources": {"responses": False}, "error-feedback": {"enabled": False}},
    },
})
schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)


# The world ----------------------------------------------------------------------------------------


@dataclass
class World:
    desk: Desk
    ids: dict[str, str] = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)


def _pair(client, make, scheme, coordinator):
    desk = Desk.__new__(Desk)
    desk.client, desk.scheme, desk.coordinator = client, scheme, coordinator
    desk.householder_person = make.ready("householder", scheme)
    desk.sharer_person = make.ready("sharer", scheme)
    desk.householder = make.login(client, desk.householder_person)
    desk.sharer = make.login(client, desk.sharer_person)
    desk.match_id = None
    return desk


def _ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), response.get_data(as_text=True)
    return response.json


def build_world(app, client, make) -> World:
    scheme = make.scheme()
    desk = Desk(client, make, scheme)
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START})
    world = World(desk=desk)
    people = world.people
    people.update(admin=make.admin(), coordinator=desk.coordinator.person,
                  householder=desk.householder_person, sharer=desk.sharer_person,
                  representative=make.representative(scheme, desk.householder_person))
    # A second link of the householder's, for coordinators to change and remove.
    link = _ok(client.post(f"/api/v1/people/{desk.householder_person.id}/representatives",
                           headers=desk.coordinator.headers, json={
                               "representative": {"full_name": "Tom Jones"}, "relationship": "friend",
                               "consent_on": "2027-03-01", "consent_how": "by-phone", "scopes": ["see-match"]}), 201)
    base = f"/api/v1/matches/{desk.match_id}"

    entries = {}
    for name, day in (("logged", "2027-03-29"), ("confirmed", "2027-03-23"), ("disputed", "2027-03-24")):
        entry_id = str(uuid.uuid4())
        _ok(client.put(f"{base}/hours/{entry_id}", headers=desk.sharer.headers,
                       json={"worked_on": day, "minutes": 120, "task": "companionship", "note": "Cooked."}))
        entries[name] = entry_id
    _ok(client.post(f"{base}/hours/confirmation", headers=desk.householder.headers,
                    json={"entry_ids": [entries["confirmed"]]}))
    _ok(client.post(f"{base}/hours/{entries['disputed']}/dispute", headers=desk.householder.headers,
                    json={"reason": "Away that day."}))

    checkins = _ok(client.get(f"{base}/checkins?per_page=100", headers=desk.coordinator.headers))["items"]
    # One answered by both sides, and the latest one not yet answered that is open by NOW.
    answered = checkins[0]
    unanswered = [c for c in checkins[1:] if c["opens_on"] <= NOW.date().isoformat()][-1]
    answer = {"wellbeing": 4, "match_going": 4, "help_happening": True}
    for session in (desk.householder, desk.sharer):
        _ok(client.put(f"{base}/checkins/{answered['id']}/answer", headers=session.headers, json=answer))
    absence = _ok(client.put(f"{base}/absences/{uuid.uuid4()}", headers=desk.householder.headers, json={
        "who": "householder", "kind": "hospital-stay", "first_day": "2027-04-10", "last_day": "2027-04-12"}), 201)
    concern = _ok(client.post("/api/v1/concerns", headers=desk.householder.headers,
                              json={"match_id": desk.match_id, "category": "safeguarding", "severity": "medium",
                                    "description": "Worried about the stairs."}), 201)
    device = _ok(client.post("/api/v1/me/devices", headers=desk.householder.headers,
                             json={"platform": "ios", "token": "apns-token-0123456789"}), 201)
    conversation = _ok(client.post("/api/v1/me/conversations", headers=desk.householder.headers,
                                   json={"subject": "The stairs", "body": "Could someone look at the rail?"}), 201)
    with app.app_context():
        notify([Message(account_id=uuid.UUID(person.id), kind="checkin_due", title="A check-in is due",
                        body="Tell us how things are going.", dedupe_key=f"world-{person.id}")
                for person in (desk.householder_person, desk.sharer_person)])
        db.session.commit()
        db.session.remove()
    notification = _ok(client.get("/api/v1/me/notifications", headers=desk.householder.headers))["items"][0]
    # The householder's open questionnaire, asking the scheme's own items.
    with app.app_context():
        questionnaire = Questionnaire(
            scheme_id=uuid.UUID(scheme.id), person_id=uuid.UUID(desk.householder_person.id), role="householder",
            occasion=Occasion.MONTHS_3, match_id=uuid.UUID(desk.match_id), key=f"{desk.match_id}:months-3",
            due_on=NOW.date(), instruments=["scheme_items"], created_at=NOW)
        db.session.add(questionnaire)
        db.session.commit()
        questionnaire_id = str(questionnaire.id)
        db.session.remove()
    enquiry = _ok(client.post(f"/api/v1/schemes/{scheme.id}/enquiries", headers=desk.coordinator.headers,
                              json={"name": "Ada Lovell", "contact": "0113 496 0002", "seeking": "householder",
                                    "source": "council", "enquiry_on": "2027-03-01"}), 201)

    # Matches at every earlier stage, each between its own two people.
    proposed = _pair(client, make, scheme, desk.coordinator)
    proposed.to_proposed()
    accepted = _pair(client, make, scheme, desk.coordinator)
    accepted.propose()
    accepted.respond(accepted.householder, share_contact_details=True)
    accepted.respond(accepted.sharer, share_contact_details=True)
    introduced = _pair(client, make, scheme, desk.coordinator)
    introduced.to_introduction()
    # Its meetings: one held, one whose start has passed, one to come.
    meetings = {}
    for name, day in (("held_meeting", "2027-03-29"), ("past_meeting", "2027-03-30"), ("meeting", "2027-04-05")):
        meetings[name] = _ok(client.post(
            f"/api/v1/matches/{introduced.match_id}/meetings", headers=desk.coordinator.headers,
            json={"kind": "visit", "starts_at": f"{day}T10:00:00", "ends_at": f"{day}T12:00:00", "place": "Cafe",
                  "coordinator_notes": "Bring the leaflet."}), 201)["id"]
    _ok(client.post(f"/api/v1/meetings/{meetings['held_meeting']}/held", headers=desk.coordinator.headers))
    calendar = _ok(client.post("/api/v1/me/calendar", headers=desk.householder.headers), 201)
    trial = _pair(client, make, scheme, desk.coordinator)
    trial.to_trial(start_on=TRIAL_START)
    trial.agree({**TERMS, "start_on": TRIAL_START})
    _ok(trial.accept_agreement(trial.householder, 1))
    _ok(trial.accept_agreement(trial.sharer, 1))
    # The direct activation too (the trial review is the way there by default; its refusal is
    # tested in tests/matching/test_trial_review.py).
    _ok(client.patch(f"/api/v1/schemes/{scheme.id}", headers=desk.coordinator.headers,
                     json={"settings": {"trial_review_required": False}}))
    noticed = _pair(client, make, scheme, desk.coordinator)  # active, the sharer's notice running to 7 April
    noticed.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START})
    noticed.ok("notice", noticed.sharer, {"reason": "sharer-moved-for-work-or-study"})
    people.update(proposed_householder=proposed.householder_person, trial_sharer=trial.sharer_person,
                  introduced_householder=introduced.householder_person,
                  noticed_householder=noticed.householder_person)

    # People waiting for a match, someone being vetted, and the people staff act on.
    people.update(waiting_householder=make.ready("householder", scheme), waiting_sharer=make.ready("sharer", scheme),
                  applicant=make.householder(scheme), target=make.ready("sharer", scheme),
                  deactivated=make.householder(scheme))
    # Someone a coordinator added, who has no login: to invite.
    added = _ok(client.post(f"/api/v1/schemes/{scheme.id}/people", headers=desk.coordinator.headers,
                            json={"role": "sharer", "first_name": "Ron"}), 201)
    people.update(without_login=SimpleNamespace(id=added["person_id"]))
    _ok(client.post(f"/api/v1/accounts/{people['deactivated'].id}/deactivate", headers=desk.coordinator.headers,
                    json={}))
    # The householder's daughter, who represents her with every scope.
    people.update(representative=make.representative(scheme, of=desk.householder_person))
    link = _ok(client.get(f"/api/v1/people/{desk.householder_person.id}/representatives",
                          headers=desk.coordinator.headers))["items"][0]


    world.ids.update(
        scheme=scheme.id, slug=scheme.slug, match=desk.match_id, proposed=proposed.match_id,
        accepted=accepted.match_id, introduced=introduced.match_id, trial=trial.match_id, noticed=noticed.match_id,
        entry=entries["logged"], checkin=unanswered["id"], concern=concern["id"], device=device["id"],
        absence=absence["id"],
        notification=notification["id"], enquiry=enquiry["id"], representation=link["id"],
        secret=calendar["url"].rsplit("/", 1)[1].removesuffix(".ics"), **meetings,
        conversation=conversation["id"], questionnaire=questionnaire_id,
    )
    world.rows = _snapshot(app)
    return world


def _snapshot(app):
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as connection:
            return [(table, [dict(row) for row in connection.execute(table.select()).mappings()])
                    for table in db.metadata.sorted_tables]


def _restore(app, rows) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            for table, table_rows in rows:
                if table_rows:
                    connection.execute(table.insert(), table_rows)


@pytest.fixture(scope="module", params=["postgresql" if "postgresql" in DATABASES else "sqlite"])
def app(request, tmp_path_factory):
    """The application on PostgreSQL, or on SQLite where PostgreSQL is not at hand (one database
    keeps the run short; the rest of the suite covers both)."""
    with migrated_app(request.param, tmp_path_factory, prefix="hs_fuzz") as application:
        yield application


_WORLDS: dict[int, World] = {}


@pytest.fixture
def world(app, client, make):
    app.config["HOMESHARE_CLOCK"] = lambda: NOW
    if id(app) not in _WORLDS:
        _WORLDS[id(app)] = build_world(app, client, make)
    world = _WORLDS[id(app)]
    _restore(app, world.rows)
    world.sessions = {}  # the snapshot holds no sessions of this operation's own
    return world


# Who calls each operation, and with which ids ---------------------------------------------------


# Operations that end the caller's session or account: a new account for every request.
FRESH = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password"), ("POST", "/api/v1/auth/refresh"),
         ("DELETE", "/api/v1/me")}
# Operations for someone whose email is not verified yet: a new one for every request, with the
# code sent to them (in the outbox).
UNVERIFIED = {("POST", "/api/v1/auth/verification"), ("POST", "/api/v1/auth/verification/resend")}
RESET_CONFIRMATION = ("POST", "/api/v1/auth/password-reset/confirmation")
CLAIM = ("POST", "/api/v1/auth/invitation")
ADMIN = {("GET", "/api/v1/schemes"), ("POST", "/api/v1/schemes"), ("GET", "/api/v1/measures")}
ANONYMOUS = {"/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/password-reset",
             "/api/v1/auth/password-reset/confirmation", "/api/v1/auth/invitation", "/api/v1/tasks", "/healthz",
             "/readyz", "/api/v1/schemes/by-slug/{slug}/enquiries", "/api/v1/calendar/{secret}.ics"}
SHARER = {("PUT", "/api/v1/matches/{match_id}/hours/{entry_id}"),
          ("PATCH", "/api/v1/matches/{match_id}/hours/{entry_id}"),
          ("DELETE", "/api/v1/matches/{match_id}/hours/{entry_id}")}
REPRESENTATIVE = {("GET", "/api/v1/me/represented"), ("GET", "/api/v1/represented/{represented_id}/matches")}
HOUSEHOLDER = {("POST", "/api/v1/matches/{match_id}/hours/confirmation"),
               ("POST", "/api/v1/matches/{match_id}/hours/{entry_id}/dispute"),
               ("PUT", "/api/v1/matches/{match_id}/checkins/{checkin_id}/answer"),
               ("POST", "/api/v1/concerns"), ("POST", "/api/v1/questionnaires/{questionnaire_id}/answers")}
OWN_MATCH = {  # the match each operation acts on, when not the active one
    "/api/v1/matches/{match_id}/response": ("proposed", "proposed_householder"),
    "/api/v1/matches/{match_id}/withdrawal": ("proposed", None),
    "/api/v1/matches/{match_id}/introduction": ("accepted", None),
    "/api/v1/matches/{match_id}/trial": ("introduced", None),
    "/api/v1/matches/{match_id}/activation": ("trial", None),
    "/api/v1/matches/{match_id}/agreement/acceptance": ("trial", "trial_sharer"),
    "/api/v1/matches/{match_id}/trial-review/view": ("trial", "trial_sharer"),
    "/api/v1/matches/{match_id}/trial-review/decision": ("trial", None),
    "/api/v1/matches/{match_id}/notice/shortening": ("noticed", None),
    "/api/v1/matches/{match_id}/notice/withdrawal": ("noticed", "noticed_householder"),
    "/api/v1/matches/{match_id}/exit-feedback": ("noticed", "noticed_householder"),
    # Meetings are planned in the introduction: the introduced match's, its householder for her own.
    "/api/v1/matches/{match_id}/meetings": ("introduced", None),
    "/api/v1/me/matches/{match_id}/meetings": ("introduced", "introduced_householder"),
    "/api/v1/me/meetings/{meeting_id}": ("introduced", "introduced_householder"),
    "/api/v1/meetings/{meeting_id}/feedback": ("introduced", "introduced_householder"),
}
MEETING_OF = {"/api/v1/meetings/{meeting_id}/feedback": "held_meeting",
              "/api/v1/meetings/{meeting_id}/held": "past_meeting"}


def caller(world: World, method: str, path: str) -> str | None:
    """The name of the person who makes this operation's requests (None: nobody signs in)."""
    if path in ANONYMOUS:
        return None
    if (method, path) in ADMIN:
        return "admin"
    if path in OWN_MATCH and OWN_MATCH[path][1]:
        return OWN_MATCH[path][1]
    if path == "/api/v1/me/represented" or path.startswith("/api/v1/represented/"):
        return "representative"
    if (method, path) in SHARER:
        return "sharer"
    if (method, path) in REPRESENTATIVE:
        return "representative"
    if (method, path) in HOUSEHOLDER or path == "/api/v1/me" or path.startswith("/api/v1/me/"):
        return "householder"
    return "coordinator"


def path_ids(world: World, method: str, path: str) -> dict[str, str]:
    ids, people = world.ids, world.people
    person = "waiting_householder"
    if path.endswith("/vetting/{kind}"):
        person = "applicant"
    elif path == "/api/v1/people/{person_id}":
        person = "target"
    elif path == "/api/v1/people/{person_id}/sms":
        person = "without_login"  # a coordinator answers only for a person without a login
    return {
        "scheme_id": ids["scheme"],
        "match_id": ids[OWN_MATCH[path][0]] if path in OWN_MATCH else ids["match"],
        "entry_id": ids["entry"],
        "checkin_id": ids["checkin"],
        "absence_id": ids["absence"],
        "concern_id": ids["concern"],
        "conversation_id": ids["conversation"],
        "questionnaire_id": ids["questionnaire"],
        "device_id": ids["device"],
        "notification_id": ids["notification"],
        "enquiry_id": ids["enquiry"],
        "slug": ids["slug"],
        "representation_id": ids["representation"],
        "meeting_id": ids[MEETING_OF.get(path, "meeting")],
        "secret": ids["secret"],
        "period": "2026-Q3",  # the pattern allows years the service refuses (before 2000, after 2100)
        "represented_id": people["householder"].id,
        "person_id": people[person].id,
        "account_id": people["deactivated" if path.endswith("/reactivate")
                             else "without_login" if path.endswith("/invitations") else "target"].id,
    }


def body_values(world: World, path: str) -> dict[str, object]:
    """Values that let a valid body get past the rules no schema states: ids of the world, days
    inside the active match, the agreement's tasks, and (to sign in) a real account."""
    people = world.people
    values: dict[str, object] = {
        "householder_id": people["waiting_householder"].id, "sharer_id": people["waiting_sharer"].id,
        "match_id": world.ids["match"], "person_id": people["householder"].id,
        "entry_ids": [world.ids["entry"]], "scheme_slug": world.ids["slug"],
        "start_on": TRIAL_START, "end_on": "2027-04-30", "worked_on": "2027-03-30",
        "task": "companionship", "tasks": ["companionship", "cooking"], "week_of": "2027-03-23",
        "owner_id": people["coordinator"].id, "coordinator_id": people["coordinator"].id,
        "assigned_coordinator_id": people["coordinator"].id, "enquiry_on": "2027-03-30", "on": "2027-03-31",
        "last_day": "2027-04-03",  # within the notice running on the world's noticed match
        "first_day": "2027-04-01",  # an absence, before that last day
        "starts_at": "2027-04-02T14:00:00", "ends_at": "2027-04-02T16:00:00",  # a meeting to come
    }
    if path == "/api/v1/questionnaires/{questionnaire_id}/answers":
        values.update(answers={"scheme_items": {"match_satisfaction": 4, "safe_at_home": 5}})
    if path == "/api/v1/auth/login":
        values.update(email=people["householder"].email, password=people["householder"].password)
    if path == "/api/v1/auth/register":
        values.update(scheme=world.ids["slug"])
    return values


def fingerprint(case) -> str:
    """The generated case, before anything is changed in it (NotSet's repr holds an address)."""
    body = case.body if isinstance(case.body, (dict, list, str, int, float, bool)) else None
    return repr((case.operation.label, case.path_parameters, case.query, case.headers, body))


def mostly(key: str, salt: str) -> bool:
    """Four cases in five, chosen from the generated case's fingerprint so that a run is repeatable."""
    return zlib.crc32(f"{salt}{key}".encode()) % 5 != 0


def invalid_at(case, location: ParameterLocation) -> bool:
    """Whether the case was generated to break the schema at ``location`` (left as it is)."""
    return case.meta is not None and case.meta.is_negative_at(location)


def aim(case, world: World, key: str) -> None:
    """Point a generated case at the world: real ids in its path and, for valid bodies, its body."""
    method, path = case.operation.method.upper(), case.operation.path
    if case.path_parameters and not invalid_at(case, ParameterLocation.PATH) and mostly(key, "path"):
        real = path_ids(world, method, path)
        keep_new = method == "PUT" and (path.endswith("/hours/{entry_id}") or path.endswith("/absences/{absence_id}"))
        for name in case.path_parameters:
            if name in real and not (name in ("entry_id", "absence_id") and keep_new):
                case.path_parameters[name] = real[name]
    if isinstance(case.body, dict) and not invalid_at(case, ParameterLocation.BODY) and mostly(key, "body"):
        for name, value in body_values(world, path).items():
            if name in case.body:
                case.body[name] = value
        if path.endswith("/hours/confirmation") and {"entry_ids", "week_of"} <= case.body.keys():
            del case.body["week_of"]  # one or the other: a rule across fields
        if path.endswith("/invitations") and "channel" in case.body:  # an email with channel email only
            case.body["channel"] = "email" if "email" in case.body else "phone"


def emailed_code(app, person, kind: str) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(Notification.body).where(
            Notification.account_id == uuid.UUID(person.id), Notification.kind == kind,
        ).order_by(Notification.created_at.desc())).first()
        db.session.remove()
    return re.search(r"\b(\d{6})\b", body).group(1)


def sign_in(case, world: World, client, make, key: str) -> dict[str, str]:
    method, path = case.operation.method.upper(), case.operation.path
    valid_body = isinstance(case.body, dict) and not invalid_at(case, ParameterLocation.BODY)
    if (method, path) in UNVERIFIED:
        person = make.householder(world.desk.scheme, email_verified=False)
        if valid_body and "code" in case.body and mostly(key, "code"):
            case.body["code"] = emailed_code(client.application, person, "email_verification")
        if path.endswith("/resend"):  # the code came a minute ago: a new one may be sent
            with client.application.app_context():
                db.session.execute(sa.update(AccountCode).where(AccountCode.account_id == uuid.UUID(person.id))
                                   .values(created_at=datetime.now(timezone.utc) - timedelta(minutes=2)))
                db.session.commit()
                db.session.remove()
        return make.login(client, person).headers
    if (method, path) == RESET_CONFIRMATION and valid_body and mostly(key, "code"):
        person = make.householder(world.desk.scheme)
        client.post("/api/v1/auth/password-reset", json={"email": person.email})
        case.body.update(email=person.email, code=emailed_code(client.application, person, "password_reset"))
        return {}
    if (method, path) == CLAIM and valid_body and "code" in case.body and mostly(key, "code"):
        coordinator = world.desk.coordinator.headers
        added = _ok(client.post(f"/api/v1/schemes/{world.ids['scheme']}/people", headers=coordinator,
                                json={"role": "householder", "first_name": "Edith"}), 201)
        invited = _ok(client.post(f"/api/v1/accounts/{added['person_id']}/invitations", headers=coordinator,
                                  json={"channel": "letter"}), 201)
        case.body["code"] = invited["code"]
        return {}
    if (method, path) in FRESH:
        person = make.householder(world.desk.scheme)
        session = make.login(client, person)
        if (isinstance(case.body, dict) and "current_password" in case.body
                and not invalid_at(case, ParameterLocation.BODY) and mostly(key, "password")):
            case.body["current_password"] = person.password
        token = session.tokens["refresh_token" if path.endswith("/refresh") else "access_token"]
        return {"Authorization": f"Bearer {token}"}
    name = caller(world, method, path)
    if name is None:
        return {}
    sessions = world.sessions
    if name not in sessions:
        sessions[name] = make.login(client, world.people[name])
    headers = dict(sessions[name].headers)
    if (case.headers and "If-Match" in case.headers and not invalid_at(case, ParameterLocation.HEADER)
            and mostly(key, "etag")):
        url = path.replace("{person_id}", case.path_parameters.get("person_id", ""))
        current = client.get(url, headers=headers)
        if current.status_code == 200:
            case.headers["If-Match"] = current.headers["ETag"]
    return headers


# Checks -------------------------------------------------------------------------------------------


def documented_status(ctx, response, case):
    """The status is one the operation names, or one any request may meet (``default``)."""
    if response.request.method.upper() != case.operation.method.upper():
        return None  # a method the path does not have: ``unsupported_method`` judges it
    documented = {str(code) for code in case.operation.definition.raw.get("responses", {})}
    status = response.status_code
    if str(status) not in documented and status not in ANY_OPERATION:
        raise AssertionError(f"Undocumented status {status} for {case.operation.label}; "
                             f"documented: {sorted(documented)}")


# Messages of the rules on one field, all of which the description can state: a valid request
# refused with one of them shows a schema looser than the code.
FIELD_RULES = ("Must be between", "Must be greater", "Must be less", "Not a valid", "Length must be",
               "Shorter than", "Longer than", "Must be one of", "Unknown field", "Missing data for required",
               "Field may not be null", "Not a UK postcode")


def field_rules_are_in_the_schema(ctx, response, case):
    """A valid request is never refused for a rule on one field that the schema leaves out."""
    if response.status_code != 422 or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if any(component.mode.is_negative for component in case.meta.components.values()):
        return None
    errors = (response.json() or {}).get("errors") or {}
    unstated = {name: messages for name, messages in errors.items()
                if any(str(message).startswith(FIELD_RULES) for message in _messages(messages))}
    if unstated:
        raise AssertionError(f"A valid request was refused for rules its schema does not state: {unstated}")


def _messages(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _messages(item)
    elif isinstance(value, list):
        for item in value:
            yield from _messages(item)
    else:
        yield value


STATUSES: dict[str, Counter] = {}


@pytest.fixture(scope="module", autouse=True)
def _status_report():
    """With ``HOMESHARE_FUZZ_REPORT=1``, print how often each operation answered each status."""
    yield
    if os.environ.get("HOMESHARE_FUZZ_REPORT"):
        for label, counts in sorted(STATUSES.items()):
            print(f"{label}: {dict(sorted(counts.items()))}")


CHECKS = [not_a_server_error, status_code_conformance, documented_status, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection,
          positive_data_acceptance, field_rules_are_in_the_schema, unsupported_method, allow_header_conformance,
          ignored_auth]


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_operation_conforms_to_its_description(case, app, client, make, world):
    case.headers = case.headers or {}
    key = fingerprint(case)
    aim(case, world, key)
    headers = sign_in(case, world, client, make, key)
    # The description is the committed file; the requests, and the probes checks send, go to the app.
    case.operation.schema.app = case.operation.app = app
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if response.request.method.upper() == case.operation.method.upper():
        STATUSES.setdefault(case.operation.label, Counter())[response.status_code] += 1


def test_every_operation_reached_its_handler():
    """The seeded world works: each operation answered at least one request with success."""
    operations = {result.ok().label for result in schema.get_all_operations()}
    if set(STATUSES) != operations:
        pytest.skip("only some operations ran")
    unreached = sorted(label for label, counts in STATUSES.items() if not any(200 <= s < 300 for s in counts))
    assert unreached == [], unreached
