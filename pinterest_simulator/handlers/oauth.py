"""``POST /oauth/token``."""

from __future__ import annotations

from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError


@handler("oauth/token")
def oauth_token(ctx: Context) -> Any:
    """Exchange a code or rotate a refresh token (form body, Basic client auth)."""
    content_type = ctx.request.mimetype
    ctx.sim.oauth.check_client(ctx.request.headers.get("Authorization"))
    if content_type != "application/x-www-form-urlencoded":
        raise ApiError(400, 1, "Request body must be application/x-www-form-urlencoded.")
    form = dict(ctx.request.form.items())
    return ctx.sim.oauth.token_response(ctx.request.headers.get("Authorization"), form)
