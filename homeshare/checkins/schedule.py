"""The dates of a match's check-ins, from its trial dates and the scheme's cadence."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterator, Mapping

from homeshare.checkins.models import CheckInKind


def plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def planned(start: date, trial_end: date, cadence: Mapping[str, Any], until: date) -> Iterator[tuple[CheckInKind, date]]:
    """Every (kind, date) of the schedule up to ``until``: a first contact a few days after
    move-in, check-ins every week (by default) during the trial and every month after it,
    and reviews at 3 and 6 months and every 6 months after (by default)."""
    yield CheckInKind.CONTACT, start + timedelta(days=cadence["first_contact_days"])
    day = start + timedelta(days=cadence["trial_every_days"])
    while day < trial_end and day <= until:
        yield CheckInKind.CHECKIN, day
        day += timedelta(days=cadence["trial_every_days"])
    day = trial_end + timedelta(days=cadence["after_trial_every_days"])
    while day <= until:
        yield CheckInKind.CHECKIN, day
        day += timedelta(days=cadence["after_trial_every_days"])
    months = sorted(set(cadence["review_after_months"]))
    last = months[-1] if months else 0
    while True:
        next_month = last + cadence["review_every_months"]
        if plus_months(start, next_month) > until:
            break
        months.append(next_month)
        last = next_month
    for month in months:
        if plus_months(start, month) <= until:
            yield CheckInKind.REVIEW, plus_months(start, month)
