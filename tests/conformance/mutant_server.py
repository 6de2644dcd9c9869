"""Test-only launcher: the real sandbox CLI serving the sandbox app wrapped by one mutant.

    python tests/conformance/mutant_server.py MUTANT [python -m sandbox options]

It patches `sandbox.app.create_app` before the sandbox CLI imports it, so start-up, seeding, the
banner and the port handling are the sandbox's own; the product code has no fault switch.
"""

from __future__ import annotations

import sys
from typing import Any

import sandbox.app
from sandbox import cli
from tests.conformance import mutants


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in mutants.BY_NAME:
        names = ", ".join(mutants.BY_NAME)
        print(f"usage: mutant_server.py MUTANT [sandbox options]; MUTANT is one of {names}")
        return 2
    mutant = mutants.BY_NAME[argv[0]]
    original = sandbox.app.create_app

    def create_app(settings: Any, store: Any = None) -> Any:
        return mutant.build(lambda: original(settings, store))

    sandbox.app.create_app = create_app
    return cli.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
