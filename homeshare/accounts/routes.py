from __future__ import annotations


from flask import g
from flask.views import MethodView

from homeshare.accounts.schemas import AccessResetSchema, DeactivationSchema, SmsOptInSchema, SmsOptInStateSchema
from flask_jwt_extended import get_jwt

from homeshare.accounts import service, throttling
from homeshare.accounts.examples import (
    LOGIN_REQUEST, REGISTER_REQUEST, REGISTERED, SIGNED_IN_ACCOUNT, TOKEN_PAIR,
)
from homeshare.accounts.models import Account
from homeshare.common.access import current_account, requires
from homeshare.common.roles import Role, STAFF_ROLES
from homeshare.accounts.schemas import (
    AcceptedSchema,
    AccountChangeSchema,
    AccountListQuerySchema,
    AccountSchema,
    CodeSchema,
    CoordinatorCreateSchema,
    InvitationClaimSchema,
    InvitationCreateSchema,
    InvitationSchema,
    LoginSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RegisterSchema,
    TokenPairSchema,
)
from homeshare.common.pagination import page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.schemes.models import Scheme

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Registration, sign-in and tokens.")
accounts = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and their activation.")



@auth.route("/register")
class Register(MethodView):
    @auth.doc(operationId="register")
    @auth.arguments(RegisterSchema, example=REGISTER_REQUEST)
    @auth.response(202, AcceptedSchema, description="Accepted: check your email.", example=REGISTERED)
    @documents_errors(429)
    def post(self, data):
        """Register as a householder or a sharer of a scheme

        The answer is the same whether or not the email has an account, so it tells nobody who
        does. A new account gets a code by email to verify the address (verifyEmail); it can sign
        in at once. When the email has an account already, nothing is created and its owner is
        told by email. Repeating a request is safe: nothing is made twice.
        """
        service.register(
            scheme_slug=data["scheme"], email=data["email"], password=data["password"], role=Role(data["role"])
        )
        return {"message": service.REGISTERED_MESSAGE}


@auth.route("/verification")
class Verification(MethodView):
    @auth.doc(operationId="verifyEmail")
    @requires()
    @auth.arguments(CodeSchema)
    @auth.response(200, AccountSchema, example=SIGNED_IN_ACCOUNT)
    def post(self, data):
        """Verify your email address with the code sent to it

        Sets `email_verified_at` on your account; until then you are not proposed for a match. A
        code works once, for 24 hours and 5 tries (422 when it is not right). Verified already:
        the account, unchanged.
        """
        return service.verify_email(account=current_account(), code=data["code"])


@auth.route("/verification/resend")
class VerificationResend(MethodView):
    @auth.doc(operationId="resendVerification")
    @requires()
    @auth.response(202, AcceptedSchema, description="A new code is on its way.")
    @documents_errors(409, 429)
    def post(self):
        """Send a new code to verify your email address

        Replaces the last code. One a minute at most (429 with `Retry-After`); 409 when the
        address is verified already.
        """
        service.resend_verification(account=current_account())
        return {"message": service.CODE_SENT_MESSAGE}


@auth.route("/password-reset")
class PasswordReset(MethodView):
    @auth.doc(operationId="requestPasswordReset")
    @auth.arguments(PasswordResetRequestSchema)
    @auth.response(202, AcceptedSchema, description="Accepted: check your email.")
    @documents_errors(429)
    def post(self, data):
        """Ask for a code to reset a forgotten password

        When the email has an account, a code is sent to it (good once, for 30 minutes). The
        answer is the same either way. Limited per client address and per email (429).
        """
        service.request_password_reset(email=data["email"])
        return {"message": service.RESET_REQUESTED_MESSAGE}


@auth.route("/password-reset/confirmation")
class PasswordResetConfirmation(MethodView):
    @auth.doc(operationId="resetPassword")
    @auth.arguments(PasswordResetSchema)
    @auth.response(204)
    @documents_errors(429)
    def post(self, data):
        """Set a new password with the code sent by email

        Ends every session of the account, on every device, and opens a locked sign-in: sign in
        with the new password. A wrong, used or expired code, or an email without an account,
        all get the same 422; a code takes 5 tries. Limited per client address and per email
        (429).
        """
        service.reset_password(email=data["email"], code=data["code"], new_password=data["new_password"])


@auth.route("/login")
class Login(MethodView):
    @auth.doc(operationId="login")
    @auth.arguments(LoginSchema, example=LOGIN_REQUEST)
    @auth.response(200, TokenPairSchema, example=TOKEN_PAIR)
    @documents_errors(401, 429)
    def post(self, data):
        """Sign in with email and password

        Starts a session: an access token (minutes) and a refresh token (days). Attempts
        are limited per client address and per email (429 with `Retry-After`), and after
        repeated failures sign-in for that email is locked for a while.
        """
        return service.log_in(email=data["email"], password=data["password"])


