"""Target groups: create, list, get, update (editTargetGroup), delete, checkNameValidity."""

from __future__ import annotations

import sqlite3
from typing import Any

from capillary_target_groups_models import NameValidityCheck

from sandbox.context import Context
from sandbox.errors import (
    LEADERBOARD_EVALUATION_TYPE,
    LEADERBOARD_NOT_ENABLED,
    NAME_EXISTS,
    ApiError,
    bad_request,
)
from sandbox.resources import periods, targets
from sandbox.resources.common import attribution, dump_doc, group_row, load_doc
from sandbox.timefmt import date_str, iso_millis, iso_seconds, parse_instant

STREAK_TYPES = ("STREAKS", "NON_CONTINUOUS_STREAKS")
# Group-level members copied from a create request into storage, as sent.
GROUP_KEYS = (
    "description",
    "preferredTillId",
    "targetEvaluationType",
    "totalPeriods",
    "frequencyType",
    "frequency",
    "recurringCycles",
    "leaderboardEnabled",
    "fromDate",
    "toDate",
    "targetCycleStartDate",
    "targetCycleEndDate",
    "combinationType",
)


def name_key(name: str) -> str:
    return name.casefold()


def name_taken(
    db: sqlite3.Connection, org_id: int, name: str, except_id: int | None = None
) -> bool:
    row = db.execute(
        "SELECT id FROM target_groups WHERE org_id = ? AND name_key = ?", (org_id, name_key(name))
    ).fetchone()
    return row is not None and row["id"] != except_id


def name_conflict(name: str) -> ApiError:
    return ApiError(409, f"Target group name already exists: {name!r}", NAME_EXISTS)


def _cycle(doc: dict[str, Any], key: str, fallback_ms: int | None, end: bool) -> int | None:
    if doc.get(key):
        return parse_instant(doc[key], end_of_day=end)
    return fallback_ms


def _streaks(db: sqlite3.Connection, group_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": row["id"],
            "attribution": attribution(db, row),
            "targetGroupId": group_id,
            "name": row["name"],
            "targetCountOfSequence": row["count"],
        }
        for row in db.execute("SELECT * FROM streaks WHERE group_id = ? ORDER BY id", (group_id,))
    ]


def render(
    db: sqlite3.Connection,
    row: sqlite3.Row,
    *,
    with_periods: bool = True,
    with_targets: bool = True,
    with_active_period: bool = True,
    now: int,
) -> dict[str, Any]:
    """The group as a read returns it, with period status as of `now` (epoch ms)."""
    doc = load_doc(row)
    period_rows = periods.rows_of(db, row["id"])
    first = period_rows[0]["start_ms"] if period_rows else None
    last = max(p["end_ms"] for p in period_rows) if period_rows else None
    cycle_start = _cycle(doc, "targetCycleStartDate", first, end=False)
    cycle_end = _cycle(doc, "targetCycleEndDate", last, end=True)
    group: dict[str, Any] = {
        "id": row["id"],
        "attribution": attribution(db, row),
        "name": row["name"],
        "description": doc.get("description", ""),
        "fromDate": date_str(parse_instant(doc["fromDate"])) if doc.get("fromDate") else None,
        "toDate": date_str(parse_instant(doc["toDate"], True)) if doc.get("toDate") else None,
        "active": bool(row["active"]),
        "preferredTillId": doc.get("preferredTillId"),
        "totalPeriods": doc.get("totalPeriods"),
        "targetEvaluationType": doc.get("targetEvaluationType"),
        "recurringCycles": doc.get("recurringCycles"),
        "frequency": doc.get("frequency"),
        "targetCycleStartDate": iso_millis(cycle_start) if cycle_start is not None else None,
        "targetCycleEndDate": iso_millis(cycle_end) if cycle_end is not None else None,
        "targetCycleStartDateISO": iso_seconds(cycle_start) if cycle_start is not None else None,
        "targetCycleEndDateISO": iso_seconds(cycle_end) if cycle_end is not None else None,
        "frequencyType": doc.get("frequencyType"),
        "trackingType": row["tracking_type"],
        "createdOn": row["created_ms"],
        "leaderboardEnabled": bool(doc.get("leaderboardEnabled", False)),
        "userCreated": bool(row["user_created"]),
    }
    if with_periods:
        group["periods"] = [periods.render(db, p, now) for p in period_rows]
    if with_active_period:
        running = [p for p in period_rows if periods.status(p, now) == "RUNNING"]
        group["activePeriod"] = periods.render(db, running[0], now) if running else None
    if row["tracking_type"] in STREAK_TYPES:
        group["streaks"] = _streaks(db, row["id"])
    if row["tracking_type"] == "UNIFIED":
        group["combinationType"] = doc.get("combinationType")
        expression = doc.get("unifiedTargetExpression") or {}
        group["unifiedTargetExpression"] = {
            "aggregation": expression.get("aggregation"),
            "thresholdValue": expression.get("thresholdValue"),
            "ruleExpression": expression.get("ruleExpression"),
        }
    if with_targets:
        group["targets"] = [targets.render(db, t) for t in targets.rows_of(db, row["id"])]
    return group


