"""Admin endpoints under ``/_sim/`` (no auth), for a simulator running as a separate process.

- ``GET /_sim/health`` -> ``{"ok": true, "base_url", "preset", "seed", "spec_version", "switches",
  "business_ad_account_id"}``
- ``GET /_sim/switches`` -> ``{"switches": {name: value}, "choices": {name: [values, default first]}}``;
  ``POST`` ``{name: value, ...}`` sets those switches (all or none; 400 naming the valid names/values) and answers
  as GET
- ``GET /_sim/config`` -> a connector config with a fresh refresh token (``?access_token=true`` for access-token mode)
- ``GET /_sim/requests`` -> ``{"requests": [...], "counts": {operationId: n}}``; ``DELETE`` clears
- ``GET /_sim/faults`` lists rules; ``POST`` adds one (JSON, fields of ``FaultRule``); ``DELETE`` clears
- ``POST /_sim/expire_tokens`` expires every access token
- ``POST /_sim/dataset/touch`` ``{kind, ad_account_id?, n?, now?}`` -> ``{"ids": [...]}``
- ``POST /_sim/dataset/add`` ``{kind, ad_account_id?, now?, fields?}`` -> the new entity
- ``GET /_sim/dataset/counts`` -> entities per kind
- ``POST /_sim/dataset/roles`` ``{ad_account_id, roles}`` -> the account (the token user's Business Access roles on it)
- ``GET /_sim/metrics_ready`` -> ``{"lag_days", "conversion_lag_days"}``; ``POST`` sets either (``metrics_ready_state/get``)
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.routes import json_response
from pinterest_simulator.state import SimulatorState
from pinterest_simulator.switches import CHOICES


def handle_admin(sim: SimulatorState, request: Request) -> Response:
    """Dispatch one ``/_sim/...`` request."""
    route = (request.method, request.path.rstrip("/"))
    try:
        body = (request.get_json(silent=True) or {}) if request.method == "POST" else {}
        if not isinstance(body, dict):
            raise ValueError("JSON object expected")
        result = _route(sim, request, route, body)
    except (ValueError, KeyError, TypeError) as exc:
        return json_response({"code": 1, "message": str(exc)}, 400)
    if result is None:
        return json_response({"code": 404, "message": f"No admin endpoint {route[0]} {route[1]}."}, 404)
    return json_response(result)


def _route(sim: SimulatorState, request: Request, route: tuple[str, str], body: dict[str, Any]) -> Any:
    method, path = route
    if route == ("GET", "/_sim/health"):
        return {
            "ok": True,
            "base_url": sim.base_url,
            "preset": sim.dataset.preset_label,
            "seed": sim.dataset.seed,
            "spec_version": sim.spec.version,
            "switches": sim.switches.as_dict(),
            "business_ad_account_id": sim.dataset.business_ad_account_id,
        }
    if path == "/_sim/switches":
        if method == "POST":
            sim.switches.update(body)
        if method in ("GET", "POST"):
            return {"switches": sim.switches.as_dict(), "choices": {k: list(v) for k, v in CHOICES.items()}}
    if route == ("GET", "/_sim/config"):
        return sim.connector_config(access_token_mode=request.args.get("access_token") == "true")
    if path == "/_sim/requests":
        if method == "DELETE":
            sim.requests.clear()
            return {"ok": True}
        if method == "GET":
            return {"requests": [r.to_dict() for r in sim.requests], "counts": sim.requests.counts()}
    if path == "/_sim/faults":
        if method == "DELETE":
            sim.faults.clear()
            return {"ok": True}
        if method == "POST":
            return sim.faults.add_from_json(body).to_dict()
        if method == "GET":
            return {"faults": [r.to_dict() for r in sim.faults.rules], "latency_ms": sim.faults.latency_ms}
    if route == ("POST", "/_sim/expire_tokens"):
        sim.expire_access_tokens()
        return {"ok": True}
    if route == ("POST", "/_sim/dataset/touch"):
        ids = sim.dataset.touch(body["kind"], body.get("ad_account_id"), int(body.get("n", 1)), body.get("now"))
        return {"ids": ids}
    if route == ("POST", "/_sim/dataset/add"):
        return sim.dataset.add(body["kind"], body.get("ad_account_id"), body.get("now"), **body.get("fields", {}))
    if route == ("GET", "/_sim/dataset/counts"):
        return sim.dataset.counts()
    if route == ("POST", "/_sim/dataset/roles"):
        roles = body["roles"]
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise ValueError("roles must be a list of BusinessAccessRole values")
        sim.dataset.set_roles(str(body["ad_account_id"]), roles)
        return sim.dataset.ad_accounts[str(body["ad_account_id"])]
    if path == "/_sim/metrics_ready":
        if method == "POST":
            if "lag_days" in body:
                sim.metrics_ready_lag_days = int(body["lag_days"])
            if "conversion_lag_days" in body:
                sim.conversion_metrics_ready_lag_days = int(body["conversion_lag_days"])
        if method in ("GET", "POST"):
            return {
                "lag_days": sim.metrics_ready_lag_days,
                "conversion_lag_days": sim.conversion_metrics_ready_lag_days,
            }
    return None
