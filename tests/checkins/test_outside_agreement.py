"""The sharer's check-in question: "Have you been asked to do anything outside the agreement?"."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.checkins.models import CheckInAnswer
from homeshare.extensions import db
from tests.checkins.test_checkins import GOOD, answer, checkins, inbox
from tests.helpers import assert_problem
from tests.matchdesk import Desk

ASKED = {**GOOD, "asked_outside_agreement": True, "outside_agreement_what": "Bathing her every evening."}


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_trial(start_on="2027-03-01")
    clock.set(datetime(2027, 3, 4, 12, 0, tzinfo=timezone.utc))  # the first contact's due day
    return desk


def test_the_question_is_optional_and_reads_no_unless_answered(desk):
    checkin_id = checkins(desk)[0]["id"]
    response = answer(desk, desk.sharer, checkin_id, GOOD)
    assert response.status_code == 200, response.json
    assert (response.json["asked_outside_agreement"], response.json["outside_agreement_what"]) == (False, None)
    assert inbox(desk, desk.coordinator) == []


def test_a_yes_is_kept_in_the_answer_and_alerts_the_coordinators_once(client, make, desk):
    second = make.login(client, make.coordinator(desk.scheme))
    checkin_id = checkins(desk)[0]["id"]
    for _ in range(2):
        response = answer(desk, desk.sharer, checkin_id, ASKED)
        assert response.status_code == 200, response.json
    assert response.json["asked_outside_agreement"] is True
    assert response.json["outside_agreement_what"] == "Bathing her every evening."
    shown = next(a for a in checkins(desk)[0]["answers"] if a["side"] == "sharer")
    assert shown["asked_outside_agreement"] is True
    for coordinator in (desk.coordinator, second):
        alerts = [n for n in inbox(desk, coordinator) if n["kind"] == "checkin_alert"]
        assert len(alerts) == 1
        assert "outside the agreement" in alerts[0]["body"] and alerts[0]["data"]["side"] == "sharer"


def test_the_question_is_the_sharers_and_what_goes_with_a_yes(app, desk):
    checkin_id = checkins(desk)[0]["id"]
    body = assert_problem(answer(desk, desk.householder, checkin_id, ASKED), 422, "validation-error")
    assert "asked_outside_agreement" in body["errors"]
    body = assert_problem(answer(desk, desk.sharer, checkin_id, {**GOOD, "outside_agreement_what": "Gardening."}),
                          422, "validation-error")
    assert "outside_agreement_what" in body["errors"]
    assert_problem(answer(desk, desk.sharer, checkin_id, {**GOOD, "asked_outside_agreement": "yes"}), 422)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckInAnswer)) == 0
        db.session.remove()
    assert answer(desk, desk.householder, checkin_id, {**GOOD, "asked_outside_agreement": False}).status_code == 200
