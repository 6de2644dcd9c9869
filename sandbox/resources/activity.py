"""Sandbox-only routes (sandbox/openapi-sandbox.yaml): enrol customers, record their activity.

Recording activity enrols the customer in every group with an active target that enrols by
TRANSACTION and would count that activity, as Capillary does for transacting customers.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sandbox.context import Context
from sandbox.resources.common import group_row
from sandbox.timefmt import iso_millis, parse_instant


def ensure_customer(db: sqlite3.Connection, org_id: int, user_id: int, *, now: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO customers (org_id, user_id, first_name, last_name, created_ms) "
        "VALUES (?, ?, ?, ?, ?)",
        (org_id, user_id, "Sandbox", f"Customer {user_id}", now),
    )


def enrol(db: sqlite3.Connection, org_id: int, user_id: int, group_id: int, when: int) -> int:
    """Enrol once; returns the enrolment time that stands (the first one)."""
    db.execute(
        "INSERT OR IGNORE INTO enrolments (org_id, user_id, group_id, enrolled_ms) "
        "VALUES (?, ?, ?, ?)",
        (org_id, user_id, group_id, when),
    )
    row = db.execute(
        "SELECT enrolled_ms FROM enrolments WHERE org_id = ? AND user_id = ? AND group_id = ?",
        (org_id, user_id, group_id),
    ).fetchone()
    enrolled: int = row[0]
    return enrolled


def render(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "userId": row["user_id"],
        "kind": row["kind"],
        "eventName": row["event_name"],
        "occurredOn": iso_millis(row["occurred_ms"]),
        "amount": row["amount"],
        "grossAmount": row["gross_amount"],
        "quantity": row["quantity"],
        "storeId": row["store_id"],
        "attributes": json.loads(row["attributes"]),
    }


def _record(
    ctx: Context, kind: str, event_name: str, *, amount: float, gross: float, quantity: float
) -> dict[str, Any]:
    db = ctx.db
    user_id = ctx.path["userId"]
    body = ctx.body
    ensure_customer(db, ctx.org_id, user_id, now=ctx.now)
    occurred = parse_instant(body["occurredOn"])
    cursor = db.execute(
        "INSERT INTO activities (org_id, user_id, kind, event_name, occurred_ms, amount, "
        "gross_amount, quantity, store_id, attributes, created_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ctx.org_id,
            user_id,
            kind,
            event_name,
            occurred,
            amount,
            gross,
            quantity,
            body.get("storeId"),
            json.dumps(body.get("attributes", {}), separators=(",", ":")),
            ctx.now,
        ),
    )
    if kind == "TRANSACTION":
        groups = db.execute(
            "SELECT DISTINCT group_id FROM targets WHERE org_id = ? "
            "AND enrolment_method = 'TRANSACTION' AND active = 1 "
            "AND target_entity IN ('TRANSACTION', 'LINEITEM')",
            (ctx.org_id,),
        )
    else:
        groups = db.execute(
            "SELECT DISTINCT group_id FROM targets WHERE org_id = ? "
            "AND enrolment_method = 'TRANSACTION' AND active = 1 "
            "AND target_entity = 'EVENT' AND event_name = ?",
            (ctx.org_id, event_name),
        )
    for (group_id,) in groups.fetchall():
        enrol(db, ctx.org_id, user_id, group_id, occurred)
    return render(
        db.execute("SELECT * FROM activities WHERE id = ?", (cursor.lastrowid,)).fetchone()
    )


def create_user_transaction(ctx: Context) -> dict[str, Any]:
    body = ctx.body
    amount = float(body["amount"])
    return _record(
        ctx,
        "TRANSACTION",
        "TransactionAdd",
        amount=amount,
        gross=float(body.get("grossAmount", amount)),
        quantity=float(body.get("quantity", 1)),
    )


def create_user_event(ctx: Context) -> dict[str, Any]:
    return _record(ctx, "EVENT", ctx.body["eventName"], amount=0.0, gross=0.0, quantity=0.0)


def create_user_enrolment(ctx: Context) -> dict[str, Any]:
    db = ctx.db
    user_id = ctx.path["userId"]
    group = group_row(db, ctx.org_id, ctx.body["targetGroupId"])
    ensure_customer(db, ctx.org_id, user_id, now=ctx.now)
    when = parse_instant(ctx.body["enrolledOn"]) if "enrolledOn" in ctx.body else ctx.now
    enrolled = enrol(db, ctx.org_id, user_id, group["id"], when)
    return {"userId": user_id, "targetGroupId": group["id"], "enrolledOn": iso_millis(enrolled)}


def list_user_activities(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT * FROM activities WHERE org_id = ? AND user_id = ? ORDER BY occurred_ms, id",
        (ctx.org_id, ctx.path["userId"]),
    )
    return [render(row) for row in rows]
