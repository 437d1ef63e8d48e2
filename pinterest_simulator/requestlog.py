"""Thread-safe log of the requests the simulator handled."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RequestRecord:
    """One handled request. ``fault`` names an injected fault (status/drop) if one fired."""

    method: str
    path: str
    operation_id: str | None
    query: dict[str, list[str]]
    status: int
    time: float
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return asdict(self)


class RequestLog:
    """Sequence of :class:`RequestRecord` with counts by operation; safe across server threads."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Record one request."""
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records."""
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]

    def counts(self) -> dict[str, int]:
        """Number of requests per operationId (``None`` for unmatched paths is keyed ``"<unknown>"``)."""
        return dict(Counter(r.operation_id or "<unknown>" for r in self.snapshot()))

    def count(self, operation_id: str, status: int | None = None) -> int:
        """Requests to one operation, optionally only those answered with ``status``."""
        return sum(
            1 for r in self.snapshot() if r.operation_id == operation_id and (status is None or r.status == status)
        )
