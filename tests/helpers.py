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


class _Server(ThreadingHTTPServer):
    request_queue_size = 128


class LocalServer:
    """A local HTTP server on a free port, for a provider the app calls out to: each POST's
    ``answer(request, raw_body)`` gives the status, a JSON body (or None) and any headers."""

    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                status, body, headers = owner.answer(self, self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(status)
                data = b"" if body is None else json.dumps(body).encode()
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        # A claim's sends arrive at once (homeshare.notifications.service.IN_FLIGHT of them): the
        # server queues them all, as a real provider does.
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, request: BaseHTTPRequestHandler, raw: bytes) -> tuple[int, dict | None, dict]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class PushGateway(LocalServer):
    """A local push gateway: records each push (its Idempotency-Key and body) and answers
    ``status``. ``arrived`` runs once a push is recorded, before it is answered, with how many
    were recorded up to and with it (pushes sent together arrive on threads of their own)."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.status = 200
        self._recording = threading.Lock()
        super().__init__()
        self.url += "/push"

    def answer(self, request, raw):
        key = request.headers["Idempotency-Key"]
        with self._recording:
            self.received.append((key, json.loads(raw)))
            arrival = len(self.received)
        self.arrived(key, arrival)
        return self.status, None, {}

    def arrived(self, key: str, arrival: int) -> None:
        pass


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