@auth.route("/invitation")
class ClaimInvitation(MethodView):
    @auth.doc(operationId="claimInvitation")
    @auth.arguments(InvitationClaimSchema)
    @auth.response(200, TokenPairSchema, example=TOKEN_PAIR)
    @documents_errors(409, 410, 429)
    def post(self, data):
        """Claim an invitation: choose the email and password of an account a coordinator added

        For a person (or representative) a coordinator added without a login and invited: the
        code they were given, the email to sign in with from now on and a password. Answers with
        the tokens of a session, as login does; the account, its profile and its matches are the
        same as before. The email counts as verified when it is the one the invitation was
        emailed to; otherwise a code is emailed to verify it (verifyEmail). A code that is not an
        invitation's is 422 (`invitation-not-valid`); a used, expired or replaced one is 410
        (`invitation-used`, `invitation-expired`, `invitation-replaced`, and
        `invitation-withdrawn` when the account was closed); an email another account has is
        409 (`email-taken`). Repeating the claim that worked (same code, email and password)
        signs in again. Limited per client address, and codes that are not right are counted
        per client address (429 with `Retry-After`).
        """
        return service.claim_invitation(code=data["code"], email=data["email"], password=data["password"],
                                        address=throttling.client_address())


@auth.route("/refresh")
class Refresh(MethodView):
    @auth.doc(operationId="refreshTokens")
    @requires(refresh=True)
    @auth.response(200, TokenPairSchema)
    def post(self):
        """Exchange the refresh token for new tokens

        Send the refresh token as the bearer token. It is good once: the response holds
        its replacement. Presenting an already-used refresh token ends the session.
        """
        claims = get_jwt()
        return service.refresh(
            account=current_account(), session_id=g.auth_session_id, presented_jti=claims["jti"]
        )


@auth.route("/logout")
class Logout(MethodView):
    @auth.doc(operationId="logout")
    @requires()
    @auth.response(204)
    def post(self):
        """Sign out: end this session and every token of it

        Ends the session the access token belongs to: its access and refresh tokens stop
        working. Other devices stay signed in.
        """
        service.log_out(session_id=g.auth_session_id)


@auth.route("/password")
class Password(MethodView):
    @auth.doc(operationId="changePassword")
    @requires()
    @auth.arguments(PasswordChangeSchema)
    @auth.response(200, TokenPairSchema)
    def post(self, data):
        """Change your password

        Ends every session of the account, on every device, and returns the tokens of a
        new session for this one.
        """
        return service.change_password(
            account=current_account(),
            current_password=data["current_password"],
            new_password=data["new_password"],
        )


@accounts.route("/me")
class Me(MethodView):
    @accounts.doc(operationId="getMe")
    @requires()
    @accounts.response(200, AccountSchema, example=SIGNED_IN_ACCOUNT)
    def get(self):
        """Your own account

        The signed-in account: its id, email, role, scheme and when it last signed in.
        """
        return current_account()

    @accounts.doc(operationId="updateMe")
    @requires()
    @accounts.arguments(AccountChangeSchema)
    @accounts.response(200, AccountSchema)
    def patch(self, data):
        """Change your language, and a coordinator their name and work phone

        `language` is what you are written to in: notifications, emails, text messages and the
        printed agreement (`en` English, `cy` Welsh); API error messages stay English. A
        coordinator also sets `display_name` and `work_phone`, which their people see in
        `GET /me/coordinator` (422 for anyone else). Sending the same again changes nothing. Audited.
        """
        return service.change_account(actor=current_account(), account=current_account(), changes=data)


@accounts.route("/accounts/<uuid:account_id>")
class AccountDetail(MethodView):
    @accounts.doc(operationId="updateAccount")
    @requires(*STAFF_ROLES)
    @accounts.arguments(AccountChangeSchema)
    @accounts.response(200, AccountSchema)
    @documents_errors(404)
    def patch(self, data, account: Account):
        """Change an account's language, or a coordinator's name and work phone (staff; audited)

        A coordinator sets the language of a person or representative of their scheme (as the
        person told them), and their own details; another coordinator's name and phone only
        they or an admin set (403). An admin changes any account. `display_name` and
        `work_phone` belong to coordinators' accounts only (422 for others). Audited.
        """
        return service.change_account(actor=current_account(), account=account, changes=data)


@accounts.route("/me/sms")
class MySms(MethodView):
    @accounts.doc(operationId="setMySmsOptIn")
    @requires()
    @accounts.arguments(SmsOptInSchema)
    @accounts.response(200, SmsOptInStateSchema)
    def put(self, data):
        """Say whether you get notifications by text message too

        `true` sends your notifications to your profile's mobile number as well, where the
        service sends text messages; `false` stops them. No until you say yes. Audited.
        """
        return service.set_sms_opt_in(actor=current_account(), account=current_account(), opt_in=data["sms_opt_in"])


