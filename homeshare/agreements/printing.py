"""A version of the agreement as a printable PDF: the scheme, both people, every term, the house
rules, the fees and both acceptances.

Printed in the language of whoever asks (or the one they choose): every fixed label, and the
dates, through the catalogues in ``homeshare/translations``. The text is set in DejaVu Sans
(``homeshare.common.printing``), so that any name or rule prints, Welsh and non-Latin letters
included, on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from flask_babel import format_date, gettext as _, lazy_gettext as _l, ngettext

from homeshare.agreements.models import AgreementVersion, FeePeriod, Term
from homeshare.common.languages import in_language
from homeshare.common.printing import FONT, new_document
from homeshare.profiles.vocabulary import TASKS

TASK_LABELS = {task.code: task.label for task in TASKS}
# The tasks' names as printed, in the reader's language (the vocabulary's own label for any other).
TASK_NAMES = {
    "companionship": _l("Companionship"), "cooking": _l("Cooking"), "shopping": _l("Shopping"),
    "errands": _l("Errands"), "light_housework": _l("Light housework"), "gardening": _l("Gardening"),
    "small_repairs": _l("Small repairs"), "technology_help": _l("Technology help"), "pet_care": _l("Pet care"),
    "evening_presence": _l("Being at home in the evening"), "overnight_presence": _l("Being at home overnight"),
}
PERIODS = {FeePeriod.WEEK.value: _l("a week"), FeePeriod.MONTH.value: _l("a month"), FeePeriod.YEAR.value: _l("a year"),
           FeePeriod.ONE_OFF.value: _l("once")}
HOW = {"in-person": _l("in person"), "by-phone": _l("by phone"), "on-paper": _l("on paper"),
       "representative": _l("through their representative")}
ACCEPTANCE = "agreement.accepted"


@dataclass
class Printable:
    """What the printed agreement shows: one version, and what surrounds it. A name that is
    None (no profile) prints as the side's name."""

    scheme_name: str
    timezone: str
    householder_name: str | None
    sharer_name: str | None
    version: AgreementVersion
    current_number: int
    trial_started_on: date | None
    trial_ends_on: date | None


