"""Who may call every operation of the API: a matrix written by hand, checked through HTTP.

Every operation of the committed ``openapi.yaml`` has an entry in ``MATRIX`` saying, for
each kind of caller, what must happen: allowed, 401, 403, 404 (or 422 where the caller
names, in the body, a match that is not theirs). A new operation without an entry fails
``test_every_operation_has_an_entry``, and so does an entry for an operation that is gone.

The product model (docs/api-guide.md, "Basics" and "The parts"):
- anonymous callers get 401 except on the public operations;
- a role that may never do something gets 403 ("Your role does not allow this");
- a caller whose role may do it, but on a thing outside their reach (another scheme's
  coordinator, a householder or sharer of the scheme with no part in the match, someone
  else's notification or device) gets 404, as if it did not exist;
- denied callers send a valid request, so that the answer is about permission, and it
  leaves every stored row as it was; allowed callers get past authorisation (2xx, or
  409 where the step legitimately happened already).

One world is built per database (see ``world``); the cells run reads first and the
destructive operations (ending the match, erasure, logout, password change) last.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import sqlalchemy as sa
import yaml

from homeshare.extensions import db
from homeshare.notifications.service import Message, notify
from homeshare.questionnaires.models import Occasion, Questionnaire
from tests import factories
from tests.conftest import empty_every_table
from tests.helpers import PROJECT_ROOT, assert_problem
from tests.matchdesk import TERMS, Desk

SPEC_PATH = PROJECT_ROOT / "openapi.yaml"

# Callers -----------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
HOUSEHOLDER = "householder"  # the match's householder
SHARER = "sharer"  # the match's sharer
OTHER_HOUSEHOLDER = "other_householder"  # a householder of the same scheme, not in the match
OTHER_SHARER = "other_sharer"  # a sharer of the same scheme, not in the match
OUTSIDE_COORDINATOR = "outside_coordinator"  # a coordinator of another scheme
COORDINATOR = "coordinator"  # a coordinator of the match's scheme
ADMIN = "admin"
REPRESENTATIVE = "representative"  # the householder's daughter, with every scope
OTHER_REPRESENTATIVE = "other_representative"  # represents the other householder, with every scope

PARTIES = (HOUSEHOLDER, SHARER)
OUTSIDERS = (OTHER_HOUSEHOLDER, OTHER_SHARER)
MEMBERS = PARTIES + OUTSIDERS  # householders and sharers
STAFF = (COORDINATOR, ADMIN)
REPRESENTATIVES = (REPRESENTATIVE, OTHER_REPRESENTATIVE)
ANYONE_SIGNED_IN = MEMBERS + (OUTSIDE_COORDINATOR,) + STAFF + REPRESENTATIVES
CALLERS = (ANONYMOUS,) + ANYONE_SIGNED_IN

ALLOWED = "allowed"


def public() -> dict[str, Any]:
    """Anyone, signed in or not."""
    return dict.fromkeys(CALLERS, ALLOWED)


def only(allowed, *, hidden=(), unreachable=()) -> dict[str, Any]:
    """``allowed`` may; ``hidden`` get 404 (outside their reach); ``unreachable`` get 422 (the
    match they name in the body is not theirs); every other signed-in caller gets 403 and
    anonymous callers 401."""
    allowed, hidden, unreachable = _names(allowed), _names(hidden), _names(unreachable)
    assert not (set(allowed) & set(hidden) or set(allowed) & set(unreachable) or set(hidden) & set(unreachable))
    outcome: dict[str, Any] = {ANONYMOUS: 401}
    for caller in ANYONE_SIGNED_IN:
        outcome[caller] = (ALLOWED if caller in allowed else 404 if caller in hidden
                           else 422 if caller in unreachable else 403)
    return outcome


def _names(group) -> tuple[str, ...]:
    return (group,) if isinstance(group, str) else tuple(group)


# The matrix --------------------------------------------------------------------------------------
# Path parameters name these things of the world: {match_id} the match (active, agreement
# accepted); {person_id} its householder (the sharer is "the other party"); {entry_id} one
# of the sharer's hours entries; {checkin_id} one of the match's check-ins; {absence_id} one of the
# householder's absences (the sharer's own for the sharer); {concern_id} a
# concern the householder raised about the match; {scheme_id} the match's scheme;
# {account_id} another householder of the scheme (a sharer without a login, to invite);
# {notification_id} one of the householder's notifications; {device_id} one of the sharer's
# phones; {enquiry_id} an enquiry of the scheme; {slug} the scheme's slug; {conversation_id} a
# conversation the householder started; {questionnaire_id} the householder's three-month questionnaire.

MATRIX: dict[str, dict[str, Any]] = {
    # Health and reference data
    "GET /healthz": public(),
    "GET /readyz": public(),
    "GET /api/v1/tasks": public(),

    # Sign-up, sign-in, tokens
    "POST /api/v1/auth/register": public(),
    "POST /api/v1/auth/login": public(),
    "POST /api/v1/auth/refresh": only(ANYONE_SIGNED_IN),
    "POST /api/v1/auth/logout": only(ANYONE_SIGNED_IN),
    "POST /api/v1/auth/password": only(ANYONE_SIGNED_IN),
    "POST /api/v1/auth/verification": only(ANYONE_SIGNED_IN),
    "POST /api/v1/auth/verification/resend": only(ANYONE_SIGNED_IN),
    "POST /api/v1/auth/password-reset": public(),
    "POST /api/v1/auth/password-reset/confirmation": public(),
    "POST /api/v1/auth/invitation": public(),

    # Your own account and data
    "GET /api/v1/me": only(ANYONE_SIGNED_IN),
    "PATCH /api/v1/me": only(ANYONE_SIGNED_IN),
    "DELETE /api/v1/me": only(MEMBERS),
    "GET /api/v1/me/export": only(MEMBERS),
    "GET /api/v1/me/profile": only(MEMBERS),
    "PATCH /api/v1/me/profile": only(MEMBERS),
    "GET /api/v1/me/vetting": only(MEMBERS),
    "GET /api/v1/me/matches": only(MEMBERS),
    "GET /api/v1/me/matches/{match_id}": only(PARTIES, hidden=OUTSIDERS),
    "GET /api/v1/me/matches/{match_id}/checkins": only(
        PARTIES + (REPRESENTATIVE,), hidden=OUTSIDERS + (OTHER_REPRESENTATIVE,)),
    "GET /api/v1/me/concerns": only(MEMBERS + (OUTSIDE_COORDINATOR, COORDINATOR) + REPRESENTATIVES),
    "GET /api/v1/me/represented": only(REPRESENTATIVES),
    "GET /api/v1/represented/{represented_id}/matches": only(REPRESENTATIVE, hidden=OTHER_REPRESENTATIVE),
    "GET /api/v1/me/questionnaires": only(MEMBERS),
    "GET /api/v1/represented/{represented_id}/questionnaires": only(REPRESENTATIVE, hidden=OTHER_REPRESENTATIVE),
    "GET /api/v1/people/{person_id}/questionnaires": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/questionnaires/{questionnaire_id}/answers": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE),
        hidden=(SHARER, OTHER_HOUSEHOLDER, OTHER_SHARER, OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "GET /api/v1/me/notifications": only(ANYONE_SIGNED_IN),
    "GET /api/v1/me/notifications/unread-count": only(ANYONE_SIGNED_IN),
    "POST /api/v1/me/notifications/{notification_id}/read": only(
        HOUSEHOLDER, hidden=set(ANYONE_SIGNED_IN) - {HOUSEHOLDER}),
    "POST /api/v1/me/devices": only(ANYONE_SIGNED_IN),
    "DELETE /api/v1/me/devices/{device_id}": only(SHARER, hidden=set(ANYONE_SIGNED_IN) - {SHARER}),
    "PUT /api/v1/me/sms": only(ANYONE_SIGNED_IN),
    "GET /api/v1/me/notification-preferences": only(ANYONE_SIGNED_IN),
    "PATCH /api/v1/me/notification-preferences": only(ANYONE_SIGNED_IN),

    # Schemes and their accounts
    "GET /api/v1/schemes": only(ADMIN),
    "POST /api/v1/schemes": only(ADMIN),
    "GET /api/v1/schemes/{scheme_id}": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/schemes/{scheme_id}": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/accounts": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/schemes/{scheme_id}/coordinators": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/audit": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/accounts/{account_id}/access-reset": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/accounts/{account_id}/deactivate": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/accounts/{account_id}": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/accounts/{account_id}/reactivate": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    # Admins reach the account but do not invite: the scheme's coordinators hand the code over.
    "POST /api/v1/accounts/{account_id}/invitations": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # Quality measures
    "GET /api/v1/measures": only(ADMIN),
    "GET /api/v1/schemes/{scheme_id}/measures": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/measures.csv": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}.csv": only(STAFF, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}.pdf": only(STAFF, hidden=OUTSIDE_COORDINATOR),

    # The coordinators' console (coordinators of the scheme)
    "GET /api/v1/schemes/{scheme_id}/dashboard": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/people": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/schemes/{scheme_id}/people": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/matches": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/schemes/{scheme_id}/matches": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/pool-suggestion": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/checkins": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/concerns": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/hours/disputed": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/hours/shortfalls": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/hours/weeks.csv": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/exports/people.csv": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/exports/matches.csv": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/schemes/{scheme_id}/exports/checkins.csv": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # People: profiles, vetting, candidates, erasure (the scheme's coordinators)
    "GET /api/v1/people/{person_id}/profile": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/people/{person_id}/profile": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/people/{person_id}/sms": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/people/{person_id}/vetting": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/people/{person_id}/vetting/{kind}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/people/{person_id}/candidates": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/people/{person_id}/export": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "DELETE /api/v1/people/{person_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # Representatives, and a person's agreement that their coordinator answers for them
    "GET /api/v1/people/{person_id}/representatives": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/people/{person_id}/representatives": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/representations/{representation_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "DELETE /api/v1/representations/{representation_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/people/{person_id}/behalf-agreement": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # A match's steps: coordinators run them, its two people answer the proposal (or a
    # coordinator records their answer for them)
    "GET /api/v1/matches/{match_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/response": only(
        PARTIES + (COORDINATOR,), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR,)),
    "POST /api/v1/matches/{match_id}/introduction": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/trial": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/activation": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/withdrawal": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/ending": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # The trial review: each person (their representative who answers check-ins, or a coordinator
    # for them) gives their view and sees their own; coordinators see both and decide
    "GET /api/v1/matches/{match_id}/trial-review": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/matches/{match_id}/trial-review/view": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "POST /api/v1/matches/{match_id}/trial-review/decision": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/me/matches/{match_id}/trial-review": only(
        PARTIES + (REPRESENTATIVE,), hidden=OUTSIDERS + (OTHER_REPRESENTATIVE,)),

    # Notice: either person gives it (or a coordinator, for them or for the scheme), coordinators
    # shorten it, both people (or a coordinator for each, never one for both) withdraw it, and
    # each gives exit feedback; representatives do none of these
    "POST /api/v1/matches/{match_id}/notice": only(
        PARTIES + (COORDINATOR,), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR,)),
    "POST /api/v1/matches/{match_id}/notice/shortening": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/notice/withdrawal": only(
        PARTIES + (COORDINATOR,), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR,)),
    "PUT /api/v1/matches/{match_id}/exit-feedback": only(
        PARTIES + (COORDINATOR,), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR,)),

    # The agreement: coordinators set the terms, both sides (or someone for them) accept, all read it
    "GET /api/v1/matches/{match_id}/agreement": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "PUT /api/v1/matches/{match_id}/agreement": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/matches/{match_id}/agreement.pdf": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "POST /api/v1/matches/{match_id}/agreement/acceptance": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),

    # Hours: the sharer logs, the householder confirms or disputes, coordinators correct (and
    # record what a person says on the phone); the householder's representative confirms
    "GET /api/v1/matches/{match_id}/hours": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "GET /api/v1/matches/{match_id}/hours/weeks": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "GET /api/v1/matches/{match_id}/hours.csv": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/matches/{match_id}/hours/{entry_id}": only(
        (SHARER, COORDINATOR), hidden=(OTHER_SHARER, OUTSIDE_COORDINATOR)),
    "PATCH /api/v1/matches/{match_id}/hours/{entry_id}": only(
        (SHARER, COORDINATOR), hidden=(OTHER_SHARER, OUTSIDE_COORDINATOR)),
    "DELETE /api/v1/matches/{match_id}/hours/{entry_id}": only(
        (SHARER, COORDINATOR), hidden=(OTHER_SHARER, OUTSIDE_COORDINATOR)),
    "POST /api/v1/matches/{match_id}/hours/confirmation": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE), hidden=(OTHER_HOUSEHOLDER, OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "POST /api/v1/matches/{match_id}/hours/{entry_id}/dispute": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE), hidden=(OTHER_HOUSEHOLDER, OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),

    # Check-ins: coordinators plan and record contacts, each side answers and sees its own
    "GET /api/v1/matches/{match_id}/checkins": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/checkins": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/matches/{match_id}/checkins/{checkin_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/checkins/{checkin_id}/contact": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/matches/{match_id}/checkins/{checkin_id}/answer": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),

    # Absences: each person records their own (or their representative who may answer check-ins, or a
    # coordinator), and all of them see the match's absences
    "GET /api/v1/matches/{match_id}/absences": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "PUT /api/v1/matches/{match_id}/absences/{absence_id}": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "PATCH /api/v1/matches/{match_id}/absences/{absence_id}": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "DELETE /api/v1/matches/{match_id}/absences/{absence_id}": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    # Meetings: coordinators plan and run them; the two people (and their representatives who may see the
    # match or answer for them) read them; each side gives feedback on one held, or someone for them
    "GET /api/v1/matches/{match_id}/meetings": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/matches/{match_id}/meetings": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/meetings/{meeting_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/meetings/{meeting_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/meetings/{meeting_id}/cancellation": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/meetings/{meeting_id}/held": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/meetings/{meeting_id}/notes": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PUT /api/v1/meetings/{meeting_id}/feedback": only(
        PARTIES + (COORDINATOR, REPRESENTATIVE), hidden=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "GET /api/v1/me/matches/{match_id}/meetings": only(
        PARTIES + (REPRESENTATIVE,), hidden=OUTSIDERS + (OTHER_REPRESENTATIVE,)),
    "GET /api/v1/me/meetings/{meeting_id}": only(
        PARTIES + (REPRESENTATIVE,), hidden=OUTSIDERS + (OTHER_REPRESENTATIVE,)),

    # The calendar feed: householders and sharers make and stop their link; the link itself is the key
    "POST /api/v1/me/calendar": only(MEMBERS),
    "DELETE /api/v1/me/calendar": only(MEMBERS),
    "GET /api/v1/calendar/{secret}.ics": public(),

    # Concerns: anyone in the match, a representative or the coordinator raises one; coordinators work on it
    "POST /api/v1/concerns": only(PARTIES + (COORDINATOR, REPRESENTATIVE),
                                  unreachable=OUTSIDERS + (OUTSIDE_COORDINATOR, OTHER_REPRESENTATIVE)),
    "GET /api/v1/concerns/{concern_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/concerns/{concern_id}/acknowledgement": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/concerns/{concern_id}/notes": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/concerns/{concern_id}/resolution": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # Your coordinator: the scheme's contact details and the coordinator named for a person
    "GET /api/v1/me/coordinator": only(MEMBERS),
    "GET /api/v1/represented/{represented_id}/coordinator": only(REPRESENTATIVE, hidden=OTHER_REPRESENTATIVE),
    "PUT /api/v1/people/{person_id}/coordinator": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # Conversations: {conversation_id} is the householder's, which her daughter may write in (she may
    # raise concerns for her); the scheme's coordinators read and answer every one of the scheme
    "GET /api/v1/me/conversations": only(MEMBERS),
    "POST /api/v1/me/conversations": only(MEMBERS),
    "GET /api/v1/me/conversations/unread-count": only(MEMBERS + (OUTSIDE_COORDINATOR, COORDINATOR) + REPRESENTATIVES),
    "GET /api/v1/represented/{represented_id}/conversations": only(REPRESENTATIVE, hidden=OTHER_REPRESENTATIVE),
    "POST /api/v1/represented/{represented_id}/conversations": only(REPRESENTATIVE, hidden=OTHER_REPRESENTATIVE),
    "GET /api/v1/schemes/{scheme_id}/conversations": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "GET /api/v1/conversations/{conversation_id}": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE), hidden=(SHARER,) + OUTSIDERS + (OUTSIDE_COORDINATOR,
                                                                                   OTHER_REPRESENTATIVE)),
    "GET /api/v1/conversations/{conversation_id}/messages": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE), hidden=(SHARER,) + OUTSIDERS + (OUTSIDE_COORDINATOR,
                                                                                   OTHER_REPRESENTATIVE)),
    "POST /api/v1/conversations/{conversation_id}/messages": only(
        (HOUSEHOLDER, COORDINATOR, REPRESENTATIVE), hidden=(SHARER,) + OUTSIDERS + (OUTSIDE_COORDINATOR,
                                                                                   OTHER_REPRESENTATIVE)),
    "PUT /api/v1/conversations/{conversation_id}/assignment": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),

    # Enquiries: the scheme's coordinators follow them; anyone may send one with the website's form
    "GET /api/v1/schemes/{scheme_id}/enquiries": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/schemes/{scheme_id}/enquiries": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/schemes/by-slug/{slug}/enquiries": public(),
    "GET /api/v1/enquiries/{enquiry_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "PATCH /api/v1/enquiries/{enquiry_id}": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/enquiries/{enquiry_id}/stage": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
    "POST /api/v1/enquiries/{enquiry_id}/person": only(COORDINATOR, hidden=OUTSIDE_COORDINATOR),
}

# Operations that change what later cells rely on run last, in this order.
LAST = (
    "DELETE /api/v1/representations/{representation_id}",
    # The householder gives notice (the sharer's different notice is 409), the coordinator
    # shortens it, both give exit feedback, then both agree to withdraw it: the match is active
    # again for its ending.
    "POST /api/v1/matches/{match_id}/notice",
    "POST /api/v1/matches/{match_id}/notice/shortening",
    "PUT /api/v1/matches/{match_id}/exit-feedback",
    "POST /api/v1/matches/{match_id}/notice/withdrawal",
    "POST /api/v1/matches/{match_id}/ending",
    "DELETE /api/v1/people/{person_id}",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/password",
    "DELETE /api/v1/me",
)


@functools.cache
def spec_operations() -> dict[str, dict]:
    """Each operation of the committed openapi.yaml, by "METHOD /path"."""
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return {
        f"{method.upper()} {path}": operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in {"get", "put", "post", "patch", "delete"}
    }


# Operations that read a body or a query string, and every GET (any query string that names
# nothing it reads is refused): denied callers also send an invalid one.
READS_INPUT = {
    name for name, operation in spec_operations().items()
    if "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
    or name.startswith("GET ")
}


def test_every_operation_has_an_entry():
    operations = set(spec_operations())
    missing = sorted(operations - set(MATRIX))
    gone = sorted(set(MATRIX) - operations)
    assert not missing, f"operations without an entry in MATRIX (say who may call them): {missing}"
    assert not gone, f"MATRIX entries for operations that no longer exist: {gone}"
    assert set(REQUESTS) <= set(MATRIX), sorted(set(REQUESTS) - set(MATRIX))
    for operation, outcomes in MATRIX.items():
        assert set(outcomes) == set(CALLERS), operation


# The world ---------------------------------------------------------------------------------------

TODAY = date.today()
TRIAL_START = TODAY - timedelta(days=TODAY.weekday() + 49)  # a Monday, seven weeks ago
AGREED = {**TERMS, "start_on": TRIAL_START.isoformat()}
NEW_PASSWORD = "another horse battery"


def worked(days_after_start: int) -> str:
    return (TRIAL_START + timedelta(days=days_after_start)).isoformat()


@dataclass
class World:
    app: Any
    client: Any
    make: factories.Factories
    sessions: dict[str, factories.Session]
    ids: dict[str, str]
    people: dict[str, factories.Person] = field(default_factory=dict)
    snapshot: dict[str, str] | None = None

    def session(self, caller: str) -> factories.Session | None:
        return None if caller == ANONYMOUS else self.sessions[caller]

    def headers(self, caller: str) -> dict[str, str]:
        session = self.session(caller)
        return dict(session.headers) if session else {}


@pytest.fixture(autouse=True)
def _clean_state():
    """Replaces the suite's per-test emptying: the world lives for the module (see ``world``)."""
    yield


