"""The probe's checks: one class per assumption the connector makes about the API, each stating it, the requests it
may send (`requests`, plus the account lists of `needs`, fetched once per run) and how the answer is read.

A check that reads an ambiguity switch of the simulator (switches.py) says which of its values matches what the
account answered; the connector assumes the first value. Evidence lines show each request (method, path, query)
and what in the answer was looked at: field names, types and counts, never a record's values (a DATE label or a
keyword's parent type at most).

Days asked: yesterday (UTC) and the days just before it: the freshest days that are whole and that every analytics
endpoint serves (sync analytics 90 days back, HOUR 8).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Optional, Union

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import TOP_PINS_OPERATION, OAuthCredentials, PinterestConfig
from source_pinterest_marketing.probe.client import (
    Answer,
    BudgetExhausted,
    CredentialsRejected,
    Exchange,
    MissingScope,
    ProbeClient,
    RequestFailed,
)
from source_pinterest_marketing.probe.report import Finding, Status, SwitchReading
from source_pinterest_marketing.probe.switches import assumed, reading
from source_pinterest_marketing.scopes import DEFAULT_SCOPES
from source_pinterest_marketing.streams import DECLARATIONS, periods
from source_pinterest_marketing.streams.account_extras import LABELS
from source_pinterest_marketing.streams.ads import (
    AD_ACCOUNTS,
    AD_GROUPS,
    AUDIENCES,
    CAMPAIGNS,
    KEYWORDS,
    PRODUCT_GROUP_PROMOTIONS,
)
from source_pinterest_marketing.streams.analytics import (
    PIN_ANALYTICS,
    PIN_ANALYTICS_OPERATION,
    STANDARD_METRICS,
    USER_ACCOUNT_TOP_PINS,
    VIDEO_MEDIA_TYPES,
    VIDEO_METRICS,
)
from source_pinterest_marketing.streams.business import BUSINESS_EMPLOYERS, BUSINESS_MEMBERS, BUSINESS_PARTNERS
from source_pinterest_marketing.streams.catalog_health import CATALOG_FEED_PROCESSING_RESULTS
from source_pinterest_marketing.streams.catalogs import CATALOGS_FEEDS
from source_pinterest_marketing.streams.columns import columns
from source_pinterest_marketing.streams.declaration import StreamDeclaration, build_request
from source_pinterest_marketing.streams.fetchers import MAX_PAGE_SIZE
from source_pinterest_marketing.streams.insights import AUDIENCE_SHARED_ACCOUNTS
from source_pinterest_marketing.streams.jobs import AsyncJob, ReportJobFailed
from source_pinterest_marketing.streams.leads import LEAD_FORM_QUESTION_TYPES
from source_pinterest_marketing.streams.organic import BOARDS, LINKED_BUSINESSES, PINS, USER_WEBSITES
from source_pinterest_marketing.streams.readiness import METRICS_READY_STATE
from source_pinterest_marketing.streams.reports import ReportRows, ReportSpec, report_declaration
from source_pinterest_marketing.streams.targeting import TARGETING_OPTIONS
from source_pinterest_marketing.streams.trends import TRENDS_FEATURED_TOPICS
from source_pinterest_marketing.streams.types import Slice

#: two metrics every ads analytics operation has: enough to see a row's shape
ANALYTICS_COLUMNS = ("SPEND_IN_MICRO_DOLLAR", "PAID_IMPRESSION")
#: the report job's columns: a few of what the campaign_report stream asks, of each type of the column table
#: (string, number, boolean; ids, names, attributes and metrics)
REPORT_COLUMNS = (
    "CAMPAIGN_ID",
    "CAMPAIGN_NAME",
    "CAMPAIGN_STATUS",
    "CAMPAIGN_OBJECTIVE_TYPE",
    "CAMPAIGN_DAILY_SPEND_CAP",
    "CAMPAIGN_BUDGET_OPTIMIZATION",
    "SPEND_IN_MICRO_DOLLAR",
    "PAID_IMPRESSION",
    "CTR",
)
REPORT_LEVEL = "CAMPAIGN"
#: status polls of the report job at most (waits 1, 2, 4 … 30 s between them: about 1.5 minutes in all)
REPORT_STATUS_POLLS = 8
#: rows of the report file looked at, at most
REPORT_ROWS_EXAMINED = 1000
#: the lists checks share, each fetched once per run (one page of `MAX_PAGE_SIZE`): one request each
LISTS = ("ad_account", "campaigns", "ad_groups", "boards", "pins", "businesses", "feeds")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_AND_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def declaration_named(name: str) -> StreamDeclaration:
    return next(declaration for declaration in DECLARATIONS if declaration.name == name)


class NothingToProbe(Exception):
    """The account has none of what a check looks at (no keywords, no video Pins...): not applicable."""


class ListRefused(Exception):
    """A shared list answered an error the checks that need it cannot go past."""

    def __init__(self, name: str, answer: Answer) -> None:
        self.answer = answer
        super().__init__(f"the {name} list was refused: {answer.exchange}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def counted(values: Iterable[str]) -> str:
    """``"a x2, b x1"``, most common first."""
    return ", ".join(f"{value} x{count}" for value, count in Counter(values).most_common()) or "none"


# -- the lists checks share -------------------------------------------------------------------------
class AccountLists:
    """The ad account probed and the lists several checks need, each asked once (a failure is kept and raised
    again to every check that needs it: no second request)."""

    def __init__(self, client: ProbeClient, config: PinterestConfig, ad_account_id: Optional[str]) -> None:
        self.client = client
        self.config = config
        #: the account given on the command line, else the first configured one (None: the first the token reads)
        self.chosen_account = ad_account_id or (config.ad_account_ids[0] if config.ad_account_ids else None)
        self.answers: dict[str, Union[Answer, Exception]] = {}

    def probed_account(self) -> Optional[str]:
        """The ad account the checks probed, if one was chosen or listed (without asking anything)."""
        if self.chosen_account is not None:
            return self.chosen_account
        listed = self.answers.get("ad_account")
        accounts = listed.items() if isinstance(listed, Answer) else []
        return str(accounts[0]["id"]) if accounts else None

    def ad_account_id(self) -> str:
        if self.chosen_account is not None:
            return self.chosen_account
        accounts = self.answer("ad_account").items()
        if not accounts:
            raise NothingToProbe("the token can read no ad account")
        return str(accounts[0]["id"])

    def answer(self, name: str) -> Answer:
        """The first page of list `name` (see `LISTS`), asked once per run."""
        kept = self.answers.get(name)
        if isinstance(kept, Exception):
            raise kept
        if kept is None:
            try:
                kept = self.fetch(name)
                if not kept.ok:
                    raise ListRefused(name, kept)
            except Exception as error:
                self.answers[name] = error
                raise
            self.answers[name] = kept
        return kept

    def items(self, name: str) -> list[Mapping[str, Any]]:
        return self.answer(name).items()

    def fetch(self, name: str) -> Answer:
        if name == "ad_account":
            return self.list_page(AD_ACCOUNTS, {})
        if name in ("campaigns", "ad_groups"):
            declaration = CAMPAIGNS if name == "campaigns" else AD_GROUPS
            # a refused page size is the page size check's contradiction: looked at, not raised
            return self.list_page(declaration, {"ad_account_id": self.ad_account_id()}, inspect=(400,))
        if name == "boards":
            return self.list_page(BOARDS, {})
        if name == "pins":
            return self.list_page(PINS, {})
        if name == "businesses":
            return self.list_page(BUSINESS_EMPLOYERS, {})
        if name == "feeds":
            return self.list_page(CATALOGS_FEEDS, {})
        raise KeyError(name)

    def list_page(self, declaration: StreamDeclaration, stream_slice: Slice, inspect: tuple[int, ...] = ()) -> Answer:
        """The first page of a list, as the connector asks for it (statuses, business access, page size...)."""
        return self.client.request(declaration, build_request(declaration, stream_slice, self.config), inspect=inspect)


@dataclass
class TokenRefresh:
    """What the probe's first token refresh (before any check) showed, from the credentials the connector
    persists (auth.py): whether a new refresh token came back, and its expiry."""

    endpoint_path: str
    new_refresh_token: bool
    refresh_token_expires_at: Optional[int]
    now: float


@dataclass
class Session:
    """What every check works with."""

    client: ProbeClient
    lists: AccountLists
    config: PinterestConfig
    today: date
    #: the token refresh before the checks (None: access-token mode)
    refresh: Optional[TokenRefresh] = None

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    def request(self, declaration: StreamDeclaration, stream_slice: Slice, inspect: tuple[int, ...] = (), **params: Any) -> Answer:
        """A request of the declared stream for `stream_slice`, as the connector builds it, with `params` set (None:
        left out)."""
        request = build_request(declaration, stream_slice, self.config).with_params(**params)
        return self.client.request(declaration, request, inspect=inspect)

    def ads_analytics(
        self,
        stream: str,
        granularity: str,
        start: date,
        end: date,
        ids: Optional[list[str]] = None,
        columns: Sequence[str] = ANALYTICS_COLUMNS,
    ) -> tuple[Answer, list[Mapping[str, Any]]]:
        """One ads analytics request of stream `stream` for the probed account at `granularity`, as the connector
        builds it (the configured attribution, the entity `ids`), asking for `columns` only, and its rows."""
        declaration = declaration_named(stream)
        window = {"ad_account_id": self.lists.ad_account_id(), "start_date": start.isoformat(), "end_date": end.isoformat()}
        config = self.config.model_copy(update={"analytics_granularity": granularity})
        request = build_request(declaration, {**window, **({"ids": ids} if ids else {})}, config)
        answer = self.client.request(declaration, request.with_params(columns=",".join(columns)), inspect=(400,))
        rows = [row for row in answer.body if isinstance(row, Mapping)] if isinstance(answer.body, list) else []
        return answer, rows


# -- the checks ---------------------------------------------------------------------------------------
class Check:
    """One assumption and how to check it (see the module docstring)."""

    name: ClassVar[str]
    assumption: ClassVar[str]
    #: the simulator switch whose values are the readings of this point (None: the API description settles it)
    switch: ClassVar[Optional[str]] = None
    #: requests of its own at most (the shared lists of `needs` are counted once per run)
    requests: ClassVar[int] = 1
    needs: ClassVar[tuple[str, ...]] = ()

    def run(self, session: Session) -> Finding:
        raise NotImplementedError

    def finding(
        self,
        status: Status,
        verdict: str,
        evidence: Iterable[str] = (),
        matching: Optional[str] = None,
        counted: bool = True,
        missing_scopes: tuple[str, ...] = (),
    ) -> Finding:
        return Finding(
            check=self.name,
            assumption=self.assumption,
            status=status,
            verdict=verdict,
            switch_reading=SwitchReading(self.switch, assumed(self.switch), matching) if self.switch else None,
            evidence=tuple(evidence),
            counted=counted,
            missing_scopes=missing_scopes,
        )

    def judged(self, matching: Optional[str], verdict: str, evidence: Iterable[str]) -> Finding:
        """Confirmed when the matching reading is the one the connector assumes; contradicted otherwise (also when
        no reading of the switch matches: `matching` None)."""
        assert self.switch is not None
        if matching is not None:
            reading(self.switch, matching)  # a value the table knows
        status = Status.CONFIRMED if matching == assumed(self.switch) else Status.CONTRADICTED
        return self.finding(status, verdict, evidence, matching)


    def unjudged(self, answer: Answer, rows: Sequence[object], what: str, empty: str, evidence: list[str]) -> Optional[Finding]:
        """Unchecked when the request for `what` was refused, or answered no rows (`empty` says for which days);
        None when there are rows to judge."""
        if not answer.ok:
            return self.finding(Status.UNCHECKED, f"the {what} request was refused", evidence)
        if not rows:
            return self.finding(Status.UNCHECKED, empty, evidence)
        return None


class TokenRotation(Check):
    name = "token_rotation"
    assumption = "every refresh answer carries a new refresh token and its expiry (refresh_token_expires_at)"
    requests = 0  # the refresh before the checks, counted apart

    def run(self, session: Session) -> Finding:
        refresh = session.refresh
        if refresh is None:
            return self.finding(Status.NOT_APPLICABLE, "access-token mode: the connector refreshes nothing")
        expiry = "absent"
        if refresh.refresh_token_expires_at is not None:
            days = (refresh.refresh_token_expires_at - refresh.now) / 86400
            expiry = f"present (in {days:.1f} days)"
        evidence = [
            f"POST {refresh.endpoint_path} (grant_type=refresh_token) → new refresh token: "
            f"{'yes (differs from the one sent)' if refresh.new_refresh_token else 'no'}; refresh_token_expires_at: {expiry}"
        ]
        problems = []
        if not refresh.new_refresh_token:
            problems.append("no new refresh token (the connector keeps the old one)")
        if refresh.refresh_token_expires_at is None:
            problems.append("no refresh_token_expires_at (the connector cannot warn before the refresh token expires)")
        if problems:
            return self.finding(Status.CONTRADICTED, "the refresh answer has " + " and ".join(problems), evidence)
        return self.finding(Status.CONFIRMED, "the refresh answer carries a new refresh token and its expiry", evidence)


class RefreshTokenRotation(Check):
    name = "refresh_token_rotation"
    switch = "refresh_token_rotation"
    assumption = "nothing: whether a refreshed-from refresh token stops working at once or at its expiry, the connector always uses (and saves) the newest one"
    requests = 0  # never provoked (see the verdict)

    def run(self, session: Session) -> Finding:
        if session.refresh is None:
            return self.finding(Status.NOT_APPLICABLE, "access-token mode: the connector refreshes nothing")
        verdict = (
            "not provoked: it would take sending the refresh token just replaced, which an authorization server may "
            "take for a stolen token and revoke the whole grant; the connector is exact under both readings"
        )
        return self.finding(Status.UNCHECKED, verdict, counted=False)


class PageSizes(Check):
    name = "page_size_and_id_batches"
    assumption = (
        "lists take page_size=250; analytics take as many ids a request as the API description's maxItems "
        "(250 campaign ids)"
    )
    needs = ("ad_account", "campaigns")

    def run(self, session: Session) -> Finding:
        try:
            page = session.lists.answer("campaigns")
        except ListRefused as refused:
            return self.finding(
                Status.CONTRADICTED, f"page_size={MAX_PAGE_SIZE} was refused", [str(refused.answer.exchange)]
            )
        campaigns = page.items()
        more = "more pages" if page.more_pages else "no more pages"
        evidence = [f"{page.exchange} → {plural(len(campaigns), 'item')}, {more}"]
        if len(campaigns) > MAX_PAGE_SIZE:
            return self.finding(
                Status.CONTRADICTED, f"a page of page_size={MAX_PAGE_SIZE} held {len(campaigns)} items", evidence
            )
        if not campaigns:
            return self.finding(
                Status.CONFIRMED, f"page_size={MAX_PAGE_SIZE} accepted; no campaign to batch ids of", evidence
            )
        analytics = declaration_named("campaign_analytics")
        most = int(api_parameter(analytics.operation, "campaign_ids")["max_items"])
        ids = [str(campaign["id"]) for campaign in campaigns[:most]]
        answer, rows = session.ads_analytics("campaign_analytics", periods.DAY, session.yesterday, session.yesterday, ids)
        scope = f"{len(ids)} campaign ids" + ("" if len(ids) == most else f" (all the account has; the connector sends up to {most})")
        evidence.append(f"{answer.exchange} → {plural(len(rows), 'row')}")
        if not answer.ok:
            return self.finding(Status.CONTRADICTED, f"page_size={MAX_PAGE_SIZE} accepted; {scope} refused", evidence)
        return self.finding(Status.CONFIRMED, f"page_size={MAX_PAGE_SIZE} accepted; {scope} accepted in one request", evidence)


#: the flag columns of the column table (booleans whose wire form is undocumented: the `flag_form` switch)
FLAG_COLUMNS = tuple(name for name, column in columns().items() if column.type == "boolean")


def flag_form(value: Any) -> Optional[str]:
    """The `flag_form` value a flag's wire value has the form of (None: none the connector reads)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)) and value in (0, 1):
        return "integer"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return "string"
        if text in ("0", "1"):
            return "digit_string"
    return None


