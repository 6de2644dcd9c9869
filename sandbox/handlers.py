"""operationId -> handler: the one place that says which function serves which operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.context import Context
from sandbox.resources import (
    activity,
    channels,
    communications,
    materialized,
    milestones,
    oauth,
    periods,
    target_groups,
    targets,
    unified,
    users,
)

Handler = Callable[[Context], Any]

HANDLERS: dict[str, Handler] = {
    # Capillary API (generated/openapi.yaml)
    "createTargetGroup": target_groups.create_target_group,
    "listTargetGroups": target_groups.list_target_groups,
    "getTargetGroup": materialized.get_target_group,
    "deleteTargetGroup": target_groups.delete_target_group,
    "updateTargetGroup": target_groups.update_target_group,
    "checkNameValidity": target_groups.check_name_validity,
    "listTargetPeriods": periods.list_target_periods,
    "createTargetPeriods": periods.create_target_periods,
    "updateTargetPeriods": periods.update_target_periods,
    "listTargets": targets.list_targets,
    "createTargets": targets.create_targets,
    "updateTarget": targets.update_target,
    "deactivateTarget": targets.deactivate_target,
    "updateUnifiedTargets": unified.update_unified_targets,
    "listTargetCommunications": communications.list_target_communications,
    "upsertTargetCommunications": communications.upsert_target_communications,
    "listTargetChannels": channels.list_target_channels,
    "listMilestones": milestones.list_milestones,
    "listUserTargetGroups": users.list_user_target_groups,
    "generateOauthToken": oauth.generate_oauth_token,
    # Sandbox-only (sandbox/openapi-sandbox.yaml)
    "createUserEnrolment": activity.create_user_enrolment,
    "createUserTransaction": activity.create_user_transaction,
    "createUserEvent": activity.create_user_event,
    "listUserActivities": activity.list_user_activities,
}
