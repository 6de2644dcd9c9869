"""Progress engine: a user's recorded activity -> achieved values per period, streak levels.

Pure functions over plain data, so the rules can be unit-tested without a server:
- which activity counts for a target: TRANSACTION/LINEITEM targets count transactions; EVENT
  targets count events with the target's `eventName`; a STORE filter keeps only activity at
  those stores (ZONE/CONCEPT filters are not modelled by the sandbox and match everything);
  points and alternate-currency targets have no activity source in the sandbox and stay at 0.
- KPIs: COUNT = number of activities, SALES = sum of net amounts, GROSS_SALES = sum of gross
  amounts, QUANTITY = sum of quantities, VISIT = number of distinct (UTC) days,
  EVENT_ATTRIBUTE = sum of the event attribute named in `extendedFieldInfo.name`,
  EXTENDED_FIELD = its SUM or COUNT (per `aggregateFunction`).
- A period is achieved when the running value first reaches the period's target value; the
  activity that got it there gives the achievement time.
- Streaks: STREAKS counts consecutive achieved periods (a period that ended unachieved resets
  the count); NON_CONTINUOUS_STREAKS counts every achieved period. A level is ACHIEVED when the
  count reaches its `targetCountOfSequence`, IN_PROGRESS while the count is above zero,
  NOT_STARTED otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DAY_MS = 86_400_000
TRANSACTION_ENTITIES = frozenset({"TRANSACTION", "LINEITEM"})


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str  # TRANSACTION | EVENT
    event_name: str
    occurred_ms: int
    amount: float = 0.0
    gross_amount: float = 0.0
    quantity: float = 0.0
    store_id: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Period:
    id: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Rule:
    target_type: str
    target_entity: str
    event_name: str | None = None
    attribute: str | None = None
    aggregate_function: str | None = None
    store_ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class PeriodProgress:
    period_id: int
    target_value: float | None
    achieved_value: float
    achieved_ms: int | None
    current: bool


@dataclass(frozen=True, slots=True)
class LevelProgress:
    current_count: int
    status: str  # NOT_STARTED | IN_PROGRESS | ACHIEVED
    achieved_ms: int | None
    achieved_period: int | None  # index into the periods passed in


def matches(rule: Rule, activity: Activity) -> bool:
    if rule.target_entity in TRANSACTION_ENTITIES:
        if activity.kind != "TRANSACTION":
            return False
    elif rule.target_entity == "EVENT":
        if activity.kind != "EVENT" or activity.event_name != rule.event_name:
            return False
    else:
        return False
    return rule.store_ids is None or activity.store_id in rule.store_ids


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


class _Accumulator:
    """Running KPI value as activities arrive in time order."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.total = 0.0
        self.days: set[int] = set()

    def add(self, activity: Activity) -> float:
        kpi = self.rule.target_type
        if kpi == "COUNT":
            self.total += 1
        elif kpi == "SALES":
            self.total += activity.amount
        elif kpi == "GROSS_SALES":
            self.total += activity.gross_amount
        elif kpi == "QUANTITY":
            self.total += activity.quantity
        elif kpi == "VISIT":
            self.days.add(activity.occurred_ms // DAY_MS)
            self.total = float(len(self.days))
        elif kpi in ("EVENT_ATTRIBUTE", "EXTENDED_FIELD") and self.rule.attribute:
            value = activity.attributes.get(self.rule.attribute)
            if self.rule.aggregate_function == "COUNT":
                self.total += 0 if value is None else 1
            else:
                self.total += _number(value)
        return self.total


def period_progress(
    rule: Rule,
    period: Period,
    target_value: float | None,
    activities: Iterable[Activity],
    now_ms: int,
) -> PeriodProgress:
    accumulator = _Accumulator(rule)
    achieved_ms: int | None = None
    ordered = sorted(
        (
            a
            for a in activities
            if period.start_ms <= a.occurred_ms <= period.end_ms and matches(rule, a)
        ),
        key=lambda a: a.occurred_ms,
    )
    for activity in ordered:
        running = accumulator.add(activity)
        if (
            achieved_ms is None
            and target_value is not None
            and target_value > 0
            and running >= target_value
        ):
            achieved_ms = activity.occurred_ms
    return PeriodProgress(
        period_id=period.id,
        target_value=target_value,
        achieved_value=accumulator.total,
        achieved_ms=achieved_ms,
        current=period.start_ms <= now_ms <= period.end_ms,
    )


def streak_levels(
    periods: Sequence[Period],
    achieved: Sequence[int | None],
    levels: Sequence[int],
    continuous: bool,
    now_ms: int,
) -> list[LevelProgress]:
    """Progress of each streak level, given each period's achievement time (None = not yet)."""
    count = 0
    reached: dict[int, tuple[int, int]] = {}
    order = sorted(range(len(periods)), key=lambda i: (periods[i].start_ms, periods[i].id))
    for index in order:
        achieved_ms = achieved[index]
        if achieved_ms is not None:
            count += 1
            for level in levels:
                if count >= level and level not in reached:
                    reached[level] = (achieved_ms, index)
        elif periods[index].end_ms < now_ms and continuous:
            # Only a period that has ended unachieved breaks the streak; a running one may still.
            count = 0
    result = []
    for level in levels:
        if level in reached:
            # A reached level stays complete even if a later miss resets the running count.
            when, index = reached[level]
            result.append(LevelProgress(level, "ACHIEVED", when, index))
        else:
            status = "IN_PROGRESS" if count > 0 else "NOT_STARTED"
            result.append(LevelProgress(count, status, None, None))
    return result
