"""Ids the server really issued, handed to the cases of every phase through the spec's links.

Generated ids almost never name an existing resource, so without help a DELETE, an update or a
nested read answers 404 in the examples, coverage and fuzzing phases, and the checks that need a
2xx (`delete_persisted`, `update_persisted`, ...) wait for the stateful phase to chain the right
calls, which a small budget rarely does. Schemathesis's own response pool draws each parameter
separately, so an operation with two ids (a target of a group) gets a pair that does not belong
together.

This pool records, after every 2xx, the path parameters each response link of the operation would
give its target operation, as one consistent set. `map_case` gives every other positive case of an
operation with path parameters one of those sets (the stateful phase is left to its own chains).
Only resources this run created or read are named, never a guessed id, so on a real server the
fuzzer deletes only what it made. A 2xx DELETE retires the sets that named the deleted resource.

It also remembers the items a collection (`data` as a list of objects with an `id`) returned, so a
batch update of that collection can resend items the server knows (see `batch_items`).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

from conformance.links import path_values, response_links

if TYPE_CHECKING:
    from schemathesis import Response

    from conformance._typing import AnyCase

# Recent sets per operation: enough variety for a run, bounded for a long one.
KEEP_PER_OPERATION = 32
KEEP_COLLECTION_ITEMS = 8

ParamSet = tuple[tuple[str, str], ...]


def _key(values: dict[str, Any]) -> ParamSet:
    # Links give ints from bodies and strings from request paths: compare them as text.
    return tuple(sorted((name, str(value)) for name, value in values.items()))


def _operation_id(case: AnyCase) -> str:
    value = case.operation.definition.raw.get("operationId")
    return value if isinstance(value, str) else case.operation.label


class IdPool:
    """Path-parameter sets from links, per target operation, and collection items per path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[str, OrderedDict[ParamSet, dict[str, Any]]] = {}
        # Every set a link ever produced, with the operation whose response produced it.
        self._sources: dict[tuple[str, ParamSet], str] = {}
        self._items: dict[tuple[str, ParamSet], list[dict[str, Any]]] = {}
        self._turns: Counter[str] = Counter()

    def record(self, case: AnyCase, response: Response) -> None:
        """Learn from a response: link targets after a 2xx, retirements after a 2xx DELETE."""
        if not 200 <= response.status_code < 300:
            return
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        operation = case.operation
        if case.method.upper() == "DELETE":
            self._retire(dict(case.path_parameters or {}))
            return
        schema = operation.schema
        for link in response_links(operation, response.status_code):
            try:
                target = schema.find_operation_by_id(link.operation_id)
            except LookupError:
                continue
            values = path_values(link, target, case, body)
            if values is not None:
                self._add(link.operation_id, values, _operation_id(case))
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and data and all(isinstance(i, dict) and "id" in i for i in data):
            key = (operation.path, _key(dict(case.path_parameters or {})))
            with self._lock:
                self._items[key] = data[:KEEP_COLLECTION_ITEMS]

    def _add(self, operation_id: str, values: dict[str, Any], source: str) -> None:
        key = _key(values)
        with self._lock:
            live = self._live.setdefault(operation_id, OrderedDict())
            live[key] = values
            live.move_to_end(key)
            while len(live) > KEEP_PER_OPERATION:
                live.popitem(last=False)
            self._sources.setdefault((operation_id, key), source)

    def _retire(self, deleted: dict[str, Any]) -> None:
        if not deleted:
            return
        gone = set(_key(deleted))
        with self._lock:
            for live in self._live.values():
                for key in [key for key in live if gone <= set(key)]:
                    del live[key]

    def takes_turn(self, operation_id: str) -> bool:
        """True for every other case of an operation: half keep their generated values."""
        with self._lock:
            self._turns[operation_id] += 1
            return self._turns[operation_id] % 2 == 1

    def turn(self, operation_id: str) -> int:
        """How many cases of the operation `takes_turn` has seen: rotates through choices."""
        with self._lock:
            return self._turns[operation_id]

    def draw(self, operation_id: str, prefer_items_at: str | None = None) -> dict[str, Any] | None:
        """The most recent live set for an operation (preferring ones whose collection at
        `prefer_items_at` has known items), or None."""
        with self._lock:
            live = self._live.get(operation_id)
            if not live:
                return None
            keys = list(reversed(live))
            if prefer_items_at is not None:
                keys.sort(key=lambda key: (prefer_items_at, key) not in self._items)
            turn = self._turns[operation_id]
            return dict(live[keys[(turn // 2) % len(keys)]])

    def source_of(self, operation_id: str, values: dict[str, Any]) -> str | None:
        """The operation whose response a link took these path parameters from, if any."""
        with self._lock:
            return self._sources.get((operation_id, _key(values)))

    def items(self, path: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items.get((path, _key(values)), []))


POOL = IdPool()
