"""Helpers every resource module shares: attribution, ownership checks, JSON columns."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sandbox.errors import not_found
from sandbox.timefmt import capillary_timestamp, iso_seconds

_ACTORS: dict[int, dict[str, Any]] = {}
_ATTRIBUTIONS: dict[tuple[int, int, int, int], dict[str, Any]] = {}


def actor(db: sqlite3.Connection, till_id: int) -> dict[str, Any]:
    """The AttributionActor of a till; tills never change at run time, so they are cached."""
    cached = _ACTORS.get(till_id)
    if cached is None:
        row = db.execute("SELECT id, username, name FROM tills WHERE id = ?", (till_id,)).fetchone()
        if row is None:
            return {"id": till_id, "code": None, "description": "", "name": None, "type": "TILL"}
        cached = {
            "id": row["id"],
            "code": row["username"],
            "description": "",
            "name": row["name"],
            "type": "TILL",
        }
        _ACTORS[till_id] = cached
    return cached


def attribution(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """Attribution from a row's created_ms / updated_ms / created_by / updated_by columns."""
    key = (row["created_ms"], row["updated_ms"], row["created_by"], row["updated_by"])
    cached = _ATTRIBUTIONS.get(key)
    if cached is None:
        # Objects written in one request share one attribution; it is only ever serialised.
        if len(_ATTRIBUTIONS) > 65536:
            _ATTRIBUTIONS.clear()
        cached = _ATTRIBUTIONS[key] = {
            "createdOn": capillary_timestamp(row["created_ms"]),
            "lastUpdatedOn": capillary_timestamp(row["updated_ms"]),
            "createdOnISO": iso_seconds(row["created_ms"]),
            "lastUpdatedOnISO": iso_seconds(row["updated_ms"]),
            "createdBy": actor(db, row["created_by"]),
            "lastUpdatedBy": actor(db, row["updated_by"]),
        }
    return cached


def load_doc(row: sqlite3.Row) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(row["doc"])
    return doc


def dump_doc(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"))


def group_row(db: sqlite3.Connection, org_id: int, group_id: int) -> sqlite3.Row:
    """The org's group, or 404: another org's id is indistinguishable from an unknown one."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM target_groups WHERE id = ? AND org_id = ?", (group_id, org_id)
    ).fetchone()
    if row is None:
        raise not_found(f"Target group {group_id}")
    return row


def target_row(db: sqlite3.Connection, org_id: int, group_id: int, target_id: int) -> sqlite3.Row:
    group_row(db, org_id, group_id)
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM targets WHERE id = ? AND group_id = ? AND org_id = ?",
        (target_id, group_id, org_id),
    ).fetchone()
    if row is None:
        raise not_found(f"Target {target_id} in target group {group_id}")
    return row


def decimal(value: Any) -> float:
    """A DecimalInput (number or numeric string) as a float."""
    return float(value)
