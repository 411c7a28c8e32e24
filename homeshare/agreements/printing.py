"""A version of the agreement as a printable PDF: the scheme, both people, every term, the house
rules, the fees and both acceptances.

The text is set in DejaVu Sans (``homeshare.common.printing``), so that any name or rule prints,
Welsh and non-Latin letters included, on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from homeshare.agreements.models import AgreementVersion, FeePeriod, Term
from homeshare.common.printing import FONT, Document
from homeshare.profiles.vocabulary import TASKS

TASK_LABELS = {task.code: task.label for task in TASKS}
PERIODS = {FeePeriod.WEEK.value: "a week", FeePeriod.MONTH.value: "a month", FeePeriod.YEAR.value: "a year",
           FeePeriod.ONE_OFF.value: "once"}
HOW = {"in-person": "in person", "by-phone": "by phone", "on-paper": "on paper",
       "representative": "through their representative"}
ACCEPTANCE = "agreement.accepted"


@dataclass
class Printable:
    """What the printed agreement shows: one version, and what surrounds it."""

    scheme_name: str
    timezone: str
    householder_name: str
    sharer_name: str
    version: AgreementVersion
    current_number: int
    trial_started_on: date | None
    trial_ends_on: date | None


def _day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "not set"


def _moment(value: datetime, timezone: str) -> str:
    local = value.astimezone(ZoneInfo(timezone))
    return f"{_day(local.date())} at {local:%H:%M}"


def _pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _fee(fee: dict[str, Any] | None) -> str:
    if not fee:
        return "None"
    return f"{_pounds(fee['amount_pence'])} {PERIODS.get(fee['period'], fee['period'])}"


def _count(number: int | None, one: str, many: str) -> str:
    if number is None:
        return "Not set"
    return f"{number} {one if number == 1 else many}"


def terms_of(printable: Printable) -> list[tuple[str, str]]:
    """Every term as a label and its wording, in the order printed."""
    version = printable.version
    trial = _count(version.trial_length_days, "day", "days") + " agreed; " + (
        f"the trial runs from {_day(printable.trial_started_on)} to {_day(printable.trial_ends_on)}"
        if printable.trial_started_on and printable.trial_ends_on else "its dates are set when the trial starts")
    term = ("Fixed, ending on " + _day(version.term_ends_on) if version.term is Term.FIXED
            else "Open-ended, until either side gives notice")
    hours = _count(version.hours_per_week, "hour", "hours")
    if version.hours_reason:
        hours += f" (above the scheme's usual maximum: {version.hours_reason})"
    return [
        ("Start date", _day(version.start_on)),
        ("Trial", trial),
        ("Term", term),
        ("Review date", _day(version.review_on) if version.review_on else "Not set"),
        ("Minimum stay", _count(version.minimum_stay_months, "month", "months")),
        ("Hours of help a week", hours),
        ("Tasks", ", ".join(TASK_LABELS.get(code, code) for code in version.tasks)),
        ("Monthly contribution to household bills", _pounds(version.monthly_contribution_pence)),
        ("Notice during the trial", _count(version.trial_notice_days, "day", "days")),
        ("Notice once settled", _count(version.notice_days, "day", "days")),
        ("Nights away a month (the sharer's)", _count(version.nights_away_per_month, "night", "nights")),
        ("Days off a week", _count(version.days_off_per_week, "day", "days")),
    ]


def acceptance_of(printable: Printable, side: str) -> str:
    """How ``side`` accepted the version: when, and whose hand recorded it; or that it has not."""
    version = printable.version
    accepted_at = getattr(version, f"{side}_accepted_at")
    if accepted_at is None:
        return "Not yet accepted."
    text = f"Accepted on {_moment(accepted_at, printable.timezone)}"
    records: Sequence[Any] = [record for record in getattr(version, "on_behalf", [])
                              if record.action == ACCEPTANCE and record.side == side]
    if not records:
        return text + "."
    record = records[-1]
    if record.given_as.value == "proxy":
        return text + f", by their representative on the {side}'s behalf."
    how = HOW.get(record.how.value, record.how.value) if record.how else None
    given = f", given {how} on {_moment(record.given_at, printable.timezone)}" if how else ""
    return text + f", recorded by a coordinator on the {side}'s behalf{given}."


def render(printable: Printable) -> bytes:
    """The PDF of ``printable``'s version."""
    version = printable.version
    document = Document()
    document.set_title(f"Homeshare agreement, version {version.number}")
    document.set_author(printable.scheme_name)
    document.heading("Homeshare agreement", size=18)
    document.set_font(FONT, "", 10)
    state = ("the current version" if version.number == printable.current_number
             else f"superseded by version {printable.current_number}")
    document.multi_cell(0, 5.5, f"{printable.scheme_name}\nVersion {version.number} ({state}), drafted on "
                                f"{_moment(version.created_at, printable.timezone)}",
                        new_x="LMARGIN", new_y="NEXT")
    document.heading("Between")
    document.line_of("Householder", printable.householder_name)
    document.line_of("Sharer", printable.sharer_name)
    document.heading("Terms")
    for label, text in terms_of(printable):
        document.line_of(label, text)
    document.heading("House rules")
    if version.house_rules:
        for rule in version.house_rules:
            document.line_of(rule["topic"], rule["rule"])
    else:
        document.line_of("House rules", "None set.")
    document.heading("Fees to the scheme")
    document.line_of("The householder pays", _fee(version.householder_fee))
    document.line_of("The sharer pays", _fee(version.sharer_fee))
    if version.householder_must_know or version.sharer_must_know:
        document.heading("Good to know")
        if version.householder_must_know:
            document.line_of("For the householder", version.householder_must_know)
        if version.sharer_must_know:
            document.line_of("For the sharer", version.sharer_must_know)
    document.heading("Acceptance")
    document.line_of(f"Householder: {printable.householder_name}", acceptance_of(printable, "householder"))
    document.line_of(f"Sharer: {printable.sharer_name}", acceptance_of(printable, "sharer"))
    return bytes(document.output())
