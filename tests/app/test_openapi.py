"""The committed openapi.yaml is exactly what the code generates, and it is a valid spec."""

from __future__ import annotations

import re

import yaml
from openapi_spec_validator import validate

from homeshare.openapi import render_openapi_yaml
from tests.helpers import PROJECT_ROOT

SPEC_PATH = PROJECT_ROOT / "openapi.yaml"
PUBLIC_OPERATIONS = {
    ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/password-reset"), ("post", "/api/v1/auth/password-reset/confirmation"),
    ("post", "/api/v1/auth/invitation"),
    ("get", "/healthz"), ("get", "/readyz"), ("get", "/api/v1/tasks"),
    ("post", "/api/v1/schemes/by-slug/{slug}/enquiries"), ("get", "/api/v1/calendar/{secret}.ics"),
}


def test_committed_spec_is_up_to_date(app):
    generated = render_openapi_yaml(app)
    committed = SPEC_PATH.read_text() if SPEC_PATH.exists() else ""
    assert committed == generated, "openapi.yaml is stale: run `make openapi` and commit the result"


def test_spec_is_valid_and_describes_every_operation(app):
    spec = yaml.safe_load(render_openapi_yaml(app))
    validate(spec)
    rules = {
        (method.lower(), rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint != "static" and not rule.endpoint.startswith("api-docs")
    }
    documented = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            documented.add((method, path))
            assert operation.get("summary"), (method, path)
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            assert "default" in responses, (method, path)
            if (method, path) in PUBLIC_OPERATIONS:
                assert operation["security"] == [], (method, path)
            else:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
                assert "401" in responses, (method, path)
            if "requestBody" in operation:
                assert "422" in responses, (method, path)
    flask_paths = {(m, _openapi_path(rule)) for m, rule in rules}
    assert flask_paths == documented


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_errors_are_documented_as_problem_details(app):
    spec = yaml.safe_load(render_openapi_yaml(app))
    content = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(content) == ["application/problem+json"]
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "request_id"} <= set(problem["required"])
