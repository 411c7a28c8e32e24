from __future__ import annotations


from flask.views import MethodView

from homeshare.privacy.schemas import ExportSchema

from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.extensions import Blueprint, documents_errors
from homeshare.privacy import service

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Your data: a copy, and erasure.")


@blp.route("/me/export")
class Export(MethodView):
    @blp.doc(operationId="exportMyData")
    @requires(*MEMBER_ROLES)
    @blp.response(200, ExportSchema)
    def get(self):
        """Everything the service holds about you, as JSON

        Your account, profile, vetting, matches, agreements, hours, check-in answers, questionnaires, views of
        your trials, feedback on meetings, what others did for you (a coordinator recording your view, a
        representative), your representatives, concerns, conversations with your coordinators, devices,
        notifications and the channels and quiet hours you chose for them, as one JSON document (your right
        of access).
        """
        return service.export(current_account())


@blp.route("/people/<uuid:person_id>/export")
class ExportPerson(MethodView):
    @blp.doc(operationId="exportPersonData")
    @requires(Role.COORDINATOR)
    @blp.response(200, ExportSchema)
    @documents_errors(404)
    def get(self, person: Account):
        """Everything the service holds about a person, as JSON (their scheme's coordinators; audited)

        For a person without the app, at their request (their right of access): the same
        document as `GET /me/export` gives a person who has it, for you to hand over. Audited
        as an export you made for that person.
        """
        return service.export(person, actor=current_account())


@blp.route("/me")
class CloseAccount(MethodView):
    @blp.doc(operationId="closeMyAccount")
    @requires(*MEMBER_ROLES)
    @blp.response(204)
    def delete(self):
        """Close your account and erase your personal data (see the retention rules)

        Your account is closed at once and your personal data erased, but for what the retention
        rules keep. Every session ends.
        """
        account = current_account()
        service.erase(actor=account, account=account)


@blp.route("/people/<uuid:person_id>")
class ErasePerson(MethodView):
    @blp.doc(operationId="erasePerson")
    @requires(Role.COORDINATOR)
    @blp.response(204)
    @documents_errors(404)
    def delete(self, person: Account):
        """Erase a person's account and personal data, at their request (coordinators)

        For the person's scheme's coordinators, at the person's request: the account closes and
        the personal data is erased, as when they close it themselves. Audited.
        """
        actor = current_account()
        service.erase(actor=actor, account=person)
