"""Keep credentials out of the reports a run writes.

Schemathesis masks credential headers, but not request or response bodies, and this tool sends
the real OAuth key and secret to the token operation (so that it is exercised) and receives real
tokens back. Reports are shared (CI artefacts, bug reports), so after a run every secret value
from the environment and every issued access token is replaced in them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from conformance.credentials import ENV_NAMES

REPLACEMENT = "[Filtered]"
# Shorter values would match everywhere and mangle the reports; no real secret is that short.
MIN_SECRET_LENGTH = 4
# An access token in a JSON body as it appears in the cassette (quotes escaped) or elsewhere.
_TOKEN = re.compile(r'(\\?"accessToken\\?"\s*:\s*\\?")[^"\\]+')
SECRET_FIELDS = ("password", "secret")


def secrets(env: Mapping[str, str]) -> list[str]:
    """The secret values among the credentials in `env`, longest first."""
    values = {env.get(names[field], "") for names in ENV_NAMES.values() for field in SECRET_FIELDS}
    kept = (value for value in values if len(value) >= MIN_SECRET_LENGTH)
    return sorted(kept, key=len, reverse=True)


def redact_text(text: str, values: Iterable[str]) -> str:
    for value in values:
        text = text.replace(value, REPLACEMENT)
    return _TOKEN.sub(lambda match: match.group(1) + REPLACEMENT, text)


def redact_files(paths: Iterable[Path], env: Mapping[str, str]) -> None:
    values = secrets(env)
    for path in paths:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        cleaned = redact_text(text, values)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")
