"""listUserTargetGroups: a customer's groups with real progress from their recorded activity."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sandbox import progress
from sandbox.context import Context
from sandbox.errors import INVALID_USER_ID, ApiError
from sandbox.resources import periods
from sandbox.resources.common import attribution, load_doc
from sandbox.resources.target_groups import STREAK_TYPES
from sandbox.timefmt import (
    capillary_timestamp,
    date_str,
    iso_millis,
    iso_seconds,
)


def _activities(db: sqlite3.Connection, org_id: int, user_id: int) -> list[progress.Activity]:
    rows = db.execute(
        "SELECT * FROM activities WHERE org_id = ? AND user_id = ? ORDER BY occurred_ms, id",
        (org_id, user_id),
    )
    return [
        progress.Activity(
            kind=row["kind"],
            event_name=row["event_name"],
            occurred_ms=row["occurred_ms"],
            amount=row["amount"],
            gross_amount=row["gross_amount"],
            quantity=row["quantity"],
            store_id=row["store_id"],
            attributes=json.loads(row["attributes"]),
        )
        for row in rows
    ]


def _rule(target: sqlite3.Row) -> progress.Rule:
    doc = load_doc(target)
    stores = [
        entity_id
        for f in doc.get("filters", [])
        if f.get("entityType") == "STORE"
        for entity_id in f.get("entityIds", [])
    ]
    info = doc.get("extendedFieldInfo") or {}
    return progress.Rule(
        target_type=target["target_type"],
        target_entity=target["target_entity"],
        event_name=target["event_name"],
        attribute=info.get("name"),
        aggregate_function=info.get("aggregateFunction"),
        store_ids=frozenset(stores) if stores else None,
    )


def _milestones(target: sqlite3.Row, result: progress.PeriodProgress) -> list[dict[str, Any]]:
    out = []
    for index, trigger in enumerate(load_doc(target).get("targetMilestoneTriggers", [])):
        threshold = float(trigger.get("triggerValue", 100.0))
        if result.target_value is None:
            achieved = False
        elif trigger.get("triggerValueType", "PERCENTAGE") == "PERCENTAGE":
            achieved = result.achieved_value >= result.target_value * threshold / 100
        else:
            achieved = result.achieved_value >= threshold
        out.append(
            {
                "id": target["id"] * 1000 + index,
                "triggerName": trigger.get("triggerName", "targetAchieved"),
                "triggerValue": threshold,
                "isAchieved": achieved,
            }
        )
    return out


def _user_target(
    target: sqlite3.Row,
    *,
    period: sqlite3.Row,
    value_id: int | None,
    result: progress.PeriodProgress,
    enrolled_ms: int,
    streak_ms: int | None,
) -> dict[str, Any]:
    achieved = result.achieved_ms
    return {
        "targetId": value_id,
        "orgId": target["org_id"],
        "periodId": period["id"],
        "periodRefCode": load_doc(period).get("refCode"),
        "periodStartDate": date_str(period["start_ms"]),
        "periodEndDate": date_str(period["end_ms"]),
        "targetValue": result.target_value,
        "targetAchievedValue": result.achieved_value,
        "targetName": load_doc(target)["name"],
        "targetType": target["target_type"],
        "targetEntity": target["target_entity"],
        "targetRuleId": target["id"],
        "enrolledOn": capillary_timestamp(enrolled_ms),
        "enrolledOnISO": iso_seconds(enrolled_ms),
        "eventName": target["event_name"],
        "periodStartDateWithTimeStamp": iso_millis(period["start_ms"]),
        "periodEndDateWithTimeStamp": iso_millis(period["end_ms"]),
        "periodStartDateWithTimeStampISO": iso_seconds(period["start_ms"]),
        "periodEndDateWithTimeStampISO": iso_seconds(period["end_ms"]),
        "targetAchievedDateTime": capillary_timestamp(achieved) if achieved is not None else None,
        "targetAchievedDateTimeISO": iso_seconds(achieved) if achieved is not None else None,
        "streakAchievedDateTime": capillary_timestamp(streak_ms) if streak_ms is not None else None,
        "currentPeriod": result.current,
        "milestones": _milestones(target, result),
    }


def _group_view(
    db: sqlite3.Connection,
    group: sqlite3.Row,
    *,
    enrolled_ms: int,
    activities: list[progress.Activity],
    query: dict[str, Any],
    now: int,
) -> dict[str, Any] | None:
    period_rows = periods.rows_of(db, group["id"])
    spans = [progress.Period(p["id"], p["start_ms"], p["end_ms"]) for p in period_rows]
    target_rows = db.execute(
        "SELECT * FROM targets WHERE group_id = ? ORDER BY id", (group["id"],)
    ).fetchall()
    # Streaks follow the active targets: a period counts when every one of them is achieved.
    active_targets = [t for t in target_rows if t["active"]]
    per_target: dict[int, list[tuple[sqlite3.Row, int | None, progress.PeriodProgress]]] = {}
    for target in target_rows:
        rule = _rule(target)
        values = {
            r["period_id"]: (r["id"], r["value"])
            for r in db.execute(
                "SELECT id, period_id, value FROM target_values WHERE target_id = ?",
                (target["id"],),
            )
        }
        per_target[target["id"]] = []
        for period, span in zip(period_rows, spans, strict=True):
            value_id, value = values.get(period["id"], (None, None))
            result = progress.period_progress(rule, span, value, activities, now)
            per_target[target["id"]].append((period, value_id, result))
    period_achieved: list[int | None] = []
    for index in range(len(spans)):
        times = [per_target[t["id"]][index][2].achieved_ms for t in active_targets]
        period_achieved.append(
            max(t for t in times if t is not None) if times and None not in times else None
        )
    streaks_view = None
    streak_times: dict[int, int] = {}
    if group["tracking_type"] in STREAK_TYPES:
        streak_rows = db.execute(
            "SELECT * FROM streaks WHERE group_id = ? ORDER BY id", (group["id"],)
        ).fetchall()
        levels = progress.streak_levels(
            spans,
            period_achieved,
            [s["count"] for s in streak_rows],
            continuous=group["tracking_type"] == "STREAKS",
            now_ms=now,
        )
        streaks_view = []
        for streak, level in zip(streak_rows, levels, strict=True):
            if level.achieved_ms is not None and level.achieved_period is not None:
                streak_times[spans[level.achieved_period].id] = level.achieved_ms
            streaks_view.append(
                {
                    "userStreakId": None,
                    "streakId": streak["id"],
                    "streakName": streak["name"],
                    "status": level.status,
                    "currentCount": level.current_count,
                    "totalTargetCountOfSequence": streak["count"],
                    "streakAchievedUserTargetId": None,
                    "streakAchievedDateTime": capillary_timestamp(level.achieved_ms)
                    if level.achieved_ms is not None
                    else None,
                }
            )
    include_inactive = query.get("includeInactive", False)
    include_inactive_targets = query.get("includeInactiveTargets", False)
    rule_id = query.get("targetRuleId")
    entries = []
    for target in target_rows:
        if rule_id is not None and target["id"] != rule_id:
            continue
        if not include_inactive_targets and not target["active"]:
            continue
        for period, value_id, result in per_target[target["id"]]:
            if not include_inactive and not result.current:
                continue
            entries.append(
                _user_target(
                    target,
                    period=period,
                    value_id=value_id,
                    result=result,
                    enrolled_ms=enrolled_ms,
                    streak_ms=streak_times.get(period["id"]),
                )
            )
    if rule_id is not None and not entries:
        return None
    doc = load_doc(group)
    return {
        "id": group["id"],
        "attribution": attribution(db, group),
        "name": group["name"],
        "orgId": group["org_id"],
        "preferredTillId": doc.get("preferredTillId"),
        "targets": entries,
        "streaks": streaks_view,
        "targetEvaluationType": doc.get("targetEvaluationType"),
        "trackingType": group["tracking_type"],
    }


def list_user_target_groups(ctx: Context) -> dict[str, Any]:
    db = ctx.db
    user_id = ctx.path["userId"]
    customer = db.execute(
        "SELECT * FROM customers WHERE org_id = ? AND user_id = ?", (ctx.org_id, user_id)
    ).fetchone()
    if customer is None:
        # Customers exist in the sandbox once enrolled or once they have activity
        # (see /sandbox/openapi.yaml); any other id is unknown to this org.
        raise ApiError(404, f"Invalid userId: no customer {user_id} in this org", INVALID_USER_ID)
    now = ctx.now
    activities = _activities(db, ctx.org_id, user_id)
    groups = []
    enrolments = db.execute(
        "SELECT g.*, e.enrolled_ms FROM enrolments e JOIN target_groups g ON g.id = e.group_id "
        "WHERE e.org_id = ? AND e.user_id = ? ORDER BY g.id",
        (ctx.org_id, user_id),
    ).fetchall()
    include_inactive_targets = ctx.query.get("includeInactiveTargets", False)
    for group in enrolments:
        if not include_inactive_targets and not group["active"]:
            continue
        view = _group_view(
            db,
            group,
            enrolled_ms=group["enrolled_ms"],
            activities=activities,
            query=ctx.query,
            now=now,
        )
        if view is not None:
            groups.append(view)
    lifetime = sum(a.amount for a in activities if a.kind == "TRANSACTION")
    return {
        "userId": user_id,
        "customer": {
            "id": user_id,
            "profiles": [
                {
                    "firstName": customer["first_name"],
                    "lastName": customer["last_name"],
                    "commChannels": [],
                    "source": "INSTORE",
                    "accountId": None,
                    "userId": user_id,
                    "orgSourceId": None,
                }
            ],
            "loyaltyInfo": {
                "attribution": None,
                "loyaltyType": "loyalty",
                "lifetimePurchases": lifetime,
            },
            "customFields": {},
        },
        "targetGroups": groups,
    }
