"""Targets (rules): listTargets, createTargets, updateTarget, deactivateTarget.

Requests may carry members the spec does not list (Capillary ignores them), so only known
members are ever copied into storage or responses.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox.context import Context
from sandbox.resources.common import (
    attribution,
    decimal,
    dump_doc,
    group_row,
    load_doc,
    target_row,
)

EMF_RULESET_BASE = 126_000_000
TRIGGER_KEYS = ("triggerName", "isActive", "triggerType", "triggerValueType", "triggerValue")
EXTENDED_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "aggregateFunction": str,
    "alternateCurrencyIdentifier": str,
    "programId": (int, float),
}
WINDOW_KEYS: dict[str, type | tuple[type, ...]] = {
    "windowType": str,
    "windowTimeUnit": str,
    "windowValue": str,
}
DEFAULT_TRIGGER = {
    "triggerName": "targetAchieved",
    "isActive": True,
    "triggerType": "SYSTEM_TRIGGER",
    "triggerValueType": "PERCENTAGE",
    "triggerValue": 100.0,
}


def _filters(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"entityType": f["entityType"], "entityIds": list(f["entityIds"])} for f in raw]


def _typed(raw: dict[str, Any], kinds: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """Known members with the type the response declares for them.

    The request side of extendedFieldInfo is a union whose variants do not forbid each other's
    members, so `{"programId": 1, "name": [1]}` is valid input: a member is only echoed when
    its value has the type the response schema promises.
    """
    return {
        key: raw[key]
        for key, kind in kinds.items()
        if key in raw and isinstance(raw[key], kind) and not isinstance(raw[key], bool)
    }


def _extended(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    info = _typed(raw, EXTENDED_KEYS)
    window = raw.get("aggregateWindow")
    if isinstance(window, dict):
        info["aggregateWindow"] = _typed(window, WINDOW_KEYS)
    return info


def _triggers(raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    items = raw if raw else [DEFAULT_TRIGGER]
    return [{k: item[k] for k in TRIGGER_KEYS if k in item} for item in items]


def render(
    db: sqlite3.Connection, row: sqlite3.Row, values: list[sqlite3.Row] | None = None
) -> dict[str, Any]:
    doc = load_doc(row)
    if values is None:
        values = db.execute(
            "SELECT id, period_id, value FROM target_values WHERE target_id = ? ORDER BY id",
            (row["id"],),
        ).fetchall()
    defaults = [
        {"id": v["id"], "periodId": v["period_id"], "defaultValue": v["value"]} for v in values
    ]
    triggers = [
        {"id": row["id"] * 1000 + index, **trigger, "targetRuleId": row["id"]}
        for index, trigger in enumerate(doc.get("targetMilestoneTriggers", []))
    ]
    return {
        "id": row["id"],
        "attribution": attribution(db, row),
        "name": doc["name"],
        "emfRuleSetId": EMF_RULESET_BASE + row["id"],
        "emfUnrolledRulesetId": EMF_RULESET_BASE + 500_000 + row["id"],
        "targetType": row["target_type"],
        "targetEntity": row["target_entity"],
        "eventName": row["event_name"],
        "targetGroupId": row["group_id"],
        "description": doc.get("description", ""),
        "active": bool(row["active"]),
        "expression": doc.get("expression", "true"),
        "expressionJson": doc.get("expressionJson"),
        "filters": doc.get("filters", []),
        "enrolmentMethod": row["enrolment_method"],
        "defaultValues": defaults,
        "targetPeriodDefaultValuesMap": {str(d["periodId"]): d for d in defaults},
        "targetMilestoneTriggers": triggers,
        "extendedFieldInfo": doc.get("extendedFieldInfo"),
    }


def rows_of(db: sqlite3.Connection, group_id: int) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM targets WHERE group_id = ? ORDER BY id", (group_id,)
    ).fetchall()


def _period_ids(db: sqlite3.Connection, group_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM periods WHERE group_id = ? ORDER BY start_ms, id", (group_id,)
        )
    ]


def _write_values(
    db: sqlite3.Connection, target_id: int, group_id: int, items: list[dict[str, Any]]
) -> None:
    """Values map to periods by `periodId` when it names one of the group's, else by position."""
    periods = _period_ids(db, group_id)
    known = set(periods)
    taken: dict[int, float] = {}
    for index, item in enumerate(items):
        period = item.get("periodId")
        if period not in known:
            period = periods[index] if index < len(periods) else None
        if period is not None:
            taken[period] = decimal(item["defaultValue"])
    db.execute("DELETE FROM target_values WHERE target_id = ?", (target_id,))
    db.executemany(
        "INSERT INTO target_values (target_id, period_id, value) VALUES (?, ?, ?)",
        [(target_id, period, value) for period, value in taken.items()],
    )


def insert(
    db: sqlite3.Connection,
    org_id: int,
    till_id: int,
    group_id: int,
    item: dict[str, Any],
    *,
    now: int,
) -> int:
    entity = item["targetEntity"]
    event = item.get("eventName")
    if event is None and entity in ("TRANSACTION", "LINEITEM"):
        event = "TransactionAdd"
    doc = {
        "name": item["name"],
        "description": item.get("description", ""),
        "expression": item.get("expression", "true"),
        "expressionJson": item.get(
            "expressionJson", '{"arity":"literal","value":"true","type":"boolean:primitive"}'
        ),
        "filters": _filters(item.get("filters", [])),
        "extendedFieldInfo": _extended(item.get("extendedFieldInfo")),
        "targetMilestoneTriggers": _triggers(item.get("targetMilestoneTriggers")),
    }
    cursor = db.execute(
        "INSERT INTO targets (org_id, group_id, target_type, target_entity, event_name, "
        "enrolment_method, active, created_ms, updated_ms, created_by, updated_by, doc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org_id,
            group_id,
            item["targetType"],
            entity,
            event,
            item.get("enrolmentMethod", "TRANSACTION"),
            int(item.get("active", True)),
            now,
            now,
            till_id,
            till_id,
            dump_doc(doc),
        ),
    )
    assert cursor.lastrowid is not None
    _write_values(db, cursor.lastrowid, group_id, item.get("defaultValues", []))
    return cursor.lastrowid


