"""Target communications: listTargetCommunications, upsertTargetCommunications.

Upsert key: (target, communicationType, channelId); sending the same pair again updates it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox.context import Context
from sandbox.errors import not_found
from sandbox.resources.common import attribution, dump_doc, load_doc, target_row

FIELDS = ("subjectTemplate", "messageTemplate", "sender", "offsetDays", "active")


def render(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    doc = load_doc(row)
    return {
        "id": row["id"],
        "attribution": attribution(db, row),
        "targetId": row["target_id"],
        "targetGroupId": row["group_id"],
        "communicationType": row["communication_type"],
        "channelId": row["channel_id"],
        "subjectTemplate": doc.get("subjectTemplate"),
        "messageTemplate": doc.get("messageTemplate"),
        "sender": doc.get("sender"),
        "offsetDays": doc.get("offsetDays"),
        "active": doc.get("active", True),
        "configs": [],
    }


def list_target_communications(ctx: Context) -> list[dict[str, Any]]:
    db = ctx.db
    target = target_row(db, ctx.org_id, ctx.path["targetGroupId"], ctx.path["targetId"])
    rows = db.execute(
        "SELECT * FROM communications WHERE target_id = ? ORDER BY id", (target["id"],)
    )
    return [render(db, row) for row in rows]


def upsert_target_communications(ctx: Context) -> list[dict[str, Any]]:
    db = ctx.db
    target = target_row(db, ctx.org_id, ctx.path["targetGroupId"], ctx.path["targetId"])
    channels = {r[0] for r in db.execute("SELECT id FROM channels WHERE org_id = ?", (ctx.org_id,))}
    now = ctx.now
    ids = []
    for item in ctx.body:
        if item["channelId"] not in channels:
            # The channel is a resource the request points at; an unknown one is "not found".
            raise not_found(f"Channel {item['channelId']}")
        existing = db.execute(
            "SELECT * FROM communications WHERE target_id = ? AND communication_type = ? "
            "AND channel_id = ?",
            (target["id"], item["communicationType"], item["channelId"]),
        ).fetchone()
        if existing is None:
            doc = {key: item[key] for key in FIELDS if key in item}
            cursor = db.execute(
                "INSERT INTO communications (org_id, group_id, target_id, communication_type, "
                "channel_id, created_ms, updated_ms, created_by, updated_by, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ctx.org_id,
                    target["group_id"],
                    target["id"],
                    item["communicationType"],
                    item["channelId"],
                    now,
                    now,
                    ctx.till_id,
                    ctx.till_id,
                    dump_doc(doc),
                ),
            )
            assert cursor.lastrowid is not None
            ids.append(cursor.lastrowid)
        else:
            doc = load_doc(existing)
            doc.update({key: item[key] for key in FIELDS if key in item})
            db.execute(
                "UPDATE communications SET doc = ?, updated_ms = ?, updated_by = ? WHERE id = ?",
                (dump_doc(doc), now, ctx.till_id, existing["id"]),
            )
            ids.append(existing["id"])
    return [
        render(db, db.execute("SELECT * FROM communications WHERE id = ?", (i,)).fetchone())
        for i in dict.fromkeys(ids)
    ]
