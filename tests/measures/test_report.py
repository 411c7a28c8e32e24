"""The funder's report on the year of tests/measures/test_measures.py's history, every figure
checked on paper; the PDF read back, and the JSON, the CSV and the PDF compared."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from homeshare.errors import ValidationFailed
from homeshare.measures import charts, printing
from homeshare.measures.report import parse_period, rows_for_csv
from tests.helpers import assert_problem
from tests.matchdesk import Desk
from tests.measures.test_measures import history  # noqa: F401  (the fixture)


def get(client, scheme, session, period: str = "2026", suffix: str = ""):
    return client.get(f"/api/v1/schemes/{scheme.id}/reports/{period}{suffix}", headers=session.headers)


def pdf_text(response) -> str:
    """The PDF's text, its lines joined by single spaces (long lines wrap)."""
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())


def test_a_years_report_checked_by_hand(client, history):  # noqa: F811
    scheme, m1 = history
    response = get(client, scheme, m1.coordinator)
    assert response.status_code == 200, response.json
    found = response.json
    assert (found["period"], found["from"], found["to"], found["as_of"]) == ("2026", "2026-01-01", "2026-12-31",
                                                                             "2026-12-31")
    # H1, H2, H3, S1, S2, S3, S4 registered; all but S4 (erased, her checks deleted) cleared;
    # H1, S1, H2, S2 had their first trial; both matches ended in November.
    assert found["sections"]["counts"] == {"people_registered": 7, "people_approved": 6, "people_matched": 4,
                                           "live_matches": 0, "matches_ended": 2}
    assert found["sections"]["measures"] == {
        "share_lasted_6_months": 1.0, "median_length_days": 184.5, "median_length_days_live_included": 184.5,
        "kaplan_meier_median_length_days": 184, "share_lasted_agreed_period": None,
        "share_dropped_out_without_match": round(2 / 7, 4), "share_matched_within_4_months": round(2 / 6, 4),
        "share_rematched": None, "checkin_answer_rate": 0.0, "share_weeks_meeting_agreed_hours": None,
        "concerns_per_match_month": round(1 / ((185 + 186) / 30.44), 4)}
    endings = found["sections"]["endings"]
    assert endings["by_reason"]["other"] == 2 and sum(endings["by_reason"].values()) == 2
    assert endings["by_who"] == {"householder": 1, "sharer": 1, "both": 0, "scheme": 0}
    charts = found["charts"]
    assert charts["wellbeing_over_time_by_role"]["x"] == []  # nobody answered a check-in
    states = charts["matches_by_state_over_time"]
    assert states["x"] == [f"2026-{month:02d}-{day}" for month, day in (
        (1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31))]
    assert states["series"] == {"trial": [0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0], "active": [0] * 12,
                                "ended in the month": [0] * 10 + [2, 0]}
    # 10 Jan to 10 May is 120 days, to 11 May 121: all four in the 120-149 bin.
    waits = charts["time_from_registration_to_match"]
    assert waits["x"][4] == "120-149" and waits["x"][-1] == "360+"
    assert waits["series"]["people"] == [0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]

    text = pdf_text(get(client, scheme, m1.coordinator, suffix=".pdf"))
    for line in ("Period 2026: 1 January 2026 to 31 December 2026.", "People registered: 7",
                 "People approved (vetting cleared): 6", "People matched (first trial started): 4",
                 "Matches lasting six months or more: 100.0 %", "Median length of ended matches: 184.5 days",
                 "Median length, Kaplan-Meier estimate: 184 days", "Matches that lasted their agreed period: no data",
                 "Dropped out without a match: 28.6 %", "Matched within four months of registering: 33.3 %",
                 "Check-in answer rate: 0.0 %", "Concerns per match-month: 0.082", "Other: 2", "Householder: 1",
                 "people: 0-29: 0; 30-59: 0; 60-89: 0; 90-119: 0; 120-149: 4;",
                 "trial: 2026-01-31: 0; 2026-02-28: 0; 2026-03-31: 0; 2026-04-30: 0; 2026-05-31: 2;",
                 "Wellbeing over time by role", "Matches by state over time", "Time from registration to a match"):
        assert line in text, line
    assert "those that lasted six months or more, live ones included (Homeshare UK QAF)" in text
    # Every figure of the JSON is in the PDF, as printed.
    for name, value in {**found["sections"]["counts"], **found["sections"]["measures"]}.items():
        assert f"{printing.LABELS[name]}: {printing.figure(name, value)}" in text

    rows = {row["figure"]: row["value"] for row in csv.DictReader(io.StringIO(
        get(client, scheme, m1.coordinator, suffix=".csv").get_data(as_text=True)))}
    assert rows == {figure: "" if value is None else str(value) for figure, value in rows_for_csv(found)}
    assert rows["sections.measures.share_lasted_6_months"] == "1.0"
    assert rows["sections.counts.people_registered"] == "7"
    assert rows["charts.time_from_registration_to_match.people.120-149"] == "4"
    assert rows["period"] == "2026"


