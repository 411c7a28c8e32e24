from __future__ import annotations


from flask.views import MethodView

from homeshare.audit.schemas import AuditEventSchema, AuditQuerySchema

from homeshare.common.access import requires
from homeshare.common.roles import Role
from homeshare.audit import service
from homeshare.schemes.models import Scheme
from homeshare.common.pagination import page_of
from homeshare.extensions import Blueprint, documents_errors

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail.")


@blp.route("/schemes/<uuid:scheme_id>/audit")
class Trail(MethodView):
    @blp.doc(operationId="listAuditEvents")
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_of(AuditEventSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """The scheme's audit trail, newest first, with filters (it is only ever added to)

        For the scheme's coordinators and admins: who did what and when, newest first. The trail
        is append-only: nothing in it changes or goes.
        """
        return service.trail(scheme_id=scheme.id, actor_id=query.get("actor_id"), action=query.get("action"),
                             target_type=query.get("target_type"), target_id=query.get("target_id"),
                             first=query.get("from_"), last=query.get("to"), page=query["page"],
                             per_page=query["per_page"])
