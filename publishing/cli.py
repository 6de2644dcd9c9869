"""Command line: `python -m publishing docs | breaking | changelog | rules | render-check`.

Exit codes: 0 success; 1 a breaking change without a major version bump (breaking), or a page
that failed to render (render-check), or a failed build (docs); 2 a usage error (unknown ref,
missing input).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publishing import breaking as differ
from publishing import changelog, docs, gitref

if TYPE_CHECKING:
    from publishing.render_check import RenderResult

USAGE_ERROR = 2
WORKING_BUNDLE = Path("generated/openapi.json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 too; this keeps the message short
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m publishing", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_docs = sub.add_parser("docs", help="build site/: offline HTML reference + bundles")
    p_docs.add_argument("--out", type=Path, default=docs.SITE_DIR, help="default: site")
    p_docs.add_argument(
        "--bundle-dir", type=Path, default=docs.BUNDLE_DIR, help="default: generated"
    )

    for name, help_text in (
        ("breaking", "compare the bundle at a git ref with the working tree's bundle"),
        ("changelog", "draft a spec/CHANGELOG.md entry for the changes since a git ref"),
    ):
        p = sub.add_parser(name, help=help_text)
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--base", metavar="REF", help="git tag, branch or commit to compare with"
        )
        source.add_argument(
            "--against-latest-tag",
            action="store_true",
            help="compare with the newest v* tag; skipped (exit 0) when there is none",
        )
        source.add_argument("--base-file", type=Path, help="compare with a bundle file instead")
        p.add_argument(
            "--spec",
            type=Path,
            default=WORKING_BUNDLE,
            help="the new bundle (default: generated/openapi.json in the working tree)",
        )

    sub.add_parser("rules", help="list the differ's rule ids")

    p_render = sub.add_parser("render-check", help="open a page in offline headless Chromium")
    p_render.add_argument("--page", type=Path, default=docs.SITE_DIR / "index.html")
    p_render.add_argument("--bundle", type=Path, default=WORKING_BUNDLE)
    p_render.add_argument("--screenshot", type=Path, help="also save a PNG of the page here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "docs":
            docs.build_site(args.out, args.bundle_dir)
            return 0
        if args.command == "rules":
            for rule, is_breaking, meaning in differ.iter_rules():
                print(f"{rule:42} {'breaking' if is_breaking else 'info':8} {meaning}")
            return 0
        if args.command == "render-check":
            return _render_check(args.page, args.bundle, args.screenshot)
        return _compare(args)
    except (gitref.RefError, differ.DiffError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except docs.MissingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except docs.PublishingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _load_base(args: argparse.Namespace) -> tuple[dict[str, Any], str] | None:
    repo = Path.cwd()
    if args.base_file is not None:
        if not args.base_file.is_file():
            raise gitref.RefError(f"{args.base_file} does not exist")
        return gitref.load_file(args.base_file), str(args.base_file)
    if args.against_latest_tag:
        tag = gitref.latest_release_tag(repo)
        if tag is None:
            return None
        return gitref.bundle_at(repo, tag)
    if not args.base or not args.base.strip():
        raise gitref.RefError("no base ref given: make breaking BASE=<git ref>, e.g. BASE=v1.0.0")
    return gitref.bundle_at(repo, args.base.strip())


def _compare(args: argparse.Namespace) -> int:
    if not args.spec.is_file():
        raise gitref.RefError(f"{args.spec} is missing: run `make bundle` (or `make generate`)")
    loaded = _load_base(args)
    if loaded is None:
        print("no release tag; skipped")
        return 0
    old, source = loaded
    new = gitref.load_file(args.spec)
    findings = differ.compare(old, new)
    old_version, new_version = differ.version(old), differ.version(new)
    if args.command == "changelog":
        bump = changelog.required_bump(findings)
        suggested = changelog.next_version(old_version, bump) if bump else old_version
        print(changelog.entry(new_version or "UNRELEASED", findings), end="")
        print(f"\n<!-- {source} was {old_version}; policy asks for {suggested or '?'} -->")
        return 0
    return _report(findings, source, old_version, new_version, args.spec)


def _report(
    findings: list[differ.Finding], source: str, old_version: str, new_version: str, spec: Path
) -> int:
    print(f"==> comparing {source} ({old_version}) with {spec} ({new_version})")
    broken = differ.breaking(findings)
    info = [f for f in findings if not f.breaking]
    for title, group in (("Breaking changes", broken), ("Non-breaking changes", info)):
        if group:
            print(f"{title} ({len(group)}):")
            for finding in group:
                print(finding.line())
    if not findings:
        print("no changes")

    bump = changelog.required_bump(findings)
    enough = changelog.bump_is_enough(old_version, new_version, bump)
    if bump and enough is False:
        wanted = changelog.next_version(old_version, bump)
        print(
            f"note: info.version {old_version} -> {new_version}; the versioning policy "
            f"(spec/README.md) asks for at least {wanted} ({bump})"
        )
    if not broken:
        return 0
    old_major, new_major = differ.major(old_version), differ.major(new_version)
    if old_major is not None and new_major is not None and new_major > old_major:
        print(
            f"{len(broken)} breaking change(s) accepted: info.version's major number was raised "
            f"({old_version} -> {new_version})"
        )
        return 0
    print(
        f"{len(broken)} breaking change(s) and info.version's major number was not raised "
        f"({old_version} -> {new_version}): undo them, or raise the major version and list the "
        "affected operations in spec/CHANGELOG.md",
        file=sys.stderr,
    )
    return 1


def _render_check(page: Path, bundle: Path, screenshot: Path | None) -> int:
    from publishing import render_check  # noqa: PLC0415 - websockets is only needed here

    if not page.is_file():
        raise docs.MissingInputError(f"{page} is missing: run `make docs` first")
    summaries = operation_summaries(json.loads(bundle.read_text(encoding="utf-8")))
    result = render_check.render(page, screenshot=screenshot)
    problems = page_problems(result, summaries)
    print(f"==> rendered {page} offline in {result.seconds:.1f} s")
    for problem in problems:
        print(f"problem: {problem}")
    if not problems:
        print(f"all {len(summaries)} operation summaries rendered; no remote request left the page")
    return 1 if problems else 0


def operation_summaries(document: dict[str, Any]) -> dict[str, str]:
    """`METHOD /path` -> summary (falling back to operationId, which Redoc shows instead)."""
    out: dict[str, str] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in differ.HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                out[f"{method.upper()} {path}"] = str(op.get("summary") or op.get("operationId"))
    return out


def page_problems(result: RenderResult, summaries: dict[str, str]) -> list[str]:
    """What is wrong with a rendered page, as sentences."""
    problems = [f"remote request: {url}" for url in result.remote_requests]
    problems += result.errors
    if not result.hydrated:
        problems.append("Redoc did not hydrate the page (its scripts did not run to completion)")
    # innerText collapses whitespace runs; compare the same way.
    text = " ".join(result.text.split())
    problems += [
        f"summary of {op} not rendered: {summary!r}"
        for op, summary in summaries.items()
        if " ".join(summary.split()) not in text
    ]
    return problems


if __name__ == "__main__":
    sys.exit(main())
