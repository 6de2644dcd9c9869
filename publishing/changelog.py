"""Draft a spec/CHANGELOG.md entry from differ findings, and the version the policy asks for.

Policy (spec/README.md): MAJOR for any breaking finding, MINOR for other changes to what clients
can send or receive, PATCH for documentation only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from publishing.breaking import Finding

DOCS_ONLY_RULES = {"operation-documentation-changed"}

SECTIONS = (
    ("Breaking changes", lambda f: f.breaking),
    ("Added", lambda f: f.rule == "operation-added"),
    ("Deprecated", lambda f: f.rule == "operation-deprecated"),
    ("Documentation", lambda f: f.rule in DOCS_ONLY_RULES),
    ("Changed", lambda f: True),
)


def required_bump(findings: Iterable[Finding]) -> str | None:
    """'major', 'minor', 'patch', or None when nothing changed."""
    findings = list(findings)
    if any(f.breaking for f in findings):
        return "major"
    if any(f.rule not in DOCS_ONLY_RULES for f in findings):
        return "minor"
    return "patch" if findings else None


def _parts(version: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", version.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def next_version(old: str, bump: str) -> str | None:
    parts = _parts(old)
    if parts is None:
        return None
    major, minor, patch = parts
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def bump_is_enough(old: str, new: str, bump: str | None) -> bool | None:
    """Whether `new` is at least the bump the policy asks for; None when unreadable."""
    before, after = _parts(old), _parts(new)
    if before is None or after is None:
        return None
    if bump is None:
        return True
    wanted = _parts(next_version(old, bump) or "")
    return wanted is not None and after >= wanted


def entry(version: str, findings: Iterable[Finding]) -> str:
    """A changelog section in the format documented at the top of spec/CHANGELOG.md."""
    remaining = list(findings)
    lines = [f"## {version}", ""]
    for title, belongs in SECTIONS:
        chosen = [f for f in remaining if belongs(f)]
        remaining = [f for f in remaining if not belongs(f)]
        if not chosen:
            continue
        lines += [f"### {title}", ""]
        lines += [f"- `{f.method} {f.path}`: {f.detail} ({f.rule})" for f in chosen]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
