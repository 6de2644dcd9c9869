"""A closed-loop HTTP/1.1 load generator: N keep-alive connections, one request in flight each.

Raw asyncio streams on uvloop rather than an HTTP client library, so the generator's own cost
per request stays small next to the server's and both servers are measured the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import uvloop

RequestFactory = Callable[[int], bytes]


@dataclass
class LoadResult:
    requests: int = 0
    elapsed: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


def build_request(
    method: str, path: str, host: str, headers: dict[str, str], body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str,
    port: int,
    *,
    factory: RequestFactory,
    counter: list[int],
    deadline: float,
    warmup_until: float,
    result: LoadResult,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            now = time.perf_counter()
            if now >= deadline:
                return
            counter[0] += 1
            request = factory(counter[0])
            start = time.perf_counter()
            writer.write(request)
            try:
                status = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            end = time.perf_counter()
            if start >= warmup_until:
                result.requests += 1
                result.statuses[status] += 1
                result.latencies.append(end - start)
    finally:
        writer.close()


async def _run(
    host: str,
    port: int,
    factory: RequestFactory,
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
) -> LoadResult:
    result = LoadResult()
    counter = [0]
    start = time.perf_counter()
    warmup_until = start + warmup
    deadline = warmup_until + seconds
    await asyncio.gather(
        *(
            _worker(
                host,
                port,
                factory=factory,
                counter=counter,
                deadline=deadline,
                warmup_until=warmup_until,
                result=result,
            )
            for _ in range(concurrency)
        )
    )
    result.elapsed = time.perf_counter() - warmup_until
    return result


def run_load(
    host: str,
    port: int,
    factory: RequestFactory,
    *,
    concurrency: int,
    seconds: float = 3.0,
    warmup: float = 0.5,
) -> LoadResult:
    """Run `concurrency` connections for `seconds` (after `warmup`); bounded by time, not count."""
    return uvloop.run(
        _run(host, port, factory, concurrency=concurrency, seconds=seconds, warmup=warmup)
    )
