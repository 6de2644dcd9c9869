"""Forward compatibility of the generated client models (issue 7): no sockets, no server.

A response with a field or an enum value this client version does not know parses without raising,
keeps the raw value reachable (``additional_properties`` / the enum member's ``value``) and
round-trips through ``to_dict`` unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

from capillary_target_groups.models import (
    ApiWarning,
    TargetGroup,
    TargetGroupEnvelope,
    TargetType,
    TrackingType,
)
from capillary_target_groups.sdk._resources import _parse_get_target_group
from capillary_target_groups.types import lenient_enums


def payload() -> dict[str, Any]:
    return {
        "data": {
            "id": 7,
            "name": "Q3 spend",
            "active": True,
            "trackingType": "SOMETHING_NEW",  # unknown enum value
            "brandNewField": {"nested": [1, "two", None]},  # unknown top-level field
            "periods": [
                {
                    "id": 1,
                    "startDate": "2026-07-01",
                    "endDate": "2026-09-30",
                    "periodStatus": "ENDED",
                    "closedBy": "batch",  # unknown field inside a period
                }
            ],
            "targets": [
                {
                    "id": 11,
                    "name": "spend",
                    "targetType": "NEW_TYPE",  # unknown enum value inside a target
                    "targetEntity": "TRANSACTION",
                    "weight": 0.5,  # unknown field inside a target
                    "rules": None,
                }
            ],
        },
        "errors": None,
        "warnings": [{"message": "deprecated soon", "severity": "LOW"}],
        "traceId": "abc",  # unknown field on the envelope
    }


def test_unknown_fields_and_enum_values_are_kept_and_round_trip() -> None:
    body = payload()
    original = copy.deepcopy(body)
    group = _parse_get_target_group(body)  # the SDK's parser: enums open while it runs

    assert group.additional_properties == {"brandNewField": {"nested": [1, "two", None]}}
    assert isinstance(group.tracking_type, TrackingType)
    assert group.tracking_type.value == "SOMETHING_NEW"
    assert isinstance(group.periods, list)
    (period,) = group.periods
    assert period.additional_properties == {"closedBy": "batch"}
    assert period.id == 1
    assert isinstance(group.targets, list)
    (target,) = group.targets
    assert target.additional_properties == {"weight": 0.5, "rules": None}
    assert isinstance(target.target_type, TargetType)
    assert target.target_type.value == "NEW_TYPE"

    assert group.to_dict() == original["data"]
    assert body == original  # parsing does not consume the input


def test_envelope_round_trips_with_unknown_members() -> None:
    token = lenient_enums.set(True)
    try:
        envelope = TargetGroupEnvelope.from_dict(payload())
    finally:
        lenient_enums.reset(token)
    assert envelope.additional_properties == {"traceId": "abc"}
    assert isinstance(envelope.warnings, list)
    assert envelope.warnings[0].additional_properties == {"severity": "LOW"}
    assert envelope.to_dict() == payload()


def test_known_members_only_leave_additional_properties_empty() -> None:
    group = TargetGroup.from_dict({"id": 1, "name": "g", "active": False})
    assert group.additional_properties == {}
    assert group.to_dict() == {"id": 1, "name": "g", "active": False}


def test_known_names_win_over_additional_properties_in_to_dict() -> None:
    warning = ApiWarning(message="real")
    warning.additional_properties["message"] = "shadow"
    warning.additional_properties["extra"] = 1
    assert warning.to_dict() == {"message": "real", "extra": 1}
    parsed = ApiWarning.from_dict(warning.to_dict())
    assert (parsed.message, parsed.additional_properties) == ("real", {"extra": 1})


def test_equality_ignores_whether_an_empty_additional_properties_was_touched() -> None:
    first = TargetGroup.from_dict({"id": 1, "name": "g", "active": False})
    second = TargetGroup.from_dict({"id": 1, "name": "g", "active": False})
    assert first.additional_properties == {}  # creates the (empty) dict on first use
    assert first == second
    second.additional_properties = {"x": 1}
    assert first != second
    assert second.to_dict()["x"] == 1
