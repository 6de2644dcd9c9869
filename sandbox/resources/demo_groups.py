"""Seeded target groups (filled in once the spec's shapes are known)."""

from __future__ import annotations

from typing import Any

from sandbox.store import Store


def seed_groups(store: Store, *credentials: Any) -> None:
    return None
