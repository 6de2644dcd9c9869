"""Capillary's business error codes for bodies the schema has already rejected.

The spec encodes these rules in its schemas (maxLength, oneOf per targetEntity, if/then), so a
failing body is always a 400; this module only picks the specific code Capillary documents
instead of the generic 300004, by looking at what the body actually got wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sandbox.errors import (
    INVALID_ENTITY_TYPE,
    INVALID_KEY,
    NAME_TOO_LONG,
    RULE_METADATA_REQUIRED,
    ApiError,
    bad_request,
)

INVALID_PROGRAM_ID = 310146
INVALID_CURRENCY_ID = 310147
MAX_NAME = 200
EMF_EVENTS = frozenset({"CustomerRegistration", "PointsRedemption", "ReturnBill", "PointsTransfer"})
TRANSACTION_TYPES = frozenset(
    {"QUANTITY", "SALES", "GROSS_SALES", "COUNT", "VISIT", "EXTENDED_FIELD"}
)
ALLOWED: dict[str, frozenset[str]] = {
    "TRANSACTION": TRANSACTION_TYPES,
    "LINEITEM": TRANSACTION_TYPES,
    "EVENT": frozenset({"COUNT", "VISIT", "EVENT_ATTRIBUTE"}),
    "REWARDS": frozenset({"REGULAR_POINTS", "PROMOTIONAL_POINTS", "ALL_POINTS"}),
    "POINTS": frozenset({"REGULAR_POINTS", "PROMOTIONAL_POINTS", "ALL_POINTS"}),
    "ALTERNATE_CURRENCIES": frozenset({"ALL", "REGULAR", "PROMOTION"}),
}
NAME_TYPES = frozenset(
    {"targetGroupName", "streakName", "targetName", "streakLevelName", "periodName"}
)
TARGET_BODIES = {
    "createTargetGroup": "group",
    "updateTargetGroup": "group",
    "createTargets": "list",
    "updateTarget": "single",
    "updateUnifiedTargets": "group",
}


def _targets(operation_id: str, body: Any) -> Iterator[dict[str, Any]]:
    shape = TARGET_BODIES.get(operation_id)
    items: Any = []
    if shape == "group" and isinstance(body, dict):
        items = body.get("targets", [])
    elif shape == "list":
        items = body
    elif shape == "single":
        items = [body]
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def _long(value: Any) -> bool:
    return isinstance(value, str) and len(value) > MAX_NAME


def _target_error(target: dict[str, Any], creating: bool) -> ApiError | None:
    if _long(target.get("name")):
        return bad_request("Length of Target rule name cannot exceed 200", NAME_TOO_LONG)
    entity, kind = target.get("targetEntity"), target.get("targetType")
    if not isinstance(entity, str):
        entity = None
    if creating and entity in ALLOWED and isinstance(kind, str):
        event = target.get("eventName")
        emf_misuse = (
            entity == "EVENT"
            and isinstance(event, str)
            and event in EMF_EVENTS
            and kind not in ("COUNT", "VISIT")
        )
        if kind not in ALLOWED[entity] or emf_misuse:
            return bad_request(
                f"Invalid target entity and target type combination: {entity} / {kind}",
                INVALID_ENTITY_TYPE,
            )
    info = target.get("extendedFieldInfo")
    if (kind == "EXTENDED_FIELD" or entity == "ALTERNATE_CURRENCIES") and not isinstance(
        info, dict
    ):
        return bad_request(
            "Target rule metadata is required in case of EXTENDED_FIELD/ALTERNATE_CURRENCIES "
            "target type",
            RULE_METADATA_REQUIRED,
        )
    if entity == "ALTERNATE_CURRENCIES" and isinstance(info, dict):
        identifier = info.get("alternateCurrencyIdentifier")
        if not isinstance(identifier, str) or not identifier:
            return bad_request(
                "Invalid or null Alternate Currency Identifier for target rule", INVALID_CURRENCY_ID
            )
        program = info.get("programId")
        if isinstance(program, bool) or not isinstance(program, int) or program < 1:
            return bad_request("Invalid program id", INVALID_PROGRAM_ID)
    return None


def business_error(operation_id: str, body: Any) -> ApiError | None:
    """The documented business error that explains why `body` failed the schema, if any."""
    if operation_id == "checkNameValidity" and isinstance(body, dict):
        kind = body.get("type")
        if not isinstance(kind, str) or kind not in NAME_TYPES:
            return bad_request(f"Invalid key is passed: {body.get('type')!r}", INVALID_KEY)
        return None
    group_body = operation_id in ("createTargetGroup", "updateTargetGroup")
    if group_body and isinstance(body, dict) and _long(body.get("name")):
        return bad_request("Length of target group name cannot exceed 200", NAME_TOO_LONG)
    creating = operation_id in ("createTargetGroup", "createTargets")
    for target in _targets(operation_id, body):
        error = _target_error(target, creating)
        if error is not None:
            return error
    return None