def test_a_quarter_counts_only_what_happened_in_it(client, history):  # noqa: F811
    scheme, m1 = history
    found = get(client, scheme, m1.coordinator, "2026-Q4").json
    assert (found["from"], found["to"]) == ("2026-10-01", "2026-12-31")
    # H3 registered and cleared on 1 Oct; both matches, running since May, ended in November.
    assert found["sections"]["counts"] == {"people_registered": 1, "people_approved": 1, "people_matched": 0,
                                           "live_matches": 0, "matches_ended": 2}
    assert found["charts"]["matches_by_state_over_time"]["series"]["trial"] == [2, 0, 0]
    assert pdf_text(get(client, scheme, m1.coordinator, "2026-Q4", ".pdf")).count("People registered: 1") == 1


def test_periods_are_quarters_or_years():
    assert (parse_period("2026-Q1").first, parse_period("2026-Q1").last) == (date(2026, 1, 1), date(2026, 3, 31))
    assert parse_period("2024-Q1").last == date(2024, 3, 31)
    assert (parse_period("2026-Q3").first, parse_period("2026-Q3").last) == (date(2026, 7, 1), date(2026, 9, 30))
    assert (parse_period("2026-Q4").first, parse_period("2026-Q4").last) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (parse_period("2026").first, parse_period("2026").last) == (date(2026, 1, 1), date(2026, 12, 31))
    for wrong in ("2026-Q5", "2026-Q0", "2026-q3", "26", "2026-07", "1999", "2101", "2026Q3", ""):
        with pytest.raises(ValidationFailed):
            parse_period(wrong)


def test_reports_for_the_schemes_coordinators_and_admins_only(client, make, history):  # noqa: F811
    scheme, m1 = history
    admin = make.login(client, make.admin())
    for suffix in ("", ".csv", ".pdf"):
        assert get(client, scheme, admin, "2026-Q2", suffix).status_code == 200
        assert_problem(get(client, scheme, m1.householder, "2026", suffix), 403)
        outsider = make.login(client, make.coordinator(make.scheme()))
        assert_problem(get(client, scheme, outsider, "2026", suffix), 404)
        for wrong in ("2026-Q5", "20261", "1999"):
            problem = assert_problem(get(client, scheme, m1.coordinator, wrong, suffix), 422)
            assert "period" in problem["errors"]
    assert_problem(client.get("/api/v1/schemes/00000000-0000-4000-8000-000000000000/reports/2026",
                              headers=admin.headers), 404)


def test_the_report_takes_a_fixed_number_of_queries(client, make, history, count_queries):  # noqa: F811
    scheme, m1 = history
    with count_queries() as small:
        assert get(client, scheme, m1.coordinator).status_code == 200
    for _ in range(3):
        Desk(client, make, scheme).to_trial(start_on="2026-12-01")
    session = make.login(client, m1.coordinator.person)
    with count_queries() as large:
        assert get(client, scheme, session).status_code == 200
    assert len(small) == len(large)


def test_charts_are_drawn_with_gaps_and_empty_periods():
    line = {"title": "Wellbeing over time by role", "kind": "line", "x_label": "Months", "y_label": "Score",
            "x": ["0", "1", "2"], "series": {"householder": [3.5, None, 4.0], "sharer": [None, None, 2.0]}}
    picture = charts.draw(line)
    assert picture.size == (round(charts.WIDTH_INCHES * charts.DPI), round(charts.HEIGHT_INCHES * charts.DPI))
    assert charts.png(line).startswith(b"\x89PNG")
    empty = {**line, "x": [], "series": {"householder": [], "sharer": []}}
    assert charts.draw(empty).size == picture.size
    bars = {"title": "Time", "kind": "bar", "x_label": "Days", "y_label": "People", "x": ["0-29", "360+"],
            "series": {"people": [2, 0]}}
    assert charts.draw(bars).mode == "RGB"


def test_the_pdf_draws_each_chart(client, history):  # noqa: F811
    scheme, m1 = history
    response = get(client, scheme, m1.coordinator, "2026", ".pdf")
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert sum(len(page.images) for page in pages) == 4  # one per chart
    assert response.headers["Content-Disposition"] == 'inline; filename="report-2026.pdf"'


def test_a_section_of_nested_figures_prints_each_under_its_parents(client, history, monkeypatch):  # noqa: F811
    scheme, m1 = history
    found = get(client, scheme, m1.coordinator).json
    found["sections"]["extra"] = {"swemwbs": {"householder": {"mean_change": 1.5, "people": 4}, "sharer": None}}
    monkeypatch.setattr(printing, "SECTIONS", (*printing.SECTIONS, ("extra", "Outcomes", None)))
    pages = PdfReader(io.BytesIO(printing.render(found))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    for line in ("Outcomes", "Swemwbs, householder, mean change: 1.5", "Swemwbs, householder, people: 4",
                 "Swemwbs, sharer: no data"):
        assert line in text, line
