from __future__ import annotations


import marshmallow as ma
from flask.views import MethodView

from homeshare.common.access import requires
from homeshare.common.roles import Role
from homeshare.audit import service
from homeshare.schemes.models import Scheme
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.schemas import BoundedDateTime, Schema
from homeshare.extensions import Blueprint, documents_errors

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail.")


class AuditQuerySchema(PageQuerySchema):
    actor_id = ma.fields.UUID()
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    from_ = BoundedDateTime(data_key="from")
    to = BoundedDateTime()


class AuditEventSchema(Schema):
    id = ma.fields.UUID()
    occurred_at = ma.fields.AwareDateTime()
    actor_id = ma.fields.UUID(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    request_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)


@blp.route("/schemes/<uuid:scheme_id>/audit")
class Trail(MethodView):
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_of(AuditEventSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """The scheme's audit trail, newest first, with filters (it is only ever added to)"""
        return service.trail(scheme_id=scheme.id, actor_id=query.get("actor_id"), action=query.get("action"),
                             target_type=query.get("target_type"), target_id=query.get("target_id"),
                             first=query.get("from_"), last=query.get("to"), page=query["page"],
                             per_page=query["per_page"])
