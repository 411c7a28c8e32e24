from __future__ import annotations

from flask.views import MethodView

from homeshare.accounts.schemas import AcceptedSchema
from homeshare.common.access import current_account, requires
from homeshare.common.pagination import page_of
from homeshare.common.preconditions import ETAG_HEADER, etag
from homeshare.common.roles import Role
from homeshare.enquiries import service
from homeshare.enquiries.models import Enquiry
from homeshare.enquiries.schemas import (
    ConversionSchema,
    EnquiryChangeSchema,
    EnquiryCreateSchema,
    EnquiryQuerySchema,
    EnquirySchema,
    PublicEnquirySchema,
    StageChangeSchema,
)
from homeshare.extensions import Blueprint, documents_errors
from homeshare.profiles.schemas import ProfileSchema
from homeshare.schemes.models import Scheme

blp = Blueprint("enquiries", __name__, url_prefix="/api/v1",
                description="Enquiries, from the first contact to an approved householder or sharer.")

PUBLIC_ANSWER = {"message": "Thank you. Someone from the scheme will be in touch soon."}


@blp.route("/schemes/<uuid:scheme_id>/enquiries")
class SchemeEnquiries(MethodView):
    @blp.doc(operationId="listEnquiries")
    @requires(Role.COORDINATOR)
    @blp.arguments(EnquiryQuerySchema, location="query")
    @blp.response(200, page_of(EnquirySchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Your scheme's enquiries, newest first

        Filtered by stage, by owner, or (`waiting=true`) to the open ones that stayed in their
        stage longer than the scheme's `enquiry_waiting_days`.
        """
        return service.list_enquiries(scheme=scheme, stage=query.get("stage"), owner_id=query.get("owner_id"),
                                      waiting_only=query["waiting"], page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="recordEnquiry")
    @requires(Role.COORDINATOR)
    @blp.arguments(EnquiryCreateSchema)
    @blp.response(201, EnquirySchema, description="Recorded.")
    @blp.alt_response(200, schema=EnquirySchema, description="The same enquiry was recorded a moment ago: it.",
                      success=True)
    @documents_errors(404)
    def post(self, data, scheme: Scheme):
        """Record an enquiry (you own it unless you name another coordinator)

        The same enquiry again (same name, contact, seeking, source and day) within 10 minutes is
        taken as a retry: the answer is 200 with the one recorded, and nothing is added.
        """
        enquiry, created = service.record(actor=current_account(), scheme=scheme, values=data)
        return enquiry, 201 if created else 200


@blp.route("/schemes/by-slug/<string:slug>/enquiries")
class PublicEnquiries(MethodView):
    @blp.doc(operationId="sendEnquiry")
    @blp.arguments(PublicEnquirySchema, example={
        "name": "Margaret Hill", "contact": "0113 496 0000", "seeking": "householder",
        "message": "My mother would like some company and help with the shopping."})
    @blp.response(202, AcceptedSchema, description="Received.", example=PUBLIC_ANSWER)
    @documents_errors(404, 429)
    def post(self, data, slug: str):
        """Send an enquiry with the scheme's website form (no sign-in)

        The answer is always the same. The scheme's coordinators are told. Sending the same name
        and contact again the same day makes no second enquiry. Limited per client address and
        per contact (429 with `Retry-After`).
        """
        service.receive(scheme=service.scheme_for_form(slug), values=data)
        return PUBLIC_ANSWER


@blp.route("/enquiries/<uuid:enquiry_id>")
class EnquiryDetail(MethodView):
    @blp.doc(operationId="getEnquiry")
    @requires(Role.COORDINATOR)
    @blp.response(200, EnquirySchema)
    @documents_errors(404)
    def get(self, enquiry: Enquiry):
        """An enquiry of your scheme

        What is known about it, its stage with the day of each stage reached, the stages it may
        move to, and the person it became.
        """
        return enquiry

    @blp.doc(operationId="updateEnquiry")
    @requires(Role.COORDINATOR)
    @blp.arguments(EnquiryChangeSchema)
    @blp.response(200, EnquirySchema)
    @documents_errors(404)
    def patch(self, data, enquiry: Enquiry):
        """Change what is known about an enquiry, or who owns it

        Only the fields sent change; `null` empties an optional one. An owner must be a
        coordinator of the scheme.
        """
        return service.update(actor=current_account(), enquiry=enquiry, changes=data)


@blp.route("/enquiries/<uuid:enquiry_id>/stage")
class EnquiryStage(MethodView):
    @blp.doc(operationId="moveEnquiryStage")
    @requires(Role.COORDINATOR)
    @blp.arguments(StageChangeSchema)
    @blp.response(200, EnquirySchema)
    @documents_errors(404, 409)
    def post(self, data, enquiry: Enquiry):
        """Move an enquiry to a later stage, or close it with a reason

        Stages move forward only: enquiry, application, assessment, approved (one may be
        skipped); an open enquiry may be closed instead, with `closed_reason`. Approved and
        closed are final (409). Moving to the stage it is in changes nothing (200), unless
        another day or reason is given (409).
        """
        return service.move(actor=current_account(), enquiry=enquiry,
                            stage=data["stage"], on=data.get("on"), closed_reason=data.get("closed_reason"))



@blp.route("/enquiries/<uuid:enquiry_id>/person")
class EnquiryPerson(MethodView):
    @blp.doc(operationId="convertEnquiry")
    @requires(Role.COORDINATOR)
    @blp.arguments(ConversionSchema)
    @blp.response(201, ProfileSchema, headers=ETAG_HEADER, description="The person was added.")
    @blp.alt_response(200, schema=ProfileSchema, headers=ETAG_HEADER, success=True,
                      description="The enquiry was converted before: the person it became.")
    @documents_errors(404, 409)
    def post(self, data, enquiry: Enquiry):
        """Add the person an enquiry is about, with no login (coordinators)

        A householder or sharer (as the enquiry seeks) whom the scheme manages: no email or
        password, as addSchemePerson makes them. The name is split into first names and a last
        name unless `first_name` or `last_name` is given; a contact that is a phone number
        becomes the phone. The enquiry keeps the person's id (`person_id`); converting it again
        answers 200 with the same person.
        """
        profile, created = service.convert(actor=current_account(), enquiry=enquiry, overrides=data)
        return profile, 201 if created else 200, {"ETag": etag(profile.version)}
