"""The types every module of a stream shares: what a slice, a record and a page token are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

#: one slice of a stream: its partition (an ad account, a board...) and, for windowed streams, its window and batch
Slice = Mapping[str, Any]
#: a record, as the stream emits it (a JSON object)
Record = dict[str, Any]
#: a page token: what the next request of a slice asks besides the slice (`{"bookmark": ...}`, a period's dates)
Token = Mapping[str, Any]
#: what airbyte-cdk's stream hooks are given: a slice, a state or a page token, or None
Given = Optional[Mapping[str, Any]]
