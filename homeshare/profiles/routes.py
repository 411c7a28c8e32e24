from __future__ import annotations


from flask import request
from flask.views import MethodView

from homeshare.profiles.schemas import PeopleQuerySchema, PersonSummarySchema

from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.common.pagination import page_of
from homeshare.common.preconditions import ETAG_HEADER, IF_MATCH_PARAMETER, etag
from homeshare.extensions import Blueprint, documents_errors
from homeshare.profiles import service
from homeshare.profiles.examples import PROFILE, PROFILE_CHANGE
from homeshare.profiles.schemas import NewPersonSchema, ProfileSchema, ProfileUpdateSchema, TaskSchema
from homeshare.profiles.vocabulary import TASKS
from homeshare.schemes.models import Scheme

blp = Blueprint("profiles", __name__, url_prefix="/api/v1", description="Profiles of householders and sharers.")



def _with_etag(profile):
    return profile, {"ETag": etag(profile.version)}


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.doc(operationId="listTasks")
    @blp.response(200, TaskSchema(many=True))
    def get(self):
        """The tasks a householder may ask for and a sharer may offer

        Personal care (washing, dressing, toileting, medication) is never one of them.
        """
        return list(TASKS)


@blp.route("/me/profile")
class OwnProfile(MethodView):
    @blp.doc(operationId="getMyProfile")
    @requires(*MEMBER_ROLES)
    @blp.response(200, ProfileSchema, headers=ETAG_HEADER, example=PROFILE)
    def get(self):
        """Your profile, with what is still missing before vetting and matching

        Served with its ETag: send it back as If-Match to change the profile. Completeness lists
        the fields still missing for vetting and for matching.
        """
        return _with_etag(service.get_profile(current_account().id))

    @blp.doc(operationId="updateMyProfile")
    @requires(*MEMBER_ROLES)
    @blp.arguments(ProfileUpdateSchema, example=PROFILE_CHANGE)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, ProfileSchema, headers=ETAG_HEADER, example=PROFILE)
    @documents_errors(412, 428)
    def patch(self, changes):
        """Change your profile (send If-Match with the ETag you read)

        Only the fields sent change; null clears a field.
        """
        account = current_account()
        profile = service.update_profile(actor=account, profile=service.get_profile(account.id), changes=changes,
                                         if_match=request.headers.get("If-Match"))
        return _with_etag(profile)


@blp.route("/people/<uuid:person_id>/profile")
class PersonProfile(MethodView):
    @blp.doc(operationId="getPersonProfile")
    @requires(Role.COORDINATOR)
    @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
    @documents_errors(404)
    def get(self, person: Account):
        """A person's profile (their scheme's coordinators)

        For the person's scheme's coordinators, served with its ETag like your own.
        """
        return _with_etag(service.get_profile(person.id))

    @blp.doc(operationId="updatePersonProfile")
    @requires(Role.COORDINATOR)
    @blp.arguments(ProfileUpdateSchema)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
    @documents_errors(404, 412, 428)
    def patch(self, changes, person: Account):
        """Correct a person's profile (their scheme's coordinators; audited)

        A coordinator's correction, with the same rules as the person's own change: send If-
        Match with the ETag you read. Audited.
        """
        account = current_account()
        profile = service.update_profile(actor=account, profile=service.get_profile(person.id), changes=changes,
                                         if_match=request.headers.get("If-Match"))
        return _with_etag(profile)


@blp.route("/schemes/<uuid:scheme_id>/people")
class People(MethodView):
    @blp.doc(operationId="listSchemePeople")
    @requires(Role.COORDINATOR)
    @blp.arguments(PeopleQuerySchema, location="query")
    @blp.response(200, page_of(PersonSummarySchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Householders and sharers of your scheme, with vetting status and profile completeness

        For the scheme's coordinators, filtered by role, vetting status, checks about to expire
        and profile completeness.
        """
        return service.list_people(
            scheme=scheme,
            role=Role(query["role"]) if "role" in query else None,
            vetting_status=query["vetting_status"].value if "vetting_status" in query else None,
            expiring_within_days=query.get("expiring_within_days"),
            ready_for_vetting=query.get("ready_for_vetting"),
            ready_for_matching=query.get("ready_for_matching"),
            page=query["page"],
            per_page=query["per_page"],
        )

    @blp.doc(operationId="addSchemePerson")
    @requires(Role.COORDINATOR)
    @blp.arguments(NewPersonSchema)
    @blp.response(201, ProfileSchema, headers=ETAG_HEADER, description="The person was added.")
    @blp.alt_response(200, schema=ProfileSchema, headers=ETAG_HEADER,
                      description="The same person_id again: the person added before.", success=True)
    @documents_errors(404, 409)
    def post(self, data, scheme: Scheme):
        """Add a householder or sharer who has no login (coordinators)

        For people who do not use the app: no email or password is needed. Everything else
        works for them as for anyone (profile, vetting, candidates, matches), with their
        coordinator or a representative answering for them; they may get a login later by
        invitation, which keeps the same record.
        """
        details = {name: value for name, value in data.items() if name not in ("role", "person_id")}
        profile, created = service.add_person(actor=current_account(), scheme=scheme, role=Role(data["role"]),
                                              details=details, person_id=data.get("person_id"))
        return profile, 201 if created else 200, {"ETag": etag(profile.version)}
