"""How streams are partitioned: small objects a declaration holds. A partitioner yields the partitions a stream
reads (each fills the stream's path and names the partition whose state is checkpointed when it is done)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.base import shared_records
from source_pinterest_marketing.streams.declaration import Partitioner, StreamDeclaration
from source_pinterest_marketing.streams.types import Slice

T = TypeVar("T")


@dataclass(frozen=True)
class ConfiguredAccounts:
    """The ad accounts stream itself: one partition per configured account (read one by one), or one for the
    list of every account the token can read."""

    keys: tuple[str, ...] = ()

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        if not context.config.ad_account_ids:
            yield {}
        for account_id in context.config.ad_account_ids:
            yield {"ad_account_id": account_id}


@dataclass(frozen=True)
class ByAdAccount:
    """One partition per ad account of the sync: the configured ones, or every account the token can read
    (the `accounts` list, fetched once per sync)."""

    accounts: StreamDeclaration
    keys: tuple[str, ...] = ("ad_account_id",)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for account_id in self.account_ids(context):
            yield {"ad_account_id": account_id}

    def account_ids(self, context: SyncContext) -> list[str]:
        if context.config.ad_account_ids:
            return list(context.config.ad_account_ids)
        return [str(record["id"]) for record in shared_records(context, self.accounts, {})]


@dataclass(frozen=True)
class ByParent:
    """One partition per record of a parent stream, whose list is fetched once per sync and shared.

    `fields` maps slice keys to fields of the parent's records; a field the record lacks is taken from the
    parent's own partition (`board_id` of a board section)."""

    parent: StreamDeclaration
    fields: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.fields)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for parent_partition in self.parent.partitioner.partitions(context):
            for record in shared_records(context, self.parent, parent_partition):
                source = {**parent_partition, **record}
                yield {key: str(source[name]) for key, name in self.fields}


class Values(Protocol):
    """Values computed from the config (a `declaration.Param` whose value is a list: `FromConfig`,
    `EveryParameterValue`)."""

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any: ...


@dataclass(frozen=True)
class EachValue:
    """Each partition of `within`, once per value of `key` (`values`: the configured ones, or every value the API
    allows): a request per ad account and lookback period, per region and trend type..."""

    within: Partitioner
    key: str
    values: Values

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.within.keys, self.key)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        values = self.values.value({}, context.config)
        for partition in self.within.partitions(context):
            for value in values:
                yield {**partition, self.key: value}


def batched(values: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive batches of at most `size` values."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