@pytest.fixture(scope="module")
def world(app):
    empty_every_table(app)
    try:
        yield _build_world(app)
    finally:
        empty_every_table(app)


def _ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), response.get_data(as_text=True)
    return response.json


def _build_world(app) -> World:
    make, client = factories.Factories(app), app.test_client()
    scheme, elsewhere = make.scheme(), make.scheme()
    desk = Desk(client, make, scheme)
    desk.to_introduction()
    match = desk.match_id
    # Meetings of the introduction: one held, one whose start has passed, one to come.
    meetings = {}
    for name, days in (("held_meeting", -3), ("meeting_id", -2), ("meeting_to_cancel", 5)):
        day = (TODAY + timedelta(days=days)).isoformat()
        meetings[name] = _ok(client.post(f"/api/v1/matches/{match}/meetings", headers=desk.coordinator.headers, json={
            "kind": "visit", "starts_at": f"{day}T10:00:00", "ends_at": f"{day}T12:00:00", "place": "Cafe",
            "coordinator_notes": "Bring the leaflet."}), 201)["id"]
    _ok(client.post(f"/api/v1/meetings/{meetings['held_meeting']}/held", headers=desk.coordinator.headers))
    desk.ok("trial", body={"start_on": TRIAL_START.isoformat()})
    desk.agree(AGREED)
    for session in (desk.householder, desk.sharer):
        _ok(desk.accept_agreement(session, 1))
    desk.review()

    people = {
        HOUSEHOLDER: desk.householder_person, SHARER: desk.sharer_person,
        OTHER_HOUSEHOLDER: make.householder(scheme), OTHER_SHARER: make.sharer(scheme),
        OUTSIDE_COORDINATOR: make.coordinator(elsewhere), COORDINATOR: desk.coordinator.person, ADMIN: make.admin(),
    }
    people[REPRESENTATIVE] = make.representative(scheme, desk.householder_person)
    people[OTHER_REPRESENTATIVE] = make.representative(scheme, people[OTHER_HOUSEHOLDER])
    sessions = {HOUSEHOLDER: desk.householder, SHARER: desk.sharer, COORDINATOR: desk.coordinator}
    for caller in (OTHER_HOUSEHOLDER, OTHER_SHARER, OUTSIDE_COORDINATOR, ADMIN) + REPRESENTATIVES:
        sessions[caller] = make.login(client, people[caller])
    # Both people agreed that their coordinator may record their answers (they have the app).
    for person in (desk.householder_person, desk.sharer_person):
        _ok(client.put(f"/api/v1/people/{person.id}/behalf-agreement", headers=desk.coordinator.headers,
                       json={"agreed_on": TODAY.isoformat()}))

    ids = {"match_id": match, "person_id": desk.householder_person.id, "scheme_id": scheme.id,
           "scheme_slug": scheme.slug, "kind": "identity", "represented_id": desk.householder_person.id,
           "sharer_id": desk.sharer_person.id, **meetings}
    calendar = _ok(client.post("/api/v1/me/calendar", headers=desk.householder.headers), 201)
    ids["secret"] = calendar["url"].rsplit("/", 1)[1].removesuffix(".ics")
    # The sharer's hours: one to change, one to delete, one to dispute, one to confirm, one still to log.
    for number, name in enumerate(("entry_id", "entry_to_delete", "entry_to_dispute", "entry_to_confirm"), 1):
        ids[name] = str(uuid.uuid4())
        _ok(client.put(f"/api/v1/matches/{match}/hours/{ids[name]}", headers=desk.sharer.headers,
                       json={"worked_on": worked(number), "minutes": 60, "task": "companionship"}), 201)
    ids["entry_to_log"] = str(uuid.uuid4())

    checkins = _ok(client.get(f"/api/v1/matches/{match}/checkins", headers=desk.coordinator.headers))
    ids["checkin_id"] = checkins["items"][0]["id"]
    # Absences of each person: one to change, one to cancel.
    for name, session, who, day in (("absence_id", desk.householder, "householder", 60),
                                    ("sharer_absence_id", desk.sharer, "sharer", 60),
                                    ("absence_to_cancel", desk.householder, "householder", 70),
                                    ("sharer_absence_to_cancel", desk.sharer, "sharer", 70)):
        ids[name] = str(uuid.uuid4())
        _ok(client.put(f"/api/v1/matches/{match}/absences/{ids[name]}", headers=session.headers, json={
            "who": who, "kind": "holiday", "first_day": worked(day), "last_day": worked(day + 1)}), 201)
    concern = _ok(client.post("/api/v1/concerns", headers=desk.householder.headers, json={
        "match_id": match, "category": "home", "severity": "low", "description": "The stair rail is loose."}), 201)
    ids["concern_id"] = concern["id"]
    ids["conversation_id"] = _ok(client.post("/api/v1/me/conversations", headers=desk.householder.headers, json={
        "subject": "The stair rail", "body": "Could someone look at it?"}), 201)["id"]
    device = _ok(client.post("/api/v1/me/devices", headers=desk.sharer.headers,
                             json={"platform": "android", "token": "sharer-phone-token-0001"}), 201)
    ids["device_id"] = device["id"]
    enquiry = _ok(client.post(f"/api/v1/schemes/{scheme.id}/enquiries", headers=desk.coordinator.headers, json={
        "name": "Ada Lovell", "contact": "0113 496 0002", "seeking": "householder", "source": "council"}), 201)
    ids["enquiry_id"], ids["slug"] = enquiry["id"], scheme.slug
    with app.app_context():
        notify([Message(account_id=uuid.UUID(desk.householder_person.id), kind="checkin_due",
                        title="A check-in is due", body="Tell us how things are going.",
                        dedupe_key="authz-matrix:householder")])
        db.session.commit()
        db.session.remove()
    inbox = _ok(client.get("/api/v1/me/notifications", headers=desk.householder.headers))
    ids["notification_id"] = inbox["items"][0]["id"]
    # The householder's three-month questionnaire, open today.
    with app.app_context():
        questionnaire = Questionnaire(
            scheme_id=uuid.UUID(scheme.id), person_id=uuid.UUID(desk.householder_person.id), role="householder",
            occasion=Occasion.MONTHS_3, match_id=uuid.UUID(match), key=f"{match}:months-3", due_on=TODAY,
            instruments=["ucla3"], created_at=datetime.now(timezone.utc))
        db.session.add(questionnaire)
        db.session.commit()
        ids["questionnaire_id"] = str(questionnaire.id)
        db.session.remove()

    # People no caller is: one to deactivate, reset and erase; a cleared pair to propose.
    ids["account_id"] = make.householder(scheme).id
    ids["spare_householder"] = make.ready("householder", scheme).id
    ids["spare_sharer"] = make.ready("sharer", scheme).id
    # A second representative of the householder, whose link coordinators change and remove.
    links = _ok(client.post(f"/api/v1/people/{desk.householder_person.id}/representatives",
                            headers=desk.coordinator.headers, json={
                                "representative": {"full_name": "Tom Jones"}, "relationship": "friend",
                                "consent_on": TODAY.isoformat(), "consent_how": "by-phone",
                                "scopes": ["see-match"]}), 201)
    ids["representation_id"] = links["id"]
    # A person a coordinator added, who has no login: to invite.
    ids["without_login"] = _ok(client.post(f"/api/v1/schemes/{scheme.id}/people", headers=desk.coordinator.headers,
                                           json={"role": "sharer", "first_name": "Ron"}), 201)["person_id"]
    return World(app=app, client=client, make=make, sessions=sessions, ids=ids, people=people)


