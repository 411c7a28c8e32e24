"""A fixed-rate (open-loop) load generator: latency at a steady request rate.

wrk measures the most a server can do (each connection sends its next request when the
last one answered). To read latency at a given rate, requests must leave on a fixed
schedule whatever the server does, and each latency must count from the moment its
request was due, not from when it was sent: otherwise a stalled server simply receives
fewer requests and its stall never shows in the figures ("coordinated omission"; wrk2
corrects for it the same way, but is not packaged by Debian).

Requests come from the same file as the wrk script (``bench/wrk/requests.lua``), one a
line, ``METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY``, sent in turn over keep-alive connections.
Prints one JSON line: requests, errors, the rate reached and latency percentiles (ms).

    python -m bench.openloop --url http://127.0.0.1:8000 --requests requests.tsv --rate 200 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


def raw_requests(path: str, host: str) -> list[bytes]:
    found = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            method, target, token, body = line.rstrip("\n").split("\t", 3)
            headers = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
            if token:
                headers.append(f"Authorization: Bearer {token}")
            data = body.encode()
            if data:
                headers += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
            found.append(("\r\n".join(headers) + "\r\n\r\n").encode() + data)
    return found


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """The status of one response, read whole, and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() == "close"


async def run(url: str, requests: list[bytes], rate: float, duration: float, connections: int,
              timeout: float) -> dict:
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    failures = {"status": 0, "socket": 0, "timeout": 0}

    async def connection() -> None:
        reader = writer = None
        while True:
            item = await queue.get()
            if item is None:
                break
            due, raw = item
            try:
                try:
                    reused = writer is not None
                    if writer is None:
                        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    writer.write(raw)
                    status, closing = await asyncio.wait_for(read_response(reader), timeout)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    # A kept-alive connection the server closed while idle: send again on a new one.
                    if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                        raise
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    writer.write(raw)
                    status, closing = await asyncio.wait_for(read_response(reader), timeout)
            except asyncio.TimeoutError:
                failures["timeout"] += 1
                status, closing = None, True
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                failures["socket"] += 1
                status, closing = None, True
            if status is not None:
                latencies.append(loop.time() - due)
                if status >= 400:
                    failures["status"] += 1
            if closing and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    total = int(rate * duration)
    start = loop.time() + 0.05
    for number in range(total):
        due = start + number / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        queue.put_nowait((due, requests[number % len(requests)]))
    sent_by = loop.time()
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    finished = loop.time()
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2) if ordered else 0.0

    return {
        "rate": rate, "requests": total, "answered": len(ordered), "errors": sum(failures.values()),
        "failures": failures, "reached_rate": round(total / max(finished - start, 1e-9), 1),
        "schedule_lag_ms": round(max(0.0, sent_by - (start + (total - 1) / rate)) * 1000, 1),
        "p50_ms": percentile(0.50), "p90_ms": percentile(0.90), "p99_ms": percentile(0.99),
        "max_ms": percentile(1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="http://host:port")
    parser.add_argument("--requests", required=True, help="the requests file")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32, help="most requests in flight at once")
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    host = urlsplit(args.url).netloc
    started = time.perf_counter()
    result = asyncio.run(run(args.url, raw_requests(args.requests, host), args.rate, args.duration,
                             args.connections, args.timeout))
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print("OPENLOOP_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