class FlagForm(Check):
    name = "flag_form"
    switch = "flag_form"
    assumption = (
        f"sync analytics rows carry their flag columns ({', '.join(FLAG_COLUMNS)}) as JSON booleans (the connector "
        "reads each form as a boolean: booleans, 'true'/'false', 1/0, '1'/'0')"
    )
    needs = ("ad_account", "campaigns")
    days = 7

    def run(self, session: Session) -> Finding:
        campaigns = session.lists.items("campaigns")
        if not campaigns:
            return self.finding(Status.NOT_APPLICABLE, "the ad account has no campaign: no campaign analytics")
        analytics = declaration_named("campaign_analytics")
        most = int(api_parameter(analytics.operation, "campaign_ids")["max_items"])
        end = session.yesterday
        answer, rows = session.ads_analytics(
            "campaign_analytics",
            periods.DAY,
            end - timedelta(days=self.days - 1),
            end,
            ids=[str(campaign["id"]) for campaign in campaigns[:most]],
            columns=(*FLAG_COLUMNS, *ANALYTICS_COLUMNS),
        )
        values = [row[column] for row in rows for column in FLAG_COLUMNS if row.get(column) is not None]
        forms = counted(flag_form(value) or f"none the connector reads ({json_type(value)})" for value in values)
        evidence = [f"{answer.exchange} → {plural(len(rows), 'row')}, flag values in these forms: {forms}"]
        if not answer.ok:
            return self.finding(Status.UNCHECKED, "the campaign analytics request was refused", evidence)
        if not values:
            return self.finding(
                Status.UNCHECKED, f"no flag value in the rows: no delivery in the last {self.days} days", evidence
            )
        found = {flag_form(value) for value in values}
        if len(found) == 1 and None not in found:
            (form,) = found
            return self.judged(form, f"flags come as {form} values", evidence)
        return self.judged(None, "flags come in several forms, or in one the connector does not read", evidence)


