from __future__ import annotations

from flask.views import MethodView

from homeshare.accounts.models import Account
from homeshare.behalf import service
from homeshare.behalf.models import Representation
from homeshare.behalf.schemas import (
    BehalfAgreementSchema,
    BehalfAgreementViewSchema,
    LinkChangeSchema,
    LinkSchema,
    LinkViewSchema,
    RepresentedSchema,
)
from homeshare.common.access import current_account, requires
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.roles import Role
from homeshare.extensions import Blueprint, documents_errors

blp = Blueprint("behalf", __name__, url_prefix="/api/v1",
                description="Representatives, and a person's agreement that their coordinator answers for them.")


@blp.route("/people/<uuid:person_id>/representatives")
class Representatives(MethodView):
    @blp.doc(operationId="listRepresentatives")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(LinkViewSchema))
    @documents_errors(404)
    def get(self, query, person: Account):
        """A person's representatives, the current ones first (coordinators)

        Family members, friends and attorneys linked to the person, with the person's consent and
        its scope; removed links are kept, with the day they ended.
        """
        return service.representatives_of(person, page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="linkRepresentative")
    @requires(Role.COORDINATOR)
    @blp.arguments(LinkSchema)
    @blp.response(201, LinkViewSchema, description="The representative was linked.")
    @blp.alt_response(200, schema=LinkViewSchema, description="The same representation_id again: the link made before.",
                      success=True)
    @documents_errors(404, 409)
    def post(self, data, person: Account):
        """Link a representative to a person, with the person's consent and its scope (coordinators)

        A new representative (name and contact, no login until invited) or one the scheme already
        has. The representative then sees and does only what the scope allows, for this person.
        """
        link, created = service.link(actor=current_account(), person=person, values=data)
        service.with_people([link])
        return link, 201 if created else 200


@blp.route("/representations/<uuid:representation_id>")
class RepresentationDetail(MethodView):
    @blp.doc(operationId="changeRepresentation")
    @requires(Role.COORDINATOR)
    @blp.arguments(LinkChangeSchema)
    @blp.response(200, LinkViewSchema)
    @documents_errors(404, 409)
    def patch(self, changes, link: Representation):
        """Change a representative's scope or relationship (coordinators)

        A narrower scope holds from the representative's next request.
        """
        service.change(actor=current_account(), link=link, values=changes)
        service.with_people([link])
        return link

    @blp.doc(operationId="removeRepresentation")
    @requires(Role.COORDINATOR)
    @blp.response(204)
    @documents_errors(404)
    def delete(self, link: Representation):
        """Remove a representative from a person (coordinators)

        The representative loses every access to the person at their next request; the link is
        kept, ended, for the record.
        """
        service.remove(actor=current_account(), link=link)


@blp.route("/people/<uuid:person_id>/behalf-agreement")
class BehalfAgreement(MethodView):
    @blp.doc(operationId="setBehalfAgreement")
    @requires(Role.COORDINATOR)
    @blp.arguments(BehalfAgreementSchema)
    @blp.response(200, BehalfAgreementViewSchema)
    @documents_errors(404)
    def put(self, data, person: Account):
        """Record that a person who has the app agreed that you may answer for them (coordinators)

        Without it, a coordinator cannot record the answers of a person who has a login; a
        person without a login needs none. Null withdraws the agreement.
        """
        return service.set_agreement(actor=current_account(), person=person, agreed_on=data["agreed_on"])


@blp.route("/me/represented")
class Represented(MethodView):
    @blp.doc(operationId="listPeopleIRepresent")
    @requires(Role.REPRESENTATIVE)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(RepresentedSchema))
    def get(self, query):
        """The people you represent, and what each consented to (representatives)

        Only current links; what you may see and do for each person is their scope.
        """
        return service.represented_by(current_account(), page=query["page"], per_page=query["per_page"])
