"""Enquiries on the dashboard (the ones left waiting) and in the quality measures."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa

from homeshare.enquiries.models import Enquiry
from homeshare.extensions import db
from tests.matchdesk import Desk

ENQUIRY = {"name": "Margaret Hill", "contact": "0113 496 0000", "seeking": "householder", "source": "council"}


def at(year, month, day):
    return datetime(year, month, day, 12, 0, tzinfo=timezone.utc)


def record(client, scheme, session, **body):
    response = client.post(f"/api/v1/schemes/{scheme.id}/enquiries", headers=session.headers,
                           json={**ENQUIRY, **body})
    assert response.status_code == 201, response.json
    return response.json


def move(client, session, enquiry_id, **body):
    response = client.post(f"/api/v1/enquiries/{enquiry_id}/stage", headers=session.headers, json=body)
    assert response.status_code == 200, response.json
    return response.json


def test_the_dashboard_lists_enquiries_waiting_longer_than_the_schemes_setting(client, make, clock,
                                                                                count_queries):
    clock.set(at(2027, 3, 1))
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    url = f"/api/v1/schemes/{scheme.id}/dashboard"
    early = record(client, scheme, coordinator, name="Early", enquiry_on="2027-02-01")
    applied = record(client, scheme, coordinator, name="Applied", enquiry_on="2027-02-01")
    move(client, coordinator, applied["id"], stage="application", on="2027-02-25")
    closed = record(client, scheme, coordinator, name="Closed", enquiry_on="2027-02-01")
    move(client, coordinator, closed["id"], stage="closed", on="2027-02-02", closed_reason="no-reply")
    fresh = record(client, scheme, coordinator, name="Fresh")

    with count_queries() as small:
        board = client.get(url, headers=coordinator.headers).json
    assert board["enquiries_waiting"] == {"count": 1, "items": [{
        "enquiry_id": early["id"], "stage": "enquiry", "since": "2027-02-01", "owner_id": coordinator.person.id,
        "seeking": "householder"}]}

    # Two weeks on, the application has waited too; then the scheme allows 30 days.
    clock.set(at(2027, 3, 15))
    coordinator = make.login(client, coordinator.person)
    board = client.get(url, headers=coordinator.headers).json["enquiries_waiting"]
    assert [item["enquiry_id"] for item in board["items"]] == [early["id"], applied["id"]]
    assert client.patch(f"/api/v1/schemes/{scheme.id}", headers=coordinator.headers,
                        json={"settings": {"enquiry_waiting_days": 30}}).status_code == 200
    board = client.get(url, headers=coordinator.headers).json["enquiries_waiting"]
    assert [item["enquiry_id"] for item in board["items"]] == [early["id"]]
    waiting = client.get(f"/api/v1/schemes/{scheme.id}/enquiries?waiting=true", headers=coordinator.headers).json
    assert [item["id"] for item in waiting["items"]] == [early["id"]]
    assert fresh["id"] not in str(board)

    for number in range(8):
        record(client, scheme, coordinator, name=f"Old {number}", enquiry_on="2027-01-10")
    with count_queries() as large:
        board = client.get(url, headers=coordinator.headers).json["enquiries_waiting"]
    assert board["count"] == 9 and len(board["items"]) == 5
    assert len(small) == len(large)
    bad = client.patch(f"/api/v1/schemes/{scheme.id}", headers=coordinator.headers,
                       json={"settings": {"enquiry_waiting_days": 91}})
    assert bad.status_code == 422


def test_measures_count_enquiries_by_source_and_time_them_to_approval_and_a_first_match(app, client, make, clock):
    clock.set(at(2026, 12, 1))
    scheme = make.scheme()
    desk = Desk(client, make, scheme)
    coordinator = desk.coordinator
    before = record(client, scheme, coordinator, name="Before", enquiry_on="2026-11-20", source="gp-or-health")
    council = record(client, scheme, coordinator, name="Council", enquiry_on="2026-12-01")
    website = record(client, scheme, coordinator, name="Web", enquiry_on="2026-12-01", source="website")
    clock.set(at(2027, 1, 10))
    coordinator = desk.coordinator = make.login(client, coordinator.person)
    move(client, coordinator, before["id"], stage="approved", on="2027-01-05")  # 46 days
    move(client, coordinator, council["id"], stage="approved", on="2027-01-09")  # 39 days
    move(client, coordinator, website["id"], stage="closed", closed_reason="chose-other-support")
    # The enquiry about the householder became them: their first match is proposed on 10 January.
    with app.app_context():
        db.session.execute(sa.update(Enquiry).where(Enquiry.id == uuid.UUID(council["id"]))
                           .values(person_id=uuid.UUID(desk.householder_person.id)))
        db.session.commit()
    desk.householder = make.login(client, desk.householder_person)
    desk.sharer = make.login(client, desk.sharer_person)
    desk.propose()

    response = client.get(f"/api/v1/schemes/{scheme.id}/measures", headers=coordinator.headers,
                          query_string={"from": "2026-12-01", "to": "2027-01-31"})
    assert response.status_code == 200, response.json
    assert response.json["enquiries"] == {
        "received": 2, "by_source": {"council": 1, "website": 1},
        "approved": 2, "median_days_to_approval": 42.5,
        "first_matched": 1, "median_days_to_first_match": 40,
    }
    csv = client.get(f"/api/v1/schemes/{scheme.id}/measures.csv", headers=coordinator.headers,
                     query_string={"from": "2026-12-01", "to": "2027-01-31"}).get_data(as_text=True)
    assert "enquiries.by_source.council,1" in csv and "enquiries.median_days_to_first_match,40" in csv
    earlier = client.get(f"/api/v1/schemes/{scheme.id}/measures", headers=coordinator.headers,
                         query_string={"from": "2026-11-01", "to": "2026-11-30"}).json["enquiries"]
    assert earlier == {"received": 1, "by_source": {"gp-or-health": 1}, "approved": 0,
                       "median_days_to_approval": None, "first_matched": 0, "median_days_to_first_match": None}