def _adjust_counts(db: sqlite3.Connection, org_id: int, user_created: bool, delta: int) -> None:
    # Kept in the same transaction as the insert or delete, so `total` on an unfiltered
    # /v3/milestones page is one row read whatever the number of groups.
    db.execute(
        "UPDATE orgs SET group_count = group_count + ?, "
        "user_created_count = user_created_count + ? WHERE id = ?",
        (delta, delta if user_created else 0, org_id),
    )


def create(
    db: sqlite3.Connection, org_id: int, till_id: int, body: dict[str, Any], *, now: int
) -> int:
    """Insert a group with its periods, targets and streaks, created at `now`; returns its id."""
    name = body["name"]
    if name_taken(db, org_id, name):
        raise name_conflict(name)
    if body.get("leaderboardEnabled"):
        org = db.execute("SELECT leaderboard_enabled FROM orgs WHERE id = ?", (org_id,)).fetchone()
        if org is None or not org["leaderboard_enabled"]:
            raise bad_request("Leaderboard is not enabled for the org", LEADERBOARD_NOT_ENABLED)
        if body.get("targetEvaluationType", "FIXED_CALENDAR_WINDOW") != "FIXED_CALENDAR_WINDOW":
            raise bad_request(
                "Target evaluation type not supported for leaderboard: only FIXED_CALENDAR_WINDOW",
                LEADERBOARD_EVALUATION_TYPE,
            )
    doc = {key: body[key] for key in GROUP_KEYS if key in body}
    if body["trackingType"] == "UNIFIED":
        expression = body.get("unifiedTargetExpression") or {}
        doc["unifiedTargetExpression"] = {
            key: expression[key] for key in ("aggregation", "thresholdValue") if key in expression
        }
    user_created = bool(body.get("userCreated", False))
    cursor = db.execute(
        "INSERT INTO target_groups (org_id, name, name_key, tracking_type, active, user_created, "
        "created_ms, updated_ms, created_by, updated_by, doc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org_id,
            name,
            name_key(name),
            body["trackingType"],
            int(body.get("active", True)),
            int(user_created),
            now,
            now,
            till_id,
            till_id,
            dump_doc(doc),
        ),
    )
    group_id = cursor.lastrowid
    assert group_id is not None
    periods.insert(db, org_id, till_id, group_id, body.get("periods", []), now=now)
    for item in body.get("targets", []):
        targets.insert(db, org_id, till_id, group_id, item, now=now)
    for streak in body.get("streaks", []) if body["trackingType"] in STREAK_TYPES else []:
        db.execute(
            "INSERT INTO streaks (org_id, group_id, name, count, created_ms, updated_ms, "
            "created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                org_id,
                group_id,
                streak["name"],
                streak["targetCountOfSequence"],
                now,
                now,
                till_id,
                till_id,
            ),
        )
    targets.refresh_rule_expression(db, group_id)
    periods.refresh_group_window(db, group_id)
    _adjust_counts(db, org_id, user_created, +1)
    return group_id


def _fetch(db: sqlite3.Connection, group_id: int) -> sqlite3.Row:
    row: sqlite3.Row = db.execute(
        "SELECT * FROM target_groups WHERE id = ?", (group_id,)
    ).fetchone()
    return row


def create_target_group(ctx: Context) -> dict[str, Any]:
    db = ctx.db
    group_id = create(db, ctx.org_id, ctx.till_id, ctx.body, now=ctx.now)
    ctx.touch(group_id)
    return render(db, _fetch(db, group_id), now=ctx.now)


