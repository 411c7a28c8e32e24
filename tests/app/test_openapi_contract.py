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


def test_openapi_python_client_generates_a_client_without_warnings(tmp_path):
    """The Python client generator reads the description without a warning, and what it
    writes holds no name that hides another (a schema called ``Response`` once shadowed the
    client's own ``Response`` type)."""
    tools = Path(sys.executable).parent
    environment = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = tmp_path / "client"
    result = subprocess.run(
        [tools / "openapi-python-client", "generate", "--path", PROJECT_ROOT / "openapi.yaml",
         "--output-path", generated, "--meta", "none"],
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
