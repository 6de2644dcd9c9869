"""SDK overhead and model parsing speed, printed (never asserted).

1. Requests/s through ``CapillaryTargetGroups`` against raw ``httpx.Client`` + ``json.loads``, on
   the same sandbox endpoint in the same run, alternating rounds so drift hits both alike
   (target: the SDK at >= 0.9x raw).
2. Time to parse one 1,000-group ``/v3/milestones`` page into the client's attrs models against
   the pydantic models of ``capillary_target_groups_models``.

Starts its own sandbox on a free port with a fresh database file and stops it at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from capillary_target_groups import CapillaryTargetGroups
from capillary_target_groups.models import (
    TargetDefaultValueCreate,
    TargetPeriodCreate,
    TransactionTargetCreate,
    TransactionTargetEntity,
    TransactionTargetType,
)
from capillary_target_groups.sdk._auth import basic_auth_header
from capillary_target_groups.sdk._resources import _parse_list_milestones
from capillary_target_groups_models import TargetGroupPageEnvelope

from sandbox.process import running_sandbox

ROOT = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD = "demo.till", "demo123"  # the sandbox's seeded demo till
PAGE_SIZE = 1000


@contextmanager
def sandbox() -> Iterator[str]:
    with running_sandbox() as box:
        yield box.base_url


Row = tuple[str, float, float]
"""(variant, median requests/s, median of the per-round ratios to raw)."""


def bench_requests(base_url: str, rounds: int, requests: int) -> list[tuple[str, str, list[Row]]]:
    """Each variant in turn within every round; ratios are paired per round, so load changes on
    a shared machine hit the variants being compared alike."""
    with CapillaryTargetGroups(base_url=base_url, username=USERNAME, password=PASSWORD) as sdk:
        group_id = sdk.target_groups.list()[0].id  # a seeded group with periods and targets
    headers = {"Authorization": basic_auth_header(USERNAME, PASSWORD), "Accept": "application/json"}
    tables = []
    with (
        httpx.Client(base_url=base_url, headers=headers) as http,
        CapillaryTargetGroups(base_url=base_url, username=USERNAME, password=PASSWORD) as sdk,
    ):
        endpoints: list[
            tuple[str, str, dict[str, str], Callable[[], object], Callable[[], object]]
        ] = [
            (
                "GET /v3/targetGroups/{id}: one group with periods, targets, attribution",
                f"/v3/targetGroups/{group_id}",
                # The same URL the SDK sends (it spells out this parameter's documented default).
                {"includeUserCreatedTargetGroups": "false"},
                lambda: sdk.target_groups.get(group_id),
                lambda: sdk.target_groups.with_raw_response.get(group_id).json(),
            ),
            (
                "GET /v3/targetGroups/channels: a small list",
                "/v3/targetGroups/channels",
                {},
                sdk.communications.channels,
                lambda: sdk.communications.with_raw_response.channels().json(),
            ),
        ]
        for title, path, params, typed, raw_variant in endpoints:

            def raw(path: str = path, params: dict[str, str] = params) -> object:
                response = http.get(path, params=params)
                response.raise_for_status()
                return json.loads(response.content)["data"]

            variants: list[tuple[str, Callable[[], object]]] = [
                ("raw httpx.Client + json.loads", raw),
                ("SDK, typed data", typed),
                ("SDK, raw variant + json()", raw_variant),
            ]
            for _, call in variants:  # warm up connections, caches and the server
                for _ in range(max(20, requests // 4)):
                    call()
            rates: dict[str, list[float]] = {name: [] for name, _ in variants}
            for _ in range(rounds):
                for name, call in variants:
                    started = time.perf_counter()
                    for _ in range(requests):
                        call()
                    rates[name].append(requests / (time.perf_counter() - started))
            base = rates[variants[0][0]]
            rows = [
                (
                    name,
                    statistics.median(values),
                    statistics.median(v / b for v, b in zip(values, base, strict=True)),
                )
                for name, values in rates.items()
            ]
            tables.append((title, path, rows))
    return tables


def seed_groups(base_url: str, count: int) -> None:
    periods = [
        TargetPeriodCreate(start_date="2030-01-01", end_date="2030-01-31", ref_code="Jan"),
        TargetPeriodCreate(start_date="2030-02-01", end_date="2030-02-28", ref_code="Feb"),
    ]
    target = TransactionTargetCreate(
        name="Spend",
        target_entity=TransactionTargetEntity.TRANSACTION,
        target_type=TransactionTargetType.SALES,
        default_values=[TargetDefaultValueCreate(default_value=1000)] * 2,
    )
    with CapillaryTargetGroups(base_url=base_url, username=USERNAME, password=PASSWORD) as sdk:

        def create(index: int) -> None:
            sdk.target_groups.create_default(
                name=f"Bench group {index}", total_periods=2, periods=periods, targets=[target]
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(create, range(count)))


def fetch_page(base_url: str) -> bytes:
    with CapillaryTargetGroups(base_url=base_url, username=USERNAME, password=PASSWORD) as sdk:
        raw = sdk.milestones.with_raw_response.list(limit=PAGE_SIZE, require_periods=True)
        assert len(raw.data) == PAGE_SIZE, len(raw.data)
        return raw.http_response.content


def bench_parse(page: bytes, repeats: int) -> list[tuple[str, float]]:
    parsers: list[tuple[str, Callable[[], object]]] = [
        ("json.loads only (floor)", lambda: json.loads(page)),
        (
            "client attrs models (json.loads + from_dict)",
            lambda: _parse_list_milestones(json.loads(page)),
        ),
        (
            "pydantic models (model_validate_json)",
            lambda: TargetGroupPageEnvelope.model_validate_json(page),
        ),
        (
            "pydantic models (json.loads + model_validate)",
            lambda: TargetGroupPageEnvelope.model_validate(json.loads(page)),
        ),
    ]
    results = []
    for name, parse in parsers:
        parse()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            parse()
            times.append(time.perf_counter() - started)
        results.append((name, statistics.median(times) * 1000))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args, _ = parser.parse_known_args()
    rounds, requests, repeats = (3, 50, 3) if args.quick else (15, 100, 9)
    with sandbox() as base_url:
        tables = bench_requests(base_url, rounds, requests)
        seed_groups(base_url, PAGE_SIZE)
        page = fetch_page(base_url)
    parse = bench_parse(page, repeats)

    print(
        f"\nRequests/s on one sandbox, one keep-alive connection, {rounds} rounds x {requests} "
        "requests per variant, variants interleaved; ratio = median of per-round ratios"
    )
    for title, _, rows in tables:
        print(f"\n{title}")
        print("| variant | requests/s | vs raw |")
        print("|---|---:|---:|")
        for name, rate, ratio in rows:
            print(f"| {name} | {rate:,.0f} | {ratio:.2f}x |")
        typed_ratio = rows[1][2]
        verdict = "met" if typed_ratio >= 0.9 else "NOT met"
        overhead_us = (1 / rows[1][1] - 1 / rows[0][1]) * 1e6
        print(
            f"target SDK typed >= 0.90x raw: {verdict} "
            f"({typed_ratio:.2f}x, {overhead_us:+.0f} us/request)"
        )

    client_ms = parse[1][1]
    print(
        f"\nParse one /v3/milestones page of {PAGE_SIZE:,} groups ({len(page) / 1024:,.0f} KiB, "
        f"periods and targets included), median of {repeats}"
    )
    print("| parser | ms | vs client models |")
    print("|---|---:|---:|")
    for name, ms in parse:
        print(f"| {name} | {ms:,.1f} | {ms / client_ms:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
