"""How streams are partitioned: small objects a stream holds, not mixins.
(The stream modules are imported inside methods: they import this module.)

A partitioner yields the slices a stream reads; each slice fills the stream's `path_template`
and names the partition whose state is checkpointed when it is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from source_pinterest_marketing.context import SyncContext
    from source_pinterest_marketing.streams.base import PinterestStream

Slice = Mapping[str, Any]


class Partitioner(Protocol):
    #: the slice keys that identify a partition in the stream state
    keys: tuple[str, ...]

    def slices(self, context: SyncContext) -> Iterable[Slice]: ...


@dataclass(frozen=True)
class SinglePartition:
    """One partition: the authorizing user (organic and catalog lists)."""

    keys: tuple[str, ...] = ()

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        yield {}


@dataclass(frozen=True)
class ByAdAccount:
    """One partition per ad account of the sync (configured, or all the token can read)."""

    keys: tuple[str, ...] = ("ad_account_id",)

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        from source_pinterest_marketing.streams.ad_accounts import ad_account_ids

        for account_id in ad_account_ids(context):
            yield {"ad_account_id": account_id}


@dataclass(frozen=True)
class ByParent:
    """One partition per record of a parent stream, whose list is fetched once per sync and shared.

    `fields` maps slice keys to the parent record's fields (a parent's own slice keys are in its
    records too, e.g. `board_id` on board sections, for grandchildren such as section pins).
    """

    parent: type[PinterestStream]
    fields: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.fields)

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        from source_pinterest_marketing.streams.base import shared_records

        for parent_slice in self.parent.partitioner.slices(context):
            for record in shared_records(context, self.parent, parent_slice):
                yield {key: str(record[source]) for key, source in self.fields}


def batched(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
