"""An opt-in cache of the simulator's expensive answers, for benchmarks (``--cache-responses``).

Generating analytics rows and report files costs the simulator more CPU than reading them costs the
connector, and the simulator runs on the same cores: a benchmark would then measure the simulator.
With the cache on, each analytics answer and report file is generated once and served again byte
for byte (Pinterest's own servers are not on the connector's machine either). Keys hold everything
the answer depends on: the request (path and query, or the report job's body and account), the
dataset's restatement revision and today's date. Tests leave it off: every answer is generated.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

Value = TypeVar("Value")


class ResponseCache:
    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.hits = 0
        self._values: dict[Hashable, object] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, revision: int, today: dt.date) -> object | None:
        """The value kept for `key` at the dataset's `revision` on `today` (the simulator's clock), or None."""
        if not self.enabled:
            return None
        with self._lock:
            value = self._values.get((key, revision, today))
            self.hits += value is not None
            return value

    def put(self, key: Hashable, revision: int, today: dt.date, value: object) -> None:
        if self.enabled:
            with self._lock:
                self._values[(key, revision, today)] = value

    def get_or_make(self, key: Hashable, revision: int, today: dt.date, make: Callable[[], Value]) -> Value:
        """The value kept for `key`, or made by `make` (and kept)."""
        value = self.get(key, revision, today)
        if value is None:
            value = make()
            self.put(key, revision, today, value)
        return value  # type: ignore[return-value]