# The requests ------------------------------------------------------------------------------------


@dataclass
class Call:
    """What a caller sends for one operation, and what else an allowed caller may get."""

    json: Any = None
    query: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tolerate: tuple[int, ...] = ()  # besides 2xx, for allowed callers: the step already happened
    after: Callable[[World, str, Any], None] | None = None  # on success: keep the world's sessions usable


def _etag_for(world: World, caller: str) -> dict[str, str]:
    """The caller's own profile ETag (members), or a plausible one (everyone else)."""
    if caller in MEMBERS:
        response = world.client.get("/api/v1/me/profile", headers=world.headers(caller))
        return {"If-Match": response.headers["ETag"]}
    return {"If-Match": '"1"'}


def _person_etag(world: World, _caller: str) -> dict[str, str]:
    response = world.client.get(f"/api/v1/people/{world.ids['person_id']}/profile",
                                headers=world.headers(COORDINATOR))
    return {"If-Match": response.headers["ETag"]}


def _fresh_session(world: World, caller: str) -> dict[str, str]:
    if caller == ANONYMOUS:
        return {}
    return world.make.login(world.client, world.people[caller]).headers


def _refresh_headers(world: World, caller: str) -> dict[str, str]:
    return {} if caller == ANONYMOUS else world.sessions[caller].refresh_headers


