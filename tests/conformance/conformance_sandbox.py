"""Helpers shared by the conformance tests that run against the sandbox app in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance import inprocess, runner
from conformance.credentials import Identity
from sandbox import seed
from sandbox.app import Settings, create_app
from tests.conformance.mutants import Mutant

BUNDLE = runner.DEFAULT_SPEC
DEMO = Identity("primary", "basic", username=seed.DEMO.username, password=seed.DEMO.password)
DEMO_OAUTH = Identity(
    "primary", "oauth", key=seed.DEMO.oauth_key or "", secret=seed.DEMO.oauth_secret or ""
)
OTHER = Identity("peer", "basic", username=seed.OTHER.username, password=seed.OTHER.password)


def sandbox_app(folder: Path, mutant: Mutant | None = None) -> Any:
    """A sandbox app on a fresh database file in `folder` (seeded), with `mutant`'s defect."""

    def build() -> Any:
        return create_app(Settings(db=str(folder / "sandbox.db")))

    return build() if mutant is None else mutant.build(build)


def fuzz(
    app: Any,
    *,
    primary: Identity = DEMO,
    max_examples: int,
    deadline_seconds: float,
    **options: Any,
) -> inprocess.InProcessResult:
    """The project's fuzz run (same config, hooks and checks as `make fuzz`), in-process."""
    schema = inprocess.load_schema(
        BUNDLE,
        app,
        primary,
        OTHER,
        seed=runner.DEFAULT_SEED,
        max_examples=max_examples,
        **options,
    )
    return inprocess.run(schema, deadline_seconds=deadline_seconds)
