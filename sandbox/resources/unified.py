"""updateUnifiedTargets: new overall threshold, targets to update or add, targets to deactivate.

The ruleExpression is rebuilt from the active target ids afterwards (`&` for ALL, `|` for ANY).
"""

from __future__ import annotations

from typing import Any

from sandbox.context import Context
from sandbox.errors import not_found
from sandbox.resources import targets
from sandbox.resources.common import dump_doc, group_row, load_doc


def update_unified_targets(ctx: Context) -> dict[str, Any]:
    db = ctx.db
    body = ctx.body
    group = group_row(db, ctx.org_id, ctx.path["targetGroupId"])
    group_id = group["id"]
    doc = load_doc(group)
    expression = doc.setdefault("unifiedTargetExpression", {})
    for key in ("aggregation", "thresholdValue"):
        if key in body.get("unifiedTargetExpression", {}):
            expression[key] = body["unifiedTargetExpression"][key]
    db.execute("UPDATE target_groups SET doc = ? WHERE id = ?", (dump_doc(doc), group_id))
    touched: list[int] = []
    for item in body.get("targets", []):
        if "id" in item:
            row = db.execute(
                "SELECT * FROM targets WHERE id = ? AND group_id = ?", (item["id"], group_id)
            ).fetchone()
            if row is None:
                raise not_found(f"Target {item['id']} in target group {group_id}")
            targets.apply_update(db, row, item, ctx.till_id, now=ctx.now)
            touched.append(row["id"])
        else:
            # A target without an id joins the group; TargetUpdate does not require an entity,
            # and a transaction target is what unified groups combine most.
            new = {"targetEntity": "TRANSACTION", **item}
            touched.append(targets.insert(db, ctx.org_id, ctx.till_id, group_id, new, now=ctx.now))
    deactivated = list(dict.fromkeys(body.get("deactivateTargetIds", [])))
    for target_id in deactivated:
        cursor = db.execute(
            "UPDATE targets SET active = 0, updated_ms = ?, updated_by = ? "
            "WHERE id = ? AND group_id = ?",
            (ctx.now, ctx.till_id, target_id, group_id),
        )
        if cursor.rowcount == 0:
            raise not_found(f"Target {target_id} in target group {group_id}")
    targets.refresh_rule_expression(db, group_id)
    ctx.touch(group_id)
    doc = load_doc(db.execute("SELECT doc FROM target_groups WHERE id = ?", (group_id,)).fetchone())
    expression = doc.get("unifiedTargetExpression") or {}
    return {
        "unifiedTargetExpression": {
            "aggregation": expression.get("aggregation"),
            "thresholdValue": expression.get("thresholdValue"),
            "ruleExpression": expression.get("ruleExpression"),
        },
        "targets": [
            targets.render(db, db.execute("SELECT * FROM targets WHERE id = ?", (t,)).fetchone())
            for t in touched
        ],
        "deactivateTargetIds": deactivated,
    }
