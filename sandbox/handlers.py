"""operationId -> handler: the one place that says which function serves which operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.context import Context

Handler = Callable[[Context], Any]

HANDLERS: dict[str, Handler] = {}
