"""The dates of a match's check-ins, from its trial dates and the scheme's cadence."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterator, Mapping

from homeshare.checkins.models import CheckInKind

# A review replaces a check-in planned this close to it, before or after, instead of doubling up.
REVIEW_REPLACES_DAYS = 7
# The trial's last week: the seven days that end on its end date. Without a check-in of the
# trial's own cadence in it, one is planned this many days before the end.
LAST_WEEK_DAYS = 7
LAST_WEEK_CHECKIN_DAYS_BEFORE_END = 3


def plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _reviews(start: date, cadence: Mapping[str, Any], until: date) -> list[date]:
    """The review dates up to ``until``: the listed months from the start, each once, then
    every few months from the last of them (from the start when none is listed)."""
    months = sorted(set(cadence["review_after_months"]))
    month = months[-1] if months else 0
    while True:
        month += cadence["review_every_months"]
        if plus_months(start, month) > until:
            break
        months.append(month)
    return [plus_months(start, month) for month in months if plus_months(start, month) <= until]


def _trial_checkins(start: date, trial_end: date, cadence: Mapping[str, Any]) -> list[date]:
    days = []
    day = start + timedelta(days=cadence["trial_every_days"])
    while day < trial_end:
        days.append(day)
        day += timedelta(days=cadence["trial_every_days"])
    last_week = trial_end - timedelta(days=LAST_WEEK_DAYS)
    extra = trial_end - timedelta(days=LAST_WEEK_CHECKIN_DAYS_BEFORE_END)
    if not any(day > last_week for day in days) and extra > start:
        days.append(extra)
    return days


def _after_trial_checkins(trial_end: date, cadence: Mapping[str, Any], until: date) -> list[date]:
    """Every few calendar months from the trial's end (each counted from the end itself, so a
    31st stays a 31st where the month has one), and less often once the match has settled."""
    days = []
    month = cadence["after_trial_every_months"]
    while plus_months(trial_end, month) <= until:
        days.append(plus_months(trial_end, month))
        if month < cadence["settled_after_months"]:
            month += cadence["after_trial_every_months"]
        else:
            month += cadence["settled_every_months"]
    return days


def planned(start: date, trial_end: date, cadence: Mapping[str, Any], until: date) -> Iterator[tuple[CheckInKind, date]]:
    """Every (kind, date) of the schedule up to ``until``, in date order (the first contact
    first): a first contact a few days after move-in; check-ins every few days during the trial
    and one in its last week; check-ins every month from the trial's end and every two months
    once settled; reviews at the listed months from the start and every few months after. A
    check-in within a week of a review, before or after, is left to the review. (Reviews up to
    a week past ``until`` count, so a schedule extended later never gains a review next to a
    check-in it already has.)"""
    reviews = _reviews(start, cadence, until + timedelta(days=REVIEW_REPLACES_DAYS))
    checkins = [day for day in _trial_checkins(start, trial_end, cadence) + _after_trial_checkins(trial_end, cadence, until)
                if day <= until and not any(abs((day - review).days) <= REVIEW_REPLACES_DAYS for review in reviews)]
    dated = [(day, CheckInKind.CHECKIN) for day in checkins] + [(day, CheckInKind.REVIEW) for day in reviews
                                                                 if day <= until]
    yield CheckInKind.CONTACT, start + timedelta(days=cadence["first_contact_days"])
    for day, kind in sorted(dated):
        yield kind, day
