"""``python -m generator bundle|generate|check`` (the Makefile's entry points).

Only the standard library is imported up front: ``make generate`` with unchanged inputs must answer
in well under 0.3 s, so the generators are imported by worker processes, and only when needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.layout import Layout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--out",
        type=Path,
        help="output folder instead of generated/ (tests and experiments)",
    )
    common.add_argument(
        "--without-sdk",
        action="store_true",
        help="the bare client, without generator/sdk's layer (for tiny specs of other APIs)",
    )
    common.add_argument(
        "--spec-dir",
        type=Path,
        help="bundle this multi-file spec folder (its openapi.yaml) instead of spec/",
    )
    common.add_argument(
        "--spec-file",
        type=Path,
        help="use this single-file OpenAPI document as the bundle instead of bundling spec/",
    )
    commands.add_parser("bundle", parents=[common], help="bundle spec/ into the output folder")
    generate = commands.add_parser(
        "generate", parents=[common], help="bundle, generate client and models (no-op if unchanged)"
    )
    generate.add_argument(
        "--force", action="store_true", help="regenerate even when nothing changed"
    )
    commands.add_parser(
        "check", parents=[common], help="regenerate into a temporary folder, fail on any difference"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    defaults = Layout()
    layout = Layout(
        out_dir=defaults.out_dir if args.out is None else args.out.resolve(),
        spec_dir=defaults.spec_dir if args.spec_dir is None else args.spec_dir.resolve(),
        spec_file=None if args.spec_file is None else args.spec_file.resolve(),
        with_sdk=not args.without_sdk,
    )
    from generator import pipeline  # noqa: PLC0415 - standard library plus our small modules

    if args.command == "bundle":
        return pipeline.bundle_only(layout)
    if args.command == "generate":
        return pipeline.generate(layout, force=args.force)
    from generator.check import check  # noqa: PLC0415

    return check(layout)


if __name__ == "__main__":
    sys.exit(main())
