"""The funder's report as a PDF: the period, every section's figures, each measure with its
brief definition, and the charts with the figures they are drawn from."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

from homeshare.common.printing import new_document
from homeshare.measures import charts
from homeshare.measures.report import MEASURES, SECTIONS
from homeshare.questionnaires.instruments import HIGHER_IS_BETTER

UNITS = {measure.key: measure.unit for measure in MEASURES}
LABELS = {
    "people_registered": "People registered", "people_approved": "People approved (vetting cleared)",
    "people_matched": "People matched (first trial started)", "live_matches": "Live matches at the period's end",
    "matches_ended": "Matches ended",
    **{measure.key: measure.label for measure in MEASURES},
}
NO_DATA = "no data"
CHART_WIDTH_MM = 174


def _day(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def figure(key: str, value: Any) -> str:
    """A figure as printed: shares as percentages to one decimal, days and counts as numbers."""
    if value is None:
        return NO_DATA
    unit = UNITS.get(key)
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "days":
        return f"{value:g} days"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label(code: str) -> str:
    return code.replace("-", " ").replace("_", " ").capitalize()


def _flattened(figures: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """A section's figures as (label, printed figure) lines, nested figures under their parents'
    labels ("Householder, mean change: 1.5")."""
    for name, value in figures.items():
        label = f"{prefix}, {_label(name).lower()}" if prefix else LABELS.get(name, _label(name))
        if isinstance(value, dict):
            yield from _flattened(value, label)
        else:
            yield label, figure(name, value)


def _number(value: float | None, sign: bool = False) -> str:
    if value is None:
        return NO_DATA
    return f"{value:+.2f}" if sign else f"{value:.2f}"


def _percent(value: float | None) -> str:
    return NO_DATA if value is None else f"{value * 100:.1f} %"


def _outcomes(document: Any, scores: dict[str, Any]) -> None:
    """Per score, a line per role: people, mean change with its interval, the shares improved and
    worse by the meaningful change, and the means (or shares of a category) before and after."""
    if not scores:
        document.paragraph("The scheme asks no questionnaire.")
    for figures in scores.values():
        better = "higher" if figures["direction"] == HIGHER_IS_BETTER else "lower"
        document.paragraph(f"{figures['name']} ({better} is better; a meaningful change is "
                           f"{figures['meaningful_change']:g})", bold=True)
        for role in ("householder", "sharer"):
            found = figures.get(role)
            if found is None:
                continue
            interval = (f" (95 % CI {_number(found['ci_low'], True)} to {_number(found['ci_high'], True)})"
                        if found["ci_low"] is not None else "")
            line = (f"{role.capitalize()}s: {found['people']} with a baseline and a follow-up; mean change "
                    f"{_number(found['mean_change'], True)}{interval}; improved {_percent(found['improved'])}, "
                    f"worse {_percent(found['worse'])}; mean {_number(found['baseline_mean'])} at the baseline, "
                    f"{_number(found['follow_up_mean'])} at the follow-up")
            if "share_of" in figures:
                line += (f"; answering {figures['share_of']}: {_percent(found['baseline_share'])} at the baseline, "
                         f"{_percent(found['follow_up_share'])} at the follow-up")
            document.paragraph(line + ".")
        document.ln(1)


def render(report: dict[str, Any]) -> bytes:
    document = new_document()
    document.set_title(f"Report to funders: {report['name']}, {report['period']}")
    document.set_author(report["name"])
    document.heading(f"Report to funders: {report['name']}", size=16)
    document.paragraph(f"Period {report['period']}: {_day(report['from'])} to {_day(report['to'])}.")
    if report["as_of"] < report["to"]:
        document.paragraph(f"The period has not ended: figures as at {_day(report['as_of'])}.")
    document.paragraph("Dates are days in the scheme's time zone, both ends included. \"Matched\" means that a "
                       "match reached its trial.", size=8)
    for key, title, _section in SECTIONS:
        figures = report["sections"][key]
        document.heading(title)
        if key == "measures":
            for name, value in figures.items():
                document.paragraph(f"{LABELS[name]}: {figure(name, value)}", bold=True)
                document.paragraph(report["definitions"][name], size=8)
                document.ln(1)
        elif key == "endings":
            for group, title_of in (("by_reason", "Why they ended"), ("by_who", "Who ended them")):
                document.paragraph(title_of, bold=True)
                for code, count in figures[group].items():
                    document.paragraph(f"{_label(code)}: {count}")
                document.ln(1)
        elif key == "outcomes":
            _outcomes(document, figures)
        else:
            for name, value in _flattened(figures):
                document.paragraph(f"{name}: {value}")
    for key, series in report["charts"].items():
        document.add_page()
        document.heading(series["title"])
        document.image(charts.draw(series), w=CHART_WIDTH_MM)
        document.ln(2)
        document.paragraph(f"The figures drawn ({series['x_label'].lower()}):", size=8, bold=True)
        for name, values in series["series"].items():
            shown = "; ".join(f"{label}: {NO_DATA if value is None else f'{value:g}'}"
                              for label, value in zip(series["x"], values))
            document.paragraph(f"{name}: {shown or NO_DATA}", size=8)
    return bytes(document.output())
