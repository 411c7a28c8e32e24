"""The check-in calendar: month arithmetic and the planned dates, called directly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from homeshare.checkins.models import CheckInKind
from homeshare.checkins.schedule import planned, plus_months
from homeshare.schemes.settings import CheckinCadenceSchema

# Contact after 3 days, weekly in the trial and once in its last week, monthly for six months
# after it then every two months; reviews at 3, 6 and 12 months, then every 12.
CADENCE = CheckinCadenceSchema().load({})
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


def test_the_default_schedule_over_fourteen_months():
    start = date(2027, 1, 4)  # a Monday; the four-week trial ends on 1 February
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=date(2028, 3, 10))) == [
        (CONTACT, date(2027, 1, 7)),
        # Weekly during the trial, never on its last day, and one in its last week (the 21st
        # day is the week before it).
        (CHECKIN, date(2027, 1, 11)), (CHECKIN, date(2027, 1, 18)), (CHECKIN, date(2027, 1, 25)),
        (CHECKIN, date(2027, 1, 29)),
        # Monthly from the trial's end for six months; 1 April and 1 July give way to the reviews.
        (CHECKIN, date(2027, 3, 1)),
        (REVIEW, date(2027, 4, 4)),
        (CHECKIN, date(2027, 5, 1)), (CHECKIN, date(2027, 6, 1)),
        (REVIEW, date(2027, 7, 4)),
        (CHECKIN, date(2027, 8, 1)),
        # Then every two months.
        (CHECKIN, date(2027, 10, 1)), (CHECKIN, date(2027, 12, 1)),
        (REVIEW, date(2028, 1, 4)),
        (CHECKIN, date(2028, 2, 1)),
    ]


def test_no_gap_longer_than_five_weeks_in_the_first_half_year():
    start = date(2027, 1, 4)
    days = [day for _, day in planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 8, 1))]
    assert max((later - earlier).days for earlier, later in zip(days, days[1:])) <= 35


def test_months_count_from_the_trials_end_and_clamp_to_short_months():
    start = date(2027, 1, 3)  # the trial ends on 31 January
    assert [(kind, day) for kind, day in planned(start, date(2027, 1, 31), CADENCE, until=date(2028, 2, 1))
            if day > date(2027, 1, 31)] == [
        (CHECKIN, date(2027, 2, 28)),  # clamped, and the 31st again where the month has one
        (REVIEW, date(2027, 4, 3)),  # 31 March gives way to it
        (CHECKIN, date(2027, 4, 30)), (CHECKIN, date(2027, 5, 31)),
        (REVIEW, date(2027, 7, 3)),  # and 30 June
        (CHECKIN, date(2027, 7, 31)),
        (CHECKIN, date(2027, 9, 30)), (CHECKIN, date(2027, 11, 30)),
        (REVIEW, date(2028, 1, 3)),
        (CHECKIN, date(2028, 1, 31)),
    ]
    # In a leap year February has its 29th.
    feb = [day for kind, day in planned(date(2028, 1, 3), date(2028, 1, 31), CADENCE, until=date(2028, 3, 1))
           if kind is CHECKIN and day.month == 2]
    assert feb == [date(2028, 2, 29)]


@pytest.mark.parametrize(("every", "trial_checkins"), [
    (7, [7, 14, 21, 25]),  # the 21st day is the week before the last: one is added 3 days before the end
    (5, [5, 10, 15, 20, 25]),  # one already falls in the last week
    (11, [11, 22]),  # 22: the first day of the last week
    (10, [10, 20, 25]),
    (14, [14, 25]),
    (28, [25]),  # none of the trial's own: the last week's still
    (60, [25]),
])
def test_always_a_check_in_in_the_trials_last_week(every, trial_checkins):
    start = date(2027, 1, 4)
    cadence = CheckinCadenceSchema().load({"trial_every_days": every})
    end = start + timedelta(days=28)
    days = [day for kind, day in planned(start, end, cadence, until=end) if kind is CHECKIN]
    assert days == [start + timedelta(days=n) for n in trial_checkins]


def test_a_trial_too_short_for_a_last_week_check_in_gets_none():
    start = date(2027, 1, 4)
    for length, expected in ((3, []), (4, [1]), (8, [5])):
        cadence = CheckinCadenceSchema().load({"trial_every_days": 9})
        end = start + timedelta(days=length)
        assert [(day - start).days for kind, day in planned(start, end, cadence, until=end) if kind is CHECKIN] == (
            expected), length


@pytest.mark.parametrize(("trial_end", "kept"), [
    (date(2027, 3, 2), True),  # 2 April: 8 days before the review on 10 April
    (date(2027, 3, 3), False),  # 3 April: 7 days before
    (date(2027, 3, 10), False),  # the same day
    (date(2027, 3, 17), False),  # 17 April: 7 days after
    (date(2027, 3, 18), True),  # 18 April: 8 days after
])
def test_a_review_replaces_a_check_in_within_a_week_of_it(trial_end, kept):
    start = date(2027, 1, 10)  # the 3-month review is on 10 April
    cadence = CheckinCadenceSchema().load({"trial_every_days": 60})
    one_month_on = date(2027, 4, trial_end.day)
    dates = list(planned(start, trial_end, cadence, until=date(2027, 5, 1)))
    assert (REVIEW, date(2027, 4, 10)) in dates
    assert ((CHECKIN, one_month_on) in dates) is kept


def test_a_review_just_past_until_already_holds_back_a_check_in_near_it():
    # Extending the schedule later adds the review on 10 April: the check-in on 3 April, next
    # to it, is never planned, whichever day the schedule was made up to.
    start, trial_end = date(2027, 1, 10), date(2027, 3, 3)
    cadence = CheckinCadenceSchema().load({"trial_every_days": 60})
    for until in (date(2027, 4, 3), date(2027, 4, 9), date(2027, 4, 10)):
        assert (CHECKIN, date(2027, 4, 3)) not in list(planned(start, trial_end, cadence, until=until)), until


def test_reviews_at_the_listed_months_then_every_few_months():
    start = date(2027, 1, 31)
    reviews = [day for kind, day in planned(start, start + timedelta(days=28), CADENCE, until=date(2030, 2, 1))
               if kind is REVIEW]
    assert reviews == [date(2027, 4, 30), date(2027, 7, 31), date(2028, 1, 31), date(2029, 1, 31),
                       date(2030, 1, 31)]


def test_nothing_past_until_but_the_first_contact():
    start = date(2027, 1, 4)
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=start)) == [(CONTACT, date(2027, 1, 7))]
    # A check-in falling on ``until`` is planned; the day after is not.
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 1, 11))) == [
        (CONTACT, date(2027, 1, 7)), (CHECKIN, date(2027, 1, 11))]
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 3, 1)))[-1] == (CHECKIN, date(2027, 3, 1))
    assert list(planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 2, 28)))[-1] == (CHECKIN, date(2027, 1, 29))
    reviews = [d for k, d in planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 4, 4)) if k is REVIEW]
    assert reviews == [date(2027, 4, 4)]
    reviews = [d for k, d in planned(start, date(2027, 2, 1), CADENCE, until=date(2027, 4, 3)) if k is REVIEW]
    assert reviews == []


def test_a_schemes_own_cadence():
    cadence = CheckinCadenceSchema().load({
        "first_contact_days": 1, "trial_every_days": 10, "after_trial_every_months": 3,
        "settled_after_months": 12, "settled_every_months": 6,
        "review_after_months": [2, 1, 2], "review_every_months": 24,
    })
    start = date(2027, 1, 31)
    dates = list(planned(start, date(2027, 3, 1), cadence, until=date(2029, 6, 1)))
    assert [day for kind, day in dates if kind is CONTACT] == [date(2027, 2, 1)]
    assert [day for kind, day in dates if kind is CHECKIN] == [
        # The last week's, on 26 February, gives way to the review on the 28th.
        date(2027, 2, 10), date(2027, 2, 20),
        # Every three months from the trial's end up to twelve, then every six.
        date(2027, 6, 1), date(2027, 9, 1), date(2027, 12, 1), date(2028, 3, 1), date(2028, 9, 1),
        date(2029, 3, 1),
    ]
    # Months listed once each, in order, then every 24 months from the last.
    assert [day for kind, day in dates if kind is REVIEW] == [date(2027, 2, 28), date(2027, 3, 31), date(2029, 3, 31)]


def test_check_ins_settle_at_once_when_the_scheme_says_so():
    cadence = CheckinCadenceSchema().load({"settled_after_months": 0, "settled_every_months": 3,
                                           "review_after_months": [], "review_every_months": 24})
    start = date(2027, 1, 4)
    after = [day for kind, day in planned(start, date(2027, 2, 1), cadence, until=date(2027, 12, 31))
             if kind is CHECKIN and day > date(2027, 2, 1)]
    assert after == [date(2027, 3, 1), date(2027, 6, 1), date(2027, 9, 1), date(2027, 12, 1)]


def test_no_listed_reviews_means_every_few_months_from_the_start():
    cadence = CheckinCadenceSchema().load({"review_after_months": [], "review_every_months": 4})
    start = date(2027, 1, 4)
    reviews = [d for k, d in planned(start, date(2027, 2, 1), cadence, until=date(2027, 12, 31)) if k is REVIEW]
    assert reviews == [date(2027, 5, 4), date(2027, 9, 4)]
