"""The measures Homeshare UK's Quality Assurance Framework defines, on histories built row by row
where every figure can be checked on paper (the service directly), and the leave reasons they
count (through HTTP)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from homeshare.absences.models import Absence, AbsenceKind
from homeshare.accounts.models import Account, LeaveReason
from homeshare.agreements.models import AgreementVersion, Term
from homeshare.checkins.models import CheckIn, CheckInAnswer, CheckInKind
from homeshare.common.clock import utcnow
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import week_start_of
from homeshare.matching.models import Match, MatchState
from homeshare.measures import report, service
from homeshare.schemes.models import Scheme
from tests.helpers import assert_problem

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.utc)


class History:
    """Rows of one scheme, written directly."""

    def __init__(self, make, **settings):
        self.make = make
        self.slug = make.scheme(settings=settings)
        self.scheme = db.session.get(Scheme, uuid.UUID(self.slug.id))

    def person(self, role: str) -> uuid.UUID:
        return uuid.UUID(self.make.account(role, SimpleNamespace(id=str(self.scheme.id), slug=self.scheme.slug)).id)

    def match(self, start: date, ended: date | None = None, householder: uuid.UUID | None = None,
              sharer: uuid.UUID | None = None) -> Match:
        match = Match(id=uuid.uuid4(), scheme_id=self.scheme.id,
                      householder_id=householder or self.person("householder"),
                      sharer_id=sharer or self.person("sharer"),
                      state=MatchState.ENDED if ended else MatchState.ACTIVE,
                      proposed_at=at(start - timedelta(days=30)), trial_started_on=start,
                      trial_ends_on=start + timedelta(days=28), ended_on=ended)
        db.session.add(match)
        db.session.commit()
        return match

    def version(self, match: Match, number: int = 1, hours: int = 7, accepted: date | None = None,
                term: Term = Term.OPEN_ENDED, term_ends_on: date | None = None,
                minimum_stay_months: int | None = None) -> None:
        accepted_at = at(accepted or match.trial_started_on - timedelta(days=7))
        db.session.add(AgreementVersion(
            match_id=match.id, number=number, hours_per_week=hours, tasks=["companionship"],
            monthly_contribution_pence=0, start_on=match.trial_started_on, trial_length_days=28, notice_days=28,
            term=term, term_ends_on=term_ends_on, minimum_stay_months=minimum_stay_months,
            created_at=accepted_at, householder_accepted_at=accepted_at, sharer_accepted_at=accepted_at))
        db.session.commit()

    def checkin(self, match: Match, kind: CheckInKind, due: date, answered_by=(), wellbeing: int = 4) -> None:
        checkin = CheckIn(id=uuid.uuid4(), match_id=match.id, kind=kind, planned_on=due, due_on=due,
                          created_at=at(match.trial_started_on))
        db.session.add(checkin)
        for side in answered_by:
            db.session.add(CheckInAnswer(
                id=uuid.uuid4(), checkin_id=checkin.id, match_id=match.id, side=side, account_id=getattr(match, f"{side}_id"),
                wellbeing=wellbeing, match_going=4, help_happening=True, wants_call=False, something_wrong=False,
                answered_at=at(due)))
        db.session.commit()

    def away(self, match: Match, first: date, last: date) -> None:
        db.session.add(Absence(id=uuid.uuid4(), match_id=match.id, who="householder", person_id=match.householder_id,
                               kind=AbsenceKind.HOLIDAY, first_day=first, last_day=last, created_at=utcnow(),
                               updated_at=utcnow()))
        db.session.commit()

    def hours(self, match: Match, day: date, minutes: int) -> None:
        db.session.add(HoursEntry(id=uuid.uuid4(), match_id=match.id, sharer_id=match.sharer_id, worked_on=day,
                                  week_start=week_start_of(day), minutes=minutes, task="companionship",
                                  status=EntryStatus.CONFIRMED, created_at=utcnow(), updated_at=utcnow()))
        db.session.commit()

    def measures(self, first: date = YEAR[0], last: date = YEAR[1]) -> dict:
        return service.compute(db.session.get(Scheme, self.scheme.id), first, last)


@pytest.fixture
def history(ctx, make, clock):
    clock.set(at(date(2027, 3, 1)))
    return lambda **settings: History(make, **settings)


def test_matches_lasting_six_months_count_live_ones_and_those_started_six_months_before_the_end(history):
    h = history()
    h.match(date(2026, 1, 10))  # live: lasted
    h.match(date(2026, 3, 1), ended=date(2026, 8, 31))  # a day short of six months
    h.match(date(2026, 3, 1), ended=date(2026, 9, 1))  # exactly six months: lasted
    h.match(date(2026, 7, 1))  # live, but started less than six months before 31 Dec: not counted
    h.match(date(2025, 1, 1), ended=date(2025, 12, 31))  # ended before the period: not counted
    h.match(date(2025, 5, 1), ended=date(2026, 2, 1))  # ended in the period after nine months: lasted
    matches = h.measures()["matches"]
    assert (matches["started_6_months_before_end"], matches["lasted_6_months"], matches["share_lasted_6_months"]) \
        == (4, 3, 0.75)
    # Ended only: 183, 184 and 276 days.
    assert (matches["ended"], matches["median_length_days"], matches["average_length_days"]) == (3, 184, 214.3)
    # Live included, as still running on 31 Dec: 355 and 183 days so far with the three ended ones.
    assert (matches["running_in_period"], matches["still_running"]) == (5, 2)
    assert matches["median_length_days_live_included"] == 184
    # Kaplan-Meier: 183 days 4/5, 184 days 4/5 x 2/3, 276 days x 1/2 = 0.27, at or below a half.
    assert matches["kaplan_meier_median_length_days"] == 276


def test_kaplan_meier_median_by_hand():
    # At 1 day: 4/5 = 0.8; censored at 2; at 3: 0.8 x 2/3 = 0.53; at 4: 0.53 x 1/2 = 0.27.
    assert service.kaplan_meier_median([(1, True), (2, False), (3, True), (4, True), (5, False)]) == 4
    # Exactly a half counts: 2 of 4 end on day 10 together.
    assert service.kaplan_meier_median([(10, True), (10, True), (20, False), (30, False)]) == 10
    # A censored length tied with an ending is still at risk then: 1 - 1/3.
    assert service.kaplan_meier_median([(5, False), (5, True), (9, True)]) == 9
    # Never down to a half: no median yet.
    assert service.kaplan_meier_median([(10, True), (20, False), (30, False)]) is None
    assert service.kaplan_meier_median([]) is None


def test_matches_that_lasted_their_agreed_period_by_the_newest_accepted_version(history):
    h = history()
    fixed = h.match(date(2026, 1, 5), ended=date(2026, 6, 30))
    h.version(fixed, term=Term.FIXED, term_ends_on=date(2026, 6, 30))  # ended on its last day: lasted
    short = h.match(date(2026, 1, 5), ended=date(2026, 10, 1))
    h.version(short, term=Term.FIXED, term_ends_on=date(2026, 12, 31))
    stay = h.match(date(2026, 2, 1), ended=date(2026, 8, 15))
    h.version(stay, minimum_stay_months=6)  # to 1 Aug: lasted
    h.version(h.match(date(2026, 2, 1), ended=date(2026, 3, 1)))  # open-ended, no minimum stay: not counted
    longer = h.match(date(2026, 1, 5), ended=date(2026, 7, 1))
    h.version(longer, term=Term.FIXED, term_ends_on=date(2026, 5, 31))
    h.version(longer, number=2, accepted=date(2026, 4, 1), term=Term.FIXED, term_ends_on=date(2026, 12, 31))
    matches = h.measures()["matches"]
    assert (matches["ended_with_agreed_period"], matches["lasted_agreed_period"],
            matches["share_lasted_agreed_period"]) == (4, 2, 0.5)


def test_people_rematched_within_the_schemes_days(history):
    h = history(rematch_within_days=30)
    first = h.match(date(2026, 1, 5), ended=date(2026, 3, 31))
    h.match(date(2026, 4, 30), householder=first.householder_id)  # 30 days on: rematched
    second = h.match(date(2026, 1, 5), ended=date(2026, 5, 1))
    h.match(date(2026, 6, 1), householder=second.householder_id)  # 31 days on: too late
    h.match(date(2026, 6, 1), ended=date(2026, 12, 15))  # its window runs past 31 Dec: not counted yet
    rematching = h.measures()["rematching"]
    assert rematching["within_days"] == 30
    assert rematching["householder"] == {"window_closed": 2, "rematched": 1, "share_rematched": 0.5}
    assert rematching["sharer"] == {"window_closed": 2, "rematched": 0, "share_rematched": 0.0}
    assert rematching["all"] == {"window_closed": 4, "rematched": 1, "share_rematched": 0.25}


def test_the_answer_rate_counts_only_check_ins_sent_to_people(history):
    h = history()
    match = h.match(date(2026, 6, 1))
    h.checkin(match, CheckInKind.CONTACT, date(2026, 6, 4))  # the coordinator's call
    h.checkin(match, CheckInKind.CHECKIN, date(2026, 6, 10), answered_by=("householder", "sharer"))
    h.checkin(match, CheckInKind.CHECKIN, date(2026, 6, 20), answered_by=("householder",), wellbeing=2)
    h.checkin(match, CheckInKind.REVIEW, date(2026, 9, 1), answered_by=("householder",))
    checkins = h.measures()["checkins"]
    assert (checkins["due"], checkins["answers"], checkins["answer_rate"]) == (2, 3, 0.75)
    assert checkins["wellbeing_by_month"] == {"householder": {"0": 3}, "sharer": {"0": 4}}


def test_weeks_of_hours_leave_out_weeks_covered_by_absences(history):
    h = history()
    match = h.match(date(2026, 6, 1))  # a Monday
    h.version(match, hours=7)  # 420 minutes a week
    h.hours(match, date(2026, 6, 2), 420)  # met
    h.away(match, date(2026, 6, 8), date(2026, 6, 14))  # the whole week away: left out
    h.away(match, date(2026, 6, 15), date(2026, 6, 16))  # two days away: 5/7 of 420 = 300 expected
    h.hours(match, date(2026, 6, 17), 300)  # met
    h.hours(match, date(2026, 6, 23), 400)  # short
    hours = h.measures(date(2026, 6, 1), date(2026, 6, 29))["hours"]
    assert hours == {"weeks": 3, "weeks_meeting_agreed_hours": 2, "share_weeks_meeting_agreed_hours": round(2 / 3, 4),
                     "weeks_away_left_out": 1}


def test_dropping_out_counts_leave_reasons_but_not_failed_vetting_or_ineligibility(app, client, make, clock):
    clock.set(at(date(2026, 3, 1)))
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    sharers = [make.ready("sharer", scheme) for _ in range(5)]
    clock.set(at(date(2026, 5, 1)))
    coordinator = make.login(client, coordinator.person)
    for sharer, code in zip(sharers, ("failed-vetting", "ineligible", "changed-mind")):
        response = client.post(f"/api/v1/accounts/{sharer.id}/deactivate", headers=coordinator.headers,
                               json={"reason_code": code, "reason": "Told us by phone."})
        assert response.status_code == 200, response.json
    assert client.post(f"/api/v1/accounts/{sharers[3].id}/deactivate", headers=coordinator.headers).status_code == 200
    # Not in the vocabulary: refused, nothing stored.
    assert_problem(client.post(f"/api/v1/accounts/{sharers[4].id}/deactivate", headers=coordinator.headers,
                               json={"reason_code": "bored"}), 422)
    # Repeated: nothing changes.
    assert client.post(f"/api/v1/accounts/{sharers[2].id}/deactivate", headers=coordinator.headers,
                       json={"reason_code": "health"}).status_code == 200
    with app.app_context():
        codes = dict(db.session.execute(sa.select(Account.id, Account.left_reason_code).where(
            Account.id.in_([uuid.UUID(s.id) for s in sharers]))).all())
        assert [codes[uuid.UUID(s.id)] for s in sharers] == [
            LeaveReason.FAILED_VETTING, LeaveReason.INELIGIBLE, LeaveReason.CHANGED_MIND, None, None]
        assert db.session.get(Account, uuid.UUID(sharers[4].id)).is_active
    clock.set(at(date(2027, 1, 10)))
    coordinator = make.login(client, coordinator.person)
    found = client.get(f"/api/v1/schemes/{scheme.id}/measures?from=2026-01-01&to=2026-12-31",
                       headers=coordinator.headers).json
    assert found["dropping_out"]["sharer"] == {"dropped_out_without_match": 2, "registered": 5,
                                               "share_dropped_out_without_match": 0.4}
    assert found["leaving"]["sharer"]["reasons"] == {"failed-vetting": 1, "ineligible": 1, "changed-mind": 1,
                                                     "other": 1}
    # Taken back, they no longer count as having left, and the code goes with the note.
    assert client.post(f"/api/v1/accounts/{sharers[2].id}/reactivate", headers=coordinator.headers).status_code == 200
    with app.app_context():
        back = db.session.get(Account, uuid.UUID(sharers[2].id))
        assert (back.left_at, back.left_reason, back.left_reason_code) == (None, None, None)


def test_a_period_not_over_yet_counts_only_matches_six_months_old_by_today(history, clock):
    clock.set(at(date(2026, 12, 2)))
    h = history()
    h.match(date(2026, 5, 1))  # live, six months old on 1 Nov: lasted
    h.match(date(2026, 6, 15))  # live, but six months only on 15 Dec, after today: not counted yet
    matches = h.measures()["matches"]
    assert (matches["started_6_months_before_end"], matches["lasted_6_months"], matches["share_lasted_6_months"]) \
        == (1, 1, 1.0)


def test_a_match_ended_on_a_day_still_to_come_has_not_ended_yet(history, clock):
    clock.set(at(date(2026, 12, 2)))
    h = history()
    h.version(h.match(date(2026, 11, 1), ended=date(2026, 11, 20)), term=Term.FIXED, term_ends_on=date(2026, 12, 31))
    # The coordinator recorded its end on a day still to come.
    h.version(h.match(date(2026, 1, 10), ended=date(2026, 12, 20)), term=Term.FIXED, term_ends_on=date(2026, 12, 31))
    matches = h.measures()["matches"]
    # Only the match that did end: 19 days long, short of its agreed term.
    assert (matches["ended"], matches["median_length_days"]) == (1, 19)
    assert (matches["ended_with_agreed_period"], matches["lasted_agreed_period"]) == (1, 0)
    assert (matches["running_in_period"], matches["still_running"]) == (2, 1)
    assert matches["ended_by_reason"] == {"other": 1}


def test_a_trial_set_for_a_day_still_to_come_has_matched_nobody_yet(history, clock):
    clock.set(at(date(2026, 10, 1)))  # everyone registers
    h = history()
    h.match(date(2026, 11, 2))
    ahead = h.match(date(2026, 12, 10))  # set on a visit, for a day still to come
    ahead.state = MatchState.TRIAL
    db.session.commit()
    clock.set(at(date(2026, 12, 2)))
    found = report.build(db.session.get(Scheme, h.scheme.id), report.parse_period("2026"))
    assert (found["sections"]["counts"]["people_matched"], found["sections"]["counts"]["live_matches"]) == (2, 1)
    assert sum(found["charts"]["time_from_registration_to_match"]["series"]["people"]) == 2
    # 1 October to 2 November, for the two who did reach their trial.
    assert h.measures()["registration"]["all"]["median_days_to_trial"] == 32
