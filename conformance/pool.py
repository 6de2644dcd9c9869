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
Only ids from responses to this run's own requests are named, never a guessed one (schemathesis's
own pool is less choosy: it reuses any id a response listed). A 2xx DELETE retires the sets and
collections that named the deleted resource, and a DELETE gets linked ids for a few cases per
phase only: enough to check that deleting works, not so many that the resources other operations
need (the targets of a group) are all gone.

It also remembers the items a collection (`data` as a list of objects with an `id`) returned, so a
batch update of that collection can resend items the server knows; an item whose resend the
server refused (a period that has ended, say) is not resent again.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

from conformance.links import operation_id, path_values, response_links

if TYPE_CHECKING:
    from schemathesis import Response

    from conformance._typing import AnyCase

# Recent sets per operation: enough variety for a run, bounded for a long one.
KEEP_PER_OPERATION = 32
KEEP_COLLECTION_ITEMS = 8

ParamSet = tuple[tuple[str, str], ...]
# Answers that say the server will not change an item (a rule, not a missing resource or a
# credential problem): the item is not resent.
REFUSALS = frozenset({400, 409, 422})


def _key(values: dict[str, Any]) -> ParamSet:
    # Links give ints from bodies and strings from request paths: compare them as text.
    return tuple(sorted((name, str(value)) for name, value in values.items()))


class IdPool:
    """Path-parameter sets from links, per target operation, and collection items per path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[str, OrderedDict[ParamSet, dict[str, Any]]] = {}
        # Every set a link ever produced, with the operation whose response produced it.
        self._sources: dict[tuple[str, ParamSet], str] = {}
        self._items: dict[tuple[str, ParamSet], list[dict[str, Any]]] = {}
        self._turns: Counter[str] = Counter()
        self._spent: Counter[tuple[str, str]] = Counter()
        # (collection path, item id) the server would not let a batch update change.
        self._refused: set[tuple[str, str]] = set()

    def record(self, case: AnyCase, response: Response) -> None:
        """Learn from a response: link targets after a 2xx, retirements after a 2xx DELETE, and
        items a batch update could not change after a 400."""
        if response.status_code in REFUSALS and case.method.upper() == "PUT":
            self._refuse(case)
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
                self._add(link.operation_id, values, operation_id(case.operation))
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and data and all(isinstance(i, dict) and "id" in i for i in data):
            key = (operation.path, _key(dict(case.path_parameters or {})))
            with self._lock:
                self._items[key] = data[:KEEP_COLLECTION_ITEMS]

    def _refuse(self, case: AnyCase) -> None:
        body = case.body
        if not isinstance(body, list):
            return
        ids = {str(item["id"]) for item in body if isinstance(item, dict) and "id" in item}
        with self._lock:
            self._refused.update((case.operation.path, item_id) for item_id in ids)

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
            for collection in [c for c in self._items if gone <= set(c[1])]:
                del self._items[collection]

    def takes_turn(self, operation_id: str, budget: tuple[str, int] | None = None) -> bool:
        """True for every other case of an operation: half keep their generated values.

        `budget` (a phase and a count) caps the turns the operation gets in that phase.
        """
        with self._lock:
            self._turns[operation_id] += 1
            if self._turns[operation_id] % 2 == 0:
                return False
            if budget is not None:
                spent = (operation_id, budget[0])
                if self._spent[spent] >= budget[1]:
                    return False
                self._spent[spent] += 1
            return True

    def turn(self, operation_id: str) -> int:
        """How many cases of the operation `takes_turn` has seen: rotates through choices."""
        with self._lock:
            return self._turns[operation_id]

    def draw(self, operation_id: str, oldest: bool = False) -> dict[str, Any] | None:
        """A live set for an operation, or None: the most recent ones first (or the oldest, for a
        DELETE: the newest resources are the ones the next operations build on)."""
        with self._lock:
            live = self._live.get(operation_id)
            if not live:
                return None
            keys = list(live) if oldest else list(reversed(live))
            turn = self._turns[operation_id]
            return dict(live[keys[(turn // 2) % len(keys)]])

    def draw_collection(self, operation_id: str, path: str) -> dict[str, Any] | None:
        """Path parameters of a collection at `path` that still has items worth resending."""
        with self._lock:
            keys = [
                key for (at, key) in self._items if at == path and self._usable_items(path, key)
            ]
            if not keys:
                return None
            turn = self._turns[operation_id]
            return dict(keys[(turn // 2) % len(keys)])

    def source_of(self, operation_id: str, values: dict[str, Any]) -> str | None:
        """The operation whose response a link took these path parameters from, if any."""
        with self._lock:
            return self._sources.get((operation_id, _key(values)))

    def items(self, path: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        """Items the collection at `path` listed, less those the server refused to change."""
        with self._lock:
            return self._usable_items(path, _key(values))

    def _usable_items(self, path: str, key: ParamSet) -> list[dict[str, Any]]:
        listed = self._items.get((path, key), [])
        return [item for item in listed if (path, str(item.get("id"))) not in self._refused]


POOL = IdPool()
