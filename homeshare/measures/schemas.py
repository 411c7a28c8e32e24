"""Request and response bodies of the measures endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import BoundedDate, Schema


class PeriodSchema(Schema):
    from_ = BoundedDate(data_key="from", required=True, metadata={"description": "First day, in the scheme's time zone."})
    to = BoundedDate(required=True, metadata={"description": "Last day (inclusive)."})

    @ma.validates_schema
    def _in_order(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ma.ValidationError("Must not be before from.", "to")


class MeasuresSchema(Schema):
    scheme_id = ma.fields.String()
    name = ma.fields.String()
    from_ = ma.fields.String(data_key="from")
    to = ma.fields.String()
    registration = ma.fields.Dict()
    matches = ma.fields.Dict()
    rematching = ma.fields.Dict(metadata={
        "description": "People of the matches that ended in the period whose window (the end plus the scheme's "
                       "`rematch_within_days`) has closed, and those of them whose next trial started within it."})
    leaving = ma.fields.Dict()
    dropping_out = ma.fields.Dict(metadata={
        "description": "Homeshare UK's \"dropped out without a match\": people who left in the period without "
                       "ever reaching a trial, for reasons other than `failed-vetting` or `ineligible`, over the "
                       "people registered in the period."})
    waiting = ma.fields.Dict()
    checkins = ma.fields.Dict(metadata={
        "description": "Check-ins due in the period and their answers. `answers_by_hand`, per side (`householder`, "
                       "`sharer`): of the answers counted in `answers` (to check-ins due in the period while the "
                       "match was in its trial or later), how many the person gave themselves in the app (`self`), "
                       "a coordinator recorded for them (`on_behalf`) and their representative gave (`proxy`)."})
    hours = ma.fields.Dict()
    concerns = ma.fields.Dict()
    enquiries = ma.fields.Dict(metadata={
        "description": "`received`: enquiries that came in during the period, and `by_source`; `approved` and "
                       "`median_days_to_approval`: enquiries approved in the period, days from the enquiry to "
                       "approval; `first_matched` and `median_days_to_first_match`: enquiries whose person had "
                       "their first match proposed in the period, days from the enquiry to that proposal."})


    outcomes = ma.fields.Dict(metadata={
        "description": "Change from baseline per score (`swemwbs`, `ucla3`, `lonely`, `match_satisfaction`, "
                       "`safe_at_home`) of the instruments the scheme asks or has answers to: `instrument`, "
                       "`direction`, `meaningful_change` (and `share_of` for a score reported as a share), then per "
                       "role (`householder`, `sharer`) `people` with a baseline and a follow-up answered in the "
                       "period, `mean_change` with its 95 % interval (`ci_low`, `ci_high`), the shares `improved` "
                       "and `worse` by the meaningful change, and the baseline and follow-up means (docs/api-guide.md, "
                       "\"Questionnaires\")."})


class AllSchemesSchema(Schema):
    schemes = ma.fields.List(ma.fields.Nested(MeasuresSchema))


class ReportSchema(Schema):
    scheme_id = ma.fields.String()
    name = ma.fields.String()
    period = ma.fields.String(metadata={"description": "`2026-Q3` or `2026`, as asked."})
    from_ = ma.fields.String(data_key="from", metadata={"description": "The period's first day."})
    to = ma.fields.String(metadata={"description": "The period's last day."})
    as_of = ma.fields.String(metadata={"description": "The day the figures stand at: the period's last day, or "
                                                      "today while the period runs."})
    sections = ma.fields.Dict(metadata={
        "description": "`counts` (people registered, approved, matched; live matches at the end; matches ended), "
                       "`measures` (shares from 0 to 1, lengths in days; null without data) and `endings` "
                       "(`by_reason`, every reason listed, and `by_who`), and `outcomes` (as in the measures' "
                       "`outcomes`)."})
    charts = ma.fields.Dict(metadata={
        "description": "Each chart's series: `title`, `kind` (`line` or `bar`), `x_label`, `y_label`, `x` (the "
                       "labels) and `series` (name -> one value or null per label)."})
    definitions = ma.fields.Dict(metadata={"description": "Each measure's brief definition, as the PDF prints it."})