class KeywordScope(Check):
    name = "keyword_scope"
    switch = "keyword_scope"
    assumption = (
        "keywords/get with campaign_id lists the campaign's own keywords (not its ad groups'); without a filter, "
        "only the keywords whose parent is the ad account"
    )
    requests = 3
    needs = ("ad_account", "ad_groups")

    def run(self, session: Session) -> Finding:
        account = session.lists.ad_account_id()
        groups = session.lists.items("ad_groups")
        campaign_of = {str(group["id"]): str(group.get("campaign_id")) for group in groups}
        evidence: list[str] = []

        def keywords(params: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
            answer = session.lists.list_page(KEYWORDS, {"ad_account_id": account, **params})
            items = answer.items()
            parents = counted(str(item.get("parent_type")) for item in items)
            evidence.append(f"{answer.exchange} → {plural(len(items), 'keyword')}, parent_type: {parents}")
            return items, not answer.more_pages

        # 1. the ad groups' own keywords (the same under every reading): which campaign has keywords below it
        batch_size = int(api_parameter(KEYWORDS.operation, "ad_group_ids")["max_items"])
        group_ids = list(campaign_of)[:batch_size]
        below: list[Mapping[str, Any]] = []
        if group_ids:
            found, _ = keywords({"ad_group_ids": group_ids})
            below = [k for k in found if str(k.get("parent_id")) in campaign_of]
        campaign = campaign_of[str(below[0]["parent_id"])] if below else next(iter(campaign_of.values()), None)
        # 2. the campaign filter: its ad groups' keywords too (subtree) or not (direct)
        campaign_reading: Optional[str] = None
        seen_below_account = list(below)
        if campaign is not None:
            found, whole = keywords({"campaign_id": campaign})
            seen_below_account += found
            if any(str(k.get("parent_id")) != campaign for k in found):
                campaign_reading = "subtree"
            elif whole and any(campaign_of.get(str(k.get("parent_id"))) == campaign for k in below):
                campaign_reading = "direct"  # the campaign's ad groups have keywords, and none came back
        # 3. no filter: every keyword of the account (subtree) or only those whose parent is the account (direct)
        found, whole = keywords({})
        unfiltered_reading: Optional[str] = None
        if any(str(k.get("parent_id")) != account for k in found):
            unfiltered_reading = "subtree"
        elif whole and seen_below_account:
            unfiltered_reading = "direct"  # keywords below the account exist, and none came back
        readings = {r for r in (campaign_reading, unfiltered_reading) if r is not None}
        if not readings:
            if not found and not seen_below_account:
                return self.finding(Status.NOT_APPLICABLE, "the ad account has no keywords", evidence)
            return self.finding(
                Status.NOT_APPLICABLE, "no keyword below a campaign or ad group: the filters' reach cannot show", evidence
            )
        if len(readings) > 1:
            verdict = (
                f"campaign_id reads as {campaign_reading}, no filter as {unfiltered_reading}: no single value matches"
            )
            return self.judged(None, verdict, evidence)
        matching = readings.pop()
        verdict = {
            "direct": "campaign_id lists the campaign's own keywords; no filter, the account's own",
            "subtree": "the filters reach down: campaign_id lists its ad groups' keywords too, no filter every keyword "
            "(the connector still keeps each keyword once, by its parent)",
        }[matching]
        return self.judged(matching, verdict, evidence)


class PeriodDates(Check):
    """A check of how the ad account's sync analytics rows at one `granularity` are dated: one request over
    `window`; unchecked when it is refused or has no rows (no delivery), else `judge` reads the rows' DATEs."""

    granularity: ClassVar[str]
    #: the days asked, up to yesterday
    days: ClassVar[int] = 1
    needs = ("ad_account",)

    def window(self, session: Session) -> tuple[date, date]:
        end = session.yesterday
        return end - timedelta(days=self.days - 1), end

    def run(self, session: Session) -> Finding:
        start, end = self.window(session)
        answer, rows = session.ads_analytics("ad_account_analytics", self.granularity, start, end)
        evidence = [f"{answer.exchange} → {plural(len(rows), 'row')}, {self.seen(rows, start, end)}"]
        days = f"{start}: the account had no delivery that day" if start == end else f"{start}..{end}: the account had no delivery"
        unjudged = self.unjudged(answer, rows, self.granularity, f"no rows for {days}", evidence)
        return unjudged or self.judge(rows, start, end, evidence)

    def seen(self, rows: Sequence[Mapping[str, Any]], start: date, end: date) -> str:
        """What the evidence line says of the rows' DATEs."""
        raise NotImplementedError

    def judge(self, rows: Sequence[Mapping[str, Any]], start: date, end: date, evidence: list[str]) -> Finding:
        raise NotImplementedError

    def reading_of(self, readings: Sequence[tuple[str, bool, str]], otherwise: str, evidence: list[str]) -> Finding:
        """The first reading (switch value, whether the rows show it, the verdict) the rows show, judged; when they
        show none, a contradiction saying `otherwise`."""
        for value, shown, verdict in readings:
            if shown:
                return self.judged(value, verdict, evidence)
        return self.judged(None, otherwise, evidence)


def _labels(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The rows' DATEs, of those that have one."""
    return [str(row["DATE"]) for row in rows if row.get("DATE") is not None]


class HourDate(PeriodDates):
    name = "hour_date"
    switch = "hour_date"
    assumption = "a sync analytics row at granularity HOUR is dated 'YYYY-MM-DD HH:MM:SS'"
    granularity = periods.HOUR

    def window(self, session: Session) -> tuple[date, date]:
        return session.yesterday, session.yesterday

    def seen(self, rows: Sequence[Mapping[str, Any]], start: date, end: date) -> str:
        labels = _labels(rows)
        forms = counted("YYYY-MM-DD HH:.." if _DAY_AND_HOUR.match(v) else "YYYY-MM-DD" if _DAY.match(v) else "other" for v in labels)
        return f"DATE forms: {forms}" + (f" (e.g. {labels[0]!r})" if labels else "")

    def judge(self, rows: Sequence[Mapping[str, Any]], start: date, end: date, evidence: list[str]) -> Finding:
        labels = _labels(rows)
        every = len(labels) == len(rows)
        readings = [
            ("date_hour", every and all(_DAY_AND_HOUR.match(v) for v in labels), "HOUR rows carry their hour in DATE"),
            ("date", every and all(_DAY.match(v) for v in labels), "HOUR rows are dated by day only (the connector orders their hours itself)"),
        ]
        return self.reading_of(readings, "HOUR rows' DATE is neither form (or missing)", evidence)


class TotalDate(PeriodDates):
    name = "total_date"
    switch = "total_date"
    assumption = "a sync analytics row at granularity TOTAL has no DATE"
    granularity = periods.TOTAL
    days = 7

    def seen(self, rows: Sequence[Mapping[str, Any]], start: date, end: date) -> str:
        dates = _labels(rows)
        seen = counted("start_date" if v == start.isoformat() else "end_date" if v == end.isoformat() else "another day" for v in dates)
        return f"{len(dates)} with a DATE: {seen}"

    def judge(self, rows: Sequence[Mapping[str, Any]], start: date, end: date, evidence: list[str]) -> Finding:
        dates = _labels(rows)
        every = len(dates) == len(rows)
        readings = [
            ("none", not dates, "TOTAL rows carry no DATE"),
            ("start_date", every and set(dates) == {start.isoformat()}, "TOTAL rows are dated with the request's start_date"),
            ("end_date", every and set(dates) == {end.isoformat()}, "TOTAL rows are dated with the request's end_date"),
        ]
        return self.reading_of(readings, "TOTAL rows carry a DATE that is neither the start nor the end date", evidence)


def _days_of(rows: Sequence[Mapping[str, Any]]) -> list[date]:
    """The days the rows' DATEs name (a label that is no date is left out: counted as none)."""
    days: list[date] = []
    for row in rows:
        with contextlib.suppress(ValueError):
            days.append(date.fromisoformat(str(row.get("DATE"))[:10]))
    return days


class WeekStart(PeriodDates):
    name = "week_start"
    switch = "week_start"
    assumption = f"a WEEK period starts on {WEEKDAYS[periods.WEEK_FIRST_DAY]} (periods.WEEK_FIRST_DAY): its rows' DATE"
    granularity = periods.WEEK
    days = 21

    def seen(self, rows: Sequence[Mapping[str, Any]], start: date, end: date) -> str:
        return f"DATE weekdays: {counted(WEEKDAYS[d.weekday()] for d in _days_of(rows))}"

    def judge(self, rows: Sequence[Mapping[str, Any]], start: date, end: date, evidence: list[str]) -> Finding:
        labels = _days_of(rows)
        weekdays = {label.weekday() for label in labels} if len(labels) == len(rows) else set()
        readings = [
            ("monday", weekdays == {0}, "WEEK rows are labelled with Mondays"),
            ("sunday", weekdays == {6}, "WEEK rows are labelled with Sundays"),
        ]
        return self.reading_of(readings, "WEEK rows' DATE labels are not all one weekday", evidence)


class PeriodLabel(PeriodDates):
    name = "period_label"
    switch = "period_label"
    assumption = "a MONTH (or WEEK) row whose period began before the request's start_date is dated with the period's first day"
    granularity = periods.MONTH
    days = 20

    def window(self, session: Session) -> tuple[date, date]:
        """`days` days before yesterday, moved a day back when that is the first of a month: a request that starts
        mid-month."""
        end = session.yesterday
        start = end - timedelta(days=self.days)
        if start.day == 1:
            start -= timedelta(days=1)
        return start, end

    @staticmethod
    def _first(rows: Sequence[Mapping[str, Any]]) -> Optional[str]:
        return str(rows[0].get("DATE"))[:10] if rows else None

    def seen(self, rows: Sequence[Mapping[str, Any]], start: date, end: date) -> str:
        first = self._first(rows)
        seen = "the month's first day" if first == start.replace(day=1).isoformat() else "the start_date" if first == start.isoformat() else "another day"
        return f"the first row's DATE is {seen}"

    def judge(self, rows: Sequence[Mapping[str, Any]], start: date, end: date, evidence: list[str]) -> Finding:
        first = self._first(rows)
        readings = [
            ("period_start", first == start.replace(day=1).isoformat(), "a month cut by the start is dated with its first day"),
            ("first_requested_day", first == start.isoformat(), "a month cut by the start is dated with the start_date"),
        ]
        return self.reading_of(readings, "a month cut by the start is dated with neither its first day nor the start_date", evidence)


class MetricsReadyState(Check):
    name = "metrics_ready_state"
    assumption = "GET /resources/metrics_ready_state?date= answers two booleans: conversion_metrics_ready, non_conversion_metrics_ready"
    fields = ("conversion_metrics_ready", "non_conversion_metrics_ready")

    def run(self, session: Session) -> Finding:
        answer = session.request(METRICS_READY_STATE, {"date": session.yesterday.isoformat()})
        if not answer.ok:  # the connector ignores 403 and 404: "not available to this token"
            return self.finding(
                Status.NOT_APPLICABLE,
                "not available to this token (the connector then advances cursors as rows are read)",
                [str(answer.exchange)],
            )
        body = answer.body if isinstance(answer.body, Mapping) else {}
        shape = ", ".join(f"{key}: {type(value).__name__}" for key, value in body.items()) or "no fields"
        evidence = [f"{answer.exchange} → {shape}"]
        wrong = [name for name in self.fields if not isinstance(body.get(name), bool)]
        if wrong:
            return self.finding(Status.CONTRADICTED, f"not booleans (or absent): {', '.join(wrong)}", evidence)
        return self.finding(Status.CONFIRMED, "two booleans, as assumed", evidence)


class ProductGroupIds(Check):
    name = "product_group_ids"
    switch = "product_group_ids"
    assumption = "product_groups/analytics takes product group promotion ids (rows keyed by them)"
    requests = 2
    needs = ("ad_account", "campaigns", "ad_groups")
    days = 30

    def run(self, session: Session) -> Finding:
        account = session.lists.ad_account_id()
        shopping = {str(c["id"]) for c in session.lists.items("campaigns") if c.get("objective_type") == "CATALOG_SALES"}
        group = next((str(g["id"]) for g in session.lists.items("ad_groups") if str(g.get("campaign_id")) in shopping), None)
        if group is None:
            return self.finding(Status.NOT_APPLICABLE, "no ad group of a catalog sales campaign: no product groups")
        promotions_answer = session.lists.list_page(PRODUCT_GROUP_PROMOTIONS, {"ad_account_id": account, "ad_group_id": group})
        promotions = promotions_answer.items()
        promotion_ids = {str(p["id"]) for p in promotions if p.get("id") is not None}
        catalog_ids = {str(p["catalog_product_group_id"]) for p in promotions if p.get("catalog_product_group_id") is not None}
        evidence = [
            f"{promotions_answer.exchange} → {plural(len(promotions), 'promotion')}, "
            f"{len(catalog_ids)} catalog product group ids"
        ]
        if not promotion_ids:
            return self.finding(Status.NOT_APPLICABLE, "the catalog sales ad group has no product group promotion", evidence)
        operation = declaration_named("product_group_analytics").operation
        most = int(api_parameter(operation, "product_group_ids")["max_items"])
        ids = [*sorted(promotion_ids), *sorted(catalog_ids - promotion_ids)][:most]
        end = session.yesterday
        answer, rows = session.ads_analytics(
            "product_group_analytics", periods.TOTAL, end - timedelta(days=self.days - 1), end, ids
        )
        keys = [str(row.get("PRODUCT_GROUP_ID")) for row in rows]
        kinds = counted("promotion id" if k in promotion_ids else "catalog product group id" if k in catalog_ids else "other" for k in keys)
        evidence.append(f"{answer.exchange} (both kinds of id) → {plural(len(rows), 'row')}, keyed by: {kinds}")
        if not answer.ok:
            return self.finding(Status.UNCHECKED, "the product group analytics request was refused", evidence)
        if not rows:
            return self.finding(Status.UNCHECKED, f"no rows: the product groups had no delivery in the last {self.days} days", evidence)
        if all(k in promotion_ids for k in keys):
            return self.judged("promotion", "rows come back for the promotion ids", evidence)
        if all(k in catalog_ids for k in keys):
            return self.judged("catalog_product_group", "rows come back for the catalog product group ids", evidence)
        return self.judged(None, "rows are keyed by ids of both kinds (or neither)", evidence)


class ReportPollLimit(Exception):
    """The report job was still IN_PROGRESS after the polls the budget allows."""


@dataclass
class PollLimit:
    """The report job's sleep between status polls (`ReportJob(sleep=...)`): stops the job instead of a sleep that
    would lead to more than `polls` polls."""

    polls: int
    sleep: Callable[[float], None]
    slept: int = 0

    def __call__(self, seconds: float) -> None:
        self.slept += 1
        if self.slept >= self.polls:
            raise ReportPollLimit(f"the report was still IN_PROGRESS after {self.polls} status polls")
        self.sleep(seconds)


class ProbeReportJob(AsyncJob):
    """The connector's report job, created once (no second attempt: one job at most)."""

    max_attempts: ClassVar[int] = 1


def json_type(value: Any) -> str:
    """A JSON value's type, as the column table names them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def accepted_types(column: str) -> frozenset[str]:
    """The JSON types a report file may carry for a column of the table: its own, null (no value), an integer for a
    number, and for a flag a string or a number too (its wire form is not documented: the flag_form check names it;
    the connector reads each form as a boolean). An id may come as a number: the connector turns every *_ID value
    into a string (reports.RowShape)."""
    kind = columns()[column].type
    types = {kind, "null"}
    if kind == "number":
        types.add("integer")
    if kind == "boolean":
        types |= {"string", "integer"}
    if column.endswith("_ID"):
        types.add("integer")
    return frozenset(types)


class ReportColumns(Check):
    name = "report_columns"
    assumption = (
        f"a {REPORT_LEVEL} report accepts the columns the campaign_report stream asks, and its file's values have "
        "the types of the column table (data/report_columns.csv)"
    )
    requests = 1 + REPORT_STATUS_POLLS + 1  # create, status polls, file download
    needs = ("ad_account", "campaigns")
    days = 2

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    def spec(self) -> ReportSpec:
        return ReportSpec("probe_campaign_report", REPORT_LEVEL, columns=REPORT_COLUMNS)

    def run(self, session: Session) -> Finding:
        account = session.lists.ad_account_id()
        if not session.lists.items("campaigns"):
            return self.finding(Status.NOT_APPLICABLE, "the ad account has no campaign: a report would be empty")
        spec = self.spec()
        end = session.yesterday
        window = {"ad_account_id": account, "start_date": (end - timedelta(days=self.days - 1)).isoformat(), "end_date": end.isoformat()}
        client = session.client
        client.ensure_room(self.requests)
        declaration = report_declaration(spec, bundled_schema=False)
        creation = build_request(declaration, window, session.config)
        job = ProbeReportJob(
            client.job_sender(declaration), window, creation, ReportRows(spec).job_api, sleep=self.sleep_limited()
        )
        before = len(client.log)
        types: dict[str, Counter[str]] = {column: Counter() for column in REPORT_COLUMNS}
        unrequested: set[str] = set()
        rows = 0
        problem: Optional[str] = None
        try:
            for _, row in job.rows():
                rows += 1
                for name, value in row.items():
                    if name in types:
                        types[name][json_type(value)] += 1
                    else:
                        unrequested.add(name)
                if rows >= REPORT_ROWS_EXAMINED:
                    break
        except ReportPollLimit as limit:
            problem = str(limit)
        except ReportJobFailed as failed:  # the job ended FAILED, or its file could not be downloaded
            problem = _without_queries(failed.message or str(failed))
        except AirbyteTracedException as error:
            translated = client.translated(error, before)
            if not isinstance(translated, RequestFailed):
                raise translated from None  # a missing scope, rejected credentials
            problem = str(translated)
        finally:
            exchanges = client.log.snapshot()[before:]
            # the file's download is a plain GET outside the session (a pre-signed link): counted when the job
            # finished, or failed at the download
            downloaded = problem is None or rows > 0 or "download" in problem
            client.record_sent(len(exchanges) + int(downloaded))
        evidence = self.describe(spec, exchanges, window)
        created = next((e for e in exchanges if e.method == "POST"), None)
        if created is not None and created.status == 400:
            return self.finding(Status.CONTRADICTED, f"the API refused the {REPORT_LEVEL} report's columns: {created.message[:200]}", evidence)
        if problem is not None:
            return self.finding(Status.UNCHECKED, problem, evidence)
        present = {column: kinds for column, kinds in types.items() if kinds}
        shown = ", ".join(f"{column} {'/'.join(sorted(kinds))}" for column, kinds in present.items())
        evidence.append(f"file → {plural(rows, 'row')}; types: {shown or 'none'}")
        absent = [column for column in REPORT_COLUMNS if column not in present]
        if absent:
            evidence.append(f"absent from every row (the API leaves out zero metrics): {', '.join(absent)}")
        if unrequested:
            evidence.append(f"also in the rows, unrequested: {', '.join(sorted(unrequested))}")
        if not rows:
            return self.finding(Status.UNCHECKED, f"the file has no rows: no delivery on {window['start_date']}..{window['end_date']}", evidence)
        wrong = {
            column: sorted(set(kinds) - accepted_types(column)) for column, kinds in present.items() if set(kinds) - accepted_types(column)
        }
        if wrong:
            differences = "; ".join(f"{column}: {'/'.join(kinds)} (table: {columns()[column].type})" for column, kinds in wrong.items())
            return self.finding(Status.CONTRADICTED, f"value types differ from the column table: {differences}", evidence)
        return self.finding(
            Status.CONFIRMED,
            f"{REPORT_LEVEL} level accepted {len(REPORT_COLUMNS)} columns; the file's types match the column table",
            evidence,
        )

    def sleep_limited(self) -> PollLimit:
        return PollLimit(REPORT_STATUS_POLLS, self.sleep)

    @staticmethod
    def describe(spec: ReportSpec, exchanges: Sequence[Exchange], window: Mapping[str, str]) -> list[str]:
        lines = []
        polls = [e for e in exchanges if e.method == "GET"]
        for exchange in exchanges:
            if exchange.method == "POST":
                lines.append(
                    f"{exchange} (level {spec.level}, {spec.granularity}, {window['start_date']}..{window['end_date']}, "
                    f"{len(spec.request_columns)} columns)"
                )
        if polls:
            lines.append(f"{plural(len(polls), 'status poll')}: {polls[-1]}")
        return lines


class IncludeProtectedPins(Check):
    name = "include_protected_pins"
    assumption = "pins/list leaves out Pins on PROTECTED boards unless include_protected_pins=true (the connector sends true)"
    needs = ("boards", "pins")

    def run(self, session: Session) -> Finding:
        boards_page = session.lists.answer("boards")
        boards = boards_page.items()
        protected = {str(board["id"]): board for board in boards if board.get("privacy") == "PROTECTED"}
        evidence = [f"{boards_page.exchange} → {plural(len(boards), 'board')}, privacy: {counted(str(b.get('privacy')) for b in boards)}"]
        if not protected:
            return self.finding(Status.NOT_APPLICABLE, "no PROTECTED board", evidence)
        with_flag = session.lists.answer("pins")
        # the request the connector sends, without include_protected_pins: the API's default
        default = session.request(PINS, {}, include_protected_pins=None)
        on_protected: dict[str, int] = {}
        for label, answer in (("with", with_flag), ("without", default)):
            pins = answer.items()
            on_protected[label] = sum(str(pin.get("board_id")) in protected for pin in pins)
            evidence.append(f"{answer.exchange} → {plural(len(pins), 'Pin')}, {on_protected[label]} on PROTECTED boards")
        if on_protected["without"]:
            return self.finding(Status.CONTRADICTED, "the default answer already lists Pins on PROTECTED boards", evidence)
        if on_protected["with"]:
            return self.finding(Status.CONFIRMED, "Pins on PROTECTED boards come only with include_protected_pins=true", evidence)
        if with_flag.more_pages:
            return self.finding(Status.UNCHECKED, "no Pin on a PROTECTED board in the first page", evidence)
        held = sum(int(board.get("pin_count") or 0) for board in protected.values())
        if held:
            return self.finding(
                Status.CONTRADICTED,
                f"include_protected_pins=true did not list the {plural(held, 'Pin')} the PROTECTED boards hold",
                evidence,
            )
        return self.finding(Status.NOT_APPLICABLE, "the PROTECTED boards hold no Pin", evidence)


class PinMetricVariants(Check):
    name = "pin_metric_variants"
    switch = "pin_metric_mismatch"
    assumption = (
        "multi_pins/analytics asked the standard-only metric types (USER_FOLLOW, PROFILE_VISIT) for a video Pin "
        "answers them (the connector asks video Pins both variants)"
    )
    needs = ("pins",)
    days = 7

    def run(self, session: Session) -> Finding:
        pins = session.lists.items("pins")
        video = next(
            (str(pin["id"]) for pin in pins if (pin.get("media") or {}).get("media_type") in VIDEO_MEDIA_TYPES), None
        )
        if video is None:
            return self.finding(Status.NOT_APPLICABLE, f"no video Pin among the first {plural(len(pins), 'Pin')}")
        variants = api_parameter(PIN_ANALYTICS_OPERATION, "metric_types")["variants"]
        standard_only = sorted(set(variants[STANDARD_METRICS]) - set(variants[VIDEO_METRICS]))
        end = session.yesterday
        batch = {"ids": [video], "start_date": (end - timedelta(days=self.days - 1)).isoformat(), "end_date": end.isoformat()}
        answer = session.request(PIN_ANALYTICS, batch, (400,), metric_types=",".join(standard_only))
        if answer.status == 400:
            return self.judged(
                "refuse",
                "a video Pin asked the standard-only metrics is refused: video Pins' rows lack them",
                [str(answer.exchange)],
            )
        pin = answer.body.get(video) if isinstance(answer.body, Mapping) else None
        daily = (pin.get("all") or {}).get("daily_metrics") if isinstance(pin, Mapping) else None
        days = [day for day in daily if isinstance(day, Mapping)] if isinstance(daily, list) else []
        keys = Counter(key for day in days for key in (day.get("metrics") or {}))
        evidence = [f"{answer.exchange} → {plural(len(days), 'day')} for the video Pin, metric keys: {counted(keys.elements()) if keys else 'none'}"]
        if not days:
            return self.finding(Status.UNCHECKED, "no daily metrics for the video Pin", evidence)
        if all(keys[metric] for metric in standard_only):
            return self.judged("lenient", f"a video Pin's {', '.join(standard_only)} are answered", evidence)
        if not any(keys[metric] for metric in standard_only):
            return self.judged("omit", f"a video Pin's {', '.join(standard_only)} are left out: its rows have them null", evidence)
        return self.judged(None, "some of the standard-only metrics are answered, some not", evidence)


class UnknownPin(Check):
    name = "unknown_pin"
    switch = "unknown_pin"
    assumption = "multi_pins/analytics asked for a Pin it does not know answers the other Pins (a deleted Pin is left out)"
    needs = ("pins",)
    #: a Pin id no account has (ids are 18 digits or fewer; 1 is the first)
    unknown_id = "1"

    def run(self, session: Session) -> Finding:
        pins = session.lists.items("pins")
        if not pins:
            return self.finding(Status.NOT_APPLICABLE, "the user has no Pin")
        known = str(pins[0]["id"])
        day = session.yesterday.isoformat()
        batch = {"ids": [known, self.unknown_id], "start_date": day, "end_date": day}
        answer = session.request(PIN_ANALYTICS, batch, (404,), metric_types="IMPRESSION")
        evidence = [str(answer.exchange)]
        if answer.status == 404:
            return self.judged("not_found", "one unknown Pin fails the whole request (404)", evidence)
        if isinstance(answer.body, Mapping) and known in answer.body and self.unknown_id not in answer.body:
            return self.judged("omit", "the known Pin is answered, the unknown one left out", evidence)
        return self.judged(None, "the answer has neither the known Pin alone nor a 404", evidence)


class TopPinsDataStatus(Check):
    name = "top_pins_data_status"
    switch = "top_pins_data_status"
    assumption = "a top Pin's data_status is an object keyed by date (YYYY-MM-DD)"
    days = 7

    def run(self, session: Session) -> Finding:
        sort_metrics = list(api_parameter(TOP_PINS_OPERATION, "sort_by")["enum"])
        end = session.yesterday
        window = {
            "start_date": (end - timedelta(days=self.days - 1)).isoformat(),
            "end_date": end.isoformat(),
            "sort_by": "IMPRESSION" if "IMPRESSION" in sort_metrics else sort_metrics[0],
        }
        answer = session.request(USER_ACCOUNT_TOP_PINS, window, num_of_pins=1)
        pins = answer.body.get("pins") if isinstance(answer.body, Mapping) else None
        pin = pins[0] if isinstance(pins, list) and pins and isinstance(pins[0], Mapping) else None
        if pin is None:
            return self.finding(Status.NOT_APPLICABLE, f"no top Pin in the last {self.days} days", [f"{answer.exchange} → no Pins"])
        status = pin.get("data_status")
        keys = [str(key) for key in status] if isinstance(status, Mapping) else []
        metrics = {str(name) for name in pin.get("metrics") or {}} | set(api_parameter(TOP_PINS_OPERATION, "metric_types")["enum"])
        kinds = counted("date" if _DAY.match(key) else "metric name" if key in metrics else "other" for key in keys)
        evidence = [f"{answer.exchange} → 1 Pin; data_status: {type(status).__name__}, keys: {kinds}"]
        if keys and all(_DAY.match(key) for key in keys):
            return self.judged("by_date", "data_status is keyed by date", evidence)
        if keys and all(key in metrics for key in keys):
            return self.judged("by_metric", "data_status is keyed by metric", evidence)
        return self.judged(None, "data_status is keyed by neither dates nor metric names (or empty)", evidence)


class WebsiteVerifiedAt(Check):
    name = "website_verified_at"
    switch = "website_verified_at"
    assumption = (
        "an unverified website of user_websites/get has no verified_at key (the connector reads it absent or null "
        "alike)"
    )

    def run(self, session: Session) -> Finding:
        answer = session.request(USER_WEBSITES, {})
        sites = answer.items()
        unverified = [site for site in sites if not site.get("verified_at")]
        forms = counted("absent" if "verified_at" not in site else "null" if site["verified_at"] is None else "empty" for site in unverified)
        evidence = [f"{answer.exchange} → {plural(len(sites), 'website')}, verified_at of those without a time: {forms}"]
        if not unverified:
            return self.finding(Status.NOT_APPLICABLE, "every website has its verification time", evidence)
        if all("verified_at" not in site for site in unverified):
            return self.judged("absent", "an unverified website has no verified_at", evidence)
        if all("verified_at" in site and site["verified_at"] is None for site in unverified):
            return self.judged("null", "an unverified website has verified_at null", evidence)
        return self.judged(None, "the unverified websites' verified_at is neither always absent nor always null", evidence)


class LinkedBusinessId(Check):
    name = "linked_business_id"
    switch = "linked_business_id"
    assumption = "a linked business (linked_business_accounts/get) has no id, as LinkedBusiness declares (its key: username)"

    def run(self, session: Session) -> Finding:
        answer = session.request(LINKED_BUSINESSES, {})
        body = answer.body if isinstance(answer.body, list) else []
        businesses = [item for item in body if isinstance(item, Mapping)]
        with_id = sum("id" in item for item in businesses)
        evidence = [f"{answer.exchange} → {plural(len(businesses), 'linked business')}, {with_id} with an id"]
        if not businesses:
            return self.finding(Status.NOT_APPLICABLE, "the user has no linked business", evidence)
        if not with_id:
            return self.judged("absent", "no linked business carries an id", evidence)
        if with_id == len(businesses):
            return self.judged("present", "every linked business carries its id", evidence)
        return self.judged(None, "some linked businesses carry an id, some not", evidence)


def business_probed(session: Session) -> str:
    """The first business the user works for (`get/business_employers`, scope biz_access:read)."""
    businesses = session.lists.items("businesses")
    if not businesses:
        raise NothingToProbe("the user works for no business")
    return str(businesses[0]["id"])


class BusinessAccessPaging(Check):
    name = "business_access_paging"
    switch = "business_access_paging"
    assumption = (
        "get/business_members, get/business_partners and business_assets/get page by bookmark, start_index skipping "
        "items (the connector pages by start_index until a short page, exact either way)"
    )
    needs = ("businesses",)
    requests = 2

    def run(self, session: Session) -> Finding:
        stream_slice = {"business_id": business_probed(session), "fetch_system_users": "false"}
        first = session.request(BUSINESS_MEMBERS, stream_slice, page_size=1, start_index=None)
        evidence = [f"{first.exchange} → {plural(len(first.items()), 'member')}, bookmark: {'yes' if first.more_pages else 'none'}"]
        if first.more_pages:
            return self.judged("bookmark", "a page of one member carries a bookmark to the next", evidence)
        second = session.request(BUSINESS_MEMBERS, stream_slice, page_size=1, start_index=1)
        evidence.append(f"{second.exchange} → {plural(len(second.items()), 'member')}")
        if not second.items():
            return self.finding(Status.NOT_APPLICABLE, "the business has one member: no second page", evidence)
        return self.judged("start_index", "no bookmark though a second member exists: pages go by start_index", evidence)


class BusinessPartnerTypeDefault(Check):
    name = "business_partner_type_default"
    switch = "business_partner_type_default"
    assumption = (
        "get/business_partners without partner_type answers internal and external partners (the connector sends "
        "each type, exact either way)"
    )
    needs = ("businesses",)
    requests = 2

    def run(self, session: Session) -> Finding:
        business_id = business_probed(session)
        default = session.request(BUSINESS_PARTNERS, {"business_id": business_id}, partner_type=None, start_index=None)
        shared = counted(str(item.get("is_shared_partner")).lower() for item in default.items())
        evidence = [f"{default.exchange} → {plural(len(default.items()), 'partner')}, is_shared_partner: {shared}"]
        if any(item.get("is_shared_partner") is True for item in default.items()):
            return self.judged("both", "without partner_type the external partners are answered too", evidence)
        external = session.request(BUSINESS_PARTNERS, {"business_id": business_id, "partner_type": "EXTERNAL"}, start_index=None)
        evidence.append(f"{external.exchange} → {plural(len(external.items()), 'external partner')}")
        if not external.items():
            return self.finding(Status.NOT_APPLICABLE, "the business has no external partner", evidence)
        return self.judged("internal", "without partner_type only internal partners are answered", evidence)


class ProcessingResultsPaging(Check):
    name = "processing_results_paging"
    switch = "processing_results_paging"
    assumption = (
        "feed_processing_results/list answers its first page only, without a bookmark (\"the bookmark parameter is not "
        "functional\"; the connector follows a bookmark while it brings results not seen, exact under each reading)"
    )
    needs = ("feeds",)
    requests = 2

    def run(self, session: Session) -> Finding:
        feeds = session.lists.items("feeds")
        if not feeds:
            raise NothingToProbe("the catalog has no feed")
        stream_slice = {"feed_id": str(feeds[0]["id"])}
        first = session.request(CATALOG_FEED_PROCESSING_RESULTS, stream_slice, page_size=1)
        evidence = [f"{first.exchange} → {plural(len(first.items()), 'result')}, bookmark: {'yes' if first.more_pages else 'none'}"]
        if not first.items():
            return self.finding(Status.NOT_APPLICABLE, "the feed has no processing result", evidence)
        if not first.more_pages:
            return self.judged("first_page", "a page of one result carries no bookmark", evidence)
        second = session.request(CATALOG_FEED_PROCESSING_RESULTS, stream_slice, page_size=1, bookmark=first.body["bookmark"])
        same = [str(item.get("id")) for item in second.items()] == [str(item.get("id")) for item in first.items()]
        evidence.append(f"{second.exchange} → {plural(len(second.items()), 'result')}, {'the first page again' if same else 'another page'}")
        if same:
            return self.judged("repeating_bookmark", "the bookmark answers the first page again", evidence)
        return self.judged("bookmark", "the bookmark answers the next page", evidence)


def throttle_form(exchange: Exchange) -> Optional[str]:
    """The `throttle` value a rate-limit answer has the form of (None: none of them)."""
    if exchange.status == 429:
        return "http_429"
    if exchange.status == 400 and exchange.code == 12:
        return "http_400_retry_after" if re.search(r"retry after \d", exchange.message, re.IGNORECASE) else "code_12"
    return None


class Throttling(Check):
    name = "throttling"
    switch = "throttle"
    assumption = (
        "a rate-limit answer is HTTP 429, code 8, with X-RateLimit-Reset (the connector also reads HTTP 400 code 12, "
        "with or without 'Retry after N seconds')"
    )
    requests = 0  # it reads the answers of the whole run: run it last

    def run(self, session: Session) -> Finding:
        exchanges = session.client.log.snapshot()
        normal = [exchange for exchange in exchanges if exchange.ok]
        headers = counted(name for exchange in normal for name in exchange.rate_limit_headers)
        evidence = [f"{plural(len(normal), 'successful answer')}; rate-limit headers on them: {headers}"]
        met = [e for e in exchanges if e.rate_limited or "rate limit" in e.message.lower()]
        if not met:
            verdict = "no rate limit was met (the probe never provokes one): the form of its answer is unchecked"
            return self.finding(Status.UNCHECKED, verdict, evidence, counted=False)
        first = met[0]
        evidence.append(f"{first}; headers: {', '.join(first.rate_limit_headers) or 'none'}")
        if not first.rate_limited:
            return self.judged(None, "a rate-limit answer the connector does not take for one", evidence)
        form = throttle_form(first)
        return self.judged(form, f"a rate limit was met: {form or 'another form the connector recognises'}", evidence)


class LabelsItem(Check):
    name = "labels_item"
    switch = "labels_item"
    assumption = (
        "labels/list items are typed LabelsResponse ({labels: [Label], errors}) as the API description says (the "
        "connector reads both that and bare Label items)"
    )
    needs = ("ad_account",)

    def run(self, session: Session) -> Finding:
        answer = session.request(LABELS, {"ad_account_id": session.lists.ad_account_id()})
        items = answer.items()
        kinds = counted("wrapped" if "labels" in item and "id" not in item else "label" if "id" in item else "other" for item in items)
        evidence = [f"{answer.exchange} → {plural(len(items), 'item')}: {kinds if items else 'none'}"]
        if not items:
            return self.finding(Status.NOT_APPLICABLE, "the ad account has no label", evidence)
        if all("labels" in item and "id" not in item for item in items):
            return self.judged("wrapped", "each item wraps labels ({labels, errors})", evidence)
        if all("id" in item for item in items):
            return self.judged("label", "each item is a label itself", evidence)
        return self.judged(None, "the items are neither all wrappers nor all labels", evidence)


class LeadFormQuestionsShape(Check):
    name = "lead_form_questions_shape"
    switch = "lead_form_questions_shape"
    assumption = (
        "lead_form_questions/get answers a JSON array of question type names (the API description gives no schema; "
        "the connector reads an {items} object of them too)"
    )

    def run(self, session: Session) -> Finding:
        answer = session.request(LEAD_FORM_QUESTION_TYPES, {})
        body = answer.body
        evidence = [f"{answer.exchange} → {type(body).__name__}"]
        if isinstance(body, list) and all(isinstance(name, str) for name in body):
            return self.judged("names", f"a JSON array of {plural(len(body), 'name')}", evidence)
        items = body.get("items") if isinstance(body, Mapping) else None
        if isinstance(items, list) and all(isinstance(name, str) for name in items):
            return self.judged("items", f"an object whose items are {plural(len(items), 'name')}", evidence)
        return self.judged(None, "neither an array of names nor an {items} object of them", evidence)


class TargetingOptionsShape(Check):
    name = "targeting_options_shape"
    switch = "targeting_options_shape"
    assumption = (
        "targeting_options/get answers one object mapping every value to its name, as the API description's sample "
        "(the connector reads an object per value too)"
    )
    targeting_type = "GENDER"

    def run(self, session: Session) -> Finding:
        answer = session.request(TARGETING_OPTIONS, {"targeting_type": self.targeting_type})
        body = answer.body if isinstance(answer.body, list) else []
        sizes = [len(options) for options in body if isinstance(options, Mapping)]
        evidence = [f"{answer.exchange} → {plural(len(body), 'object')} of {plural(sum(sizes), 'value')}"]
        if sum(sizes) < 2:
            return self.finding(Status.UNCHECKED, f"fewer than two {self.targeting_type} options: either shape", evidence)
        if len(sizes) == 1:
            return self.judged("one_map", "one object maps every value to its name", evidence)
        if all(size == 1 for size in sizes):
            return self.judged("map_per_option", "an object per value", evidence)
        return self.judged(None, "several objects of several values each", evidence)


class UnsharedAudience(Check):
    name = "unshared_audience"
    switch = "unshared_audience"
    assumption = (
        "ad_accounts_audiences_shared_accounts/list answers an audience shared with nobody with no items (the "
        "connector reads its declared 404 \"Shared accounts not found.\" as no shares too)"
    )
    needs = ("ad_account",)
    #: the account's first audiences asked for their shares, at most (one page of audiences besides)
    audiences_asked = 2
    requests = 1 + audiences_asked

    def run(self, session: Session) -> Finding:
        account = {"ad_account_id": session.lists.ad_account_id()}
        listed = session.request(AUDIENCES, {**account, "ownership_type": "OWNED"})
        audiences = listed.items()[: self.audiences_asked]
        evidence = [f"{listed.exchange} → {plural(len(listed.items()), 'owned audience')}"]
        if not audiences:
            return self.finding(Status.NOT_APPLICABLE, "the ad account owns no audience", evidence)
        for audience in audiences:
            shares = {**account, "audience_id": str(audience["id"]), "account_type": "AD_ACCOUNT"}
            answer = session.request(AUDIENCE_SHARED_ACCOUNTS, shares, inspect=(404,))
            evidence.append(f"{answer.exchange} → {'404' if answer.status == 404 else plural(len(answer.items()), 'share')}")
            if answer.status == 404:
                return self.judged("not_found", "an owned audience shared with nobody is a 404", evidence)
            if not answer.items():
                return self.judged("empty", "an owned audience shared with nobody has no items", evidence)
        return self.finding(Status.UNCHECKED, f"each of the first {plural(len(audiences), 'audience')} is shared", evidence)


class FeaturedTopicsDefault(Check):
    name = "featured_topics_default"
    switch = "featured_topics_default"
    assumption = (
        "trends_featured_topics/list without `interest` answers the featured topics of every interest (the connector "
        "asks each interest by name)"
    )

    def run(self, session: Session) -> Finding:
        market = session.config.trends_markets[0]
        answer = session.request(TRENDS_FEATURED_TOPICS, {"region": market}, interest=None)
        body = answer.body if isinstance(answer.body, list) else []
        interests = [str(trend.get("interest")) for trend in body if isinstance(trend, Mapping)]
        evidence = [f"{answer.exchange} → {plural(len(interests), 'featured trend')}, interests: {counted(interests) if interests else 'none'}"]
        if interests == ["ALL"]:
            return self.judged("all_only", "without `interest`, only the featured topics of ALL", evidence)
        if len(set(interests)) > 1:
            return self.judged("every_interest", "without `interest`, the featured topics of every interest", evidence)
        return self.finding(Status.UNCHECKED, "the answer holds the topics of no interest or of one only", evidence)


CHECKS: tuple[Check, ...] = (
    TokenRotation(),
    RefreshTokenRotation(),
    PageSizes(),
    FlagForm(),
    KeywordScope(),
    HourDate(),
    TotalDate(),
    WeekStart(),
    PeriodLabel(),
    MetricsReadyState(),
    ProductGroupIds(),
    ReportColumns(),
    IncludeProtectedPins(),
    PinMetricVariants(),
    UnknownPin(),
    TopPinsDataStatus(),
    LabelsItem(),
    LeadFormQuestionsShape(),
    WebsiteVerifiedAt(),
    LinkedBusinessId(),
    TargetingOptionsShape(),
    UnsharedAudience(),
    BusinessAccessPaging(),
    BusinessPartnerTypeDefault(),
    FeaturedTopicsDefault(),
    ProcessingResultsPaging(),
    Throttling(),
)


@dataclass(frozen=True)
class Budget:
    """The requests a run may send, at most (no retries: each is sent once)."""

    token_refresh: int
    lists: int
    gets: int
    report_job: int

    @property
    def total(self) -> int:
        return self.token_refresh + self.lists + self.gets + self.report_job

    def describe(self) -> str:
        parts = []
        if self.token_refresh:
            parts.append("1 token refresh (POST)")
        parts.append(f"{self.lists + self.gets} GETs")
        if self.report_job:
            parts.append(f"1 report job (1 POST, up to {REPORT_STATUS_POLLS} status GETs, 1 file download)")
        return f"at most {self.total} requests: {', '.join(parts)}; no retries"


def budget(checks: Sequence[Check], oauth: bool, ad_account_known: bool) -> Budget:
    """What `checks` may send: their own requests and each shared list they need once."""
    lists = {name for check in checks for name in check.needs}
    if ad_account_known:
        lists.discard("ad_account")
    report = sum(check.requests for check in checks if isinstance(check, ReportColumns))
    own = sum(check.requests for check in checks if not isinstance(check, ReportColumns))
    return Budget(token_refresh=1 if oauth else 0, lists=len(lists), gets=own, report_job=report)


def _without_queries(text: str) -> str:
    """`text` with the query strings of its URLs cut (a pre-signed download link's signature)."""
    return re.sub(r"(https?://[^\s?]+)\?\S*", r"\1?…", text)


def run_check(check: Check, session: Session) -> Finding:
    """The check's finding; what stops it becomes an `unchecked` (or `not_applicable`) finding saying why.
    Rejected credentials stop the whole run (`CredentialsRejected` goes through)."""
    try:
        return check.run(session)
    except NothingToProbe as nothing:
        return check.finding(Status.NOT_APPLICABLE, str(nothing))
    except MissingScope as missing:
        # a scope the connector does not ask for by default (biz_access:read...): the streams that need it are read
        # only when the user grants it, so its check stays unchecked without failing the run
        beyond_default = not DEFAULT_SCOPES.intersection(missing.scopes)
        return check.finding(
            Status.UNCHECKED,
            str(missing),
            [str(missing.exchange)],
            missing_scopes=missing.scopes,
            counted=not beyond_default,
        )
    except ListRefused as refused:
        return check.finding(Status.UNCHECKED, str(refused), [str(refused.answer.exchange)])
    except RequestFailed as failed:
        return check.finding(Status.UNCHECKED, str(failed), [str(failed.exchange)] if failed.exchange else [])
    except BudgetExhausted as exhausted:
        return check.finding(Status.UNCHECKED, str(exhausted))
    except AirbyteTracedException as error:  # an answer of an unexpected shape (errors.UnexpectedResponseError)
        return check.finding(Status.UNCHECKED, error.message or str(error))
    except CredentialsRejected:
        raise
    except Exception as error:  # noqa: BLE001 - a check that breaks checks nothing: unchecked, never a contradiction
        return check.finding(Status.UNCHECKED, f"the check failed: {type(error).__name__}: {_without_queries(str(error))[:200]}")


def is_oauth(config: PinterestConfig) -> bool:
    return isinstance(config.credentials, OAuthCredentials)