@accounts.route("/people/<uuid:person_id>/sms")
class PersonSms(MethodView):
    @accounts.doc(operationId="setPersonSmsOptIn")
    @requires(Role.COORDINATOR)
    @accounts.arguments(SmsOptInSchema)
    @accounts.response(200, SmsOptInStateSchema)
    @documents_errors(404, 409)
    def put(self, data, person: Account):
        """Say whether a person without a login gets text messages (their coordinator; audited)

        For a person without a login, as they told their coordinator. A person with a login
        says it themselves (`PUT /me/sms`): 409 `has-login`. Audited.
        """
        return service.set_sms_opt_in(actor=current_account(), account=person, opt_in=data["sms_opt_in"])


@accounts.route("/schemes/<uuid:scheme_id>/coordinators")
class Coordinators(MethodView):
    @accounts.doc(operationId="createCoordinator")
    @requires(*STAFF_ROLES)
    @accounts.arguments(CoordinatorCreateSchema)
    @accounts.response(201, AccountSchema)
    @accounts.alt_response(200, schema=AccountSchema, description="The same request, repeated.", success=True)
    @documents_errors(404, 409)
    def post(self, data, scheme: Scheme):
        """Create a coordinator of a scheme (its coordinators, or an admin)

        For the scheme's coordinators and admins. Repeating the same request returns the account
        it made (200); any other use of a taken email is 409.
        """
        result = service.create_coordinator(
            scheme=scheme, email=data["email"], password=data["password"]
        )
        return result.account, 201 if result.created else 200


@accounts.route("/schemes/<uuid:scheme_id>/accounts")
class SchemeAccounts(MethodView):
    @accounts.doc(operationId="listSchemeAccounts")
    @requires(*STAFF_ROLES)
    @accounts.arguments(AccountListQuerySchema, location="query")
    @accounts.response(200, page_of(AccountSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """List the accounts of a scheme (its coordinators, or an admin)

        For the scheme's coordinators and admins, filtered by role and by whether the account is
        active.
        """
        return service.list_accounts(
            scheme_id=scheme.id,
            role=query.get("role"),
            is_active=query.get("is_active"),
            page=query["page"],
            per_page=query["per_page"],
        )


@accounts.route("/accounts/<uuid:account_id>/deactivate")
class Deactivate(MethodView):
    @accounts.doc(operationId="deactivateAccount")
    @requires(*STAFF_ROLES)
    @accounts.arguments(DeactivationSchema, required=False)
    @accounts.response(200, AccountSchema)
    @documents_errors(404, 409)
    def post(self, data, account: Account):
        """Deactivate an account: its tokens stop working at once

        The account's sessions end and its tokens are refused from the next request; its records
        are kept. Audited.
        """
        return service.set_active(actor=current_account(), account=account, active=False,
                                  reason=(data or {}).get("reason"), reason_code=(data or {}).get("reason_code"))


@accounts.route("/accounts/<uuid:account_id>/reactivate")
class Reactivate(MethodView):
    @accounts.doc(operationId="reactivateAccount")
    @requires(*STAFF_ROLES)
    @accounts.response(200, AccountSchema)
    @documents_errors(404, 409)
    def post(self, account: Account):
        """Reactivate an account; its owner signs in again

        Undoes a deactivation; the account's owner signs in again with their password. Audited.
        """
        return service.set_active(actor=current_account(), account=account, active=True)


@accounts.route("/accounts/<uuid:account_id>/access-reset")
class AccessReset(MethodView):
    @accounts.doc(operationId="resetAccountAccess")
    @requires(*STAFF_ROLES)
    @accounts.response(200, AccessResetSchema)
    @documents_errors(404, 409)
    def post(self, account: Account):
        """Reset a person's access: end their sessions and set a one-time temporary password

        Ends every session of the account and gives it a temporary password, in this response
        only, for the coordinator to pass on; the person should change it at once
        (changePassword). A locked sign-in opens again. Nobody resets their own access (409).
        """
        return {"temporary_password": service.reset_access(actor=current_account(), account=account)}


@accounts.route("/accounts/<uuid:account_id>/invitations")
class Invitations(MethodView):
    @accounts.doc(operationId="createInvitation")
    @requires(Role.COORDINATOR)
    @accounts.arguments(InvitationCreateSchema)
    @accounts.response(201, InvitationSchema)
    @documents_errors(404, 409)
    def post(self, data, account: Account):
        """Invite a person who has no login to get one (coordinators)

        For a householder, sharer or representative of your scheme whom a coordinator added
        without a login. The answer holds the code, this once: hand it over by phone or letter,
        or send it by email too (`channel` `email`, with the address). The person claims it in
        the app (claimInvitation) and keeps the same record. Valid for the scheme's
        `invitation_days`; a new invitation replaces the account's earlier ones. 409 when the
        account has a login already (`has-login`), is staff (`not-invitable`) or is closed
        (`account-inactive`). Audited.
        """
        return service.invite(actor=current_account(), account=account, channel=data["channel"],
                              email=data.get("email"))
