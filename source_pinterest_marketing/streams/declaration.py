"""A stream, declared once: `StreamDeclaration` holds every fact of a stream (name, API operation, path, how it
is fetched, partitioned and windowed, its schema's source, the fields the connector adds or drops, its
cursor and the API answers that mean "nothing here"). The stream registry (`streams/__init__.py`) lists the
declarations; the connector binds each to a sync as an airbyte-cdk `HttpStream` (base.py), and the schema, enum and
docs generators iterate them.

What varies between families is composed as small objects a declaration holds:

- a `Fetcher` (fetchers.py, analytics.py, reports.py): the requests of one slice and how its answers become records:
  bookmark pages, a single object, streamed analytics rows, an async report job. A fetcher sees a narrow
  `RequestContext` (the stream's name, operation, path and parameters, the config, its date windows), never the
  declaration;
- a `Partitioner` (partitions.py): the partitions a stream is read in (ad accounts, boards...), each with its
  own saved cursor;
- optionally `DateWindows` (windows.py): date windows and request batches within each partition;
- optionally a `RecordFilter`: a predicate on records (the configured entity statuses).

A request is built apart from sending it: `build_request(declaration, slice, config, page token)` is the one way
(the stream's `HttpStream` hooks read it, the probe sends it as it is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol, Union

import requests

from source_pinterest_marketing.api_description import api_enums, api_parameter
from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import Request

#: Pinterest's reference page of an operation is this URL + its operationId with "/" as "-"
DOCS_BASE = "https://developers.pinterest.com/docs/api/v5/"
API_PREFIX = "/v5/"



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


@dataclass(frozen=True)
class EveryParameterValue:
    """Every value the API description allows for one query parameter of an operation (the enum of `operation`'s
    `name`, in api_enums.json `operations`: the fetcher must list `name` in its `api_parameters`), sent explicitly
    where the API's default leaves some out."""

    operation: str
    name: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        return list(api_parameter(self.operation, self.name)["enum"])


@dataclass(frozen=True)
class MaximumOf:
    """The largest value the API description allows for a number parameter (a `limit`: the fetcher lists `name` in
    its `api_parameters`)."""

    operation: str
    name: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        return api_parameter(self.operation, self.name)["maximum"]


@dataclass(frozen=True)
class CommaJoined:
    """The slice's list under `key`, as one comma-separated value (a parameter with `explode: false`)."""

    key: str

    def value(self, stream_slice: Slice, config: PinterestConfig) -> Any:
        values = stream_slice.get(self.key)
        return None if values is None else ",".join(values)


Param = Union[str, FromSlice, FromConfig, EveryApiValue, EveryParameterValue, MaximumOf, CommaJoined]

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
@dataclass(frozen=True)
class RequestContext:
    """What a fetcher knows of its stream: enough to build its requests and read their answers, and no more (no
    back-reference to the declaration). One per stream and sync (`of`)."""

    stream: str
    operation: str
    #: the request path under /v5, to fill from the slice
    path: str
    params: Mapping[str, Param]
    config: PinterestConfig
    #: the stream's date windows at this sync's granularity (None: not windowed)
    windows: Optional[DateWindows]
    #: the request(s) as the docs show them, for messages
    endpoint: str

    @classmethod
    def of(cls, declaration: StreamDeclaration, config: PinterestConfig) -> RequestContext:
        declared = declaration.windows
        windows = declared.resolved(config) if declared is not None else None
        return cls(
            declaration.name, declaration.operation, declaration.path, declaration.params, config, windows, declaration.endpoint
        )

    @property
    def granularity(self) -> str:
        """The rows' granularity in this sync (DAY for streams without windows)."""
        return self.windows.granularity if self.windows is not None else periods.DAY

    def path_of(self, stream_slice: Slice, path: Optional[str] = None) -> str:
        """The declared path (or `path`), filled from the slice."""
        return (path or self.path).format(**stream_slice)

    def declared_params(self, stream_slice: Slice) -> dict[str, Any]:
        """The declared query parameters of a request for this slice."""
        return resolve_params(self.params, stream_slice, self.config)


class SliceRead:
    """One reading of a slice, from its first request to its last (a fresh one each time the slice is read again from
    its start): what a fetcher keeps between the answers of the slice (`state`), the token of the next request
    (`next`, set by the fetcher once it has read an answer), and, for a list other streams need, what they use of it
    (`shared`: base.py)."""

    __slots__ = ("keep", "next", "request", "shared", "state", "stream_slice")

    def __init__(self, stream_slice: Slice, state: Any, keep: Optional[Callable[[Mapping[str, Any]], bool]]) -> None:
        self.stream_slice = stream_slice
        self.state = state
        #: the record filter, compiled for this slice
        self.keep = keep
        self.next: Optional[Token] = None
        #: the last request built (its token, and itself): the CDK asks its hooks one after the other
        self.request: Optional[tuple[Optional[Token], Request]] = None
        self.shared: Any = None


