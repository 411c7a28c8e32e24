"""No import of the project hides inside a function.

The layers are import-linter contracts in pyproject.toml, which `make test` checks before the
tests (docs/architecture.md explains them). An import inside a function is how a cycle between
layers hides from a reader, so only the wiring (the app factory and the CLI, which import every
package) may do it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from tests.helpers import PROJECT_ROOT

ROOT = PROJECT_ROOT
PACKAGE = ROOT / "homeshare"
WIRING = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}


def local_imports(path: Path, root: Path) -> list[str]:
    """``file:line module`` for each import of a homeshare module inside a function of ``path``."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else ["homeshare (relative import)"]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [f"{path.relative_to(root)}:{node.lineno} {name}" for name in names if name.startswith("homeshare")]
    return found


def test_no_import_of_the_project_hides_inside_a_function():
    hidden = [line for path in sorted(PACKAGE.rglob("*.py")) if path not in WIRING for line in local_imports(path, ROOT)]
    assert hidden == []


def test_a_hidden_import_is_seen(tmp_path):
    module = tmp_path / "service.py"
    module.write_text("import json\n\n\ndef f():\n    import os\n    from homeshare.matching import models\n"
                      "    import homeshare.hours.weeks\n    return models, os, json\n")
    assert local_imports(module, tmp_path) == ["service.py:6 homeshare.matching", "service.py:7 homeshare.hours.weeks"]
