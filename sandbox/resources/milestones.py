"""listMilestones: every group of the org, filtered, one page at a time with `total`.

Each filter maps to an indexed column, and the page is read in id order through an index, so
a page costs the same with 100 or 100,000 groups. An unfiltered `total` comes from a counter
kept in the create/delete transactions.
"""

from __future__ import annotations

from typing import Any

from sandbox.context import Context, Reply
from sandbox.errors import dumps
from sandbox.resources import materialized, target_groups
from sandbox.timefmt import parse_instant


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_milestones(ctx: Context) -> Reply:
    db = ctx.db
    query = ctx.query
    limit = query.get("limit", 10)
    offset = query.get("offset", 0)
    include_user_created = query.get("includeUserCreatedTargetGroups", False)
    now = ctx.now
    where = ["org_id = ?"]
    args: list[Any] = [ctx.org_id]
    if not include_user_created:
        where.append("user_created = 0")
    filtered = False
    status = query.get("status")
    if status is not None:
        filtered = True
        if status == "STOPPED":
            where.append("active = 0")
        elif status == "UPCOMING":
            where.append("active = 1 AND start_ms > ?")
            args.append(now)
        elif status == "ENDED":
            where.append("active = 1 AND end_ms < ? AND (start_ms IS NULL OR start_ms <= ?)")
            args += [now, now]
        else:  # LIVE
            where.append(
                "active = 1 AND (start_ms IS NULL OR start_ms <= ?) "
                "AND (end_ms IS NULL OR end_ms >= ?)"
            )
            args += [now, now]
    if "type" in query:
        filtered = True
        where.append("tracking_type = ?")
        args.append(query["type"])
    if "target-on" in query:
        filtered = True
        where.append(
            "EXISTS (SELECT 1 FROM targets t WHERE t.org_id = target_groups.org_id "
            "AND t.target_type = ? AND t.group_id = target_groups.id)"
        )
        args.append(query["target-on"])
    if "name" in query:
        filtered = True
        where.append("name_key LIKE ? ESCAPE '\\'")
        args.append(f"%{_escape_like(target_groups.name_key(query['name']))}%")
    if "start-date" in query:
        filtered = True
        where.append("(end_ms IS NULL OR end_ms >= ?)")
        args.append(parse_instant(query["start-date"]))
    if "end-date" in query:
        filtered = True
        where.append("(start_ms IS NULL OR start_ms <= ?)")
        args.append(parse_instant(query["end-date"], end_of_day=True))
    clause = " AND ".join(where)
    if filtered:
        total = db.execute(f"SELECT COUNT(*) FROM target_groups WHERE {clause}", args).fetchone()[0]
    else:
        counts = db.execute(
            "SELECT group_count, user_created_count FROM orgs WHERE id = ?", (ctx.org_id,)
        ).fetchone()
        total = counts[0] - (0 if include_user_created else counts[1])
    # The page's ids come from the index alone (a deep OFFSET skips index entries, not rows);
    # only the page's own rows and documents are then read.
    rows = db.execute(
        f"{materialized.WITH_DOCS} WHERE g.id IN (SELECT id FROM target_groups WHERE {clause} "
        "ORDER BY id LIMIT ? OFFSET ?) ORDER BY g.id",
        [*args, limit, offset],
    ).fetchall()
    with_periods = bool(query.get("require-periods", False))
    documents = ",".join(
        materialized.group_json(db, row, with_periods=with_periods, now=now) for row in rows
    )
    pagination = dumps({"limit": limit, "offset": offset, "total": total})
    # Stored documents are spliced in as JSON text: nothing is parsed and re-serialised.
    return Reply(
        b'{"pagination":'
        + pagination
        + b',"data":['
        + documents.encode()
        + b'],"errors":null,"warnings":null}'
    )
