# Copied from generator/sdk/runtime/_types.py by `make generate`. Edit that file, not this copy.
"""Small shared types of the SDK runtime: the NOT_GIVEN sentinel and per-call request options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypedDict, final

import httpx

# A timeout is seconds (float), a full httpx.Timeout, or None for "wait forever".
TimeoutTypes = float | httpx.Timeout | None


@final
class NotGiven:
    """Marks an option the caller did not pass.

    None is a meaningful value for some options (``timeout=None`` disables the timeout), so
    "not passed" needs its own sentinel.
    """

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class RequestOptions(TypedDict, total=False):
    """Per-call overrides accepted by every resource method as keyword arguments."""

    timeout: TimeoutTypes
    """Timeout for this call (each attempt), overriding the client's."""
    max_retries: int
    """Retries for this call, overriding the client's ``max_retries``."""
    retry_post: bool
    """Allow retrying this call even if it is a POST (only safe for POSTs without side effects)."""
    extra_headers: Mapping[str, str]
    """Headers added to this call (they cannot replace the authentication headers)."""
