"""openapi.yaml as client generators read it: the rules that keep generated SDKs pleasant.

The committed file is what the code generates (``test_openapi.py``), so these tests read it
without an application. The tools themselves (Redocly, openapi-python-client, openapi-typescript
and tsc) run in ``make contract``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.helpers import PROJECT_ROOT

SPEC = yaml.safe_load((PROJECT_ROOT / "openapi.yaml").read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
OPERATIONS = [
    (method, path, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS
]
# Short verb-noun camelCase: what an SDK method is called.
OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")


def test_every_operation_has_a_unique_short_camel_case_id():
    ids = [operation.get("operationId") for _, _, operation in OPERATIONS]
    missing = [(method, path) for method, path, operation in OPERATIONS if not operation.get("operationId")]
    assert missing == []
    assert [name for name, count in Counter(ids).items() if count > 1] == []
    badly_spelt = [name for name in ids if not OPERATION_ID.fullmatch(name) or len(name) > 40]
    assert badly_spelt == []


@pytest.mark.parametrize("name, operation_id", [
    (("post", "/api/v1/auth/register"), "register"),
    (("post", "/api/v1/auth/login"), "login"),
    (("get", "/api/v1/me"), "getMe"),
    (("patch", "/api/v1/me/profile"), "updateMyProfile"),
    (("get", "/api/v1/me/matches"), "listMyMatches"),
    (("get", "/api/v1/schemes/{scheme_id}/people"), "listSchemePeople"),
])
def test_the_main_flows_keep_their_sdk_names(name, operation_id):
    method, path = name
    assert SPEC["paths"][path][method]["operationId"] == operation_id


SCHEMAS = SPEC["components"]["schemas"]
ABSENT_WHEN = "Absent when "
# Names that clash with a type of a client language or of a generated client's runtime.
RESERVED_NAMES = {
    "Any", "Array", "Boolean", "Class", "Client", "Data", "Date", "Enum", "Error", "Exception", "Function",
    "Integer", "List", "Map", "Number", "Object", "Promise", "Record", "Request", "Response", "Result", "Set",
    "String", "Symbol", "Type", "Types", "Unit", "Unset",
}


def _walk(node):
    """Every schema object inside ``node`` (itself included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _references(node) -> set[str]:
    return {found["$ref"].rsplit("/", 1)[-1] for found in _walk(node) if isinstance(found.get("$ref"), str)}


def _reachable(names: set[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in SCHEMAS and name not in seen:
            seen.add(name)
            pending.extend(_references(SCHEMAS[name]))
    return seen


RESPONSE_SCHEMAS = _reachable(
    _references([operation["responses"] for _, _, operation in OPERATIONS])
    | _references(SPEC["components"].get("responses", {}))
)
REQUEST_SCHEMAS = _reachable(_references([operation.get("requestBody", {}) for _, _, operation in OPERATIONS]))


def test_response_properties_are_always_there_unless_they_say_when_not():
    """Response bodies are dumped from objects that carry every field: each property is
    required (null where it has no value, saying ``nullable``), or says when it is absent."""
    assert "Account" in RESPONSE_SCHEMAS and "Problem" in RESPONSE_SCHEMAS
    undocumented = []
    for name in sorted(RESPONSE_SCHEMAS):
        for schema in _walk(SCHEMAS[name]):
            required = set(schema.get("required", ()))
            for field, value in (schema.get("properties") or {}).items():
                if field not in required and ABSENT_WHEN not in value.get("description", ""):
                    undocumented.append(f"{name}.{field}")
    assert undocumented == []


def test_no_schema_is_both_a_request_and_a_response_body():
    """What a response always holds, a request may leave out: one schema cannot say both."""
    assert REQUEST_SCHEMAS and RESPONSE_SCHEMAS
    assert REQUEST_SCHEMAS & RESPONSE_SCHEMAS == set()


def test_nullable_references_are_the_object_or_null():
    null_only = {"type": "object", "nullable": True, "enum": [None]}
    for schema in _walk(SCHEMAS):
        if "nullable" in schema:
            assert "type" in schema, schema
        for branches in (schema.get("anyOf"), schema.get("oneOf")):
            if branches:
                for branch in branches:
                    # No anonymous object beside a reference: only the object, or null.
                    assert "$ref" in branch or branch == null_only, schema
        if "allOf" in schema:
            assert "nullable" not in schema, schema


def test_enums_say_their_type_and_nullable_ones_list_null():
    enums = [schema for schema in _walk(SPEC) if isinstance(schema.get("enum"), list)]
    assert len(enums) > 50
    for schema in enums:
        assert "type" in schema, schema
        assert (None in schema["enum"]) == bool(schema.get("nullable")), schema


def test_no_schema_takes_a_reserved_name():
    assert set(SCHEMAS) & RESERVED_NAMES == set()
    assert "MatchResponse" in SCHEMAS


def test_servers_and_who_may_call_each_operation():
    assert SPEC["servers"] == [{"url": "/", "description": "The service that serves this description."}]
    public = {(method, path) for method, path, operation in OPERATIONS if operation["security"] == []}
    assert public == {
        ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/password-reset"), ("post", "/api/v1/auth/password-reset/confirmation"),
        ("post", "/api/v1/auth/invitation"),
        ("get", "/healthz"), ("get", "/readyz"), ("get", "/api/v1/tasks"),
        ("post", "/api/v1/schemes/by-slug/{slug}/enquiries"), ("get", "/api/v1/calendar/{secret}.ics"),
    }
    for method, path, operation in OPERATIONS:
        if (method, path) not in public:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)


def test_every_operation_has_a_description():
    assert [operation["operationId"] for _, _, operation in OPERATIONS if not operation.get("description")] == []


def test_if_match_cannot_be_empty():
    headers = [parameter for _, _, operation in OPERATIONS for parameter in operation.get("parameters", ())
               if parameter.get("name") == "If-Match"]
    assert len(headers) >= 2
    for parameter in headers:
        assert parameter["required"] is True and parameter["schema"] == {"type": "string", "minLength": 1}


def test_operations_that_read_json_document_the_400_for_unreadable_bodies():
    described = SPEC["components"]["responses"]["BAD_REQUEST"]["description"]
    assert "malformed-json" in described and "unstorable-text" in described
    for method, path, operation in OPERATIONS:
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert operation["responses"]["400"] == {"$ref": "#/components/responses/BAD_REQUEST"}, (method, path)


@pytest.mark.parametrize("operation_id, request_example, response_status", [
    ("register", True, "202"),
    ("login", True, "200"),
    ("getMe", False, "200"),
    ("updateMyProfile", True, "200"),
    ("listMyMatches", False, "200"),
])
def test_the_main_flows_have_examples(operation_id, request_example, response_status):
    """Redocly (make contract) checks that each example matches its schema."""
    operation = next(operation for _, _, operation in OPERATIONS if operation["operationId"] == operation_id)
    if request_example:
        assert operation["requestBody"]["content"]["application/json"]["example"]
    assert operation["responses"][response_status]["content"]["application/json"]["example"]


def test_openapi_python_client_generates_a_client_without_warnings(tmp_path):
    """The Python client generator reads the description without a warning, and what it
    writes holds no name that hides another (a schema called ``Response`` once shadowed the
    client's own ``Response`` type)."""
    tools = Path(sys.executable).parent
    environment = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = tmp_path / "client"
    result = subprocess.run(
        [tools / "openapi-python-client", "generate", "--path", PROJECT_ROOT / "openapi.yaml",
         "--output-path", generated, "--meta", "none",
         "--config", PROJECT_ROOT / "contract" / "openapi-python-client.yaml"],
        capture_output=True, text=True, env=environment, check=False,
    )
    said = [line for line in (result.stdout + result.stderr).splitlines()
            if line.strip() and not line.startswith("Generating")]
    assert result.returncode == 0 and said == [], "\n".join(said)
    lint = subprocess.run(
        [tools / "ruff", "check", "--isolated", "--select", "F", "--output-format", "concise", generated],
        capture_output=True, text=True, env=environment, check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
