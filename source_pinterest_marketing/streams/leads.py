"""Lead ads: the lead forms of each ad account, and the question types a lead form may ask
(docs/dev/API-NOTES.md#lead-ads).

The leads themselves (an async export per lead ad, whose creation needs `ads:write`, of personal data) have no
stream yet: see the user guide's Limitations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import requests

from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.columns import FieldRows
from source_pinterest_marketing.streams.declaration import FetcherBase, RequestContext, SliceRead, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import list_stream, parse_json
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import Request

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

LEAD_STREAMS: tuple[StreamDeclaration, ...] = (LEAD_FORMS, LEAD_FORM_QUESTION_TYPES)
