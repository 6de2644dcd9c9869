"""generateOauthToken: key/secret -> a token accepted in X-CAP-API-OAUTH-TOKEN until it expires."""

from __future__ import annotations

from typing import Any

from sandbox.context import Context


def generate_oauth_token(ctx: Context) -> dict[str, Any]:
    token, ttl = ctx.auth.issue_token(ctx.body["key"], ctx.body["secret"])
    return {"accessToken": token, "ttlSeconds": ttl}
