"""Async jobs: an endpoint that answers a request with a job to wait for, then a file to download. Reports are
(analytics/create_report, reports.py); Pinterest has others of the same life cycle (leads exports, catalog reports,
MMM reports), which `JobApi` describes in data.

A stream of async jobs is an `AsyncJobStream`: an airbyte-cdk `HttpStream` whose slice is not a sequence of pages, so
it overrides `read_records`, and only that, through public API: it sends the job's requests through a CDK
`HttpClient` of its own, built with the stream's error policy (errors.py), the sync's API budget and authenticator,
and reads the rows of each job's file. Its fetcher (`JobFetcher`) builds the request that creates a job (the one
request builder: `declaration.build_request`), and turns the file's rows into records (`records`), saying whether the
slice needs another job (`SliceRead.next`: a straddling period of a report).

`AsyncJob` is one job's life cycle (create → poll → download, see its docstring). Jobs in flight (created and not yet finished)
are bounded across every stream of the sync (`report_jobs_in_flight`); a finished job's file is downloaded outside
that bound. A file whose download breaks is downloaded again from the same
link, skipping the rows already read; a job whose file broke after rows were given is read again with the slice
(`transport.retrying` around `read_slice`: base.py).
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Protocol, TypeVar

import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.http_config import MAX_CONNECTION_POOL_SIZE
from airbyte_cdk.sources.streams.call_rate import LimiterSession
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from typing_extensions import override

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import PinterestError, config_error
from source_pinterest_marketing.json_items import NotAnArray, NotAnObject, array_objects, keyed_objects
from source_pinterest_marketing.streams.base import PinterestStream, slice_read
from source_pinterest_marketing.streams.columns import Column, columns
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    FetcherBase,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import PeekedBody, field_at, unreadable
from source_pinterest_marketing.streams.types import Given, Record, Slice, Token
from source_pinterest_marketing.transport import BODY_READ_ERRORS, BrokenBody, Request, retrying, send

T = TypeVar("T")
#: what the log says when a file's download broke and is asked again
DOWNLOADED_AGAIN = "downloading the file again from the same link (the rows already read are skipped)"

#: what breaks reading a body: its connection, or its text (JSON, UTF-8: ValueError, CSV)
FILE_READ_ERRORS: tuple[type[Exception], ...] = (ValueError, csv.Error, *BODY_READ_ERRORS)


@dataclass(frozen=True)
class JobApi:
    """How an async job endpoint works, as data: the creation answer's field that names the job (`handle`), the
    status request (`status_path`, filled from the slice, with the handle as the query parameter `handle_param`, or,
    when None, in the path as `{handle}`), the status answer's fields (`status`, `url`: dotted names for nested
    objects) and its values (`finished`, `running`; any other: the job failed)."""

    status_path: str
    handle: str = "token"
    handle_param: Optional[str] = "token"
    status: str = "report_status"
    url: str = "url"
    finished: str = "FINISHED"
    running: tuple[str, ...] = ("IN_PROGRESS",)

    def status_request(self, stream_slice: Mapping[str, Any], handle: str) -> Request:
        if self.handle_param is None:
            return Request("GET", self.status_path.format(**stream_slice, handle=handle))
        return Request("GET", self.status_path.format(**stream_slice), {self.handle_param: handle})


#: `POST /ad_accounts/{ad_account_id}/reports` answers `{"token": ...}`, `GET ...?token=` `{"report_status", "url"}`
REPORT_JOBS = JobApi("ad_accounts/{ad_account_id}/reports")


@dataclass(frozen=True)
class CsvIds:
    """Where a CSV file's row has its entity id (a JSON file keys rows by it): the first of `columns` in the header;
    `account_rows`: rows of the ad account itself, whose id it is when the file has none of them."""

    columns: tuple[str, ...] = ()
    account_rows: bool = False


class JobSender(Protocol):
    """What a job needs of its stream: its name, sending a request (its error policy, retries, budget), reading a
    body again when it broke, and a place among the jobs in flight."""

    @property
    def name(self) -> str: ...

    def send(self, request: Request) -> requests.Response: ...

    def again_when_broken(self, read: Callable[[], Iterable[T]], again: str) -> Iterator[T]: ...

    def in_flight(self) -> AbstractContextManager[Any]: ...


#: the slice fields that say what a job is for, in the order a message names them, with their names in words: a lead
#: export is one lead ad's, an MMM report may be one country's, a catalog report one catalog's or feed's
JOB_SUBJECT_FIELDS: tuple[tuple[str, str], ...] = (
    ("ad_account_id", "ad account"),
    ("ad_id", "lead ad"),
    ("country", "country"),
    ("catalog_id", "catalog"),
    ("feed_id", "feed"),
)


def job_subject(stream_slice: Mapping[str, Any]) -> str:
    """What a job is for, in words: `ad account 1, lead ad 2, window 2026-01-01..2026-01-31` (the fields the slice
    has; ids and dates only, never a setting's value)."""
    parts = [f"{words} {stream_slice[key]}" for key, words in JOB_SUBJECT_FIELDS if stream_slice.get(key)]
    if stream_slice.get("start_date") or stream_slice.get("end_date"):
        parts.append(f"window {stream_slice.get('start_date')}..{stream_slice.get('end_date')}")
    return ", ".join(parts)


class ReportJobFailed(PinterestError):
    """A report job that did not finish after every attempt (transient: the next sync retries it)."""

    def __init__(self, stream: str, stream_slice: Mapping[str, Any], problem: str) -> None:
        subject = job_subject(stream_slice)
        windowed = bool(stream_slice.get("start_date") or stream_slice.get("end_date"))
        after = (
            "Windows finished before it are saved in the state; the next sync resumes from there."
            if windowed
            else "The next sync asks for it again."  # a catalog report: no windows, nothing saved before it
        )
        message = f"Report '{stream}'{f' for {subject}' if subject else ''}: {problem}. {after}"
        super().__init__(message, FailureType.transient_error)


class AttemptFailed(Exception):
    """One attempt ended without a readable file (FAILED, CANCELLED, EXPIRED, DOES_NOT_EXIST, bad link)."""


@dataclass
class AsyncJob:
    """One job's life cycle: create → poll (1, 2, 4 … 30 s) → download the file with a plain GET (a pre-signed link:
    no Pinterest auth) and parse it as a stream (JSON: `{entity id: [rows]}`; CSV, what a report template may
    produce: one row a line, its entity id as `csv_ids` says). A job that ends otherwise than finished (FAILED,
    CANCELLED, EXPIRED, DOES_NOT_EXIST...), or whose link is refused (expired), is created again, up to `max_attempts`
    times. A download that breaks (a server error, a connection reset, a file cut short) is asked again from the same
    link (`_download`). `creation`: the request that creates the job (built by the stream's fetcher); `stream_slice`:
    what it is for (the ad account and the days asked), for the status request's path and the messages."""

    poll_base_seconds: ClassVar[float] = 1.0
    poll_max_seconds: ClassVar[float] = 30.0
    timeout_seconds: ClassVar[float] = 3 * 3600.0
    max_attempts: ClassVar[int] = 3
    download_timeout_seconds: ClassVar[float] = 300.0

    sender: JobSender
    stream_slice: Mapping[str, Any]
    creation: Request
    api: JobApi = REPORT_JOBS
    csv_ids: CsvIds = field(default_factory=CsvIds)
    sleep: Callable[[float], None] = time.sleep

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"airbyte.{self.sender.name}")

    def rows(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(entity id, row) of the finished report, streamed from the file."""
        problem = ""
        given = 0
        for attempt in range(1, self.max_attempts + 1):
            try:
                # the bound is on jobs Pinterest generates: a finished job's file is read outside it, so that a large
                # file never delays the next job's creation (and its ads_analytics requests)
                with self.sender.in_flight():
                    url = self._create_and_wait()
                for row in self._download(url):
                    given += 1
                    yield row
                return
            except AttemptFailed as error:
                problem = str(error)
                if given:
                    # rows of this file are out already: the slice starts again whole (base.py), so that a new file
                    # is never continued where another one stopped
                    raise BrokenBody(f"report {self.sender.name}: {problem} after {given} rows") from None
                self.logger.warning(
                    "Report %s (%s), attempt %d of %d: %s",
                    self.sender.name,
                    _describe(self.stream_slice),
                    attempt,
                    self.max_attempts,
                    problem,
                )
        attempts = "one attempt" if self.max_attempts == 1 else f"{self.max_attempts} attempts"
        raise ReportJobFailed(self.sender.name, self.stream_slice, f"{problem} after {attempts}")

    def _send(self, request: Request) -> Mapping[str, Any]:
        response = self.sender.send(request)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if not isinstance(body, Mapping):
            raise AttemptFailed(f"unexpected answer {str(body)[:200]}")
        return body

    def _create_and_wait(self) -> str:
        api = self.api
        created = self._send(self.creation)
        handle = field_at(created, api.handle)
        if not handle:
            raise AttemptFailed(f"created with status {field_at(created, api.status)}: {created.get('message')}")
        poll = api.status_request(self.stream_slice, str(handle))
        started = time.monotonic()
        interval = self.poll_base_seconds
        while True:
            answer = self._send(poll)
            status = field_at(answer, api.status)
            if status == api.finished:
                url = field_at(answer, api.url)
                if not url:
                    raise AttemptFailed(f"{api.finished} without a download url")
                return str(url)
            if status not in api.running:
                raise AttemptFailed(f"the job ended {status}")
            if time.monotonic() - started > self.timeout_seconds:
                raise ReportJobFailed(
                    self.sender.name, self.stream_slice, f"still {status} after {self.timeout_seconds:.0f}s"
                )
            self.sleep(interval)
            interval = min(interval * 2, self.poll_max_seconds)

    def _download(self, url: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """The rows of the file at `url`. A download that breaks (`_file_rows`) is asked again from the same link, with
        the retries and backoff of a failed request; the file does not change, so the rows already given are
        skipped: each row comes once."""
        given = 0

        def rest_of_the_file() -> Iterator[tuple[str, Mapping[str, Any]]]:
            nonlocal given
            for index, row in enumerate(self._file_rows(url)):
                if index >= given:
                    given += 1
                    yield row

        yield from self.sender.again_when_broken(rest_of_the_file, DOWNLOADED_AGAIN)

    def _file_rows(self, url: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Every row of the file, parsed as it arrives (JSON: `{entity id: [rows]}` or `[rows]`; CSV: one row a line).
        A link that answers a server error, a connection that breaks, a file cut short or garbled: `BrokenBody`;
        another answer (the link expired: 403): `AttemptFailed`."""
        answer = "the download of the report file"
        read = 0
        try:
            # A pre-signed link: a plain GET, never the Pinterest session (no Authorization header).
            with requests.get(url, stream=True, timeout=self.download_timeout_seconds) as response:
                status = response.status_code
                if status >= 500 or status == 429:
                    raise BrokenBody(f"{answer} answered HTTP {status}")
                if not response.ok:
                    raise AttemptFailed(f"the download link answered HTTP {status}")
                response.raw.decode_content = True
                body = PeekedBody(response.raw)
                first = body.first_byte()
                # each row parsed alone as it arrives (json_items: orjson, a fraction of ijson's cost)
                if first in (b"{", b""):
                    for entity_id, row in keyed_objects(body):
                        read += 1
                        yield entity_id, row
                elif first == b"[":
                    for row in array_objects(body):
                        read += 1
                        yield self.entity_of(row), row
                else:
                    for row in self._csv_rows(body):
                        read += 1
                        yield row
        except NotAnArray as error:
            raise AttemptFailed(f"entity {error.key} of the file is not a list of rows") from None
        except NotAnObject:
            raise AttemptFailed("a row of the file is not an object") from None
        except FILE_READ_ERRORS as error:  # ValueError: JSON and UTF-8 errors
            raise unreadable(answer, read, error) from None

    def entity_of(self, row: Mapping[str, Any]) -> str:
        """The entity id of a row that is not keyed by it: its first id column (`csv_ids`), else the ad account's."""
        found = next((row[name] for name in self.csv_ids.columns if row.get(name) is not None), None)
        return str(found if found is not None else self.stream_slice.get("ad_account_id"))

    def _csv_rows(self, body: PeekedBody) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """The rows of a CSV file (header first), values typed by the column table (numbers as numbers, an empty
        cell as null), each with its entity id (`csv_ids`)."""
        table = columns()
        reader = csv.DictReader(body.text())
        header = reader.fieldnames or []
        candidates = self.csv_ids.columns
        id_column = next((name for name in candidates if name in header), None)
        if id_column is None and not self.csv_ids.account_rows:
            raise config_error(
                f"Report '{self.sender.name}': its CSV file has no {' or '.join(candidates) or 'id'} column, so its "
                "rows cannot be told apart. Add the column to the report template in Ads Manager (or make the "
                "template write JSON)."
            )
        for raw in reader:
            if None in raw or None in raw.values():
                # a line with more or fewer cells than the header: the file is cut short (or garbled)
                raise BrokenBody("the report file has a line whose cells do not match its header (cut short or garbled)")
            row = {name: _typed(table.get(name), value) for name, value in raw.items() if name}
            entity_id = raw.get(id_column) if id_column else self.stream_slice.get("ad_account_id")
            yield str(entity_id), row


def _typed(column: Optional[Column], value: Optional[str]) -> Any:
    """A CSV cell as the JSON file would have it."""
    if value is None or value == "":
        return None
    if column is not None and column.type in ("number", "integer"):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if column.type == "integer" and number.is_integer() else number
    return value


def _describe(stream_slice: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in stream_slice.items())




class JobFetcher(Protocol):
    """The fetcher of an `AsyncJobStream` (reports.ReportRows): the request that creates a slice's job (`request`,
    `token`: of its next job), what it keeps between its jobs (`start`), and the records of a job's file rows
    (`records`, which sets `read.next` to the token of the slice's next job, or None)."""

    job_api: JobApi

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request: ...

    def start(self, context: RequestContext, stream_slice: Slice) -> Any: ...

    def csv_ids(self) -> CsvIds: ...

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]: ...