def refresh_rule_expression(db: sqlite3.Connection, group_id: int) -> None:
    """A UNIFIED group's ruleExpression joins its active target ids: `&` for ALL, `|` for ANY."""
    row = db.execute(
        "SELECT doc, tracking_type FROM target_groups WHERE id = ?", (group_id,)
    ).fetchone()
    if row["tracking_type"] != "UNIFIED":
        return
    doc = load_doc(row)
    ids = [
        str(r[0])
        for r in db.execute(
            "SELECT id FROM targets WHERE group_id = ? AND active = 1 ORDER BY id", (group_id,)
        )
    ]
    operator = " | " if doc.get("combinationType") == "ANY" else " & "
    expression = doc.setdefault("unifiedTargetExpression", {})
    expression["ruleExpression"] = f"({operator.join(ids)})" if ids else None
    db.execute("UPDATE target_groups SET doc = ? WHERE id = ?", (dump_doc(doc), group_id))


def apply_update(
    db: sqlite3.Connection, row: sqlite3.Row, item: dict[str, Any], till_id: int, *, now: int
) -> None:
    """Apply the editable members present in `item` to an existing target."""
    doc = load_doc(row)
    for key in ("name", "description", "expression", "expressionJson"):
        if key in item:
            doc[key] = item[key]
    if "filters" in item:
        doc["filters"] = _filters(item["filters"])
    if "extendedFieldInfo" in item:
        doc["extendedFieldInfo"] = _extended(item["extendedFieldInfo"])
    if "targetMilestoneTriggers" in item:
        doc["targetMilestoneTriggers"] = _triggers(item["targetMilestoneTriggers"])
    columns = {
        "target_type": item.get("targetType", row["target_type"]),
        "target_entity": item.get("targetEntity", row["target_entity"]),
        "event_name": item.get("eventName", row["event_name"]),
        "enrolment_method": item.get("enrolmentMethod", row["enrolment_method"]),
        "active": int(item.get("active", bool(row["active"]))),
    }
    db.execute(
        "UPDATE targets SET target_type = ?, target_entity = ?, event_name = ?, "
        "enrolment_method = ?, active = ?, updated_ms = ?, updated_by = ?, doc = ? WHERE id = ?",
        (*columns.values(), now, till_id, dump_doc(doc), row["id"]),
    )
    if "defaultValues" in item:
        _update_values(db, row["id"], row["group_id"], item["defaultValues"])


def _update_values(
    db: sqlite3.Connection, target_id: int, group_id: int, items: list[dict[str, Any]]
) -> None:
    """Values with a known `id` are updated in place; the rest map like on creation."""
    existing = {
        r["id"]: r["period_id"]
        for r in db.execute(
            "SELECT id, period_id FROM target_values WHERE target_id = ?", (target_id,)
        )
    }
    if any(item.get("id") in existing for item in items):
        for item in items:
            if item.get("id") in existing:
                db.execute(
                    "UPDATE target_values SET value = ? WHERE id = ?",
                    (decimal(item["defaultValue"]), item["id"]),
                )
        return
    _write_values(db, target_id, group_id, items)


def list_targets(ctx: Context) -> list[dict[str, Any]]:
    db = ctx.db
    group_id = ctx.path["targetGroupId"]
    group_row(db, ctx.org_id, group_id)
    return [render(db, row) for row in rows_of(db, group_id)]


def create_targets(ctx: Context) -> list[dict[str, Any]]:
    db = ctx.db
    group_id = ctx.path["targetGroupId"]
    group_row(db, ctx.org_id, group_id)
    ids = [insert(db, ctx.org_id, ctx.till_id, group_id, item, now=ctx.now) for item in ctx.body]
    refresh_rule_expression(db, group_id)
    ctx.touch(group_id)
    return [
        render(db, db.execute("SELECT * FROM targets WHERE id = ?", (i,)).fetchone()) for i in ids
    ]


def update_target(ctx: Context) -> dict[str, Any]:
    db = ctx.db
    row = target_row(db, ctx.org_id, ctx.path["targetGroupId"], ctx.path["targetId"])
    apply_update(db, row, ctx.body, ctx.till_id, now=ctx.now)
    refresh_rule_expression(db, row["group_id"])
    ctx.touch(row["group_id"])
    return render(db, db.execute("SELECT * FROM targets WHERE id = ?", (row["id"],)).fetchone())


def deactivate_target(ctx: Context) -> bool:
    db = ctx.db
    row = target_row(db, ctx.org_id, ctx.path["targetGroupId"], ctx.path["targetId"])
    db.execute(
        "UPDATE targets SET active = 0, updated_ms = ?, updated_by = ? WHERE id = ?",
        (ctx.now, ctx.till_id, row["id"]),
    )
    refresh_rule_expression(db, row["group_id"])
    ctx.touch(row["group_id"])
    return True
