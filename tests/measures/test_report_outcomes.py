"""The funder's report's outcomes and SWEMWBS chart on tests/questionnaires/test_outcomes.py's
hand-built answers: the JSON, the CSV and the PDF give the figures worked out there by hand."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from tests.measures.test_report import get, pdf_text
from tests.questionnaires.test_outcomes import history  # noqa: F401  (the fixture)

# Householders' SWEMWBS metric scores, baseline -> latest follow-up in April to June 2027:
# 17.43 -> 21.54, 19.25 -> 19.98, 21.54 -> 20.73; the sharer's 25.03 -> 15.32.
HOUSEHOLDER_CHANGE = (4.11 + 0.73 - 0.81) / 3


@pytest.fixture
def coordinator(client, make, history, clock):  # noqa: F811
    clock.set(datetime(2027, 7, 10, 9, 0, tzinfo=timezone.utc))
    return make.login(client, make.coordinator(history))


def test_the_outcomes_section_gives_each_score_per_role(client, history, coordinator):  # noqa: F811
    response = get(client, history, coordinator, "2027-Q2")
    assert response.status_code == 200, response.json
    outcomes = response.json["sections"]["outcomes"]
    assert set(outcomes) == {"swemwbs", "ucla3", "lonely", "match_satisfaction", "safe_at_home"}
    swemwbs = outcomes["swemwbs"]
    assert (swemwbs["name"], swemwbs["direction"], swemwbs["meaningful_change"]) == (
        "SWEMWBS metric score", "higher-is-better", 2.87)
    assert swemwbs["householder"] == {
        "people": 3, "mean_change": round(HOUSEHOLDER_CHANGE, 2), "ci_low": -4.91, "ci_high": 7.6,
        "improved": round(1 / 3, 4), "worse": 0.0, "baseline_mean": round((17.43 + 19.25 + 21.54) / 3, 2),
        "follow_up_mean": round((21.54 + 19.98 + 20.73) / 3, 2)}
    assert swemwbs["sharer"] == {"people": 1, "mean_change": round(15.32 - 25.03, 2), "ci_low": None,
                                 "ci_high": None, "improved": 0.0, "worse": 1.0, "baseline_mean": 25.03,
                                 "follow_up_mean": 15.32}
    lonely = outcomes["lonely"]
    assert lonely["share_of"] == "often/always"
    assert (lonely["householder"]["baseline_share"], lonely["householder"]["follow_up_share"]) == (
        round(2 / 3, 4), round(1 / 3, 4))
    assert outcomes["match_satisfaction"]["householder"]["people"] == 0  # asked only in a match: no baseline

    # The same figures in the measures for the same days.
    measures = client.get(f"/api/v1/schemes/{history.id}/measures?from=2027-04-01&to=2027-06-30",
                          headers=coordinator.headers).json
    assert measures["outcomes"] == outcomes


def test_the_swemwbs_chart_by_month_of_the_match(client, history, coordinator):  # noqa: F811
    # April to June: no baseline (all in January) and the follow-ups belong to no match here.
    assert get(client, history, coordinator, "2027-Q2").json["charts"]["swemwbs_over_time_by_role"]["x"] == []
    chart = get(client, history, coordinator, "2027").json["charts"]["swemwbs_over_time_by_role"]
    # The year holds the January baselines, month 0: householders raw 18, 21, 24, 10 (17.43, 19.25,
    # 21.54, 12.40), sharers raw 28 and 28 (25.03).
    assert (chart["kind"], chart["y_range"], chart["x"]) == ("line", [7, 35], ["0"])
    assert chart["series"]["householder"] == [pytest.approx((17.43 + 19.25 + 21.54 + 12.40) / 4, abs=0.006)]
    assert chart["series"]["sharer"] == [25.03]


def test_the_pdf_and_the_csv_print_the_outcomes(client, history, coordinator):  # noqa: F811
    text = pdf_text(get(client, history, coordinator, "2027-Q2", ".pdf"))
    assert "Outcomes: change from the baseline" in text
    assert "SWEMWBS metric score (higher is better; a meaningful change is 2.87)" in text
    assert ("Householders: 3 with a baseline and a follow-up; mean change +1.34 (95 % CI -4.91 to +7.60); "
            "improved 33.3 %, worse 0.0 %; mean 19.41 at the baseline, 20.75 at the follow-up.") in text
    assert ("Sharers: 1 with a baseline and a follow-up; mean change -9.71; improved 0.0 %, worse 100.0 %; "
            "mean 25.03 at the baseline, 15.32 at the follow-up.") in text
    assert "answering often/always: 66.7 % at the baseline, 33.3 % at the follow-up" in text
    assert "Mental wellbeing (SWEMWBS) over time by role" in text

    rows = {row["figure"]: row["value"] for row in csv.DictReader(io.StringIO(
        get(client, history, coordinator, "2027-Q2", ".csv").get_data(as_text=True)))}
    assert rows["sections.outcomes.swemwbs.householder.people"] == "3"
    assert rows["sections.outcomes.swemwbs.householder.mean_change"] == "1.34"
    assert rows["sections.outcomes.swemwbs.sharer.worse"] == "1.0"
