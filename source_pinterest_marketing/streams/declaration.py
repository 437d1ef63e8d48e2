"""A stream, declared once: `StreamDeclaration` holds every fact of a stream (name, API operation, path, how it
is fetched, partitioned and windowed, its schema's source, the fields the connector adds or drops, its
cursor and the API answers that mean "nothing here"). The stream registry (`streams/__init__.py`) lists the
declarations; the connector reads them (base.py), and the schema, enum and docs generators iterate them.

What varies between families is composed as small objects a declaration holds:

- a `Fetcher` (fetchers.py, analytics.py, reports.py): how one slice is fetched and its rows shaped into
  records: bookmark pages, a single object, streamed analytics rows, an async report job;
- a `Partitioner` (partitions.py): the partitions a stream is read in (ad accounts, boards...), each with its
  own saved cursor;
- optionally `DateWindows` (windows.py): date windows and request batches within each partition;
- optionally a `RecordFilter`: a predicate on records (the configured entity statuses).

`StreamClient` binds a declaration to one sync: what a fetcher uses to send requests with the stream's error
policy and to read the config.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional, Protocol, Union

import requests

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.windows import DateWindows

#: Pinterest's reference page of an operation is this URL + its operationId with "/" as "-"
DOCS_BASE = "https://developers.pinterest.com/docs/api/v5/"
API_PREFIX = "/v5/"

Slice = Mapping[str, Any]
Record = dict[str, Any]


# -- request parameters ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FromSlice:
    """The slice's value of `key`; the parameter is left out when the slice has none."""

    key: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        return stream_slice.get(self.key)


@dataclass(frozen=True)
class FromConfig:
    """The value of a config field (`entity_statuses`)."""

    field: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        value = getattr(config, self.field)
        return list(value) if isinstance(value, (list, tuple)) else value


@dataclass(frozen=True)
class EveryApiValue:
    """Every value of an enum of the API description (a key of `api_enums()`), sent explicitly."""

    enum: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        return list(api_enums()[self.enum])


Param = Union[str, FromSlice, FromConfig, EveryApiValue]

#: Business access: organic, catalog and user account endpoints read as the owner of the configured ad account
#: (`ad_account_id`; the token user when none is configured), so a business's boards and catalogs are synced
BUSINESS_ACCESS: Mapping[str, Param] = {"ad_account_id": FromConfig("business_ad_account_id")}


def resolve_params(params: Mapping[str, Param], stream_slice: Slice, config: PinterestConfig) -> dict[str, Any]:
    """The query parameters of one request; those without a value are left out."""
    resolved: dict[str, Any] = {}
    for name, param in params.items():
        value = param if isinstance(param, str) else param.value(stream_slice, config)
        if value is not None:
            resolved[name] = value
    return resolved


# -- the composed pieces --------------------------------------------------------------------------
class Fetcher(Protocol):
    """How one slice of a stream is fetched, and its rows shaped into records."""

    def records(self, client: StreamClient, stream_slice: Slice) -> Iterable[Record]: ...

    def endpoint(self, path: str) -> str:
        """The request(s) as the docs show them (`GET /v5/ad_accounts/{ad_account_id}/campaigns`)."""
        ...

    @property
    def api_parameters(self) -> tuple[str, ...]:
        """Query parameters of the operation whose enums and limits the fetcher reads from `api_enums()`
        (extracted per operation by scripts/generate_api_enums.py)."""
        ...


class Partitioner(Protocol):
    """The partitions a stream is read in; each has its own saved cursor (named by `keys`)."""

    @property
    def keys(self) -> tuple[str, ...]: ...

    def partitions(self, context: SyncContext) -> Iterable[Slice]: ...


@dataclass(frozen=True)
class SinglePartition:
    """One partition: the authorizing user (organic and catalog lists)."""

    keys: tuple[str, ...] = ()

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        yield {}


class RecordFilter(Protocol):
    """A predicate on records, compiled once per slice read (from the config and the slice)."""

    def compile(self, config: PinterestConfig, stream_slice: Slice) -> Callable[[Mapping[str, Any]], bool]: ...


@dataclass(frozen=True)
class ConfiguredStatuses:
    """Keep the records whose `status` is one of the configured `entity_statuses`."""

    def compile(self, config: PinterestConfig, stream_slice: Slice) -> Callable[[Mapping[str, Any]], bool]:
        return FieldIn("status", frozenset(config.entity_statuses))


