"""Seeded target groups: one or more of each tracking type, with periods around today.

"Today" is the sandbox clock's day at seeding time (`--now` moves it).

Built through the same `create` path as the API, so they look exactly like created groups.
Bodies follow the spec's create schemas (tests validate them against it).
"""

from __future__ import annotations

from typing import Any, Protocol

from sandbox.resources import target_groups
from sandbox.resources.materialized import materialize_missing
from sandbox.store import Store
from sandbox.timefmt import DAY_MS, date_str


class _Credential(Protocol):
    @property
    def org_id(self) -> int: ...

    @property
    def till_id(self) -> int: ...


def _periods(now: int, count: int, days: int, first_offset: int) -> list[dict[str, Any]]:
    """`count` back-to-back periods of `days` days, the first `first_offset` periods from now."""
    today = now // DAY_MS * DAY_MS
    start = today + first_offset * days * DAY_MS
    out = []
    for index in range(count):
        begin = start + index * days * DAY_MS
        out.append(
            {
                "startDate": date_str(begin),
                "endDate": date_str(begin + (days - 1) * DAY_MS),
                "refCode": f"Cycle_{index + 1}",
            }
        )
    return out


def _values(*values: float) -> list[dict[str, Any]]:
    return [{"defaultValue": v} for v in values]


def demo_bodies(now: int) -> list[dict[str, Any]]:
    monthly = _periods(now, 3, 30, -1)
    weekly = _periods(now, 4, 7, -2)
    return [
        {
            "name": "Spend 5000 in 30 days",
            "description": "Net sales of at least 5000 per 30-day cycle",
            "trackingType": "DEFAULT",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "frequencyType": "DAILY",
            "frequency": 30,
            "totalPeriods": 3,
            "recurringCycles": 0,
            "preferredTillId": 75000001,
            "periods": monthly,
            "targets": [
                {
                    "name": "Net sales 5000",
                    "targetEntity": "TRANSACTION",
                    "targetType": "SALES",
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(5000, 5000, 5000),
                }
            ],
        },
        {
            "name": "Shop three times and visit twice",
            "trackingType": "UNIFIED",
            "combinationType": "ALL",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "totalPeriods": 3,
            "periods": monthly,
            "unifiedTargetExpression": {"aggregation": "SUM", "thresholdValue": 5},
            "targets": [
                {
                    "name": "Three bills",
                    "targetEntity": "TRANSACTION",
                    "targetType": "COUNT",
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(3, 3, 3),
                },
                {
                    "name": "Two visit days",
                    "targetEntity": "TRANSACTION",
                    "targetType": "VISIT",
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(2, 2, 2),
                },
            ],
        },
        {
            "name": "Weekly shopper streak",
            "trackingType": "STREAKS",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "frequencyType": "WEEKLY",
            "frequency": 1,
            "totalPeriods": 4,
            "periods": weekly,
            "streaks": [
                {"name": "Two weeks in a row", "targetCountOfSequence": 2},
                {"name": "Four weeks in a row", "targetCountOfSequence": 4},
            ],
            "targets": [
                {
                    "name": "One bill a week",
                    "targetEntity": "TRANSACTION",
                    "targetType": "COUNT",
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(1, 1, 1, 1),
                }
            ],
        },
        {
            "name": "Spin the wheel most weeks",
            "trackingType": "NON_CONTINUOUS_STREAKS",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "frequencyType": "WEEKLY",
            "totalPeriods": 4,
            "periods": weekly,
            "streaks": [{"name": "Three spinning weeks", "targetCountOfSequence": 3}],
            "targets": [
                {
                    "name": "Spin twice",
                    "targetEntity": "EVENT",
                    "eventName": "spinTheWheel",
                    "targetType": "COUNT",
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(2, 2, 2, 2),
                }
            ],
        },
        {
            "name": "Monthly points cap",
            "trackingType": "CAPPING",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "totalPeriods": 3,
            "periods": monthly,
            "targets": [
                {
                    "name": "All points",
                    "targetEntity": "POINTS",
                    "targetType": "ALL_POINTS",
                    "enrolmentMethod": "IMPORT",
                    "defaultValues": _values(1000, 1000, 1000),
                }
            ],
        },
        {
            "name": "Walk 50000 steps",
            "trackingType": "DEFAULT",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "totalPeriods": 3,
            "periods": monthly,
            "targets": [
                {
                    "name": "Steps",
                    "targetEntity": "EVENT",
                    "eventName": "walk",
                    "targetType": "EVENT_ATTRIBUTE",
                    "extendedFieldInfo": {"name": "steps", "aggregateFunction": "SUM"},
                    "enrolmentMethod": "TRANSACTION",
                    "defaultValues": _values(50000, 50000, 50000),
                }
            ],
        },
        {
            "name": "Redeem points twice",
            "trackingType": "DEFAULT",
            "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
            "totalPeriods": 3,
            "periods": monthly,
            "targets": [
                {
                    "name": "Two redemptions",
                    "targetEntity": "EVENT",
                    "eventName": "PointsRedemption",
                    "targetType": "COUNT",
                    "enrolmentMethod": "IMPORT",
                    "defaultValues": _values(2, 2, 2),
                }
            ],
        },
    ]


def other_org_bodies(now: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "Other org milestone",
            "trackingType": "DEFAULT",
            "totalPeriods": 1,
            "periods": _periods(now, 1, 30, 0),
            "targets": [
                {
                    "name": "Other org sales",
                    "targetEntity": "TRANSACTION",
                    "targetType": "SALES",
                    "defaultValues": _values(100),
                }
            ],
        }
    ]


def seed_groups(store: Store, demo: _Credential, other: _Credential, *, now: int) -> None:
    with store.transaction() as db:
        for body in demo_bodies(now):
            target_groups.create(db, demo.org_id, demo.till_id, body, now=now)
        for body in other_org_bodies(now):
            target_groups.create(db, other.org_id, other.till_id, body, now=now)
        materialize_missing(db, now=now)
