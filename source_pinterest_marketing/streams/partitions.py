"""How streams are partitioned: small objects a stream holds, not mixins.
(The stream modules are imported inside methods: they import this module.)

A partitioner yields the slices a stream reads; each slice fills the stream's `path_template`
and names the partition whose state is checkpointed when it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
    """One partition per record of a parent stream, listed once per sync and shared.

    `parent` builds the parent stream; `fields` maps slice keys to the parent record's fields
    (or to keys of the parent's own slice, for grandchildren such as section pins).
    """

    parent: Callable[[SyncContext], PinterestStream]
    fields: tuple[tuple[str, str], ...]
    shared_name: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.fields)

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        from source_pinterest_marketing.streams.base import read_all

        def fetch() -> list[dict[str, Any]]:
            stream = self.parent(context)
            return [
                {key: str(record[source]) for key, source in self.fields}
                for record in read_all(stream)
            ]

        yield from context.shared_list(self.shared_name, fetch)


def batched(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
