"""Outcome figures from the questionnaires' scores, for a scheme's reports.

Definitions (docs/api-guide.md, "Questionnaires", says the same):

- A person's baseline is their answered baseline questionnaire (asked at approval, before any
  match); their follow-up is the latest follow-up they answered (3, 6 or 12 months into a match,
  or at its end) whose answer's day, in the scheme's time zone, is within [first, last].
- For each score of each instrument and each role (householder, sharer): the people with both
  a baseline and a follow-up score, the mean change (follow-up minus baseline) with its 95 %
  confidence interval from the t distribution (none for fewer than two people), and the shares
  of those people whose score moved by at least the score's meaningful change in the better
  direction (improved) or the worse one (worse).
- ``scores_over_time``: the mean of each score by role, for each whole month since the match's
  trial started (the baseline is month 0), over the answers given within [first, last].
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.checkins.schedule import plus_months
from homeshare.extensions import db
from homeshare.matching.models import Match
from homeshare.questionnaires.instruments import HIGHER_IS_BETTER, INSTRUMENTS
from homeshare.questionnaires.models import Occasion, Questionnaire
from homeshare.schemes.models import Scheme

ROLES = ("householder", "sharer")
# A change this close to the threshold counts as reaching it (scores are kept to two decimals).
EPSILON = 1e-9


@dataclass(frozen=True)
class Outcome:
    instrument: str
    score: str
    role: str
    people: int
    mean_change: float | None
    ci_low: float | None
    ci_high: float | None
    improved: float | None  # a share, 0 to 1
    worse: float | None
    direction: str
    meaningful_change: float
    baseline_mean: float | None
    follow_up_mean: float | None
    # For a score reported as a share of categories (the ONS direct question): the share at
    # the baseline and at the follow-up, e.g. of "often/always".
    share_label: str | None = None
    baseline_share: float | None = None
    follow_up_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def answered(scheme: Scheme) -> list[Any]:
    """Every answered questionnaire of ``scheme`` with its scores, in the order answered (one
    statement): what ``outcomes`` and ``scores_over_time`` read, for a caller that wants both."""
    return db.session.execute(sa.select(
        Questionnaire.person_id, Questionnaire.role, Questionnaire.occasion, Questionnaire.answered_at,
        Questionnaire.scores, Match.trial_started_on)
        .outerjoin(Match, Match.id == Questionnaire.match_id)
        .where(Questionnaire.scheme_id == scheme.id, Questionnaire.answered_at.is_not(None))
        .order_by(Questionnaire.answered_at, Questionnaire.id)).all()


def mean_with_interval(changes: list[float]) -> tuple[float | None, float | None, float | None]:
    """The mean and its 95 % confidence interval (t distribution, n - 1 degrees of freedom)."""
    if not changes:
        return None, None, None
    mean = statistics.fmean(changes)
    if len(changes) < 2:
        return mean, None, None
    # Imported here: SciPy's statistics add about 90 MB to every API process, and only the
    # measures ask for them.
    from scipy import stats

    half = stats.t.ppf(0.975, len(changes) - 1) * statistics.stdev(changes) / math.sqrt(len(changes))
    return mean, mean - half, mean + half


def outcomes(scheme: Scheme, first: date, last: date, *, rows: list[Any] | None = None) -> list[Outcome]:
    """Per instrument, score and role: change from baseline to the latest follow-up answered
    within [first, last] (see the module's definitions)."""
    zone = ZoneInfo(scheme.timezone)
    baselines: dict[Any, tuple[str, dict[str, float]]] = {}
    follow_ups: dict[Any, dict[str, float]] = {}
    for person_id, role, occasion, answered_at, scores, _started in (answered(scheme) if rows is None else rows):
        if occasion is Occasion.BASELINE:
            baselines[person_id] = (role, scores or {})
        elif first <= answered_at.astimezone(zone).date() <= last:
            follow_ups[person_id] = scores or {}  # in order of answering: the latest stays
    results = []
    for instrument in INSTRUMENTS.values():
        for found in instrument.scores:
            sign = 1 if found.direction == HIGHER_IS_BETTER else -1
            for role in ROLES:
                pairs = [(baseline[found.id], follow_ups[person][found.id])
                         for person, (person_role, baseline) in baselines.items()
                         if person_role == role and found.id in baseline and found.id in follow_ups.get(person, {})]
                changes = [after - before for before, after in pairs]
                mean, low, high = mean_with_interval(changes)
                n = len(changes)
                share = (lambda values: sum(map(found.share_of, values)) / n) if found.share_of and n else None
                results.append(Outcome(
                    instrument=instrument.id, score=found.id, role=role, people=n, mean_change=mean,
                    ci_low=low, ci_high=high,
                    improved=sum(sign * c >= found.meaningful_change - EPSILON for c in changes) / n if n else None,
                    worse=sum(-sign * c >= found.meaningful_change - EPSILON for c in changes) / n if n else None,
                    direction=found.direction, meaningful_change=found.meaningful_change,
                    baseline_mean=statistics.fmean(b for b, _ in pairs) if n else None,
                    follow_up_mean=statistics.fmean(a for _, a in pairs) if n else None,
                    share_label=found.share_label,
                    baseline_share=share([b for b, _ in pairs]) if share else None,
                    follow_up_share=share([a for _, a in pairs]) if share else None))
    return results


@dataclass(frozen=True)
class MonthlyScore:
    score: str
    role: str
    month: int  # whole months since the match's trial started; 0 for the baseline
    answers: int
    mean: float


def _months_between(start: date, day: date) -> int:
    """Whole months from ``start`` to ``day``, as the follow-ups fall due (``plus_months``: 31
    January plus one month is 28 February)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    return months - 1 if plus_months(start, months) > day else months


def scores_over_time(scheme: Scheme, first: date, last: date, *,
                     rows: list[Any] | None = None) -> list[MonthlyScore]:
    """The mean of each score by role and month since the match started, over the answers given
    within [first, last] (the baseline counts as month 0): the "wellbeing over time by role"
    chart. Ordered by score, role and month."""
    zone = ZoneInfo(scheme.timezone)
    values: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for _person, role, occasion, answered_at, scores, started_on in (answered(scheme) if rows is None else rows):
        day = answered_at.astimezone(zone).date()
        if not first <= day <= last:
            continue
        if occasion is Occasion.BASELINE:
            month = 0
        elif started_on is not None:
            month = max(0, _months_between(started_on, day))
        else:
            continue
        for name, value in (scores or {}).items():
            values[(name, role, month)].append(value)
    order = {found.id: index for index, found in enumerate(
        found for instrument in INSTRUMENTS.values() for found in instrument.scores)}
    return [MonthlyScore(score=name, role=role, month=month, answers=len(found), mean=statistics.fmean(found))
            for (name, role, month), found in sorted(values.items(), key=lambda item: (
                order.get(item[0][0], len(order)), ROLES.index(item[0][1]), item[0][2]))]
