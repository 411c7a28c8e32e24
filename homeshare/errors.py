"""One error shape for every error: RFC 9457 problem details.

Every error response, whoever raises it (our services, Flask and Werkzeug, webargs'
validation, flask-jwt-extended, the database, an unexpected bug) is rendered by
``problem_response`` as ``application/problem+json``::

    {"type": "urn:homeshare:problem:validation-error", "title": "Unprocessable Content",
     "status": 422, "detail": "...", "request_id": "...", "errors": {"field": ["..."]}}

``type`` is a stable, machine-readable URN that clients may switch on; ``errors`` is
present for validation failures only and maps each field to its messages.
"""

from __future__ import annotations

import http
import logging
from typing import Any, Mapping

import marshmallow as ma
from flask import Flask, Response, g, json
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from homeshare.extensions import PROBLEM_CONTENT_TYPE, db

log = logging.getLogger("homeshare.errors")

TYPE_PREFIX = "urn:homeshare:problem:"
DATABASE_RETRY_AFTER_SECONDS = 5
STALE_DETAIL = "This was changed since you read it. Read it again, then reapply your change."


class ProblemSchema(ma.Schema):
    """Problem details (RFC 9457). Documentation only: errors are rendered by hand."""

    type = ma.fields.String(
        required=True,
        metadata={"description": "Stable identifier of the kind of problem, `urn:homeshare:problem:<kind>`."},
    )
    title = ma.fields.String(required=True, metadata={"description": "Short summary of the kind of problem."})
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request, for people."})
    request_id = ma.fields.String(
        required=True, metadata={"description": "Identifier of the request, also in the server's logs."}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Validation messages by field name (validation errors only)."},
    )
    state = ma.fields.String(metadata={"description": "For an illegal match transition: the match's state."})
    allowed_transitions = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "For an illegal match transition: what the match allows from its state."},
    )


def _slug(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    title: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """Render one problem-details response. The only place an error body is made.

    ``extensions`` adds members particular to a kind of problem (RFC 9457, section 3.2).
    """
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + (kind or _slug(status)),
        "title": title or phrase,
        "status": status,
        "request_id": g.get("request_id", ""),
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = dict(errors)
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiError(Exception):
    """An error the API reports to its client. Services raise these; handlers render them."""

    status = 400
    kind: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.kind = kind or self.kind
        self.errors = errors
        self.headers = headers
        self.extensions = extensions

    def to_response(self) -> Response:
        return problem_response(
            self.status, self.detail, kind=self.kind, errors=self.errors, headers=self.headers,
            extensions=self.extensions,
        )


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401
    kind = "unauthorized"

    def __init__(self, detail: str, **kwargs: Any):
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(ApiError):
    status = 403
    kind = "forbidden"


class NotFound(ApiError):
    status = 404
    kind = "not-found"


class Conflict(ApiError):
    status = 409
    kind = "conflict"


class ValidationFailed(ApiError):
    """A rule about the submitted values failed (422), reported per field."""

    status = 422
    kind = "validation-error"

    def __init__(self, errors: Mapping[str, Any], detail: str = "The request has invalid values."):
        super().__init__(detail, errors=errors)


def _validation_errors(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """webargs namespaces messages by location ({"json": {...}}); clients want fields."""
    messages = data.get("messages") or {}
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, Mapping):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat or None


def handle_api_error(error: ApiError) -> Response:
    return error.to_response()


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    headers = dict(data.get("headers") or {})
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 400 and data.get("messages", {}).get("json") == ["Invalid JSON body."]:
        return problem_response(400, "The request body is not valid JSON.", kind="malformed-json")
    if status == 400 and data.get("messages", {}).get("json") == ["Unstorable text."]:
        return problem_response(
            400, "The request body holds text that cannot be stored (a NUL character or an unpaired surrogate).",
            kind="unstorable-text",
        )
    if status == 422:
        return problem_response(
            422,
            "The request has invalid values.",
            kind="validation-error",
            errors=_validation_errors(data),
            headers=headers,
        )
    detail = data.get("message") or _HTTP_DETAILS.get(status) or error.description
    return problem_response(status, detail, headers=headers)


_HTTP_DETAILS = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is larger than this service accepts.",
    415: "Request bodies must be JSON, sent with Content-Type: application/json.",
}


def handle_integrity_error(error: IntegrityError) -> Response:
    db.session.rollback()
    log.warning("integrity error: %s", error.orig.__class__.__name__)
    return problem_response(409, "The change conflicts with data already stored.", kind="conflict")


def handle_data_error(error: DataError) -> Response:
    """A value the database refuses (a safety net: schemas should refuse it first)."""
    db.session.rollback()
    log.warning("data error: %s", error.orig.__class__.__name__)
    return problem_response(422, "A value is outside what can be stored.", kind="validation-error")


def handle_database_unavailable(error: DBAPIError) -> Response:
    db.session.rollback()
    log.error("database unavailable: %s", error.orig.__class__.__name__)
    return problem_response(
        503,
        "The service cannot reach its database just now. Please try again shortly.",
        kind="database-unavailable",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def handle_stale_data(error: StaleDataError) -> Response:
    """A conditional write lost a race with another writer: nothing of it was stored."""
    db.session.rollback()
    return problem_response(409, STALE_DETAIL, kind="concurrent-change")


def handle_unexpected(error: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error")
    return problem_response(500, "Something went wrong on our side. It has been logged.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(Exception, handle_unexpected)
