"""Fault injection: rate limits, server errors, dropped connections, latency, token expiry, and faults inside a
successful answer's body.

Rules match requests by method, ``operationId`` and/or a regex on the path (``/v5/...``; a report file's download,
``/downloads/reports/...``, has no operationId: match it by path), and fire for the next ``times`` matching requests
(``None``: every one) with ``probability`` drawn from a seeded RNG. The first firing status/rate_limit/drop rule
wins; latency rules add up. Body faults (`BODY_FAULT_KINDS`) are drawn only for answers that succeeded (2xx), after
the answer is made: the first firing one breaks its body.

Kinds:
- ``status``: answer ``status`` with ``body`` (any JSON value; default: `DEFAULT_BODIES`) and ``headers``, e.g. a
  200 whose body is not what the API documents; a 429 also gets
  ``X-RateLimit-Reset: rate_limit_reset`` (unless None).
- ``rate_limit``: a rate-limit answer in the form of the simulator's ``throttle`` switch at the time of the request
  (`rate_limit_answer`), waiting ``rate_limit_reset`` seconds (``reset=`` is accepted as a short name); its
  ``status`` and ``body`` are not used, its ``headers`` are added.
- ``drop``: close the connection without an answer. ``latency``: add ``latency_ms``. ``expire_tokens``: expire
  every access token before answering.
- ``reset``: send the answer's status, headers and the first ``after_bytes`` bytes of its body, then reset the
  connection (TCP RST): the client's read of the body fails mid-way (urllib3's ``ProtocolError``).
- ``truncate``: the answer ends, cleanly, after ``after_bytes`` bytes of its body (its ``Content-Length`` says so):
  a complete HTTP answer whose JSON is cut short ("premature EOF").
- ``malformed``: the body's bytes from ``after_bytes`` on are replaced by `GARBLED` (neither JSON nor UTF-8).

``after_bytes`` None (the default) strikes in the middle of the body; a body fault always leaves out at least the
body's last byte.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pinterest_simulator.switches import Throttle

FaultKind = Literal["status", "rate_limit", "drop", "latency", "expire_tokens", "reset", "truncate", "malformed"]
FAULT_KINDS: tuple[str, ...] = typing.get_args(FaultKind)
#: the kinds that break the body of an answer that succeeded
BODY_FAULT_KINDS = ("reset", "truncate", "malformed")
#: what a ``malformed`` fault writes in place of the rest of the body: not JSON, and not UTF-8 either (so a CSV
#: file cannot be read past it)
GARBLED = b"\xff\xfe<garbled body>"
RATE_LIMIT_MESSAGE = "This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window."
DEFAULT_BODIES: dict[int, dict[str, Any]] = {
    429: {"code": 8, "message": RATE_LIMIT_MESSAGE},
    500: {"code": 0, "message": "Internal server error."},
    502: {"code": 0, "message": "Bad gateway."},
    503: {"code": 4197, "message": "The endpoint has been ramped down and is currently not accepting any traffic."},
    504: {"code": 0, "message": "Gateway timeout."},
}


@dataclass
class FaultRule:
    """One fault rule; see the module docstring for matching."""

    kind: FaultKind
    operation_id: str | None = None
    path_regex: str | None = None
    method: str | None = None
    times: int | None = 1
    probability: float = 1.0
    status: int = 429
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency_ms: float = 0.0
    rate_limit_reset: int | None = 1
    #: body faults: where in the body the fault strikes (None: the middle)
    after_bytes: int | None = None
    id: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; the kinds are: {', '.join(FAULT_KINDS)}")
        if self.after_bytes is not None and self.after_bytes < 0:
            raise ValueError(f"after_bytes must be 0 or more, got {self.after_bytes}")
        self._regex = re.compile(self.path_regex) if self.path_regex else None

    def matches(self, method: str, path: str, operation_id: str | None) -> bool:
        """Whether the rule applies to this request (before counting and probability)."""
        if self.method and self.method.upper() != method.upper():
            return False
        if self.operation_id and self.operation_id != operation_id:
            return False
        return not (self._regex and not self._regex.search(path))

    def response(self, throttle: Throttle = "http_429") -> tuple[int, Any, dict[str, str]]:
        """Status, JSON body and headers of a ``status`` fault, or of a ``rate_limit`` fault in the `throttle` form."""
        if self.kind == "rate_limit":
            status, body, headers = rate_limit_answer(throttle, self.rate_limit_reset)
            return status, body, {**headers, **self.headers}
        body = (
            self.body
            if self.body is not None
            else DEFAULT_BODIES.get(self.status, {"code": self.status, "message": "Simulated error."})
        )
        headers = dict(self.headers)
        if self.status == 429 and self.rate_limit_reset is not None:
            headers.setdefault("X-RateLimit-Reset", str(self.rate_limit_reset))
        return self.status, body, headers

    def strike_at(self, body_size: int) -> int:
        """A body fault: how many bytes of a body of `body_size` bytes get through (never the whole body)."""
        wanted = body_size // 2 if self.after_bytes is None else self.after_bytes
        return max(0, min(wanted, body_size - 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON view (for ``GET /_sim/faults``)."""
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