@dataclass(frozen=True)
class FieldIn:
    """The record's `field`, as a string, is one of `values`."""

    field: str
    values: frozenset[str]

    def __call__(self, record: Mapping[str, Any]) -> bool:
        value = record.get(self.field)
        return (value if type(value) is str else str(value)) in self.values


# -- where the schema comes from ------------------------------------------------------------------
@dataclass(frozen=True)
class Component:
    """Records are items of this component of the OpenAPI description; scripts/generate_schemas.py converts
    it (with the declaration's added and dropped fields). `opaque`: top-level objects kept free-form."""

    name: str
    opaque: tuple[str, ...] = ()


class BuiltSchema(Protocol):
    """A schema the connector builds itself (analytics and report rows: their columns)."""

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]: ...


SchemaSource = Union[Component, BuiltSchema]


# -- the declaration ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StreamDeclaration:
    """Every fact of one stream (see the module docstring)."""

    name: str
    #: the API operation (operationId of the OpenAPI description): its docs page, enums and limits
    operation: str
    #: the request path under /v5, filled from the slice (`ad_accounts/{ad_account_id}/campaigns`)
    path: str
    fetcher: Fetcher
    schema: SchemaSource
    partitioner: Partitioner = SinglePartition()
    primary_key: tuple[str, ...] = ("id",)
    #: the record field of the incremental cursor; None: full refresh only
    cursor: Optional[str] = None
    #: date windows and request batches within each partition (analytics, reports)
    windows: Optional[DateWindows] = None
    #: query parameters (paging is the fetcher's)
    params: Mapping[str, Param] = field(default_factory=dict)
    #: records to keep (the others are read but not emitted)
    keep: Optional[RecordFilter] = None
    #: slice keys copied into each record that lacks them (the parent's id)
    slice_fields: tuple[str, ...] = ()
    #: top-level fields removed from each record (secrets the API returns)
    dropped_fields: tuple[str, ...] = ()
    #: answers that mean "nothing here" for this stream, not a failure
    ignored_errors: tuple[IgnoredError, ...] = ()
    #: the schema is a file of the package (generated); False: built at run time (custom reports)
    bundled_schema: bool = True

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.operation.replace('/', '-')}"

    @property
    def endpoint(self) -> str:
        return self.fetcher.endpoint(self.path)


class StreamClient:
    """A declared stream bound to one sync: its requests go out with its error policy and retries."""

    def __init__(self, declaration: StreamDeclaration, context: SyncContext) -> None:
        self.declaration = declaration
        self.context = context

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def config(self) -> PinterestConfig:
        return self.context.config

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"airbyte.{self.name}")

    @cached_property
    def windows(self) -> Optional[DateWindows]:
        """The declared date windows at this sync's granularity (see `DateWindows.resolved`)."""
        declared = self.declaration.windows
        return declared.resolved(self.config) if declared is not None else None

    @cached_property
    def granularity(self) -> str:
        """The rows' granularity in this sync (DAY for streams without windows)."""
        return self.windows.granularity if self.windows is not None else periods.DAY

    @cached_property
    def primary_key(self) -> tuple[str, ...]:
        """The declared key; a TOTAL row's period is its fixed window, so `period_end` joins `date` in it."""
        key = self.declaration.primary_key
        if self.granularity != periods.TOTAL or "period_end" in key or "date" not in key:
            return key
        at = key.index("date") + 1
        return (*key[:at], "period_end", *key[at:])

    def url(self, stream_slice: Slice, path: Optional[str] = None) -> str:
        """The URL of the declared path (or `path`), filled from the slice."""
        return self.context.sender.url((path or self.declaration.path).format(**stream_slice))

    def params(self, stream_slice: Slice) -> dict[str, Any]:
        """The declared query parameters of a request for this slice."""
        return resolve_params(self.declaration.params, stream_slice, self.config)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Optional[Mapping[str, Any]] = None,
        streamed: bool = False,
        also_ignored: tuple[IgnoredError, ...] = (),
    ) -> requests.Response:
        """A success, or an answer the stream ignores (`ignored_errors`, and for this request `also_ignored`);
        anything else raises."""
        ignored = (*self.declaration.ignored_errors, *also_ignored)
        return self.context.sender.send(self.name, ignored, method, url, params=params, json=json, streamed=streamed)
