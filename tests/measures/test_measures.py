"""Quality measures on a small history built by hand, where every figure can be checked on paper."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.vetting.models import VettingCheck
from tests.helpers import assert_problem
from tests.matchdesk import Desk


def at(*args):
    return datetime(*args, 12, 0, tzinfo=timezone.utc)


def fresh(desk, make, client):
    """New sessions after the clock moved on (sessions last 30 days of the scheme's clock)."""
    desk.coordinator = make.login(client, desk.coordinator.person)
    desk.householder = make.login(client, desk.householder_person)
    desk.sharer = make.login(client, desk.sharer_person)


def cleared_on(app, person, day):
    with app.app_context():
        db.session.execute(sa.update(VettingCheck).where(VettingCheck.account_id == uuid.UUID(person.id))
                           .values(recorded_at=datetime(*day, 9, 0, tzinfo=timezone.utc)))
        db.session.commit()


@pytest.fixture
def history(app, client, make, clock):
    """2026 in one scheme:

    M1: householder H1 and sharer S1 registered 10 Jan (cleared 20 Jan for H1), proposed
        1 Feb, trial from 10 May (exactly 4 months after registering), ended 10 Nov by the
        householder (exactly 6 months: it lasted six months).
    M2: H2 and S2 registered 10 Jan (H2 cleared 30 Jan), proposed 1 Feb, trial from 11 May
        (a day late), ended 12 Nov by the sharer (more than 6 months).
    H3 registered 1 Oct: cleared, waiting, still within its 4 months on 31 Dec.
    S3 registered 1 Mar, deactivated 1 Jun (found other housing); S4 registered 5 Mar,
    erased 1 Jul at her request (no code: "other"). Neither was ever matched.
    One concern about M1, raised 1 Jun.
    """
    clock.set(at(2026, 1, 10))
    scheme = make.scheme()
    m1, m2 = Desk(client, make, scheme), Desk(client, make, scheme)
    cleared_on(app, m1.householder_person, (2026, 1, 20))
    cleared_on(app, m2.householder_person, (2026, 1, 30))
    clock.set(at(2026, 2, 1))
    for desk, start in ((m1, "2026-05-10"), (m2, "2026-05-11")):
        fresh(desk, make, client)
        desk.to_trial(start_on=start)
    clock.set(at(2026, 3, 1))
    s3 = make.ready("sharer", scheme)
    clock.set(at(2026, 3, 5))
    s4 = make.ready("sharer", scheme)
    clock.set(at(2026, 6, 1))
    fresh(m1, make, client)
    client.post(f"/api/v1/accounts/{s3.id}/deactivate", headers=m1.coordinator.headers,
                json={"reason": "Offered a council flat.", "reason_code": "found-other-housing"})
    client.post("/api/v1/concerns", headers=m1.householder.headers,
                json={"match_id": m1.match_id, "category": "hours", "severity": "low", "description": "Slipping."})
    clock.set(at(2026, 7, 1))
    assert client.delete("/api/v1/me", headers=make.login(client, s4).headers).status_code == 204
    clock.set(at(2026, 10, 1))
    make.ready("householder", scheme)
    clock.set(at(2026, 11, 20))
    for desk, end, by in ((m1, "2026-11-10", "householder"), (m2, "2026-11-12", "sharer")):
        fresh(desk, make, client)
        desk.ok("ending", body={"ended_by": by, "reason": "Moving on.", "notice_given_days": 28, "end_on": end})
    clock.set(at(2027, 1, 15))
    fresh(m1, make, client)
    return scheme, m1


def measures(client, scheme, session, **period):
    response = client.get(f"/api/v1/schemes/{scheme.id}/measures", headers=session.headers,
                          query_string={"from": "2026-01-01", "to": "2026-12-31", **period})
    assert response.status_code == 200, response.json
    return response.json


def test_every_measure_on_a_year_checked_by_hand(client, history):
    scheme, m1 = history
    found = measures(client, scheme, m1.coordinator)
    registration = found["registration"]
    assert registration["householder"] == {
        "registered": 3, "window_closed": 2, "matched_within_4_months": 1, "share_matched_within_4_months": 0.5,
        "median_days_to_cleared": 10, "median_days_to_first_proposal": 22, "median_days_to_trial": 120.5}
    assert registration["sharer"]["registered"] == 4 and registration["sharer"]["window_closed"] == 4
    assert registration["sharer"]["matched_within_4_months"] == 1
    assert registration["sharer"]["share_matched_within_4_months"] == 0.25
    assert registration["all"]["share_matched_within_4_months"] == round(2 / 6, 4)

    assert found["matches"] == {
        "ended": 2, "started_6_months_before_end": 2, "lasted_6_months": 2, "share_lasted_6_months": 1.0,
        "average_length_days": 184.5, "median_length_days": 184.5,
        "running_in_period": 2, "still_running": 0, "median_length_days_live_included": 184.5,
        "kaplan_meier_median_length_days": 184,
        "ended_with_agreed_period": 0, "lasted_agreed_period": 0, "share_lasted_agreed_period": None,
        "live_now": 0, "ended_by": {"householder": 1, "sharer": 1},
        "ended_by_reason": {"other": 2}}  # ended at once, without a reason from the vocabulary
    assert found["rematching"]["all"] == {"window_closed": 0, "rematched": 0, "share_rematched": None}
    assert found["rematching"]["within_days"] == 90  # 10 Nov + 90 days is after 31 Dec
    assert found["leaving"]["sharer"] == {"left": 2, "left_never_matched": 2, "share_left_never_matched": 1.0,
                                          "reasons": {"found-other-housing": 1, "other": 1}}
    assert found["dropping_out"]["sharer"] == {"dropped_out_without_match": 2, "registered": 4,
                                               "share_dropped_out_without_match": 0.5}
    assert found["dropping_out"]["householder"]["share_dropped_out_without_match"] == 0.0
    assert found["dropping_out"]["all"]["share_dropped_out_without_match"] == round(2 / 7, 4)
    assert found["leaving"]["householder"]["left"] == 0
    assert found["waiting"]["householder"]["waiting"] == 3 and found["waiting"]["sharer"]["waiting"] == 2
    assert found["concerns"]["raised"] == 1
    assert found["concerns"]["match_months"] == round((185 + 186) / 30.44, 2)
    assert found["checkins"]["due"] > 0 and found["checkins"]["answer_rate"] == 0.0
    assert found["hours"]["weeks"] == 0  # no agreement was accepted: nothing to measure against


def test_a_shorter_period_counts_only_what_happened_in_it(client, history):
    scheme, m1 = history
    spring = measures(client, scheme, m1.coordinator, **{"from": "2026-03-01", "to": "2026-06-30"})
    assert spring["registration"]["sharer"]["registered"] == 2  # S3 and S4
    assert spring["registration"]["householder"]["registered"] == 0
    assert spring["matches"]["ended"] == 0
    assert spring["leaving"]["sharer"]["left"] == 1  # S3; S4 was erased in July


def test_measures_as_csv_and_across_schemes_for_admins(client, make, history):
    scheme, m1 = history
    response = client.get(f"/api/v1/schemes/{scheme.id}/measures.csv?from=2026-01-01&to=2026-12-31",
                          headers=m1.coordinator.headers)
    rows = {row["measure"]: row["value"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["matches.share_lasted_6_months"] == "1.0"
    assert rows["registration.householder.matched_within_4_months"] == "1"
    admin = make.login(client, make.admin())
    across = client.get("/api/v1/measures?from=2026-01-01&to=2026-12-31", headers=admin.headers).json
    ours = next(s for s in across["schemes"] if s["scheme_id"] == scheme.id)
    assert ours["matches"]["ended"] == 2
    text = str(across)
    for person in (m1.householder_person, m1.sharer_person):
        assert person.id not in text and person.email not in text
    assert_problem(client.get("/api/v1/measures?from=2026-01-01&to=2026-12-31", headers=m1.coordinator.headers), 403)
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.get(f"/api/v1/schemes/{scheme.id}/measures?from=2026-01-01&to=2026-12-31",
                              headers=outsider.headers), 404)
    assert_problem(client.get(f"/api/v1/schemes/{scheme.id}/measures?from=2026-12-31&to=2026-01-01",
                              headers=m1.coordinator.headers), 422)


def test_measures_take_a_fixed_number_of_queries(client, make, history, count_queries):
    scheme, m1 = history
    with count_queries() as small:
        measures(client, scheme, m1.coordinator)
    for _ in range(3):
        Desk(client, make, scheme).to_trial(start_on="2026-12-01")
    session = make.login(client, m1.coordinator.person)
    with count_queries() as large:
        measures(client, scheme, session)
    assert len(small) == len(large)