def _day(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else _("not set")


def _moment(value: datetime, timezone: str) -> str:
    local = value.astimezone(ZoneInfo(timezone))
    return _("%(day)s at %(time)s", day=_day(local.date()), time=f"{local:%H:%M}")


def _pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


def _fee(fee: dict[str, Any] | None) -> str:
    if not fee:
        return _("None")
    return _("%(amount)s %(period)s", amount=_pounds(fee["amount_pence"]),
             period=PERIODS.get(fee["period"], fee["period"]))


def _days(number: int | None) -> str:
    return _("Not set") if number is None else ngettext("%(num)d day", "%(num)d days", number)


def _count(number: int | None, unit: str) -> str:
    if number is None:
        return _("Not set")
    if unit == "hour":
        return ngettext("%(num)d hour", "%(num)d hours", number)
    if unit == "month":
        return ngettext("%(num)d month", "%(num)d months", number)
    return ngettext("%(num)d night", "%(num)d nights", number)


def names_of(printable: Printable) -> tuple[str, str]:
    """The householder's and the sharer's names as printed."""
    return printable.householder_name or _("The householder"), printable.sharer_name or _("The sharer")


def terms_of(printable: Printable) -> list[tuple[str, str]]:
    """Every term as a label and its wording, in the order printed, in the language in force."""
    version = printable.version
    length = _days(version.trial_length_days)
    if printable.trial_started_on and printable.trial_ends_on:
        trial = _("%(length)s agreed; the trial runs from %(start)s to %(end)s", length=length,
                  start=_day(printable.trial_started_on), end=_day(printable.trial_ends_on))
    else:
        trial = _("%(length)s agreed; its dates are set when the trial starts", length=length)
    term = (_("Fixed, ending on %(day)s", day=_day(version.term_ends_on)) if version.term is Term.FIXED
            else _("Open-ended, until either side gives notice"))
    hours = _count(version.hours_per_week, "hour")
    if version.hours_reason:
        hours = _("%(hours)s (above the scheme's usual maximum: %(reason)s)", hours=hours, reason=version.hours_reason)
    return [
        (_("Start date"), _day(version.start_on)),
        (_("Trial"), trial),
        (_("Term"), term),
        (_("Review date"), _day(version.review_on) if version.review_on else _("Not set")),
        (_("Minimum stay"), _count(version.minimum_stay_months, "month")),
        (_("Hours of help a week"), hours),
        (_("Tasks"), ", ".join(str(TASK_NAMES.get(code, TASK_LABELS.get(code, code))) for code in version.tasks)),
        (_("Monthly contribution to household bills"), _pounds(version.monthly_contribution_pence)),
        (_("Notice during the trial"), _days(version.trial_notice_days)),
        (_("Notice once settled"), _days(version.notice_days)),
        (_("Nights away a month (the sharer's)"), _count(version.nights_away_per_month, "night")),
        (_("Days off a week"), _days(version.days_off_per_week)),
    ]


def acceptance_of(printable: Printable, side: str) -> str:
    """How ``side`` accepted the version: when, and whose hand recorded it; or that it has not."""
    version = printable.version
    accepted_at = getattr(version, f"{side}_accepted_at")
    if accepted_at is None:
        return _("Not yet accepted.")
    when = _moment(accepted_at, printable.timezone)
    records: Sequence[Any] = [record for record in getattr(version, "on_behalf", [])
                              if record.action == ACCEPTANCE and record.side == side]
    if not records:
        return _("Accepted on %(when)s.", when=when)
    record = records[-1]
    householder = side == "householder"
    if record.given_as.value == "proxy":
        return (_("Accepted on %(when)s, by their representative on the householder's behalf.", when=when)
                if householder else
                _("Accepted on %(when)s, by their representative on the sharer's behalf.", when=when))
    how = HOW.get(record.how.value, record.how.value) if record.how else None
    if how is None:
        return (_("Accepted on %(when)s, recorded by a coordinator on the householder's behalf.", when=when)
                if householder else
                _("Accepted on %(when)s, recorded by a coordinator on the sharer's behalf.", when=when))
    given = _moment(record.given_at, printable.timezone)
    return (_("Accepted on %(when)s, recorded by a coordinator on the householder's behalf, given %(how)s on "
              "%(given)s.", when=when, how=how, given=given)
            if householder else
            _("Accepted on %(when)s, recorded by a coordinator on the sharer's behalf, given %(how)s on "
              "%(given)s.", when=when, how=how, given=given))


def render(printable: Printable, language: str | None = None) -> bytes:
    """The PDF of ``printable``'s version, in ``language`` (English by default)."""
    with in_language(language):
        return _render(printable)


def _render(printable: Printable) -> bytes:
    version = printable.version
    householder, sharer = names_of(printable)
    document = new_document()
    document.set_title(_("Homeshare agreement, version %(number)s", number=version.number))
    document.set_author(printable.scheme_name)
    document.heading(_("Homeshare agreement"), size=18)
    document.set_font(FONT, "", 10)
    state = (_("the current version") if version.number == printable.current_number
             else _("superseded by version %(number)s", number=printable.current_number))
    drafted = _("Version %(number)s (%(state)s), drafted on %(when)s", number=version.number, state=state,
                when=_moment(version.created_at, printable.timezone))
    document.multi_cell(0, 5.5, f"{printable.scheme_name}\n{drafted}", new_x="LMARGIN", new_y="NEXT")
    document.heading(_("Between"))
    document.line_of(_("Householder"), householder)
    document.line_of(_("Sharer"), sharer)
    document.heading(_("Terms"))
    for label, text in terms_of(printable):
        document.line_of(label, text)
    document.heading(_("House rules"))
    if version.house_rules:
        for rule in version.house_rules:
            document.line_of(rule["topic"], rule["rule"])
    else:
        document.line_of(_("House rules"), _("None set."))
    document.heading(_("Fees to the scheme"))
    document.line_of(_("The householder pays"), _fee(version.householder_fee))
    document.line_of(_("The sharer pays"), _fee(version.sharer_fee))
    if version.householder_must_know or version.sharer_must_know:
        document.heading(_("Good to know"))
        if version.householder_must_know:
            document.line_of(_("For the householder"), version.householder_must_know)
        if version.sharer_must_know:
            document.line_of(_("For the sharer"), version.sharer_must_know)
    document.heading(_("Acceptance"))
    document.line_of(_("Householder: %(name)s", name=householder), acceptance_of(printable, "householder"))
    document.line_of(_("Sharer: %(name)s", name=sharer), acceptance_of(printable, "sharer"))
    return bytes(document.output())
