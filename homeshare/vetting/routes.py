from __future__ import annotations


from flask.views import MethodView

from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.errors import NotFound
from homeshare.extensions import Blueprint, documents_errors
from homeshare.vetting import service
from homeshare.vetting.models import CheckKind
from homeshare.vetting.schemas import ChecklistSchema, CheckUpdateSchema, OwnChecklistSchema

blp = Blueprint("vetting", __name__, url_prefix="/api/v1", description="Vetting checks and their outcome.")


@blp.route("/me/vetting")
class OwnVetting(MethodView):
    @blp.doc(operationId="getMyVetting")
    @requires(*MEMBER_ROLES)
    @blp.response(200, OwnChecklistSchema)
    def get(self):
        """Your vetting progress: each check's status and what is still needed

        For a householder or a sharer: each check the scheme requires, its status and what is
        still outstanding; less of each check than its coordinators see.
        """
        return service.checklist(current_account())


@blp.route("/people/<uuid:person_id>/vetting")
class PersonVetting(MethodView):
    @blp.doc(operationId="getPersonVetting")
    @requires(Role.COORDINATOR)
    @blp.response(200, ChecklistSchema)
    @documents_errors(404)
    def get(self, person: Account):
        """A person's checklist in full (their scheme's coordinators)

        For the person's scheme's coordinators: every check as recorded, with who recorded it and when.
        """
        actor = current_account()
        return service.checklist_for_coordinator(actor, person)


@blp.route(
    "/people/<uuid:person_id>/vetting/<string:kind>",
    parameters=[{"in": "path", "name": "kind", "required": True,
                 "schema": {"type": "string", "enum": [kind.value for kind in CheckKind]}}],
)
class PersonCheck(MethodView):
    @blp.doc(operationId="recordVettingCheck")
    @requires(Role.COORDINATOR)
    @blp.arguments(CheckUpdateSchema)
    @blp.response(200, ChecklistSchema)
    @documents_errors(404)
    def put(self, values, person: Account, kind: str):
        """Record a check (their scheme's coordinators; audited)

        The body is the check's whole record; repeating it changes nothing.
        """
        account = current_account()
        try:
            check_kind = CheckKind(kind)
        except ValueError:
            raise NotFound("No such check.") from None
        return service.record_check(actor=account, person=person, kind=check_kind, values=values)
