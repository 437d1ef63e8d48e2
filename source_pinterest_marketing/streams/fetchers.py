"""Fetchers of list and object endpoints: bookmark pages, one page, a single object, and list-once sharing.

Pinterest lists are `{"items": [...], "bookmark": "..."}` pages of at most 250 items, the next page asked
with `bookmark=` (docs/dev/API-NOTES.md#pagination-and-query-encoding). Records are checked against that shape: a 2xx body
that is not what the API documents fails the stream naming it, instead of reading as "no records".

`SharedList` wraps a paged fetcher so that a list other streams need (ids of campaigns, boards, pins...) is
requested once per sync: the stream that owns it streams it out and publishes what others use of each
record; a stream that needs it first lists it and keeps the raw answers (bytes) until the owner emits them
(base.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.errors import PROGRESS_KEPT, PinterestError, RetriesExhausted, UnexpectedResponseError
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    Component,
    Fetcher,
    FetcherBase,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import BrokenBody, Request

#: the API's maximum page size
MAX_PAGE_SIZE = 250
#: the bytes a JSON text may begin with (a body beginning otherwise is not JSON at all)
JSON_FIRST_BYTES = frozenset(b'{["-0123456789tfn')


def parse_json(stream: str, response: requests.Response) -> Any:
    """The JSON body of a successful answer, or an error naming the stream."""
    if response.status_code == 204 or not response.content:
        raise UnexpectedResponseError(stream, response.url, f"empty body with HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown content type")
        raise UnexpectedResponseError(stream, response.url, f"the body is not JSON ({kind})") from None


def parse_object(stream: str, response: requests.Response) -> Mapping[str, Any]:
    """The JSON object of a successful answer, or an error naming the stream."""
    body = parse_json(stream, response)
    if not isinstance(body, Mapping):
        raise UnexpectedResponseError(stream, response.url, f"expected a JSON object, got {type(body).__name__}")
    return body


class Page:
    """One answer of a list or object endpoint. Its body is parsed when first asked for (a page kept for
    later stays bytes until then); an answer the stream ignores has no body and no records."""

    def __init__(self, stream: str, response: requests.Response, records_key: Optional[str]) -> None:
        self.stream = stream
        self.response = response
        #: where the records are: "items" for lists, None when the body is the record itself
        self.records_key = records_key

    @cached_property
    def body(self) -> Optional[Mapping[str, Any]]:
        # Only answers the stream's error policy chose to ignore are not ok here.
        return parse_object(self.stream, self.response) if self.response.ok else None

    def records(self) -> list[Record]:
        """The records of the page, checked against the documented shape."""
        body = self.body
        if body is None:
            return []
        if self.records_key is None:
            return [dict(body)]
        records = body.get(self.records_key)
        url = self.response.url
        if not isinstance(records, list):
            raise UnexpectedResponseError(self.stream, url, f"no '{self.records_key}' list in the body")
        for record in records:
            if type(record) is not dict and not isinstance(record, Mapping):
                raise UnexpectedResponseError(self.stream, url, f"an item of '{self.records_key}' is not an object")
        return records


@dataclass(frozen=True)
class Pages(FetcherBase):
    """A list endpoint read page by page (`paginated`: bookmark pages of 250), or one `{items}` page, or a
    single object (`records_key` None: the body is the record)."""

    paginated: bool = True
    records_key: Optional[str] = "items"
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        """The declared path and parameters; a page of 250, and after the first, the bookmark of the last."""
        params = context.declared_params(stream_slice)
        if self.paginated:
            params["page_size"] = MAX_PAGE_SIZE
        return Request("GET", context.path_of(stream_slice), {**params, **(token or {})})

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        page = Page(context.stream, response, self.records_key)
        records = page.records()
        bookmark = page.body.get("bookmark") if self.paginated and page.body is not None else None
        read.next = {"bookmark": bookmark} if bookmark else None
        return records


BOOKMARK_PAGES = Pages()
ONE_PAGE = Pages(paginated=False)
SINGLE_OBJECT = Pages(paginated=False, records_key=None)


#: `WholeAnswer` shapes: a JSON array of records; an object whose every value is a list of records
ARRAY = "array"
LISTS_BY_KEY = "lists_by_key"


@dataclass(frozen=True)
class WholeAnswer(FetcherBase):
    """One request, not paged, whose answer is not an `{items}` page: a JSON array of records (`ARRAY`), or an object
    whose every value is a list of records, its keys not part of them (`LISTS_BY_KEY`). Records are checked against
    that shape, as `Page` checks pages."""

    shape: str = ARRAY
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return Request("GET", context.path_of(stream_slice), context.declared_params(stream_slice))

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        read.next = None
        if not response.ok:  # an answer the stream ignores
            return []
        body = parse_json(context.stream, response)
        if self.shape == ARRAY:
            if not isinstance(body, list):
                raise UnexpectedResponseError(context.stream, response.url, "expected a JSON array")
            lists = [body]
        else:
            if not isinstance(body, Mapping) or not all(isinstance(value, list) for value in body.values()):
                raise UnexpectedResponseError(context.stream, response.url, "expected an object of lists")
            lists = list(body.values())
        records = [record for values in lists for record in values]
        if not all(isinstance(record, Mapping) for record in records):
            raise UnexpectedResponseError(context.stream, response.url, "a record of the answer is not an object")
        return records


@dataclass(frozen=True)
class ConfiguredOrListed(Pages):
    """The configured ids one by one (`GET {path}/{id}`: an id the token cannot read fails naming it), or,
    when the slice names none, the whole list."""

    id_key: str = "ad_account_id"

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        if self.id_key in stream_slice:
            return Request("GET", context.path_of(stream_slice, f"{context.path}/{{{self.id_key}}}"))
        return BOOKMARK_PAGES.request(context, stream_slice, token)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        pages = SINGLE_OBJECT if self.id_key in read.stream_slice else BOOKMARK_PAGES
        return pages.parse(context, response, read)

    def endpoint(self, path: str) -> str:
        return f"GET {API_PREFIX}{path} (configured ids: GET {API_PREFIX}{path}/{{{self.id_key}}})"


def list_stream(
    name: str,
    component: Union[str, Component],
    path: str = "",
    *,
    operation: str = "",
    fetcher: Fetcher = BOOKMARK_PAGES,
    **facts: Any,
) -> StreamDeclaration:
    """The declaration of a list stream, the most common kind: `GET /v5/<path>` (its name unless given, filled from
    the slice: `boards/{board_id}/sections`), the API operation `<name>/list` unless given, records that are items of
    the API description's `component`, read in bookmark pages (or by `fetcher`: `ONE_PAGE`, `SINGLE_OBJECT`, a
    `SharedList` when other streams need its ids); any other fact of `StreamDeclaration` as a keyword (`partitioner`,
    `cursor`, `params`, `slice_fields`...)."""
    return StreamDeclaration(
        name=name,
        operation=operation or f"{name}/list",
        path=path or name,
        fetcher=fetcher,
        schema=component if isinstance(component, Component) else Component(component),
        **facts,
    )


@dataclass
class SharedPartition:
    """One partition's list, fetched once per sync: its raw answers, kept (as bytes, not parsed) only until
    the owning stream has emitted them, and what other streams use of each record."""

    answers: Optional[list[requests.Response]]
    shared: list[Record]


@dataclass(frozen=True)
class SharedList(FetcherBase):
    """List-once sharing around a paged fetcher (or any other: `WholeAnswer`...; see the module docstring; the sharing
    itself: base.py). `fields`: what other streams use of each record (ids, statuses, parents)."""

    pages: Fetcher
    fields: tuple[str, ...]

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return self.pages.api_parameters

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return self.pages.request(context, stream_slice, token)

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        return self.pages.start(context, stream_slice)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = self.pages.parse(context, response, read)
        return records if isinstance(records, list) else list(records)

    def project(self, records: Iterable[Mapping[str, Any]]) -> list[Record]:
        return [{name: field_at(record, name) for name in self.fields} for record in records]

    def endpoint(self, path: str) -> str:
        return self.pages.endpoint(path)


def field_at(record: Mapping[str, Any], name: str) -> Any:
    """A field of a record or an answer; a dotted name ("media.media_type", "data.token") is a field of a nested
    object (None where a part is missing)."""
    value: Any = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


class SharedListFailed(PinterestError):
    """A list read once for the streams that need it (`SharedList`) could not be read: the error names the list that
    broke, not the stream that happened to ask for it first (every stream that needs it fails with this message, and
    the sync's summary lists them)."""

    def __init__(self, list_name: str, stream_slice: Slice, error: AirbyteTracedException) -> None:
        of = "".join(f" {key}={value}" for key, value in stream_slice.items())
        problem = error.problem if isinstance(error, RetriesExhausted) else (error.message or str(error)).rstrip(".")
        message = f"The `{list_name}` list{' of' + of if of else ''}, which other streams need, could not be read: {problem}."
        if isinstance(error, RetriesExhausted):
            message += f" {PROGRESS_KEPT}"
        super().__init__(message, error.failure_type or FailureType.system_error, error.internal_message)


def unreadable(answer: str, rows_read: int, error: Exception) -> BrokenBody:
    """`answer` ("the answer of GET /v5/...") broke after `rows_read` rows: its connection failed, or its text is cut
    short or not valid (`error`: the reader's or the parser's)."""
    detail = (str(error).strip().splitlines() or [""])[0][:200]
    return BrokenBody(f"{answer} could not be read past row {rows_read} ({type(error).__name__}: {detail})")


def not_json(stream: str, answer: str, url: str, first_byte: bytes, expected: str) -> Exception:
    """A streamed body that does not begin as expected: JSON of another shape is an unexpected answer (asking again
    gives the same); an empty body or one that is not JSON at all broke on its way (`BrokenBody`)."""
    if not first_byte:
        return BrokenBody(f"{answer} has an empty body")
    if first_byte[0] in JSON_FIRST_BYTES:
        return UnexpectedResponseError(stream, url, f"expected {expected}")
    return BrokenBody(f"{answer} is not JSON (it begins with {first_byte!r})")


class PeekedBody(io.RawIOBase):
    """A binary stream whose first non-blank byte can be looked at before it is read whole (a streamed
    analytics body, a report file)."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw
        self._head = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def first_byte(self) -> bytes:
        while not self._head.strip():
            chunk = self._raw.read(64 * 1024)
            if not chunk:
                return b""
            self._head += chunk
        return self._head.lstrip()[:1]

    def read(self, size: int = -1) -> bytes:
        if self._head:
            cut = len(self._head) if size is None or size < 0 else size
            head, self._head = self._head[:cut], self._head[cut:]
            return head
        return self._raw.read(size)  # type: ignore[no-any-return]

    def text(self) -> io.TextIOWrapper:
        """The body as text (UTF-8, a byte order mark skipped), read as it arrives."""
        return io.TextIOWrapper(io.BufferedReader(self), encoding="utf-8-sig", newline="")
