from __future__ import annotations


from flask.views import MethodView

from homeshare.common.access import current_account, requires
from homeshare.common.roles import EVERYONE_IN_A_MATCH, Role
from homeshare.concerns.models import Concern
from homeshare.schemes.models import Scheme
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.concerns import service
from homeshare.concerns.schemas import (
    ConcernDetailSchema,
    ConcernQuerySchema,
    ConcernSchema,
    NoteSchema,
    NoteViewSchema,
    OwnConcernSchema,
    RaiseSchema,
    ResolveSchema,
)
from homeshare.extensions import Blueprint, documents_errors

blp = Blueprint("concerns", __name__, url_prefix="/api/v1", description="Concerns, safeguarding first.")


@blp.route("/concerns")
class RaiseConcern(MethodView):
    @blp.doc(operationId="raiseConcern")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE)
    @blp.arguments(RaiseSchema)
    @blp.response(201, OwnConcernSchema)
    def post(self, data):
        """Raise a concern about a match or a person; urgent ones alert every coordinator at once

        A householder or sharer raises it about their match, a coordinator about a match or a
        person of their scheme (a representative included), a representative whose scope allows
        it for the person they represent. An urgent concern alerts every coordinator of the scheme at
        once.
        """
        return service.raise_concern(actor=current_account(), values=data), 201


@blp.route("/me/concerns")
class OwnConcerns(MethodView):
    @blp.doc(operationId="listMyConcerns")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(OwnConcernSchema))
    def get(self, query):
        """The concerns you raised: their status and outcome

        What you raised, newest first, with the status and the outcome you are told. The
        coordinators' internal notes are never shown.
        """
        return service.raised_by(current_account(), page=query["page"], per_page=query["per_page"])


@blp.route("/schemes/<uuid:scheme_id>/concerns")
class SchemeConcerns(MethodView):
    @blp.doc(operationId="listSchemeConcerns")
    @requires(Role.COORDINATOR)
    @blp.arguments(ConcernQuerySchema, location="query")
    @blp.response(200, page_of(ConcernSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Your scheme's concerns, urgent first

        For the scheme's coordinators, filtered by status, category and severity.
        """
        return service.list_concerns(scheme_id=scheme.id, status=query.get("status"), severity=query.get("severity"),
                                     category=query.get("category"), page=query["page"], per_page=query["per_page"])


@blp.route("/concerns/<uuid:concern_id>")
class ConcernDetail(MethodView):
    @blp.doc(operationId="getConcern")
    @requires(Role.COORDINATOR)
    @blp.response(200, ConcernDetailSchema)
    @documents_errors(404)
    def get(self, concern: Concern):
        """A concern with its internal notes (coordinators)

        The concern as the scheme's coordinators see it: what was raised, by whom, its status
        and every internal note.
        """
        return concern


@blp.route("/concerns/<uuid:concern_id>/acknowledgement")
class Acknowledge(MethodView):
    @blp.doc(operationId="acknowledgeConcern")
    @requires(Role.COORDINATOR)
    @blp.response(200, ConcernSchema)
    @documents_errors(404, 409)
    def post(self, concern: Concern):
        """Acknowledge a concern

        Says a coordinator has picked it up; the person who raised it sees the new status.
        """
        return service.acknowledge(actor=current_account(), concern=concern)


@blp.route("/concerns/<uuid:concern_id>/resolution")
class Resolve(MethodView):
    @blp.doc(operationId="resolveConcern")
    @requires(Role.COORDINATOR)
    @blp.arguments(ResolveSchema)
    @blp.response(200, ConcernSchema)
    @documents_errors(404, 409)
    def post(self, data, concern: Concern):
        """Resolve a concern with its outcome (the person who raised it sees the outcome)

        Closes the concern; the outcome is what the person who raised it is told. Resolving it
        again with the same outcome changes nothing; with another, 409.
        """
        return service.resolve(actor=current_account(), concern=concern, outcome=data["outcome"])


@blp.route("/concerns/<uuid:concern_id>/notes")
class Notes(MethodView):
    @blp.doc(operationId="addConcernNote")
    @requires(Role.COORDINATOR)
    @blp.arguments(NoteSchema)
    @blp.response(201, NoteViewSchema)
    @documents_errors(404)
    def post(self, data, concern: Concern):
        """Add an internal note (never shown to the person who raised it)

        Notes are for the scheme's coordinators only; the person who raised the concern never
        sees them.
        """
        actor = current_account()
        return service.add_note(actor=actor, concern=concern,
                                body=data["body"]), 201
