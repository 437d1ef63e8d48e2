"""Lead ads: the lead forms of each ad account, the question types a lead form may ask, and, opt-in, the leads
themselves (docs/dev/API-NOTES.md#lead-ads).

`leads` reads the leads through Pinterest's leads export, an async job per lead ad (`leads_export/create`, which
needs `ads:write`; `leads_export/get`; a file): personal data, so it reads nothing unless `leads.enabled` is on. A
partition is one lead ad (an ad of the shared ads list with a `lead_form_id`: the API has no list of lead ads, and an
export of another ad is empty or refused, simulator switch `non_lead_ad_export`); its one window reaches back
`leads.lookback_days` on a first read, from the day of the last lead read on the next, never before the 30 days
Pinterest keeps a lead (an older `start_date` may be clipped or refused: switch `leads_retention`). The export's file
is not described by the API (switch `leads_export_format`): a CSV file (the lead's fields, then one column per
question) and a JSON array (the lead's fields and an `answers` object) give the same records (`lead_record`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Optional

import requests

from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import LEAD_RETENTION_DAYS, PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import ADS, BY_AD_ACCOUNT
from source_pinterest_marketing.streams.base import shared_records
from source_pinterest_marketing.streams.columns import FieldRows, nullable, row_schema
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    FetcherBase,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import list_stream, parse_json
from source_pinterest_marketing.streams.jobs import AsyncJobStream, JobApi, JobFetcherBase
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import Request

logger = logging.getLogger("airbyte")

LEAD_FORMS = list_stream(
    "lead_forms", "LeadFormResponse", "ad_accounts/{ad_account_id}/lead_forms",
    partitioner=BY_AD_ACCOUNT, slice_fields=("ad_account_id",), cursor="updated_time", params={"order": "ASCENDING"},
)  # fmt: skip


@dataclass(frozen=True)
class Names(FetcherBase):
    """`lead_form_questions/get`: the names of the question types, one request, no paging. The API description gives
    the answer no schema: a JSON array of names, or an object `{items: [names]}` as the lists wrap theirs (simulator
    switch `lead_form_questions_shape`); a record per name, `{<field>: name}`, either way."""

    field: str = "question_type"
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return Request("GET", context.path_of(stream_slice), context.declared_params(stream_slice))

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        read.next = None
        body = parse_json(context.stream, response)
        names = body.get("items") if isinstance(body, Mapping) else body
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise UnexpectedResponseError(
                context.stream, response.url, "expected a JSON array of names, or an object whose `items` is one"
            )
        return [{self.field: name} for name in names]


LEAD_FORM_QUESTION_TYPES = StreamDeclaration(
    name="lead_form_question_types",
    operation="lead_form_questions/get",
    path="resources/lead_form_questions",
    fetcher=Names(),
    schema=FieldRows((("question_type", "string"),)),
    primary_key=("question_type",),
)

LEADS_EXPORT_PATH = "ad_accounts/{ad_account_id}/leads_export"
#: created by a POST to the path (`{leads_export_id}`), polled by a GET of `<path>/<leads_export_id>`
#: (`{export_status: IN_PROGRESS|FINISHED|FAILED, download_url}`)
LEADS_EXPORT_JOBS = JobApi(
    f"{LEADS_EXPORT_PATH}/{{handle}}",
    handle="leads_export_id",
    handle_param=None,
    status="export_status",
    url="download_url",
)
#: the config setting that opts in to the leads
LEADS_SETTING = "leads.enabled"
#: the fields of a lead the export gives besides the answers (the CSV file's first columns); the others are answers
LEAD_ID_FIELDS = ("lead_id", "advertiser_id", "campaign_id", "ad_group_id", "ad_id", "lead_form_id")
SUBMITTED = "created_time"
#: a lead's submission time as the records write it (UTC)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class LeadAds:
    """One partition per lead ad: the ads of each ad account (the shared ads list, every status: a paused ad may have
    leads of the last 30 days) whose `lead_form_id` is set."""

    keys: tuple[str, ...] = ("ad_account_id", "ad_id")

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for account in BY_AD_ACCOUNT.partitions(context):
            for ad in shared_records(context, ADS, account):
                if ad.get("lead_form_id"):
                    yield {"ad_account_id": account["ad_account_id"], "ad_id": str(ad["id"])}


@dataclass(frozen=True)
class LeadWindows(DateWindows):
    """A lead ad's days: on a first read the last `leads.lookback_days` (today included), on an incremental one from
    the day of the last lead read (that day again: a lead is keyed by its id), at most the config's `start_date` and
    `end_date`; never before the days Pinterest keeps (`days_back`, with the margin), saying so when a saved day is
    older (those leads are gone)."""

    def span(
        self, config: PinterestConfig, saved: Optional[date], stream: str = "", partition: Optional[Slice] = None
    ) -> Optional[tuple[date, date]]:
        floor = self.floor()
        start = saved if saved is not None else utc_today() - timedelta(days=config.leads.lookback_days - 1)
        if config.start_date is not None:
            start = max(start, config.start_date)
        if start < floor:
            logger.warning(
                "Stream %s (ad %s): the last lead read was on %s, but Pinterest keeps leads %d days after their "
                "submission: leads submitted before %s can no longer be read",
                stream,
                (partition or {}).get("ad_id"),
                start,
                self.days_back,
                floor,
            )
            start = floor
        end = self.last_day(config)
        return (start, end) if start <= end else None


def submission_time(value: Any) -> Optional[str]:
    """A lead's submission time as `YYYY-MM-DDTHH:MM:SSZ` (UTC): the JSON file writes Unix seconds, the CSV file an
    ISO-8601 date-time; None when the file gives none."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).strftime(TIME_FORMAT)
    text = str(value)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00")) if not text.isdigit() else None
    if parsed is None:
        return datetime.fromtimestamp(int(text), UTC).strftime(TIME_FORMAT)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).strftime(TIME_FORMAT)


