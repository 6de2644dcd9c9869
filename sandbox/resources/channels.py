"""listTargetChannels: the communication channels enabled for the org."""

from __future__ import annotations

from typing import Any

from sandbox.context import Context


def list_target_channels(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.db.execute(
        "SELECT id, name FROM channels WHERE org_id = ? ORDER BY id", (ctx.org_id,)
    )
    return [{"id": row["id"], "name": row["name"]} for row in rows]
