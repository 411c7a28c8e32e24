"""The funder's report: a scheme's counts, measures and endings over a quarter or a year, and
the series its charts are drawn from, as one document that the JSON, the CSV and the PDF give
alike (docs/api-guide.md, "Funder's report").

A section is a function of the report's ``Context`` returning a dict of figures; a chart is a
function of the ``Context`` returning a series (``Series``), which ``charts.draw`` turns into
a picture. Adding either is one entry in ``SECTIONS`` or ``CHARTS``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from homeshare.errors import ValidationFailed
from homeshare.matching.models import EndReason, EndedBy
from homeshare.measures import service
from homeshare.questionnaires.outcomes import scores_over_time
from homeshare.schemes.models import Scheme

PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
FIRST_YEAR, LAST_YEAR = 2000, 2100
PERIOD_HELP = "A quarter (2026-Q3) or a year (2026), from 2000 to 2100."


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    last: date


def parse_period(text: str) -> Period:
    """``2026`` is the calendar year, ``2026-Q3`` July to September; anything else is refused."""
    found = PERIOD.match(text)
    if not found or not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
        raise ValidationFailed({"period": [PERIOD_HELP]})
    year = int(found[1])
    if found[2] is None:
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    quarter = int(found[2])
    first = date(year, 3 * quarter - 2, 1)
    return Period(text, first, _month_end(date(year, 3 * quarter, 1)))


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass
class Context:
    """What every section and chart is computed from: the scheme, the period, the rows the
    measures read, and the measures themselves."""

    scheme: Scheme
    period: Period
    facts: service.Facts
    measures: dict[str, Any]

    @property
    def first(self) -> date:
        return self.period.first

    @property
    def last(self) -> date:
        return self.period.last


# Sections ---------------------------------------------------------------------------------------


def counts(context: Context) -> dict[str, Any]:
    """People and matches in the period; live matches as at its end (or today, if earlier)."""
    facts, in_period = context.facts, context.facts.in_period
    end = facts.today
    return {
        "people_registered": sum(1 for p in facts.people if in_period(p.registered_on)),
        "people_approved": sum(1 for p in facts.people if in_period(p.cleared_on)),
        "people_matched": sum(1 for p in facts.people if in_period(p.first_trial_on)),
        "live_matches": sum(1 for m in facts.matches if m.trial_started_on and m.trial_started_on <= end
                            and (m.ended_on is None or m.ended_on > end)),
        "matches_ended": context.measures["matches"]["ended"],
    }


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "share", "days" or "rate"
    read: Callable[[dict[str, Any]], Any]
    definition: str


MEASURES = (
    Measure("share_lasted_6_months", "Matches lasting six months or more", "share",
            lambda m: m["matches"]["share_lasted_6_months"],
            "Of the matches whose trial started at least six months before the period's end (or today, if "
            "earlier) and which had not ended before it, those that lasted six months or more, live ones included (Homeshare UK QAF)."),
    Measure("median_length_days", "Median length of ended matches", "days",
            lambda m: m["matches"]["median_length_days"],
            "Days from the trial's start to the end, of the matches that ended in the period."),
    Measure("median_length_days_live_included", "Median length, live matches included", "days",
            lambda m: m["matches"]["median_length_days_live_included"],
            "Days from the trial's start to the end, or to the period's end for matches still running, of "
            "the matches running in the period."),
    Measure("kaplan_meier_median_length_days", "Median length, Kaplan-Meier estimate", "days",
            lambda m: m["matches"]["kaplan_meier_median_length_days"],
            "The length by which half the matches running in the period are estimated to end, matches still "
            "running counted up to their length so far."),
    Measure("share_lasted_agreed_period", "Matches that lasted their agreed period", "share",
            lambda m: m["matches"]["share_lasted_agreed_period"],
            "Of the matches that ended in the period with a fixed term or a minimum stay, those that ended on or "
            "after its last day."),
    Measure("share_dropped_out_without_match", "Dropped out without a match", "share",
            lambda m: m["dropping_out"]["all"]["share_dropped_out_without_match"],
            "People who left in the period without ever being matched, for reasons other than failing vetting or "
            "being ineligible, over the people registered in the period (Homeshare UK QAF)."),
    Measure("share_matched_within_4_months", "Matched within four months of registering", "share",
            lambda m: m["registration"]["all"]["share_matched_within_4_months"],
            "Of the people registered in the period whose four months have ended, those whose first trial "
            "started within them."),
    Measure("share_rematched", "Rematched after a match ended", "share",
            lambda m: m["rematching"]["all"]["share_rematched"],
            "Of the people of the matches that ended in the period, once the scheme's rematch window has passed, "
            "those whose next trial started within it."),
    Measure("checkin_answer_rate", "Check-in answer rate", "share",
            lambda m: m["checkins"]["answer_rate"],
            "Answers over the check-ins sent to both people of live matches, due in the period (not the "
            "coordinators' calls and reviews)."),
    Measure("share_weeks_meeting_agreed_hours", "Weeks meeting the agreed hours", "share",
            lambda m: m["hours"]["share_weeks_meeting_agreed_hours"],
            "Completed weeks in the period whose hours reached the agreed hours, prorated for days away; weeks "
            "wholly away are left out."),
    Measure("concerns_per_match_month", "Concerns per match-month", "rate",
            lambda m: m["concerns"]["per_match_month"],
            "Safeguarding concerns raised in the period, over the months matches were live in it."),
)


def measures(context: Context) -> dict[str, Any]:
    return {measure.key: measure.read(context.measures) for measure in MEASURES}


def endings(context: Context) -> dict[str, Any]:
    """The matches that ended in the period, by reason (every reason listed) and by who ended them."""
    matches = context.measures["matches"]
    return {"by_reason": {reason.value: matches["ended_by_reason"].get(reason.value, 0) for reason in EndReason},
            "by_who": {who.value: matches["ended_by"].get(who.value, 0) for who in EndedBy}}


SECTIONS: tuple[tuple[str, str, Callable[[Context], dict[str, Any]]], ...] = (
    ("counts", "Counts", counts),
    ("measures", "Measures", measures),
    ("endings", "Endings by reason", endings),
    ("outcomes", "Outcomes: change from the baseline", lambda context: context.measures["outcomes"]),
)
"""(key, title, section): each section's figures, in the report's order."""


# Charts -----------------------------------------------------------------------------------------

Series = dict[str, Any]
"""A chart's data: ``title``, ``kind`` (``line`` or ``bar``), ``x_label``, ``y_label``, ``x``
(the labels along the bottom), ``series`` (name -> one value, or None, per label) and, where
the scale is fixed, ``y_range`` ([low, high])."""


def wellbeing_by_role(context: Context) -> Series:
    """Average check-in wellbeing (1 to 5) by whole months since the trial started, per role."""
    by_month = context.measures["checkins"]["wellbeing_by_month"]
    months = sorted({int(month) for side in by_month.values() for month in side})
    return {"title": "Wellbeing over time by role", "kind": "line", "x_label": "Months since the trial started",
            "y_label": "Average wellbeing (1 to 5)", "y_range": [1, 5], "x": [str(month) for month in months],
            "series": {role: [by_month[role].get(str(month)) for month in months] for role in ("householder", "sharer")}}


def swemwbs_by_role(context: Context) -> Series:
    """Mean SWEMWBS metric score (7 to 35) by whole months since the match's trial started (the
    baseline, before any match, as month 0), per role, over the answers given in the period."""
    means = {(found.role, found.month): round(found.mean, 2)
             for found in scores_over_time(context.scheme, context.first, context.last, rows=context.facts.questionnaires)
             if found.score == "swemwbs"}
    months = sorted({month for _role, month in means})
    return {"title": "Mental wellbeing (SWEMWBS) over time by role", "kind": "line",
            "x_label": "Months since the trial started (0: baseline)", "y_label": "Mean SWEMWBS metric score",
            "y_range": [7, 35], "x": [str(month) for month in months],
            "series": {role: [means.get((role, month)) for month in months] for role in ("householder", "sharer")}}


def _points(first: date, last: date) -> list[date]:
    points, day = [], _month_end(first)
    while day < last:
        points.append(day)
        day = _month_end(day + timedelta(days=1))
    return points + [last] if last >= first else points


def matches_by_state(context: Context) -> Series:
    """Matches in trial and active (notice included) at each month's end in the period, up to
    today, and those that ended in each month."""
    facts = context.facts
    zone = ZoneInfo(context.scheme.timezone)
    points = _points(context.first, facts.today)
    trial, active, ended = [], [], []
    for index, day in enumerate(points):
        month_start = points[index - 1] + timedelta(days=1) if index else context.first
        live = [m for m in facts.matches if m.trial_started_on and m.trial_started_on <= day
                and (m.ended_on is None or m.ended_on > day)]
        activated = [m for m in live if m.activated_at and m.activated_at.astimezone(zone).date() <= day]
        active.append(len(activated))
        trial.append(len(live) - len(activated))
        ended.append(sum(1 for m in facts.matches if m.ended_on and m.trial_started_on
                         and month_start <= m.ended_on <= day))
    return {"title": "Matches by state over time", "kind": "line", "x_label": "Month end",
            "y_label": "Matches", "x": [day.isoformat() for day in points],
            "series": {"trial": trial, "active": active, "ended in the month": ended}}


TIME_TO_MATCH_BIN_DAYS = 30
TIME_TO_MATCH_BINS = 12


def time_to_match(context: Context) -> Series:
    """People whose first trial started in the period, by days from registering to it (30-day bins)."""
    days = [(p.first_trial_on - p.registered_on).days for p in context.facts.people
            if context.facts.in_period(p.first_trial_on)]
    counted = Counter(min(max(value, 0) // TIME_TO_MATCH_BIN_DAYS, TIME_TO_MATCH_BINS) for value in days)
    labels = [f"{n * TIME_TO_MATCH_BIN_DAYS}-{(n + 1) * TIME_TO_MATCH_BIN_DAYS - 1}" for n in range(TIME_TO_MATCH_BINS)]
    labels.append(f"{TIME_TO_MATCH_BINS * TIME_TO_MATCH_BIN_DAYS}+")
    return {"title": "Time from registration to a match", "kind": "bar", "x_label": "Days from registering",
            "y_label": "People", "x": labels, "series": {"people": [counted.get(n, 0) for n in range(len(labels))]}}


CHARTS: tuple[tuple[str, Callable[[Context], Series]], ...] = (
    ("wellbeing_over_time_by_role", wellbeing_by_role),
    ("swemwbs_over_time_by_role", swemwbs_by_role),
    ("matches_by_state_over_time", matches_by_state),
    ("time_from_registration_to_match", time_to_match),
)
"""(key, chart): each chart's series, in the report's order."""


# The report -------------------------------------------------------------------------------------


def build(scheme: Scheme, period: Period) -> dict[str, Any]:
    """The whole report for ``scheme`` over ``period``: the same figures for JSON, CSV and PDF."""
    facts = service.gather(scheme, period.first, period.last)
    context = Context(scheme=scheme, period=period, facts=facts, measures=service.measures_of(facts))
    return {
        "scheme_id": str(scheme.id), "name": scheme.name, "period": period.label,
        "from": period.first.isoformat(), "to": period.last.isoformat(), "as_of": facts.today.isoformat(),
        "sections": {key: section(context) for key, _title, section in SECTIONS},
        "charts": {key: chart(context) for key, chart in CHARTS},
        "definitions": {measure.key: measure.definition for measure in MEASURES},
    }


def rows_for_csv(report: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """The report's figures as (figure, value) rows: the sections' figures, then each chart's
    values (``charts.<chart>.<series>.<label>``)."""
    for key in ("scheme_id", "name", "period", "from", "to", "as_of"):
        yield key, report[key]
    yield from service.rows_for_csv({"sections": report["sections"]})
    for key, series in report["charts"].items():
        for name, values in series["series"].items():
            for label, value in zip(series["x"], values):
                yield f"charts.{key}.{name}.{label}", "" if value is None else value
