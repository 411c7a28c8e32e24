from __future__ import annotations


from flask.views import MethodView

from homeshare.common.access import current_account, requires
from homeshare.common.roles import Role
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.schemes import service
from homeshare.schemes.models import Scheme
from homeshare.schemes.schemas import SchemeCreateSchema, SchemeSchema, SchemeUpdateSchema

blp = Blueprint("schemes", __name__, url_prefix="/api/v1/schemes", description="Homeshare schemes and their settings.")


@blp.route("")
class Schemes(MethodView):
    @blp.doc(operationId="listSchemes")
    @requires(Role.ADMIN)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(SchemeSchema))
    def get(self, query):
        """List every scheme (admins)

        For admins: every scheme with its settings, a page at a time.
        """
        return service.list_schemes(page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="createScheme")
    @requires(Role.ADMIN)
    @blp.arguments(SchemeCreateSchema)
    @blp.response(201, SchemeSchema)
    @documents_errors(409)
    def post(self, data):
        """Create a scheme (admins)

        Its first coordinator is created next, with POST /schemes/{scheme_id}/coordinators.
        """
        return service.create_scheme(**data)


@blp.route("/<uuid:scheme_id>")
class SchemeDetail(MethodView):
    @blp.doc(operationId="getScheme")
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.response(200, SchemeSchema)
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """A scheme and its settings (its coordinators, or an admin)

        For its coordinators and admins: the scheme with every setting, defaults filled in.
        """
        return scheme

    @blp.doc(operationId="updateScheme")
    @requires(Role.COORDINATOR, Role.ADMIN)
    @blp.arguments(SchemeUpdateSchema)
    @blp.response(200, SchemeSchema)
    @documents_errors(404)
    def patch(self, data, scheme: Scheme):
        """Change a scheme's name, time zone or settings (its coordinators, or an admin)

        For its coordinators and admins. Only the fields sent change; settings left out keep
        their values. Audited.
        """
        return service.update_scheme(scheme, data, actor_id=current_account().id)
