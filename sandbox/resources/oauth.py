"""generateOauthToken: key/secret -> a token accepted in X-CAP-API-OAUTH-TOKEN until it expires."""

from __future__ import annotations

from typing import Any

from capillary_target_groups_models import OauthTokenCreate

from sandbox.context import Context


def generate_oauth_token(ctx: Context) -> dict[str, Any]:
    body: OauthTokenCreate = ctx.model
    token, ttl = ctx.auth.issue_token(ctx.db, body.key, body.secret)
    return {"accessToken": token, "ttlSeconds": ttl}
