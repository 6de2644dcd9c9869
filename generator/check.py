"""`python -m generator check`: regenerate into a temporary folder and demand no difference."""

from __future__ import annotations

import difflib
import shutil
import sys
import tempfile
from pathlib import Path

from generator import manifest, pipeline
from generator.layout import Layout

MAX_LINES_PER_FILE = 120
MAX_LINES = 600


def compare(fresh: Path, committed: Path, label: str) -> list[str]:
    """Readable differences between two trees: missing files, extra files, unified diffs."""
    new = {p.relative_to(fresh).as_posix(): p for p in manifest.walk(fresh)}
    old = (
        {p.relative_to(committed).as_posix(): p for p in manifest.walk(committed)}
        if committed.is_dir()
        else {}
    )
    lines: list[str] = []
    for rel in sorted(new.keys() - old.keys()):
        lines.append(f"missing from {label}/: {rel}")
    for rel in sorted(old.keys() - new.keys()):
        lines.append(f"extra in {label}/ (generation does not write it): {rel}")
    for rel in sorted(new.keys() & old.keys()):
        before, after = old[rel].read_bytes(), new[rel].read_bytes()
        if before == after:
            continue
        diff = list(
            difflib.unified_diff(
                before.decode("utf-8", "replace").splitlines(),
                after.decode("utf-8", "replace").splitlines(),
                fromfile=f"{label}/{rel} (committed)",
                tofile=f"{label}/{rel} (regenerated)",
                lineterm="",
            )
        )
        if len(diff) > MAX_LINES_PER_FILE:
            more = len(diff) - MAX_LINES_PER_FILE
            diff = [*diff[:MAX_LINES_PER_FILE], f"... {more} more diff lines in {rel}"]
        lines.extend(diff or [f"differs (line endings or encoding only): {label}/{rel}"])
    return lines


def check(layout: Layout) -> int:
    label = layout.shown(layout.out_dir)
    with tempfile.TemporaryDirectory(prefix="capillary-check-") as tmp:
        fresh, failure = pipeline.regenerate_elsewhere(layout, Path(tmp))
        if fresh is None:
            print("\n".join(failure), file=sys.stderr)
            print("check failed: generation itself failed.", file=sys.stderr)
            return 1
        differences = compare(fresh, layout.out_dir, label)
        shutil.rmtree(fresh, ignore_errors=True)
    if not differences:
        print(f"{label}/ matches a fresh generation.")
        return 0
    shown = differences[:MAX_LINES]
    if len(differences) > MAX_LINES:
        shown.append(f"... {len(differences) - MAX_LINES} more lines")
    print("\n".join(shown))
    print(
        f"\n{label}/ differs from a fresh generation: run `make generate` and commit the result.",
        file=sys.stderr,
    )
    return 1
