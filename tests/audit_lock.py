"""``python -m tests.audit_lock``: pip-audit over requirements.lock, as ``make test`` runs it.

A known vulnerability in a locked version fails. When the vulnerability service cannot be
reached, or cannot tell about a package (it does not know it), that is reported, loudly, and
does not fail: the audit needs the network, and a build is not the place to learn the
network is down. The report names the packages left unaudited.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps", "--progress-spinner", "off",
               "--format", "json", "--requirement", str(LOCK)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit: NOT AUDITED: the vulnerability service did not answer ({last})")
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
                        for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {ids}")
    skipped = [d for d in dependencies if "skip_reason" in d]
    if skipped:
        names = ", ".join(f"{d['name']} {d.get('version', '')}".strip() for d in skipped)
        print(f"pip-audit: NOT AUDITED: {len(skipped)} of {len(dependencies)} locked packages, which the "
              f"vulnerability service could not tell about: {names}")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} locked packages with known vulnerabilities: upgrade them, then make lock")
        return 1
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} locked packages audited, no known vulnerability" if audited
          else "pip-audit: nothing audited (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