def rate_limit_answer(throttle: Throttle, reset: int | None) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and headers of a rate-limit answer in one form of the ``throttle`` switch (`switches.Switches`),
    announcing a wait of `reset` seconds where the form has room for one (None: no header; 1 in a message)."""
    if throttle == "http_429":
        headers = {} if reset is None else {"X-RateLimit-Reset": str(reset)}
        return 429, {"code": 8, "message": RATE_LIMIT_MESSAGE}, headers
    if throttle == "http_400_retry_after":
        seconds = 1 if reset is None else reset
        return 400, {"code": 12, "message": f"Rate limit exceeded. Retry after {seconds} seconds."}, {}
    if throttle == "code_12":
        return 400, {"code": 12, "message": "Rate limit exceeded."}, {}
    raise ValueError(f"unknown throttle form {throttle!r}")


@dataclass
class Decision:
    """What the injector decided for one request."""

    latency_s: float = 0.0
    status_rule: FaultRule | None = None
    drop: bool = False
    expire_tokens: bool = False


class FaultInjector:
    """Thread-safe set of fault rules plus global latency (``latency_ms`` +- ``jitter_ms``)."""

    def __init__(self, seed: int = 0, latency_ms: float = 0.0, jitter_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self.jitter_ms = jitter_ms
        self._rng = random.Random(f"faults:{seed}")
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, kind: FaultKind = "status", **options: Any) -> FaultRule:
        """Add a rule, e.g. ``add("status", status=429, operation_id="campaigns/list", times=2)`` or
        ``add("rate_limit", operation_id="campaigns/list", times=2, reset=1)`` (``reset``: ``rate_limit_reset``)."""
        if "reset" in options:
            if "rate_limit_reset" in options:
                raise ValueError("give reset or rate_limit_reset, not both")
            options["rate_limit_reset"] = options.pop("reset")
        rule = FaultRule(kind=kind, **options)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def add_from_json(self, data: Mapping[str, Any]) -> FaultRule:
        """Add a rule from a JSON object (``POST /_sim/faults``)."""
        allowed = (set(FaultRule.__dataclass_fields__) - {"id", "fired"}) | {"reset"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        options = dict(data)
        kind = options.pop("kind", "status")
        return self.add(kind, **options)

    def remove(self, rule_id: int) -> None:
        """Remove one rule by id."""
        with self._lock:
            self._rules = [r for r in self._rules if r.id != rule_id]

    def clear(self) -> None:
        """Remove every rule (global latency stays)."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the active rules."""
        with self._lock:
            return list(self._rules)

    def decide(self, method: str, path: str, operation_id: str | None) -> Decision:
        """Consume matching rules for one request and say what to do."""
        decision = Decision()
        with self._lock:
            if self.latency_ms or self.jitter_ms:
                decision.latency_s += (
                    max(0.0, self.latency_ms + self._rng.uniform(-self.jitter_ms, self.jitter_ms)) / 1000
                )
            for rule in list(self._rules):
                if rule.kind in BODY_FAULT_KINDS or not rule.matches(method, path, operation_id):
                    continue
                if rule.kind in ("status", "rate_limit", "drop") and (decision.status_rule or decision.drop):
                    continue
                if not self._fires(rule):
                    continue
                if rule.kind == "latency":
                    decision.latency_s += rule.latency_ms / 1000
                elif rule.kind in ("status", "rate_limit"):
                    decision.status_rule = rule
                elif rule.kind == "drop":
                    decision.drop = True
                else:
                    decision.expire_tokens = True
        return decision

    def body_fault(self, method: str, path: str, operation_id: str | None) -> FaultRule | None:
        """The body fault (if any) that breaks the body of this successful answer; consumes it."""
        with self._lock:
            for rule in list(self._rules):
                if rule.kind in BODY_FAULT_KINDS and rule.matches(method, path, operation_id) and self._fires(rule):
                    return rule
        return None

    def _fires(self, rule: FaultRule) -> bool:
        """Draw the rule's probability; if it fires, count it (and retire it once its ``times`` are spent)."""
        if rule.probability < 1.0 and self._rng.random() >= rule.probability:
            return False
        rule.fired += 1
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                self._rules.remove(rule)
        return True
