"""The printable agreement: one version as a PDF, read back with pypdf."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from homeshare.extensions import db
from homeshare.profiles.models import Profile
from tests.agreements.test_terms import FULL
from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)
BY_PHONE = {"how": "by-phone", "given_at": "2027-01-10T09:30:00+00:00"}


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme(name="Homeshare Caerdydd"))


def printed(desk, session=None, **query):
    return desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement.pdf",
                           headers=(session or desk.coordinator).headers, query_string=query)


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def name(app, person, first, last):
    with app.app_context():
        db.session.execute(sa.update(Profile).where(Profile.account_id == uuid.UUID(person.id))
                           .values(first_name=first, last_name=last))
        db.session.commit()
        db.session.remove()


def test_the_pdf_holds_the_scheme_the_people_every_term_the_rules_and_the_fees(desk):
    desk.to_introduction()
    desk.agree({**FULL, "sharer_must_know": "The boiler is temperamental.", "hours_per_week": 18,
                "hours_reason": "Evenings while her daughter is abroad."})
    text = text_of(printed(desk))
    for expected in (
        "Homeshare agreement", "Homeshare Caerdydd", "Version 1 (the current version)",
        "Householder Margaret Hill", "Sharer Tomasz Nowak",
        "Start date 4 January 2027", "35 days agreed; its dates are set when the trial starts",
        "Fixed, ending on 31 December 2027", "Review date 1 July 2027", "Minimum stay 6 months",
        "18 hours (above the scheme's usual maximum: Evenings while her daughter is abroad.)",
        "Companionship, Cooking", "£50.00", "Notice during the trial 7 days", "Notice once settled 28 days",
        "4 nights", "Days off a week 1 day",
        "Guests No guests overnight without asking.", "Kitchen Wash up the same evening.",
        "The householder pays £25.00 a month", "The sharer pays £150.00 once",
        "The boiler is temperamental.",
    ):
        assert expected in text, (expected, text)
    assert text.count("Not yet accepted.") == 2


def test_the_pdf_says_who_accepted_when_and_for_whom(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme(name="Homeshare Caerdydd"), householder_without_login=True)
    on_behalf = {"on_behalf": {"person_id": desk.householder_person.id, **BY_PHONE}}
    desk.propose()
    desk.ok("response", body={"decision": "accept", **on_behalf})
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-01-02T14:00:00+00:00", "place": "Her kitchen"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    desk.agree()
    accepted = desk.post("agreement/acceptance", body={"version": 1, **on_behalf})
    assert accepted.status_code == 200, accepted.json
    text = text_of(printed(desk, desk.sharer))
    assert ("Householder: Margaret Hill Accepted on 10 January 2027 at 12:00, recorded by a coordinator on the "
            "householder's behalf, given by phone on 10 January 2027 at 09:30.") in text
    assert "Sharer: Tomasz Nowak Not yet accepted." in text
    assert "the trial runs from 4 January 2027 to 1 February 2027" in text  # the match's own dates, once started
    clock.set(datetime(2027, 7, 1, 9, 15, tzinfo=timezone.utc))  # British Summer Time: 10:15 in Cardiff
    desk.sharer = make.login(client, desk.sharer_person)
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    assert "Sharer: Tomasz Nowak Accepted on 1 July 2027 at 10:15." in text_of(printed(desk, desk.sharer))


def test_a_representatives_acceptance_is_said_as_such(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_trial()
    desk.agree()
    daughter = make.login(client, make.representative(desk.scheme, desk.householder_person))
    assert desk.accept_agreement(daughter, 1).status_code == 200
    text = text_of(printed(desk, daughter))
    assert "by their representative on the householder's behalf." in text


def test_an_earlier_version_prints_as_superseded(desk):
    desk.to_introduction()
    desk.agree()
    desk.agree({**TERMS, "hours_per_week": 12})
    first = text_of(printed(desk, version=1))
    assert "Version 1 (superseded by version 2)" in first and "10 hours" in first
    assert "Version 2 (the current version)" in text_of(printed(desk))


def test_welsh_and_non_latin_names_print(app, desk):
    name(app, desk.householder_person, "Gwenllïan", "Ŵyn-Ŷr")
    name(app, desk.sharer_person, "Александра", "王小明")
    desk.to_introduction()
    desk.agree({**TERMS, "house_rules": [{"topic": "Gŵyl", "rule": "Croeso i bawb ŵyr ac wyresau."}]})
    text = text_of(printed(desk))
    assert "Gwenllïan Ŵyn-Ŷr" in text and "Александра" in text and "Croeso i bawb ŵyr ac wyresau." in text


def test_the_pdf_prints_in_the_language_of_whoever_asks_or_the_one_chosen(client, desk):
    desk.to_trial(start_on="2027-01-04")
    desk.agree({**FULL, "sharer_must_know": "The boiler is temperamental.", "hours_per_week": 18,
                "hours_reason": "Evenings while her daughter is abroad."})
    response = client.patch("/api/v1/me", headers=desk.sharer.headers, json={"language": "cy"})
    assert response.status_code == 200, response.json
    welsh = text_of(printed(desk, desk.sharer))
    for expected in (
        "Cytundeb rhannu cartref", "Homeshare Caerdydd", "Fersiwn 1 (y fersiwn gyfredol), drafftiwyd ar 10 Ionawr 2027 "
        "am 12:00", "Rhwng", "Deiliad y tŷ Margaret Hill", "Rhannwr Tomasz Nowak", "Telerau",
        "Dyddiad dechrau 4 Ionawr 2027", "35 diwrnod wedi'u cytuno; mae'r cyfnod prawf yn rhedeg o 4 Ionawr 2027 i "
        "1 Chwefror 2027", "Cyfnod penodol, yn dod i ben ar 31 Rhagfyr 2027", "Isafswm arhosiad 6 mis",
        "18 awr (uwchlaw uchafswm arferol y cynllun: Evenings while her daughter is abroad.)",
        "Cwmnïaeth, Coginio", "Rhybudd yn ystod y cyfnod prawf 7 diwrnod", "Rheolau'r tŷ",
        "Mae deiliad y tŷ yn talu £25.00 y mis", "Mae'r rhannwr yn talu £150.00 unwaith", "Da gwybod",
        "Derbyn", "Deiliad y tŷ: Margaret Hill Heb ei dderbyn eto.",
    ):
        assert expected in welsh, (expected, welsh)
    # What people wrote stays as they wrote it; no English label is left.
    assert "The boiler is temperamental." in welsh
    for label in ("Homeshare agreement", "Start date", "Not yet accepted", "Householder", "Terms", " days"):
        assert label not in welsh, label
    # An English reader, and the Welsh reader asking for English, get English.
    english = text_of(printed(desk, desk.householder))
    assert "Homeshare agreement" in english and "Start date 4 January 2027" in english
    assert "Start date 4 January 2027" in text_of(printed(desk, desk.sharer, language="en"))
    assert "Dyddiad dechrau 4 Ionawr 2027" in text_of(printed(desk, desk.householder, language="cy"))
    assert_problem(printed(desk, desk.sharer, language="fr"), 422, "validation-error")


@pytest.mark.parametrize("query", [{"version": 2}, {"version": 99}])
def test_a_version_that_does_not_exist_is_404(desk, query):
    desk.to_introduction()
    assert_problem(printed(desk), 404, "not-found")  # no agreement yet
    desk.agree()
    assert_problem(printed(desk, **query), 404, "not-found")


@pytest.mark.parametrize("query", [{"version": 0}, {"version": "first"}, {"number": 1}])
def test_a_bad_query_is_refused(desk, query):
    desk.to_introduction()
    desk.agree()
    assert_problem(printed(desk, **query), 422, "validation-error")


def test_only_those_who_may_read_the_agreement_print_it(client, make, desk):
    desk.to_introduction()
    desk.agree()
    elsewhere = make.login(client, make.coordinator(make.scheme()))
    assert_problem(printed(desk, elsewhere), 404)
    stranger = make.login(client, make.ready("sharer", desk.scheme))
    assert_problem(printed(desk, stranger), 404)
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}/agreement.pdf"), 401)
    assert printed(desk, desk.sharer).status_code == 200
