"""Sandbox throughput and latency vs Prism's mock server, and how the sandbox scales with data.

Printed, not asserted. Same bundle, same load generator (bench/loadgen.py) for both servers:
GET by id and POST create at concurrency 1 and 32; then, with 100,000 groups seeded by direct
SQL inserts, GET by id and a /v3/milestones page against the 100-group figures.
Prism is installed by this script (`npm ci --prefix bench`) when missing.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from bench.loadgen import LoadResult, build_request, run_load  # noqa: E402
from sandbox.process import stop  # noqa: E402
from sandbox.resources.materialized import materialize_missing  # noqa: E402
from sandbox.seed import DEMO  # noqa: E402

BUNDLE_YAML = ROOT / "generated" / "openapi.yaml"
PRISM = ROOT / "bench" / "node_modules" / ".bin" / "prism"
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
LARGE = int(os.environ.get("BENCH_GROUPS", "100000"))
HOST = "127.0.0.1"
AUTH = {"Authorization": DEMO.basic_header}
JSON_HEADERS = {**AUTH, "Content-Type": "application/json", "Accept": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1, headers=AUTH)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_sandbox(db: Path, reset: bool) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    args = [sys.executable, "-m", "sandbox", "--port", str(port), "--db", str(db)]
    process = subprocess.Popen(
        [*args, "--reset"] if reset else args,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wait_for(f"http://{HOST}:{port}/openapi.json", process)
    return process, port


def start_prism() -> tuple[subprocess.Popen[bytes], int] | None:
    if not PRISM.exists():
        print("==> installing Prism (npm ci --prefix bench)", flush=True)
        installed = subprocess.run(
            ["npm", "ci", "--prefix", str(ROOT / "bench"), "--no-audit", "--no-fund", "--silent"],
            check=False,
        )
        if installed.returncode != 0 or not PRISM.exists():
            print("Prism could not be installed: its columns are left empty")
            return None
    port = free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", HOST, "-p", str(port), "-v", "silent", str(BUNDLE_YAML)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://{HOST}:{port}/v3/targetGroups/channels", process)
    return process, port


def group_body(name: str) -> dict[str, object]:
    return {
        "name": name,
        "trackingType": "DEFAULT",
        "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
        "frequencyType": "MONTHLY",
        "frequency": 1,
        "totalPeriods": 2,
        "periods": [
            {"startDate": "2030-01-01", "endDate": "2030-01-31", "refCode": "Cycle_1"},
            {"startDate": "2030-02-01", "endDate": "2030-02-28", "refCode": "Cycle_2"},
        ],
        "targets": [
            {
                "name": "sales",
                "targetEntity": "TRANSACTION",
                "targetType": "SALES",
                "defaultValues": [{"defaultValue": 100}, {"defaultValue": 200}],
            }
        ],
    }


def get_factory(port: int, ids: list[int]) -> Callable[[int], bytes]:
    host = f"{HOST}:{port}"
    rng = random.Random(7)
    requests = [build_request("GET", f"/v3/targetGroups/{i}", host, AUTH) for i in ids]

    def pick(_: int) -> bytes:
        return requests[rng.randrange(len(requests))]

    return pick


def post_factory(port: int, tag: str) -> Callable[[int], bytes]:
    host = f"{HOST}:{port}"

    def make(n: int) -> bytes:
        body = json.dumps(group_body(f"bench {tag} {n}")).encode()
        return build_request("POST", "/v3/targetGroups", host, JSON_HEADERS, body)

    return make


def page_factory(port: int, offset: int) -> Callable[[int], bytes]:
    request = build_request(
        "GET", f"/v3/milestones?limit=10&offset={offset}", f"{HOST}:{port}", AUTH
    )
    return lambda _: request


def measure(port: int, factory: Callable[[int], bytes], concurrency: int) -> LoadResult:
    return run_load(HOST, port, factory, concurrency=concurrency, seconds=SECONDS)


def fill_to(port: int, total: int) -> list[int]:
    with httpx.Client(base_url=f"http://{HOST}:{port}", headers=AUTH) as client:
        have = client.get("/v3/milestones", params={"limit": 1000}).json()
        ids = [g["id"] for g in have["data"]]
        while len(ids) < total:
            created = client.post("/v3/targetGroups", json=group_body(f"fill {len(ids)}"))
            ids.append(created.json()["data"]["id"])
    return ids[:total]


def bulk_seed(db: Path, total: int) -> list[int]:
    """Copy one API-created group (with its periods, target and values) until `total` exist."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    org = DEMO.org_id
    template = con.execute(
        "SELECT * FROM target_groups WHERE org_id = ? AND name LIKE 'fill %' ORDER BY id LIMIT 1",
        (org,),
    ).fetchone()
    columns = [c[1] for c in con.execute("PRAGMA table_info(target_groups)")]
    tpl = dict(zip(columns, template, strict=True))
    periods = con.execute(
        "SELECT * FROM periods WHERE group_id = ? ORDER BY id", (tpl["id"],)
    ).fetchall()
    target = con.execute("SELECT * FROM targets WHERE group_id = ?", (tpl["id"],)).fetchone()
    existing = con.execute(
        "SELECT COUNT(*) FROM target_groups WHERE org_id = ?", (org,)
    ).fetchone()[0]
    next_group = con.execute("SELECT MAX(id) FROM target_groups").fetchone()[0] + 1
    next_period = con.execute("SELECT MAX(id) FROM periods").fetchone()[0] + 1
    next_target = con.execute("SELECT MAX(id) FROM targets").fetchone()[0] + 1
    count = total - existing
    groups, period_rows, targets, values = [], [], [], []
    for n in range(count):
        gid, tid = next_group + n, next_target + n
        name = f"bulk {n}"
        groups.append((gid, org, name, name, *[tpl[c] for c in columns[4:]]))
        for k, period in enumerate(periods):
            pid = next_period + n * len(periods) + k
            period_rows.append((pid, org, gid, *period[3:]))
            values.append((tid, pid, 100.0 * (k + 1)))
        targets.append((tid, org, gid, *target[3:]))
    with con:
        con.executemany(
            f"INSERT INTO target_groups VALUES ({','.join('?' * len(columns))})", groups
        )
        con.executemany(
            f"INSERT INTO periods VALUES ({','.join('?' * len(periods[0]))})", period_rows
        )
        con.executemany(f"INSERT INTO targets VALUES ({','.join('?' * len(target))})", targets)
        con.executemany(
            "INSERT INTO target_values (target_id, period_id, value) VALUES (?, ?, ?)", values
        )
        con.execute("UPDATE orgs SET group_count = group_count + ? WHERE id = ?", (count, org))
        for table in ("target_groups", "periods", "targets"):
            con.execute(
                "UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM "
                + table
                + ") WHERE name = ?",
                (table,),
            )
    # The stored response documents are rendered by the sandbox's own code, not copied.
    con.row_factory = sqlite3.Row
    with con:
        materialize_missing(con)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return [g[0] for g in groups]


