from __future__ import annotations


from flask import Response
from flask.views import MethodView

from homeshare.measures.schemas import AllSchemesSchema, MeasuresSchema, PeriodSchema, ReportSchema

from homeshare.common.access import requires
from homeshare.common.roles import Role
from homeshare.common.csvstream import CSV_CONTENT, csv_response
from homeshare.common.printing import PDF_CONTENT
from homeshare.extensions import Blueprint, documents_errors
from homeshare.measures import printing, report, service
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import list_schemes

blp = Blueprint("measures", __name__, url_prefix="/api/v1", description="Scheme quality measures.")

def _measures(scheme: Scheme, query) -> dict:
    return {"name": scheme.name, **service.compute(scheme, query["from_"], query["to"])}


def _renamed(measures: dict) -> dict:
    return {("from_" if key == "from" else key): value for key, value in measures.items()}


@blp.route("/schemes/<uuid:scheme_id>/measures")
class SchemeMeasures(MethodView):
    @blp.doc(operationId="getSchemeMeasures")
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, MeasuresSchema)
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """The scheme's quality measures for a period (definitions in docs/api-guide.md, "Quality measures")

        For the scheme's coordinators and admins: the period's measures, as the README defines
        them.
        """
        return _renamed(_measures(scheme, query))


@blp.route("/schemes/<uuid:scheme_id>/measures.csv")
class SchemeMeasuresCsv(MethodView):
    @blp.doc(operationId="exportSchemeMeasuresCsv")
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.arguments(PeriodSchema, location="query")
    @blp.doc(responses={"200": {"description": "The same measures, one per row, as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """The scheme's quality measures for a period, as CSV

        The same measures as the JSON, one row each, for a spreadsheet.
        """
        measures = _measures(scheme, query)
        return csv_response(f"measures-{query['from_']}-{query['to']}.csv", ("measure", "value"),
                            service.rows_for_csv(measures))


@blp.route("/measures")
class AllMeasures(MethodView):
    @blp.doc(operationId="compareSchemeMeasures")
    @requires(Role.ADMIN)
    @blp.arguments(PeriodSchema, location="query")
    @blp.response(200, AllSchemesSchema)
    def get(self, query):
        """Every scheme's measures side by side (admins): aggregates only, never a person

        For admins: each scheme's quality measures for the period, side by side. Aggregates
        only; no person's data.
        """
        schemes = list_schemes(page=1, per_page=10_000).items
        return {"schemes": [
            _renamed({"name": scheme.name, **service.compute(scheme, query["from_"], query["to"])})
            for scheme in schemes
        ]}


PERIOD_PARAMETER = {"parameters": [{
    "in": "path", "name": "period", "required": True, "schema": {"type": "string", "pattern": report.PERIOD.pattern},
    "description": "A quarter (`2026-Q3`: July to September) or a calendar year (`2026`)."}]}


def _report(scheme: Scheme, period: str) -> dict:
    return report.build(scheme, report.parse_period(period))


@blp.route("/schemes/<uuid:scheme_id>/reports/<period>")
class SchemeReport(MethodView):
    @blp.doc(operationId="getSchemeReport", **PERIOD_PARAMETER)
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.response(200, ReportSchema)
    @documents_errors(404, 422)
    def get(self, scheme: Scheme, period: str):
        """The funder's report for a quarter or a year (docs/api-guide.md, "Funder's report")

        For the scheme's coordinators and admins: counts, the quality measures with their
        definitions, endings by reason and the series of the charts, for `2026-Q3` or `2026`.
        The same figures as the CSV and the PDF.
        """
        return _renamed(_report(scheme, period))


@blp.route("/schemes/<uuid:scheme_id>/reports/<period>.csv")
class SchemeReportCsv(MethodView):
    @blp.doc(operationId="exportSchemeReportCsv", **PERIOD_PARAMETER)
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.doc(responses={"200": {"description": "The report's figures, one per row, as CSV.", **CSV_CONTENT}})
    @documents_errors(404, 422)
    def get(self, scheme: Scheme, period: str):
        """The funder's report as CSV

        The same figures as the JSON, one row each (`figure`, `value`), the charts' values
        included, for a spreadsheet.
        """
        found = _report(scheme, period)
        return csv_response(f"report-{found['period']}.csv", ("figure", "value"), report.rows_for_csv(found))


@blp.route("/schemes/<uuid:scheme_id>/reports/<period>.pdf")
class SchemeReportPdf(MethodView):
    @blp.doc(operationId="printSchemeReport", **PERIOD_PARAMETER)
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.doc(responses={"200": {"description": "The report as a PDF, its charts drawn in.", **PDF_CONTENT}})
    @documents_errors(404, 422)
    def get(self, scheme: Scheme, period: str):
        """The funder's report as a PDF

        The period, every figure with each measure's brief definition, and the charts (wellbeing
        over time by role, matches by state over time, time from registration to a match) with
        the figures they are drawn from.
        """
        found = _report(scheme, period)
        return Response(printing.render(found), mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="report-{found["period"]}.pdf"'})
