"""How operations become resource methods: ``operationId`` -> ``client.<resource>.<method>``.

Default rule, applied to every operation of the bundle: the resource is the operation's first tag
in snake_case (a trailing parenthesis such as " (deprecated)" dropped), and the method is the
operationId's verb when the rest of the operationId names that resource (``getTargetGroup`` on
tag "Target groups" -> ``target_groups.get``); otherwise the whole operationId in snake_case.

``OVERRIDES`` names the operations where that reads badly. Generation fails when an override
names an operation the spec no longer has, or when two operations land on the same method, so
this table cannot silently drift from the spec.
"""

from __future__ import annotations

import re

OVERRIDES: dict[str, str] = {
    # "check_name_validity" repeats the resource; the doc page calls it checking a name.
    "checkNameValidity": "target_groups.check_name",
    # Communications live under a target; the tag already says "communications".
    "listTargetCommunications": "communications.list",
    "upsertTargetCommunications": "communications.upsert",
    "listTargetChannels": "communications.channels",
    # Read as "the user's target groups": client.users.target_groups(user_id).
    "listUserTargetGroups": "users.target_groups",
    # The tag is "Authentication"; the object handled is an OAuth token.
    "generateOauthToken": "oauth.generate_token",
}

# Helpers for the kinds of target group that are a DEFAULT group with one target of a given
# kind: helper name -> (the createTargetGroup variant, the target variant of its single target).
# The plain variants (default, unified, streak, ...) get a helper each without being listed.
CREATE_OPERATION = "createTargetGroup"
EVENT_CREATE_HELPERS: dict[str, tuple[str, str]] = {
    "create_behavioural_event": ("DefaultTargetGroupCreate", "BehaviouralEventTargetCreate"),
    "create_emf_event": ("DefaultTargetGroupCreate", "EmfEventTargetCreate"),
}

# Target fields the event helpers leave out: the group does not exist yet, so it has no id.
EVENT_TARGET_EXCLUDED = frozenset({"target_group_id"})

# The operation walked by client.milestones.iter(): limit/offset in, pagination{} out.
PAGINATED_PARAMS = ("limit", "offset")

VERBS = ("list", "get", "create", "update", "delete", "deactivate", "upsert", "check", "generate")


def snake(name: str) -> str:
    """``TargetGroups`` / ``targetGroupId`` / ``Target groups`` -> ``target_groups`` etc."""
    name = re.sub(r"\(.*?\)", "", name).strip()
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return name.strip("_").lower()


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in snake(name).split("_"))


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def resource_method(operation_id: str, tag: str) -> tuple[str, str]:
    """``(resource, method)`` for an operation, by the override table or the default rule."""
    if operation_id in OVERRIDES:
        resource, _, method = OVERRIDES[operation_id].partition(".")
        return resource, method
    resource = snake(tag)
    parts = snake(operation_id).split("_")
    verb, rest = parts[0], "_".join(parts[1:])
    if verb in VERBS and rest and _singular(rest) == _singular(resource):
        return resource, verb
    return resource, snake(operation_id)
