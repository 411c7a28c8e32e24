"""One error shape for every error: RFC 9457 problem details.

Every error response, whoever raises it (our services, Flask and Werkzeug, webargs'
validation, flask-jwt-extended, the database, an unexpected bug) is rendered by
``problem_response`` as ``application/problem+json``::

    {"type": "urn:homeshare:problem:validation-error", "title": "Unprocessable Content",
     "status": 422, "detail": "...", "request_id": "...", "errors": {"field": ["..."]}}

``type`` is a stable, machine-readable URN that clients may switch on; ``errors`` is
present for validation failures only and maps each field to its messages.

This module is the shape and the errors services raise; ``homeshare.common.error_handlers``
turns every other exception into the same shape.
"""

from __future__ import annotations

import http
from typing import Any, Mapping

import marshmallow as ma
from flask import Response, g, json

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:homeshare:problem:"
STALE_DETAIL = "This was changed since you read it. Read it again, then reapply your change."


class ProblemSchema(ma.Schema):
    """Problem details (RFC 9457). Documentation only: errors are rendered by hand."""

    type = ma.fields.String(
        required=True,
        metadata={"description": "Stable identifier of the kind of problem, `urn:homeshare:problem:<kind>`."},
    )
    title = ma.fields.String(required=True, metadata={"description": "Short summary of the kind of problem."})
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request, for people.",
                                        "absent_when": "the title says it all"})
    request_id = ma.fields.String(
        required=True, metadata={"description": "Identifier of the request, also in the server's logs."}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Validation messages by field name.",
                  "absent_when": "the problem is not a validation error"},
    )
    state = ma.fields.String(metadata={"description": "For an illegal match transition: the match's state.",
                                       "absent_when": "the problem is not an illegal match transition"})
    allowed_transitions = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "For an illegal match transition: what the match allows from its state.",
                  "absent_when": "the problem is not an illegal match transition"},
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


class Gone(ApiError):
    """What was asked for existed and is no longer usable (410): a used or expired invitation."""

    status = 410
    kind = "gone"


class ValidationFailed(ApiError):
    """A rule about the submitted values failed (422), reported per field."""

    status = 422
    kind = "validation-error"

    def __init__(self, errors: Mapping[str, Any], detail: str = "The request has invalid values."):
        super().__init__(detail, errors=errors)


class MalformedJson(ApiError):
    """The body is not JSON that can be read (400)."""

    status = 400
    kind = "malformed-json"


class UnstorableText(ApiError):
    """The body holds text no database can store: a NUL character or an unpaired surrogate (400)."""

    status = 400
    kind = "unstorable-text"
