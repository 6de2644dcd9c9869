# Copied from generator/sdk/runtime/_pagination.py by `make generate`. Edit that file, not this copy.
"""Lazy iteration over limit/offset pages (``GET /v3/milestones`` is the paginated operation)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._response import APIResponse

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: its items and the server's ``pagination`` block."""

    items: Sequence[T]
    offset: int
    limit: int
    total: int | None


def page_from_response(response: APIResponse[Sequence[T] | None], *, offset: int, limit: int) -> Page[T]:
    """A :class:`Page` from a list response whose envelope carries ``pagination``.

    ``pagination`` is read from the raw body: it only positions the walk, and a server that
    leaves it out (or sends junk) still gives a walk that ends on the first short page.
    """
    items = response.data or []
    body = response.json()
    raw: Any = body.get("pagination") if isinstance(body, dict) else None
    pagination: dict[str, Any] = raw if isinstance(raw, dict) else {}

    def number(key: str, fallback: int | None) -> int | None:
        value = pagination.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else fallback

    total = number("total", None)
    if total is None and len(items) < limit:
        total = offset + len(items)
    return Page(
        items=items,
        offset=number("offset", offset) or 0,
        limit=number("limit", limit) or limit,
        total=total,
    )


def _next_offset(page: Page[T], max_items: int | None, seen: int) -> int | None:
    """Offset of the page after ``page``, or None when the walk is over."""
    if not page.items:
        return None
    if max_items is not None and seen >= max_items:
        return None
    # Advance by what was received, not by the limit asked for: a server that caps the page
    # size below ``limit`` would otherwise make the walk skip items.
    nxt = page.offset + len(page.items)
    if page.total is not None and nxt >= page.total:
        return None
    return nxt


class SyncPaginator(Generic[T]):
    """Iterates items across pages, fetching each page only when the previous one is used up.

    ``fetch(offset, limit)`` returns a :class:`Page`. ``max_items`` bounds the walk.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Page[T]],
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
    ) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        self._fetch = fetch
        self._limit = limit
        self._offset = offset
        self._max_items = max_items

    def pages(self) -> Iterator[Page[T]]:
        """Iterate page by page (a fresh walk from the starting offset each call)."""
        offset: int | None = self._offset
        seen = 0
        while offset is not None:
            page = self._fetch(offset, self._limit)
            seen += len(page.items)
            yield page
            offset = _next_offset(page, self._max_items, seen)

    def __iter__(self) -> Iterator[T]:
        remaining = self._max_items
        for page in self.pages():
            for item in page.items:
                if remaining is not None:
                    if remaining <= 0:
                        return
                    remaining -= 1
                yield item


class AsyncPaginator(Generic[T]):
    """Async variant of :class:`SyncPaginator`: ``async for item in paginator``."""

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[Page[T]]],
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
    ) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        self._fetch = fetch
        self._limit = limit
        self._offset = offset
        self._max_items = max_items

    async def pages(self) -> AsyncIterator[Page[T]]:
        offset: int | None = self._offset
        seen = 0
        while offset is not None:
            page = await self._fetch(offset, self._limit)
            seen += len(page.items)
            yield page
            offset = _next_offset(page, self._max_items, seen)

    async def __aiter__(self) -> AsyncIterator[T]:
        remaining = self._max_items
        async for page in self.pages():
            for item in page.items:
                if remaining is not None:
                    if remaining <= 0:
                        return
                    remaining -= 1
                yield item

    async def to_list(self) -> list[T]:
        """All items (bounded by ``max_items``) in a list."""
        return [item async for item in self]