class Fetcher(Protocol):
    """The requests of one slice of a stream, and how their answers become records.

    `request` builds the request of a page (`token` None: the first); `parse` reads its answer and sets `read.next`
    to the next page's token (None: the slice is done); `start` makes what a fetcher keeps between the answers of one
    read. `streamed`: answers are parsed as they arrive (their reader raises `transport.BrokenBody` when they break);
    `ignorable`: answers the error policy lets through to `parse`, which decides for each request whether to ignore
    them (raising `UnignoredAnswer` otherwise)."""

    @property
    def streamed(self) -> bool: ...

    @property
    def ignorable(self) -> tuple[IgnoredError, ...]: ...

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request: ...

    def start(self, context: RequestContext, stream_slice: Slice) -> Any: ...

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterable[Record]: ...

    def endpoint(self, path: str) -> str:
        """The request(s) as the docs show them (`GET /v5/ad_accounts/{ad_account_id}/campaigns`)."""
        ...

    @property
    def api_parameters(self) -> tuple[str, ...]:
        """Query (or path) parameters of the operation whose enums and limits the fetcher reads from `api_enums()`
        (extracted per operation by scripts/generate_api_enums.py)."""
        ...


class FetcherBase:
    """What most fetchers share: answers read whole, nothing let through, one GET endpoint, nothing kept between
    answers."""

    @property
    def streamed(self) -> bool:
        return False

    @property
    def ignorable(self) -> tuple[IgnoredError, ...]:
        return ()

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        return None

    def endpoint(self, path: str) -> str:
        return f"GET {API_PREFIX}{path}"


class UnignoredAnswer(Exception):
    """An answer the error policy let through (`Fetcher.ignorable`) that the request it answers may not ignore: the
    stream fails with the policy's words for it (`PinterestErrorHandler.failure`)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


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
    #: fields the connector computes into each record, `(name, JSON type)`, described in data/field_descriptions.csv
    #: (a ranked answer's `rank`)
    added: tuple[tuple[str, str], ...] = ()


class BuiltSchema(Protocol):
    """A schema the connector builds itself (analytics and report rows: their columns)."""

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FreeForm:
    """Any object: the schema of what a stream's records are not described by (an endpoint the connector reads but
    does not emit; a stream whose rows the API description does not give)."""

    def build(self, declaration: Any = None) -> dict[str, Any]:
        return {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": True}


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
    #: the key of the records (under the default settings, where `configured_key` is given: the docs' and tests')
    primary_key: tuple[str, ...] = ("id",)
    #: the key under a config, for a stream whose settings change it (a measurement report's level and breakdown)
    configured_key: Optional[Callable[[PinterestConfig], tuple[str, ...]]] = None
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
    #: the `HttpStream` class that reads it, bound to a sync (base.py): `PinterestStream` unless given (a stream whose
    #: slice is not a sequence of pages: `jobs.AsyncJobStream`)
    stream_class: Optional[type] = None
    #: a boolean config setting (dotted: `leads.enabled`) that must be on for the stream to read anything (an opt-in,
    #: for personal data); while it is off the stream sends nothing and so needs no scope (`switched_off`)
    opt_in: Optional[str] = None

    def switched_off(self, config: PinterestConfig) -> bool:
        """Whether the stream's opt-in setting is off in `config` (never, for a stream without one)."""
        if self.opt_in is None:
            return False
        value: Any = config
        for part in self.opt_in.split("."):
            value = getattr(value, part)
        return not value

    def key(self, config: PinterestConfig) -> tuple[str, ...]:
        """The key of the records of a sync under `config`."""
        return self.configured_key(config) if self.configured_key is not None else self.primary_key

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.operation.replace('/', '-')}"

    @property
    def endpoint(self) -> str:
        return self.fetcher.endpoint(self.path)


def build_request(
    declaration: StreamDeclaration, stream_slice: Slice, config: PinterestConfig, token: Optional[Token] = None
) -> Request:
    """The request of a slice of `declaration` (`token`: of its next page), built as the connector sends it."""
    return declaration.fetcher.request(RequestContext.of(declaration, config), stream_slice, token)