class NothingToRead(Exception):
    """A job request answered with one of the stream's ignored answers (`ignored_errors`: the error policy logged it
    and let it through): the slice has nothing to read, and ends empty."""


class AsyncJobStream(PinterestStream):
    """A stream whose slice is one async job (or a few: `SliceRead.next`): see the module docstring. A job request
    answered with one of the stream's ignored answers (a catalog deleted during the sync, a report type the user may
    not build) ends its slice empty (`NothingToRead`)."""

    def __init__(self, declaration: StreamDeclaration, context: SyncContext) -> None:
        super().__init__(declaration, context)
        if not hasattr(declaration.fetcher, "job_api"):
            raise TypeError(f"stream {declaration.name}: an async job stream's fetcher is a JobFetcher")
        self.job_fetcher: JobFetcher = declaration.fetcher  # type: ignore[assignment]
        # The jobs' requests go through a CDK HttpClient of the stream's own: the same error policy, backoff, budget
        # and authenticator as its pages would, on a session the sync closes (context.close).
        session = LimiterSession(api_budget=context.api_budget)
        adapter = requests.adapters.HTTPAdapter(pool_connections=MAX_CONNECTION_POOL_SIZE, pool_maxsize=MAX_CONNECTION_POOL_SIZE)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self.jobs_client = HttpClient(
            name=declaration.name,
            logger=self.logger,
            error_handler=self.error_handler,
            session=session,
            authenticator=context.authenticator,
            backoff_strategy=self.backoff_strategy,
        )

    @override
    def read_records(
        self, sync_mode: SyncMode, cursor_field: Optional[list[str]] = None, stream_slice: Given = None, stream_state: Given = None
    ) -> Iterable[StreamData]:
        """The slice's job (create → poll → download), and each further job its fetcher asks for; the file's rows as
        records, made what the sync emits as pages' are (`emitted`)."""
        read = slice_read(stream_slice)
        fetcher = self.job_fetcher
        token: Optional[Token] = None
        while True:
            creation = fetcher.request(self.request_context, read.stream_slice, token)
            asked = {**read.stream_slice, **(token or {})}
            job = AsyncJob(self, asked, creation, fetcher.job_api, fetcher.csv_ids())
            try:
                yield from self.emitted(fetcher.records(self.request_context, job.rows(), read), read)
            except NothingToRead:
                return
            token = read.next
            if token is None:
                return

    def send(self, request: Request) -> requests.Response:
        response = send(self.jobs_client, self.url_base, request)
        self.context.carried(response)
        if not response.ok and any(answer.matches(response) for answer in self.declaration.ignored_errors):
            raise NothingToRead(f"HTTP {response.status_code}")
        return response

    def again_when_broken(self, read: Callable[[], Iterable[T]], again: str) -> Iterator[T]:
        return retrying(self.name, read, again, self.context.max_retries, self.backoff_strategy)

    def in_flight(self) -> AbstractContextManager[Any]:
        return self.context.report_jobs


class JobFetcherBase(FetcherBase):
    """What every `JobFetcher` shares: its answers are files, not pages (`parse` is not used); a file's rows are the
    ad account's (`csv_ids`)."""

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterable[Record]:
        raise TypeError(f"stream {context.stream}: an async job's answers are read by AsyncJobStream.read_records")

    def csv_ids(self) -> CsvIds:
        return CsvIds(account_rows=True)

    def endpoint(self, path: str) -> str:
        """A job created by a POST, then polled by a GET, of the same path."""
        return f"POST/GET {API_PREFIX}{path}"


@dataclass(frozen=True)
class JobFileRows(JobFetcherBase):
    """The simplest async job stream's fetcher: one job a slice, created by a POST of `body` to the declared path (its
    declared parameters as the query), every row of its file a record as it is."""

    job_api: JobApi
    body: Mapping[str, Any] = field(default_factory=dict)
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return Request("POST", context.path_of(stream_slice), context.declared_params(stream_slice), dict(self.body))

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        for _, row in rows:
            yield dict(row)
        read.next = None