def list_target_groups(ctx: Context) -> list[dict[str, Any]]:
    db = ctx.db
    sql = "SELECT * FROM target_groups WHERE org_id = ?"
    args: list[Any] = [ctx.org_id]
    if not ctx.query.get("includeUserCreatedTargetGroups", False):
        sql += " AND user_created = 0"
    if ctx.query.get("includeOnlyActive", False):
        sql += " AND active = 1"
    with_periods = bool(ctx.query.get("includePeriods", False))
    return [
        render(db, row, with_periods=with_periods, with_targets=False, now=ctx.now)
        for row in db.execute(sql + " ORDER BY id", args)
    ]


def update_target_group(ctx: Context) -> dict[str, Any]:
    """Editable: name, description, preferredTillId, active, and targets' expressions and names.

    Capillary documents only these as editable; other members of the body are accepted and
    ignored, as its server does.
    """
    db = ctx.db
    body = ctx.body
    row = group_row(db, ctx.org_id, ctx.path["targetGroupId"])
    name = body["name"]
    if name_taken(db, ctx.org_id, name, except_id=row["id"]):
        raise name_conflict(name)
    doc = load_doc(row)
    for key in ("description", "preferredTillId"):
        if key in body:
            doc[key] = body[key]
    active = int(body.get("active", bool(row["active"])))
    db.execute(
        "UPDATE target_groups SET name = ?, name_key = ?, active = ?, doc = ?, updated_ms = ?, "
        "updated_by = ? WHERE id = ?",
        (name, name_key(name), active, dump_doc(doc), ctx.now, ctx.till_id, row["id"]),
    )
    for item in body.get("targets", []):
        target = db.execute(
            "SELECT * FROM targets WHERE id = ? AND group_id = ?", (item.get("id"), row["id"])
        ).fetchone()
        if target is not None:
            edits = {k: item[k] for k in ("name", "expression", "expressionJson") if k in item}
            targets.apply_update(db, target, edits, ctx.till_id, now=ctx.now)
    for streak in body.get("streaks", []):
        db.execute(
            "UPDATE streaks SET name = ?, updated_ms = ?, updated_by = ? "
            "WHERE id = ? AND group_id = ?",
            (streak["name"], ctx.now, ctx.till_id, streak.get("id"), row["id"]),
        )
    ctx.touch(row["id"])
    return render(db, _fetch(db, row["id"]), now=ctx.now)


def delete(db: sqlite3.Connection, row: sqlite3.Row) -> None:
    group_id = row["id"]
    db.execute(
        "DELETE FROM target_values WHERE target_id IN (SELECT id FROM targets WHERE group_id = ?)",
        (group_id,),
    )
    for table in ("targets", "periods", "streaks", "communications", "enrolments", "group_docs"):
        db.execute(f"DELETE FROM {table} WHERE group_id = ?", (group_id,))
    db.execute("DELETE FROM target_groups WHERE id = ?", (group_id,))
    _adjust_counts(db, row["org_id"], bool(row["user_created"]), -1)


def delete_target_group(ctx: Context) -> bool:
    db = ctx.db
    delete(db, group_row(db, ctx.org_id, ctx.path["targetGroupId"]))
    return True


NAME_LOOKUPS = {
    "targetGroupName": "SELECT 1 FROM target_groups WHERE org_id = ? AND name_key = ?",
    "streakName": "SELECT 1 FROM target_groups WHERE org_id = ? AND name_key = ? "
    "AND tracking_type IN ('STREAKS', 'NON_CONTINUOUS_STREAKS')",
    "streakLevelName": "SELECT 1 FROM streaks WHERE org_id = ? AND lower(name) = ?",
    "targetName": "SELECT 1 FROM targets WHERE org_id = ? "
    "AND lower(json_extract(doc, '$.name')) = ?",
    "periodName": "SELECT 1 FROM periods WHERE org_id = ? "
    "AND lower(json_extract(doc, '$.refCode')) = ?",
}


def check_name_validity(ctx: Context) -> bool:
    """True when the name is free in the org (names are unique case-insensitively)."""
    body: NameValidityCheck = ctx.model
    kind = body.type.value
    case_folded = kind in ("targetGroupName", "streakName")
    key = name_key(body.value) if case_folded else body.value.lower()
    return ctx.db.execute(NAME_LOOKUPS[kind], (ctx.org_id, key)).fetchone() is None