def _text(value: Any) -> Optional[str]:
    return None if value is None or value == "" else str(value)


def lead_record(row: Mapping[str, Any]) -> Record:
    """A lead of either file as one record: its ids (strings), its submission time (`submission_time`) and its
    `answers` (question label -> answer, strings): a JSON lead's `answers` object, a CSV line's other columns."""
    record: Record = {name: _text(row.get(name)) for name in LEAD_ID_FIELDS}
    record[SUBMITTED] = submission_time(row.get(SUBMITTED))
    answers = row.get("answers")
    collected = {str(label): _text(answer) for label, answer in answers.items()} if isinstance(answers, Mapping) else {}
    for name, value in row.items():
        if name not in record and name != "answers":
            collected[name] = _text(value)
    record["answers"] = collected
    return record


@dataclass(frozen=True)
class LeadRows(JobFetcherBase):
    """A lead ad's export for the slice's days (`{ad_id, start_date, end_date}`), every lead of its file a record."""

    job_api: JobApi = LEADS_EXPORT_JOBS
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        body = {key: stream_slice[key] for key in ("ad_id", "start_date", "end_date")}
        return Request("POST", context.path_of(stream_slice), body=body)

    def endpoint(self, path: str) -> str:
        return f"POST {API_PREFIX}{path}, GET {API_PREFIX}{path}/{{leads_export_id}}"

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        for _, row in rows:
            yield lead_record(row)
        read.next = None


@dataclass(frozen=True)
class LeadSchema:
    """A lead: its ids, submission time and answers (the export's file is not described by the API)."""

    def build(self, declaration: Any = None) -> dict[str, Any]:
        return row_schema(
            {
                "lead_id": nullable("string", description="The lead's id (Pinterest's, for deduplication)."),
                "advertiser_id": nullable("string", description="The ad account's id, as the export writes it."),
                "ad_account_id": nullable("string"),
                "campaign_id": nullable("string", description="The campaign of the ad that collected the lead."),
                "ad_group_id": nullable("string", description="The ad group of the ad that collected the lead."),
                "ad_id": nullable("string", description="The lead ad that collected the lead."),
                "lead_form_id": nullable("string", description="The lead form the person submitted."),
                SUBMITTED: nullable(
                    "string",
                    format="date-time",
                    airbyte_type="timestamp_with_timezone",
                    description="When the person submitted the lead form (UTC).",
                ),
                "answers": {
                    "type": ["null", "object"],
                    "additionalProperties": True,
                    "description": (
                        "The person's answers (personal data: names, e-mail addresses, phone numbers...), by question: "
                        "its type (FULL_NAME, EMAIL, PHONE_NUMBER...) or a custom question's label."
                    ),
                },
            }
        )


LEADS = StreamDeclaration(
    name="leads",
    operation="leads_export/create",
    path=LEADS_EXPORT_PATH,
    fetcher=LeadRows(),
    schema=LeadSchema(),
    partitioner=LeadAds(),
    primary_key=("lead_id",),
    cursor=SUBMITTED,
    windows=LeadWindows(LEAD_RETENTION_DAYS, LEAD_RETENTION_DAYS, what="leads"),
    slice_fields=("ad_account_id",),
    stream_class=AsyncJobStream,
    opt_in=LEADS_SETTING,
)

LEAD_STREAMS: tuple[StreamDeclaration, ...] = (LEAD_FORMS, LEAD_FORM_QUESTION_TYPES, LEADS)
