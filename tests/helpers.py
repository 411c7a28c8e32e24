"""Assertions and stubs shared by the tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


class PushGateway:
    """A local push gateway: records each push (its Idempotency-Key and body) and answers
    ``status``. ``arrived`` runs once a push is recorded, before it is answered."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                gateway.received.append((key, body))
                gateway.arrived(key)
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arrived(self, key: str) -> None:
        pass

    def close(self) -> None:
        self.server.shutdown()


def at_once(function, n: int) -> list:
    """Call ``function`` in ``n`` threads released together; their results, as they finish."""
    results, start = [], threading.Barrier(n)

    def run():
        start.wait()
        results.append(function())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
