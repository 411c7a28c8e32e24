"""What every API process loads: the libraries only a rare request needs are left to it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# SciPy (the pool suggestion, the measures' intervals) about 90 MB, matplotlib with Pillow (the
# report's charts) about 57 MB, fpdf2 with fontTools (printouts) about 45 MB: each worker holding
# them would be far over its 150 MB.
LEFT_TO_THEIR_REQUESTS = ("scipy", "matplotlib", "PIL", "fpdf", "fontTools")
# google-auth with requests (about 6 MB) fetches the push service's token: the sending does it.
LEFT_TO_THE_SENDING = ("google", "requests")
# Alembic and Flask-Migrate (about 12 MB) serve `flask db` only.
LEFT_TO_THE_COMMAND_LINE = ("alembic", "flask_migrate")


def _environment(tmp_path) -> dict[str, str]:
    return {**{name: value for name, value in os.environ.items() if not name.startswith("HOMESHARE_")},
            "HOMESHARE_SECRET_KEY": secrets.token_urlsafe(48), "HOMESHARE_INSTANCE_PATH": str(tmp_path),
            "HOMESHARE_DATABASE_URL": f"sqlite:///{tmp_path / 'memory.db'}", "FLASK_APP": "wsgi"}


def test_an_api_process_starts_without_the_libraries_of_rare_requests(tmp_path):
    env = _environment(tmp_path)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, wsgi; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    modules = set(loaded.stdout.split())
    assert "homeshare" in modules and "flask" in modules
    assert not modules & set(LEFT_TO_THEIR_REQUESTS + LEFT_TO_THE_SENDING + LEFT_TO_THE_COMMAND_LINE)


def test_the_command_line_still_migrates(tmp_path):
    env = _environment(tmp_path)
    upgraded = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    assert upgraded.returncode == 0, upgraded.stderr
    current = subprocess.run([sys.executable, "-m", "flask", "db", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