def cell(result: LoadResult | None) -> str:
    if result is None:
        return f"{'-':>8} {'-':>7} {'-':>7}"
    return f"{result.rps:8.0f} {result.percentile(50):7.2f} {result.percentile(99):7.2f}"


def status_note(name: str, result: LoadResult | None) -> str | None:
    if result is None:
        return None
    bad = {s: n for s, n in result.statuses.items() if not 200 <= s < 300}
    return f"{name}: non-2xx {bad}" if bad or result.errors else None


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    rows: list[tuple[str, int, LoadResult, LoadResult | None]] = []
    notes: list[str] = []
    try:
        db = workdir / "bench.db"
        sandbox, port = start_sandbox(db, reset=True)
        try:
            ids = fill_to(port, 100)
            small_get = {c: measure(port, get_factory(port, ids), c) for c in (1, 32)}
            small_page = measure(port, page_factory(port, 0), 32)
            # The last page, one request at a time: what a deep offset costs per request.
            small_deep = measure(port, page_factory(port, 90), 1)
            small_post = {c: measure(port, post_factory(port, f"s{c}"), c) for c in (1, 32)}
        finally:
            stop(sandbox)
        prism = start_prism()
        prism_get: dict[int, LoadResult | None] = {1: None, 32: None}
        prism_post: dict[int, LoadResult | None] = {1: None, 32: None}
        if prism is not None:
            process, prism_port = prism
            try:
                for c in (1, 32):
                    prism_get[c] = measure(prism_port, get_factory(prism_port, ids), c)
                    prism_post[c] = measure(prism_port, post_factory(prism_port, f"p{c}"), c)
            finally:
                stop(process)
        for c in (1, 32):
            rows.append(("GET by id", c, small_get[c], prism_get[c]))
        for c in (1, 32):
            rows.append(("POST create", c, small_post[c], prism_post[c]))

        # Scale: a fresh database filled to LARGE groups by direct inserts.
        big_db = workdir / "big.db"
        sandbox, port = start_sandbox(big_db, reset=True)
        fill_to(port, 100)
        stop(sandbox)
        started = time.perf_counter()
        bulk_ids = bulk_seed(big_db, LARGE)
        seeded_in = time.perf_counter() - started
        sandbox, port = start_sandbox(big_db, reset=False)
        try:
            big_get = measure(port, get_factory(port, bulk_ids), 32)
            big_page = measure(port, page_factory(port, 0), 32)
            deep_page = measure(port, page_factory(port, LARGE - 10), 1)
        finally:
            stop(sandbox)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        "\nSandbox vs Prism mock (static, silent): same bundle, same load generator, "
        f"{SECONDS:.0f} s per cell"
    )
    print(
        f"{'operation':<12} {'conc':>4} | {'sandbox rps':>8} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'prism rps':>8} {'p50 ms':>7} {'p99 ms':>7} | {'rps ratio':>9}"
    )
    for name, c, mine, theirs in rows:
        ratio = f"{mine.rps / theirs.rps:8.2f}x" if theirs and theirs.rps else f"{'-':>9}"
        print(f"{name:<12} {c:>4} | {cell(mine)} | {cell(theirs)} | {ratio}")
        for server, result in (("sandbox", mine), ("prism", theirs)):
            note = status_note(f"{server} {name} c={c}", result)
            if note:
                notes.append(note)
    print(
        f"\nScale (sandbox, concurrency 32): 100 groups vs {LARGE:,} groups "
        f"(seeded by direct SQL in {seeded_in:.1f} s)"
    )
    print(f"{'measure':<38} {'100 groups':>12} {f'{LARGE:,} groups':>15} {'ratio':>7}")
    scale = [
        ("GET by id p99 ms", small_get[32].percentile(99), big_get.percentile(99)),
        ("GET by id p50 ms", small_get[32].percentile(50), big_get.percentile(50)),
        ("GET by id rps", small_get[32].rps, big_get.rps),
        ("/v3/milestones first page p99 ms", small_page.percentile(99), big_page.percentile(99)),
        ("/v3/milestones first page rps", small_page.rps, big_page.rps),
        ("/v3/milestones first page p50 ms", small_page.percentile(50), big_page.percentile(50)),
        (
            "/v3/milestones last page p50 ms (c=1)",
            small_deep.percentile(50),
            deep_page.percentile(50),
        ),
    ]
    for name, small, big in scale:
        print(f"{name:<38} {small:>12.2f} {big:>15.2f} {big / small:>6.2f}x")
    for name, result in (
        ("scale GET", big_get),
        ("scale page", big_page),
        ("deep page", deep_page),
    ):
        note = status_note(name, result)
        if note:
            notes.append(note)
    if notes:
        print("\nnotes: " + "; ".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
