"""Materialised target-group documents: the JSON a read returns, stored beside the group.

Reads of a group (GET by id, /v3/milestones pages) then cost one indexed row read whatever the
number of groups. Every write that changes what a group renders marks the group touched
(`Context.touch`); the dispatcher re-renders touched groups in the same transaction, so a
stored document is never older than the data. Period status and `activePeriod` follow the
sandbox's clock, so a document is only used until the next period boundary (`valid_until`);
after that, or when the rendering code changed (RENDER_VERSION), reads render live.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from sandbox.clock import system_clock
from sandbox.context import Context, Reply
from sandbox.errors import not_found
from sandbox.resources import target_groups

_SOURCES = ("target_groups.py", "periods.py", "targets.py", "common.py", "../timefmt.py")
RENDER_VERSION = hashlib.sha256(
    b"".join((Path(__file__).parent / name).read_bytes() for name in _SOURCES)
).hexdigest()[:16]
FOREVER = 2**62


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _valid_until(db: sqlite3.Connection, group_id: int, now: int) -> int:
    """The next instant a period of the group starts or ends (its status changes then)."""
    row = db.execute(
        "SELECT MIN(b) FROM (SELECT start_ms AS b FROM periods WHERE group_id = ? "
        "UNION ALL SELECT end_ms + 1 FROM periods WHERE group_id = ?) WHERE b > ?",
        (group_id, group_id, now),
    ).fetchone()
    return FOREVER if row[0] is None else int(row[0])


def materialize(db: sqlite3.Connection, group_id: int, *, now: int) -> None:
    """Store the group's documents as rendered at `now` (epoch ms on the sandbox's clock)."""
    row = db.execute("SELECT * FROM target_groups WHERE id = ?", (group_id,)).fetchone()
    if row is None:  # deleted in this request
        return
    full = target_groups.render(db, row, now=now)
    lite = {key: value for key, value in full.items() if key != "periods"}
    db.execute(
        "INSERT OR REPLACE INTO group_docs (group_id, full_json, lite_json, valid_until) "
        "VALUES (?, ?, ?, ?)",
        (group_id, _dumps(full), _dumps(lite), _valid_until(db, group_id, now)),
    )


def materialize_missing(db: sqlite3.Connection, *, now: int | None = None) -> int:
    """Render every group without a stored document (after a bulk load); returns the count.

    `now` defaults to the machine's clock, for bulk loads made outside a running sandbox.
    """
    now = system_clock() if now is None else now
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM target_groups g WHERE NOT EXISTS "
            "(SELECT 1 FROM group_docs d WHERE d.group_id = g.id)"
        )
    ]
    for group_id in ids:
        materialize(db, group_id, now=now)
    return len(ids)


def check_version(db: sqlite3.Connection) -> None:
    """Forget stored documents rendered by other code; reads render live until the next write."""
    row = db.execute("SELECT value FROM meta WHERE key = 'render_version'").fetchone()
    if row is not None and row[0] == RENDER_VERSION:
        return
    if row is not None:
        db.execute("DELETE FROM group_docs")
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('render_version', ?)", (RENDER_VERSION,)
    )


# Select groups with this, joined to their stored documents, to call group_json on the rows.
WITH_DOCS = (
    "SELECT g.*, d.full_json, d.lite_json, d.valid_until FROM target_groups g "
    "LEFT JOIN group_docs d ON d.group_id = g.id"
)


def group_json(db: sqlite3.Connection, row: sqlite3.Row, *, with_periods: bool, now: int) -> str:
    """The group as JSON text: the stored document while valid, else rendered now.

    `row` comes from a WITH_DOCS query.
    """
    until = row["valid_until"]
    if until is not None and now < until:
        text: str = row["full_json" if with_periods else "lite_json"]
        return text
    return _dumps(target_groups.render(db, row, with_periods=with_periods, now=now))


def get_target_group(ctx: Context) -> Reply:
    # includeUserCreatedTargetGroups / includeOnlyActive are list filters that Capillary's page
    # shows on this operation; an id names one group, so they never hide it.
    db = ctx.db
    group_id = ctx.path["targetGroupId"]
    row = db.execute(
        f"{WITH_DOCS} WHERE g.id = ? AND g.org_id = ?", (group_id, ctx.org_id)
    ).fetchone()
    if row is None:
        raise not_found(f"Target group {group_id}")
    with_periods = ctx.query.get("includePeriods", True)
    text = group_json(db, row, with_periods=with_periods, now=ctx.now)
    return Reply(b'{"data":' + text.encode() + b',"errors":null,"warnings":null}')
