from __future__ import annotations


from flask.views import MethodView

from homeshare.measures.schemas import AllSchemesSchema, MeasuresSchema, PeriodSchema

from homeshare.common.access import requires
from homeshare.common.roles import Role
from homeshare.common.csvstream import CSV_CONTENT, csv_response
from homeshare.extensions import Blueprint, documents_errors
from homeshare.measures import service
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