def _keep_tokens(world: World, caller: str, response) -> None:
    world.sessions[caller] = factories.Session(tokens=response.json, person=world.people[caller])


def _keep_password(world: World, caller: str, response) -> None:
    world.people[caller].password = NEW_PASSWORD
    _keep_tokens(world, caller, response)


NEW_PERSON, NEW_LINK = str(uuid.uuid4()), str(uuid.uuid4())


def _for(world: World, caller: str, whose: str) -> dict[str, Any]:
    """The ``on_behalf`` a coordinator sends: the person's view, given by phone an hour ago."""
    if caller not in (COORDINATOR, OUTSIDE_COORDINATOR):
        return {}
    given_at = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    return {"on_behalf": {"person_id": world.ids[whose], "how": "by-phone", "given_at": given_at}}


PERIOD = {"from": (TODAY - timedelta(days=90)).isoformat(), "to": TODAY.isoformat()}

REQUESTS: dict[str, Callable[[World, str], Call]] = {
    "POST /api/v1/auth/register": lambda w, c: Call(json={
        "scheme": w.ids["scheme_slug"], "email": "newcomer@example.org", "password": factories.PASSWORD,
        "role": "sharer"}),
    "POST /api/v1/auth/login": lambda w, c: Call(json={
        "email": w.people[c if c != ANONYMOUS else OTHER_SHARER].email,
        "password": w.people[c if c != ANONYMOUS else OTHER_SHARER].password}),
    "POST /api/v1/auth/refresh": lambda w, c: Call(headers=_refresh_headers(w, c), after=_keep_tokens),
    "POST /api/v1/auth/logout": lambda w, c: Call(headers=_fresh_session(w, c)),
    "POST /api/v1/auth/password": lambda w, c: Call(
        json={"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD}, after=_keep_password),
    # Everyone of the world has verified their email: the code is not looked at, and a new one is 409.
    "POST /api/v1/auth/verification": lambda w, c: Call(json={"code": "123456"}),
    "POST /api/v1/auth/verification/resend": lambda w, c: Call(tolerate=(409,)),
    "POST /api/v1/auth/password-reset": lambda w, c: Call(json={"email": "nobody@example.org"}),
    "POST /api/v1/auth/password-reset/confirmation": lambda w, c: Call(json={
        "email": "nobody@example.org", "code": "123456", "new_password": NEW_PASSWORD}, tolerate=(422,)),
    # No code of the world is given out: past authorisation, the code is looked at and refused.
    "POST /api/v1/auth/invitation": lambda w, c: Call(json={
        "code": "ABCD-EFGH-JKLM", "email": "invited@example.org", "password": NEW_PASSWORD}, tolerate=(422,)),
    "POST /api/v1/accounts/{account_id}/invitations": lambda w, c: Call(
        json={"channel": "phone"}, params={"account_id": w.ids["without_login"]}),
    "PATCH /api/v1/me/profile": lambda w, c: Call(json={"bio": "Fond of chess."}, headers=_etag_for(w, c)),
    "POST /api/v1/me/devices": lambda w, c: Call(json={"platform": "ios", "token": f"phone-of-{c}-0001"}),
    "PUT /api/v1/me/sms": lambda w, c: Call(json={"sms_opt_in": True}),
    "PATCH /api/v1/me": lambda w, c: Call(json={"language": "cy"}),
    "PATCH /api/v1/accounts/{account_id}": lambda w, c: Call(json={"language": "cy"}),
    # The one a coordinator answers for: a person without a login (one with a login is 409).
    "PUT /api/v1/people/{person_id}/sms": lambda w, c: Call(
        json={"sms_opt_in": True}, params={"person_id": w.ids["without_login"]}),
    "PATCH /api/v1/me/notification-preferences": lambda w, c: Call(json={
        "quiet_hours": {"starts_at": "22:00", "ends_at": "07:00"}}),
    "POST /api/v1/schemes": lambda w, c: Call(json={"slug": "homeshare-york", "name": "Homeshare York"}),
    "PATCH /api/v1/schemes/{scheme_id}": lambda w, c: Call(json={"name": "Homeshare Leeds"}),
    "POST /api/v1/schemes/{scheme_id}/coordinators": lambda w, c: Call(
        json={"email": "second.coordinator@example.org", "password": factories.PASSWORD}),
    "GET /api/v1/schemes/{scheme_id}/audit": lambda w, c: Call(query={"action": "match.propose"}),
    "POST /api/v1/accounts/{account_id}/deactivate": lambda w, c: Call(json={"reason": "Moved away."}),
    "GET /api/v1/measures": lambda w, c: Call(query=PERIOD),
    "GET /api/v1/schemes/{scheme_id}/measures": lambda w, c: Call(query=PERIOD),
    "GET /api/v1/schemes/{scheme_id}/measures.csv": lambda w, c: Call(query=PERIOD),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}": lambda w, c: Call(params={"period": f"{TODAY.year}"}),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}.csv": lambda w, c: Call(params={"period": f"{TODAY.year}-Q1"}),
    "GET /api/v1/schemes/{scheme_id}/reports/{period}.pdf": lambda w, c: Call(params={"period": f"{TODAY.year}"}),
    "GET /api/v1/schemes/{scheme_id}/checkins": lambda w, c: Call(query={"needs": "overdue"}),
    "GET /api/v1/schemes/{scheme_id}/hours/weeks.csv": lambda w, c: Call(query=PERIOD),
    "POST /api/v1/schemes/{scheme_id}/matches": lambda w, c: Call(json={
        "householder_id": w.ids["spare_householder"], "sharer_id": w.ids["spare_sharer"]}),
    "PATCH /api/v1/people/{person_id}/profile": lambda w, c: Call(
        json={"bio": "Retired nurse; loves chess."}, headers=_person_etag(w, c)),
    "PUT /api/v1/people/{person_id}/vetting/{kind}": lambda w, c: Call(json={"status": "passed"}),
    "DELETE /api/v1/people/{person_id}": lambda w, c: Call(params={"person_id": w.ids["account_id"]}),
    "POST /api/v1/matches/{match_id}/response": lambda w, c: Call(
        json={"decision": "accept", "share_contact_details": True, **_for(w, c, "person_id")}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/introduction": lambda w, c: Call(
        json={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Headingley library"}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/trial": lambda w, c: Call(
        json={"start_on": TRIAL_START.isoformat()}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/withdrawal": lambda w, c: Call(
        json={"reason": "The householder went into hospital."}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/ending": lambda w, c: Call(json={
        "ended_by": "sharer", "reason": "Moving for work.", "notice_given_days": 30,
        "end_on": TODAY.isoformat()}),
    "POST /api/v1/matches/{match_id}/notice": lambda w, c: Call(
        json={"reason": "householder-moved-to-care", **_for(w, c, "person_id")}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/notice/shortening": lambda w, c: Call(
        json={"last_day": (TODAY + timedelta(days=3)).isoformat(), "reason": "A care home place came up."}),
    "POST /api/v1/matches/{match_id}/notice/withdrawal": lambda w, c: Call(
        json={**_for(w, c, "person_id")}, tolerate=(409,)),
    "PUT /api/v1/matches/{match_id}/exit-feedback": lambda w, c: Call(
        json={"would_homeshare_again": True, "scheme_support": 5, **_for(w, c, "person_id")}),
    # The world's match is active: a view is 409 (not in its trial), the activation decision a repeat.
    "PUT /api/v1/matches/{match_id}/trial-review/view": lambda w, c: Call(
        json={"view": "carry-on", **_for(w, c, "person_id")}, tolerate=(409,)),
    "POST /api/v1/matches/{match_id}/trial-review/decision": lambda w, c: Call(
        json={"decision": "activate"}, tolerate=(409,)),
    "PUT /api/v1/matches/{match_id}/agreement": lambda w, c: Call(json=AGREED),
    "POST /api/v1/matches/{match_id}/agreement/acceptance": lambda w, c: Call(
        json={"version": 1, **_for(w, c, "person_id")}),
    "PUT /api/v1/matches/{match_id}/hours/{entry_id}": lambda w, c: Call(
        json={"worked_on": worked(5), "minutes": 90, "task": "cooking", **_for(w, c, "sharer_id")},
        params={"entry_id": w.ids["entry_to_log"]}),
    "PATCH /api/v1/matches/{match_id}/hours/{entry_id}": lambda w, c: Call(json={"minutes": 75}),
    "DELETE /api/v1/matches/{match_id}/hours/{entry_id}": lambda w, c: Call(
        params={"entry_id": w.ids["entry_to_delete"]}),
    "POST /api/v1/matches/{match_id}/hours/confirmation": lambda w, c: Call(
        json={"entry_ids": [w.ids["entry_to_confirm"]], **_for(w, c, "person_id")}),
    "POST /api/v1/matches/{match_id}/hours/{entry_id}/dispute": lambda w, c: Call(
        json={"reason": "I was away that day.", **_for(w, c, "person_id")},
        params={"entry_id": w.ids["entry_to_dispute"]}),
    "POST /api/v1/matches/{match_id}/checkins": lambda w, c: Call(
        json={"kind": "checkin", "due_on": (TODAY + timedelta(days=3)).isoformat()}),
    "PATCH /api/v1/matches/{match_id}/checkins/{checkin_id}": lambda w, c: Call(
        json={"due_on": (TODAY + timedelta(days=2)).isoformat()}),
    "POST /api/v1/matches/{match_id}/checkins/{checkin_id}/contact": lambda w, c: Call(
        json={"kind": "call", "at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
              "notes": "All well."}),
    "PUT /api/v1/matches/{match_id}/checkins/{checkin_id}/answer": lambda w, c: Call(
        json={"wellbeing": 4, "match_going": 4, "help_happening": True, **_for(w, c, "person_id")}),
    # Every allowed caller sends the same answers: the first stores them, the others get them back.
    "POST /api/v1/questionnaires/{questionnaire_id}/answers": lambda w, c: Call(json={
        "answers": {"ucla3": {"companionship": 2, "left_out": 1, "isolated": 1, "lonely": 3}},
        **_for(w, c, "person_id")}),
    "PUT /api/v1/matches/{match_id}/absences/{absence_id}": lambda w, c: Call(json={
        "who": "sharer" if c == SHARER else "householder", "kind": "visiting-family",
        "first_day": worked(80 + 3 * CALLERS.index(c)), "last_day": worked(81 + 3 * CALLERS.index(c))},
        params={"absence_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"absence-of-{c}"))}),
    "PATCH /api/v1/matches/{match_id}/absences/{absence_id}": lambda w, c: Call(
        json={"note": f"Changed by the {c}."},
        params={"absence_id": w.ids["sharer_absence_id" if c == SHARER else "absence_id"]}),
    "DELETE /api/v1/matches/{match_id}/absences/{absence_id}": lambda w, c: Call(
        params={"absence_id": w.ids["sharer_absence_to_cancel" if c == SHARER else "absence_to_cancel"]}),
    # The world's match is active: planning and moving are refused for its state (409), past the gate.
    "POST /api/v1/matches/{match_id}/meetings": lambda w, c: Call(json={
        "kind": "visit", "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00",
        "place": "Cafe"}, tolerate=(409,)),
    "PATCH /api/v1/meetings/{meeting_id}": lambda w, c: Call(json={
        "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00"}, tolerate=(409,)),
    "POST /api/v1/meetings/{meeting_id}/cancellation": lambda w, c: Call(
        params={"meeting_id": w.ids["meeting_to_cancel"]}),
    "PUT /api/v1/meetings/{meeting_id}/notes": lambda w, c: Call(json={"notes": "Went well."}),
    "PUT /api/v1/meetings/{meeting_id}/feedback": lambda w, c: Call(
        json={"how_it_went": 4, "carry_on": "yes", **_for(w, c, "person_id")},
        params={"meeting_id": w.ids["held_meeting"]}),
    "POST /api/v1/schemes/{scheme_id}/people": lambda w, c: Call(json={
        "role": "householder", "first_name": "Edna", "last_name": "Moss", "person_id": NEW_PERSON}),
    "POST /api/v1/people/{person_id}/representatives": lambda w, c: Call(json={
        "representation_id": NEW_LINK, "representative": {"full_name": "Anna Moss", "phone": "0113 496 0000"},
        "relationship": "attorney-health", "consent_on": TODAY.isoformat(), "consent_how": "on-paper",
        "scopes": ["see-match", "answer-checkins"]}),
    "PATCH /api/v1/representations/{representation_id}": lambda w, c: Call(json={"scopes": ["see-match"]}),
    "PUT /api/v1/people/{person_id}/behalf-agreement": lambda w, c: Call(json={"agreed_on": TODAY.isoformat()}),
    "POST /api/v1/concerns": lambda w, c: Call(json={
        "match_id": w.ids["match_id"], "category": "hours", "severity": "low",
        "description": "The hours have been creeping up."}),
    "POST /api/v1/concerns/{concern_id}/notes": lambda w, c: Call(json={"body": "Phoned the householder."}),
    "POST /api/v1/concerns/{concern_id}/resolution": lambda w, c: Call(json={"outcome": "The rail was fixed."}),
    "PUT /api/v1/people/{person_id}/coordinator": lambda w, c: Call(
        json={"coordinator_id": w.people[COORDINATOR].id}),
    "POST /api/v1/me/conversations": lambda w, c: Call(json={"subject": "The boiler", "body": "It is noisy."}),
    "POST /api/v1/represented/{represented_id}/conversations": lambda w, c: Call(
        json={"subject": "Mum's room", "body": "The window sticks."}),
    "GET /api/v1/schemes/{scheme_id}/conversations": lambda w, c: Call(query={"unread": "true"}),
    "POST /api/v1/conversations/{conversation_id}/messages": lambda w, c: Call(json={"body": f"From the {c}."}),
    "PUT /api/v1/conversations/{conversation_id}/assignment": lambda w, c: Call(
        json={"assigned_coordinator_id": w.people[COORDINATOR].id}),
    "GET /api/v1/schemes/{scheme_id}/enquiries": lambda w, c: Call(query={"stage": "enquiry"}),
    "POST /api/v1/schemes/{scheme_id}/enquiries": lambda w, c: Call(json={
        "name": "Joan Baker", "contact": "0113 496 0001", "seeking": "householder", "source": "gp-or-health"}),
    "POST /api/v1/schemes/by-slug/{slug}/enquiries": lambda w, c: Call(json={
        "name": "Priya Shah", "contact": "priya@example.org", "seeking": "sharer"}),
    "PATCH /api/v1/enquiries/{enquiry_id}": lambda w, c: Call(json={"notes": "Prefers a call after 5."}),
    "POST /api/v1/enquiries/{enquiry_id}/stage": lambda w, c: Call(json={"stage": "application"}),
    "POST /api/v1/enquiries/{enquiry_id}/person": lambda w, c: Call(json={"first_name": "Ada"}),
}


# The cells ---------------------------------------------------------------------------------------


def _order(operation: str) -> tuple:
    if operation in LAST:
        return (2, LAST.index(operation))
    return (0 if operation.startswith("GET ") else 1, operation)


def _cells() -> list:
    cells = []
    for operation in sorted(MATRIX, key=_order):
        outcomes = MATRIX[operation]
        # Denied callers first, while the world is as built; then the allowed ones.
        for caller in sorted(CALLERS, key=lambda c: outcomes[c] == ALLOWED):
            cells.append(pytest.param(operation, caller, id=f"{operation} | {caller}"))
    return cells


def _url(operation: str, world: World, call: Call) -> str:
    path = operation.split(" ", 1)[1]
    return path.format(**{**world.ids, **call.params})


def fingerprint(app) -> dict[str, str]:
    """A digest of every row of every table (on PostgreSQL in one statement)."""
    tables = db.metadata.sorted_tables
    with app.app_context():
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                return dict(connection.execute(sa.text(" UNION ALL ".join(
                    f"SELECT '{table.name}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
                    f'FROM "{table.name}" r' for table in tables))).all())
            return {table.name: hashlib.sha256(repr(connection.exec_driver_sql(
                f'SELECT * FROM "{table.name}" ORDER BY rowid').fetchall()).encode()).hexdigest()
                for table in tables}


def _first_allowed(operation: str) -> str:
    return next(caller for caller in CALLERS if MATRIX[operation][caller] == ALLOWED)


# Before the cells (pytest runs a module's tests in order), while the world is as built.
@pytest.mark.parametrize("operation", sorted(name for name in MATRIX if name.startswith("GET ")))
def test_an_unknown_query_parameter_is_refused(world, operation):
    """Every GET of the description, by a caller allowed to make it: ``?unexpected=1`` is
    refused (422, naming it), whether or not the operation reads a query string."""
    caller = _first_allowed(operation)
    call = REQUESTS.get(operation, lambda w, c: Call())(world, caller)
    query = {**(call.query or {}), "unexpected": "1"}
    response = world.client.get(_url(operation, world, call), headers={**world.headers(caller), **call.headers},
                                query_string=query)
    body = assert_problem(response, 422, "validation-error")
    assert "unexpected" in body["errors"], body
    documented = spec_operations()[operation]["responses"]
    assert "422" in documented, f"{operation} does not document its 422"


@pytest.mark.parametrize(("operation", "caller"), _cells())
def test_who_may_call(world, operation, caller):
    expected = MATRIX[operation][caller]
    call = REQUESTS.get(operation, lambda w, c: Call())(world, caller)
    method, url = operation.split(" ", 1)[0], _url(operation, world, call)
    headers = {**world.headers(caller), **call.headers}
    # The digest left by the last denied cell still holds unless something ran since.
    before, world.snapshot = world.snapshot, None
    if expected == ALLOWED:
        response = world.client.open(url, method=method, headers=headers, json=call.json, query_string=call.query)
        status = response.status_code
        assert 200 <= status < 300 or status in call.tolerate, (
            f"{caller} should be allowed to {operation}: {status} {response.get_data(as_text=True)[:500]}")
        if call.after and 200 <= status < 300:
            call.after(world, caller, response)
        return

    before = before or fingerprint(world.app)
    if operation in READS_INPUT:
        # The answer is about permission whatever is sent: an invalid body or query string too.
        invalid = ({"query_string": {"unknown": "1"}} if method == "GET"
                   else {"json": {"unknown": 1}, "query_string": call.query})
        assert_problem(world.client.open(url, method=method, headers=headers, **invalid), expected)
    assert_problem(world.client.open(url, method=method, headers=headers, json=call.json,
                                     query_string=call.query), expected)
    after = fingerprint(world.app)
    changed = sorted(name for name in after if after[name] != before[name])
    assert not changed, f"{caller} was refused {operation} but these tables changed: {changed}"
    world.snapshot = after
