"""The check-in calendar: month arithmetic and the planned dates, called directly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from homeshare.checkins.models import CheckInKind
from homeshare.checkins.schedule import planned, plus_months
from homeshare.schemes.settings import CheckinCadenceSchema

CADENCE = CheckinCadenceSchema().load({})  # contact after 3 days, weekly, then monthly; reviews 3, 6, +6
CONTACT, CHECKIN, REVIEW = CheckInKind.CONTACT, CheckInKind.CHECKIN, CheckInKind.REVIEW


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2027, 1, 15), 1, date(2027, 2, 15)),
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
    (date(2028, 1, 29), 1, date(2028, 2, 29)),
    (date(2027, 1, 29), 1, date(2027, 2, 28)),
    (date(2027, 3, 31), 1, date(2027, 4, 30)),
    (date(2027, 5, 31), 1, date(2027, 6, 30)),
    (date(2027, 8, 31), 1, date(2027, 9, 30)),
    (date(2027, 7, 31), 1, date(2027, 8, 31)),
    (date(2027, 12, 15), 1, date(2028, 1, 15)),  # December rolls over into the next year
    (date(2027, 12, 31), 2, date(2028, 2, 29)),
    (date(2027, 11, 30), 1, date(2027, 12, 30)),
    (date(2027, 11, 30), 2, date(2028, 1, 30)),
    (date(2027, 1, 31), 12, date(2028, 1, 31)),
    (date(2027, 1, 31), 13, date(2028, 2, 29)),
    (date(2027, 6, 30), 24, date(2029, 6, 30)),
    (date(2027, 8, 31), 0, date(2027, 8, 31)),
    (date(2027, 3, 31), -1, date(2027, 2, 28)),
    (date(2027, 1, 10), -1, date(2026, 12, 10)),
])
def test_plus_months_keeps_the_day_or_clamps_to_the_months_end(day, months, expected):
    assert plus_months(day, months) == expected


def test_the_default_schedule_of_a_four_week_trial():
    start = date(2027, 1, 4)
    trial_end = date(2027, 2, 1)
    dates = list(planned(start, trial_end, CADENCE, until=date(2027, 4, 10)))
    assert dates == [
        (CONTACT, date(2027, 1, 7)),
        # Weekly during the trial, never on its last day.
        (CHECKIN, date(2027, 1, 11)), (CHECKIN, date(2027, 1, 18)), (CHECKIN, date(2027, 1, 25)),
        # Monthly after it, from the end of the trial.
        (CHECKIN, date(2027, 3, 3)), (CHECKIN, date(2027, 4, 2)),
        (REVIEW, date(2027, 4, 4)),
    ]


def test_reviews_at_the_listed_months_then_every_few_months():
    start = date(2027, 1, 31)
    reviews = [day for kind, day in planned(start, start + timedelta(days=28), CADENCE, until=date(2029, 2, 1))
               if kind is REVIEW]
    assert reviews == [date(2027, 4, 30), date(2027, 7, 31), date(2028, 1, 31), date(2028, 7, 31),
                       date(2029, 1, 31)]


def test_nothing_past_until_but_the_first_contact():
    start = date(2027, 1, 4)
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=start)) == [(CONTACT, date(2027, 1, 7))]
    # A check-in falling on ``until`` is planned; the day after is not.
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 1, 11))) == [
        (CONTACT, date(2027, 1, 7)), (CHECKIN, date(2027, 1, 11))]
    reviews = [d for k, d in planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 4, 4)) if k is REVIEW]
    assert reviews == [date(2027, 4, 4)]
    reviews = [d for k, d in planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 4, 3)) if k is REVIEW]
    assert reviews == []


def test_a_schemes_own_cadence():
    cadence = CheckinCadenceSchema().load({
        "first_contact_days": 1, "trial_every_days": 10, "after_trial_every_days": 60,
        "review_after_months": [2, 1, 2], "review_every_months": 12,
    })
    start = date(2027, 1, 31)
    dates = list(planned(start, date(2027, 3, 1), cadence, until=date(2028, 4, 1)))
    assert [day for kind, day in dates if kind is CONTACT] == [date(2027, 2, 1)]
    assert [day for kind, day in dates if kind is CHECKIN] == [
        date(2027, 2, 10), date(2027, 2, 20),
        date(2027, 4, 30), date(2027, 6, 29), date(2027, 8, 28), date(2027, 10, 27), date(2027, 12, 26),
        date(2028, 2, 24),
    ]
    # Months listed once each, in order, then every twelve months from the last.
    assert [day for kind, day in dates if kind is REVIEW] == [date(2027, 2, 28), date(2027, 3, 31), date(2028, 3, 31)]


def test_no_listed_reviews_means_every_few_months_from_the_start():
    cadence = CheckinCadenceSchema().load({"review_after_months": [], "review_every_months": 4})
    start = date(2027, 1, 4)
    reviews = [d for k, d in planned(start, date(2027, 2, 1), cadence, until=date(2027, 12, 31)) if k is REVIEW]
    assert reviews == [date(2027, 5, 4), date(2027, 9, 4)]
