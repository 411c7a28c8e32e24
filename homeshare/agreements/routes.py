from __future__ import annotations

from flask import Response
from flask.views import MethodView

from homeshare.behalf.models import Scope
from homeshare.common.access import current_account, requires
from homeshare.common.printing import PDF_CONTENT
from homeshare.common.roles import EVERYONE_IN_A_MATCH, MEMBER_ROLES, Role
from homeshare.agreements import service
from homeshare.agreements.schemas import (
    AcceptanceSchema, AgreementPdfQuerySchema, AgreementSchema, AgreementTermsSchema,
)
from homeshare.extensions import Blueprint, documents_errors
from homeshare.matching.models import Match

blp = Blueprint("agreements", __name__, url_prefix="/api/v1", description="Homeshare agreements.")


@blp.route("/matches/<uuid:match_id>/agreement")
class Agreement(MethodView):
    @blp.doc(operationId="getAgreement")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH, Scope.ACCEPT_AGREEMENT))
    @blp.response(200, AgreementSchema)
    @documents_errors(404)
    def get(self, match: Match):
        """The agreement: its current version, the accepted baseline, and every version

        For the match's two people, their representatives (who may see the match or accept
        versions) and its coordinators. The baseline is the newest version both
        sides accepted; the current version may be newer and still waiting for acceptance.
        """
        return service.agreement_of(match)

    @blp.doc(operationId="setAgreementTerms")
    @requires(Role.COORDINATOR)
    @blp.arguments(AgreementTermsSchema)
    @blp.response(201, AgreementSchema, description="A new version was made; both sides must accept it.")
    @blp.alt_response(200, schema=AgreementSchema, description="The terms are the current version's.",
                      success=True)
    @documents_errors(404, 409)
    def put(self, terms, match: Match):
        """Set the agreement's terms (coordinators)

        Terms that differ from the current version make a new version, which both sides
        must accept again; the same terms change nothing.
        """
        agreement, created = service.draft(actor=current_account(), match=match, terms=terms)
        return agreement, 201 if created else 200


@blp.route("/matches/<uuid:match_id>/agreement.pdf")
class AgreementPdf(MethodView):
    @blp.doc(operationId="printAgreement")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH, Scope.ACCEPT_AGREEMENT))
    @blp.arguments(AgreementPdfQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "The version as a PDF, to print or keep.", **PDF_CONTENT}})
    @documents_errors(404)
    def get(self, query, match: Match):
        """The agreement as a printable PDF

        One version (the current one unless `version` is given): the scheme, both people, every
        term, the house rules, the fees, and each side's acceptance with its date, saying where
        someone accepted for them. For those who may read the agreement; 404 for a version
        that does not exist. Printed in the language of whoever asks (their account's
        `language`), or the one `language` chooses: its labels and dates, not what people wrote.
        """
        number = query.get("version")
        pdf = service.printed(match=match, number=number,
                              language=query.get("language") or current_account().language)
        name = f"agreement-{match.id}" + (f"-v{number}" if number else "") + ".pdf"
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})


@blp.route("/matches/<uuid:match_id>/agreement/acceptance")
class Acceptance(MethodView):
    @blp.doc(operationId="acceptAgreement")
    @requires(*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(Scope.ACCEPT_AGREEMENT,))
    @blp.arguments(AcceptanceSchema)
    @blp.response(200, AgreementSchema)
    @documents_errors(404, 409)
    def post(self, data, match: Match):
        """Accept a version of the agreement (the householder or the sharer, or someone for them)

        Only the current version can be accepted; accepting again changes nothing. A
        representative whose scope allows it accepts for the person they represent; a
        coordinator records the acceptance of a person who gave it in person, by phone or on
        paper (`on_behalf`). One coordinator never accepts for both sides.
        """
        return service.accept(actor=current_account(), match=match, number=data["version"],
                              on_behalf=data["on_behalf"])
