"""CPU a request of the same endpoints in two versions of the code, measured side by side.

    git worktree add /tmp/before <commit>                  # the version to compare with
    .venv/bin/python -m bench.compare --before /tmp/before  # this tree is the one after

Also: ``--people``, ``--rounds``, ``--only NAME`` (any of ``bench.load``'s endpoints whose name
holds it; without it, the single-object reads and the inbox).

On a shared machine the CPU a request takes drifts by a fifth and more from one minute to the
next, more than most changes gain, so runs made one after the other compare badly. Here both
versions are measured at once: two processes, one per tree, alive side by side on the same
seeded PostgreSQL database, take turns, one pass of one endpoint at a time (which of them goes
first alternates each round). Each figure is a request's CPU in process (the test client
included, this thread's time: waits on PostgreSQL do not count), the best of the rounds'
passes, with their median; each process measures the bare Flask view too, and its multiples
are of its own bare view.

The database is seeded and the tokens signed by this tree's code (``bench.load``), so both
versions must read the same schema. The other tree is imported in its own process from its own
folder, ``homeshare`` and ``bench`` alike: it needs ``bench.load.production_app``, ``send`` and
``bench.bare`` (there since 2 December 2026).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BARE = "bare Flask"
ENDPOINTS = ("GET /me", "GET /me/profile", "GET /me/matches/{id}", "GET /me/notifications")
PASS_SECONDS = 1.0


def worker(spec_path: str) -> None:
    """One tree's side: answer each line ``<endpoint>\\t<requests>`` on stdin with the CPU of
    one request of that pass, in ms."""
    spec = json.loads(Path(spec_path).read_text())
    tree = Path.cwd().resolve()
    from bench import bare, load
    import homeshare

    for module in (homeshare, load):
        if not Path(module.__file__).resolve().is_relative_to(tree):
            raise SystemExit(f"{module.__name__} came from {module.__file__}, not from {tree}")
    os.environ["HOMESHARE_DATABASE_URL"] = spec["url"]
    app = load.production_app(spec["url"], spec["secret"], spec["instance"])
    clients = {BARE: (bare.app.test_client(), ["GET\t/bare\t\t"])}
    clients.update({name: (app.test_client(), lines) for name, lines in spec["lines"].items()})
    for client, lines in clients.values():
        for n in range(50):
            load.send(client, lines[n % len(lines)])
    gc.collect()
    gc.freeze()  # as wsgi.py does in each worker
    print("ready", flush=True)
    for line in sys.stdin:
        name, count = line.rstrip("\n").split("\t")
        client, lines = clients[name]
        started = time.thread_time()
        for n in range(int(count)):
            load.send(client, lines[n % len(lines)])
        print((time.thread_time() - started) / int(count) * 1000, flush=True)


class Side:
    def __init__(self, tree: Path, spec: Path):
        environment = {**os.environ, "PYTHONPATH": str(tree)}
        self.tree = tree
        # -P: the script's folder is not put on the path, so this tree's bench/ files are not
        # importable as top-level modules in the other tree's process.
        self.process = subprocess.Popen([sys.executable, "-P", str(Path(__file__).resolve()), "--worker", str(spec)],
                                        cwd=tree, env=environment, text=True, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the process of {tree} did not start")

    def run(self, name: str, requests: int) -> float:
        self.process.stdin.write(f"{name}\t{requests}\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def stop(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--before", type=Path, help="the tree of the version to compare with")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--only", help="measure the endpoints of bench.load whose name holds this")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.before is None or not (args.before / "homeshare").is_dir():
        raise SystemExit("--before: the folder of a checkout of the service (git worktree add /tmp/before <commit>)")
    from bench import load

    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; before {args.before.resolve()}, after {HERE}", flush=True)
    with load.fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as instance:
        secret = secrets.token_urlsafe(48)
        app = load.bench_app(url, instance, SECRET_KEY=secret, HOMESHARE_ACCESS_TOKEN_MINUTES=120)
        with app.app_context():
            from homeshare.extensions import db

            seeded = load.seed(app, args.people, random.Random(23))
            db.session.remove()
        measured, _login = load.endpoints(seeded)
        chosen = [e.name for e in measured if args.only in e.name] if args.only else list(ENDPOINTS)
        if not chosen:
            raise SystemExit(f"no endpoint's name holds {args.only!r}: {', '.join(e.name for e in measured)}")
        lines = {endpoint.name: endpoint.lines for endpoint in measured if endpoint.name in chosen}
        spec = Path(instance) / "compare.json"
        spec.write_text(json.dumps({"url": url, "secret": secret, "instance": instance, "lines": lines}))
        sides: list[Side] = []
        try:
            for tree in (args.before.resolve(), HERE):
                sides.append(Side(tree, spec))
            figures = compare(sides, [BARE, *chosen], args.rounds)
        finally:
            for side in sides:
                side.stop()
    report(figures, [BARE, *chosen], args.rounds)


def compare(sides: list[Side], names: list[str], rounds: int) -> dict[tuple[int, str], list[float]]:
    """Each round, for each side in turn (the first alternating), one pass of each endpoint, of
    about ``PASS_SECONDS`` (counted from the first round's pass of the side after)."""
    figures: dict[tuple[int, str], list[float]] = {(index, name): [] for index in range(len(sides)) for name in names}
    sizes = {name: max(20, int(PASS_SECONDS / (sides[1].run(name, 20) / 1000))) for name in names}
    for round_ in range(rounds):
        order = range(len(sides)) if round_ % 2 == 0 else reversed(range(len(sides)))
        for index in order:
            for name in names:
                figures[(index, name)].append(sides[index].run(name, sizes[name]))
    return figures


def report(figures: dict[tuple[int, str], list[float]], names: list[str], rounds: int) -> None:
    print(f"CPU a request in process, the best of {rounds} passes (their median); the multiple is of the bare "
          f"view in the same process; load average {' '.join(f'{n:.2f}' for n in os.getloadavg())} after")
    print()
    print("| endpoint | before | after | after / before, best (median) |")
    print("| --- | --- | --- | --- |")
    bare = [min(figures[(index, BARE)]) for index in range(2)]
    for name in names:
        best = [min(figures[(index, name)]) for index in range(2)]
        median = [statistics.median(figures[(index, name)]) for index in range(2)]
        cells = [f"{best[index]:.3f} ms ({median[index]:.3f})"
                 + ("" if name == BARE else f", {best[index] / bare[index]:.1f} times the bare view's")
                 for index in range(2)]
        print(f"| {name} | {cells[0]} | {cells[1]} | {best[1] / best[0]:.2f} ({median[1] / median[0]:.2f}) |")


if __name__ == "__main__":
    main()
