"""Assertions shared by the tests."""

from __future__ import annotations


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    """The response is a problem-details error of ``status`` (and of ``kind``, if given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:homeshare:problem:")
    assert body["request_id"] == response.headers["X-Request-ID"]
    if kind:
        assert body["type"] == f"urn:homeshare:problem:{kind}", body
    return body
