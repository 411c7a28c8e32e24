"""Optimistic concurrency over HTTP: versions as ETags, writes conditional on If-Match.

A resource with a ``version`` column answers reads with ``ETag: "<version>"``; writes must
send ``If-Match`` with that value. Missing: 428. Different: 412, and nothing changes.
The write itself is also conditional in SQL (the mapper's ``version_id_col``), so two
writers that both passed the header check cannot both win.
"""

from __future__ import annotations

from homeshare.errors import STALE_DETAIL, ApiError


class PreconditionRequired(ApiError):
    status = 428
    kind = "precondition-required"


class PreconditionFailed(ApiError):
    status = 412
    kind = "stale-version"



IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
    "description": "The ETag of the version this change is based on.",
}
ETAG_HEADER = {"ETag": {"description": "The version of the resource.", "schema": {"type": "string"}}}


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(current_version: int, header: str | None) -> None:
    """Raise unless ``header`` (the value of a request's If-Match) names ``current_version``."""
    if not header:
        raise PreconditionRequired("Send If-Match with the ETag of the version you read.")
    candidates = {value.strip() for value in header.split(",")}
    if "*" not in candidates and etag(current_version) not in candidates:
        raise PreconditionFailed(STALE_DETAIL)
