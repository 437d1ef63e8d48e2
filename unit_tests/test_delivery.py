"""Requests where data cannot exist: the ad groups, ads and promoted Pins of a campaign without a row for a window in
`campaigns/analytics` are not asked for (analytics.IdleCampaigns). Under every reading of what Pinterest answers for
an entity that did not deliver (the simulator's switches `idle_rows`, `idle_total_rows`), with and without
campaigns that do not deliver (`delivery`), the records are those of asking every entity; where the campaigns
without delivery have no rows, fewer requests are sent."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from harness import keyed, run_read

from pinterest_simulator import Simulator
from pinterest_simulator.metrics import Delivery, Rollup
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.analytics import CAMPAIGN_DELIVERY, IdleCampaigns
from source_pinterest_marketing.streams.base import PinterestStream, bound_stream

#: the streams of entities within campaigns
WITHIN_CAMPAIGNS = [
    "ad_group_analytics",
    "ad_analytics",
    "ad_pin_analytics",
    "ad_group_targeting_analytics",
    "ad_targeting_analytics",
]
DAYS = 4


def _config(sim: Simulator, granularity: str = "DAY") -> dict[str, Any]:
    start = (utc_today() - dt.timedelta(days=DAYS)).isoformat()
    return sim.connector_config(access_token_mode=True, start_date=start, analytics_granularity=granularity)


def _read(sim: Simulator, config: dict[str, Any], streams: list[str]) -> tuple[dict[str, Any], Counter[str]]:
    sim.requests.clear()
    records = keyed(run_read(config, streams))
    return records, Counter(record.operation_id for record in sim.requests if record.operation_id)


def _asking_every_entity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector as it was: no campaign is known to be idle."""
    monkeypatch.setattr(IdleCampaigns, "of", staticmethod(lambda context, window: frozenset()))


def _idle_campaigns(sim: Simulator, account_id: str) -> set[str]:
    """The campaigns of the account that deliver on none of the days read (the simulator's model)."""
    rollup = Rollup(sim.dataset, account_id, [], Delivery(sim.dataset, account_id))
    days = [utc_today() - dt.timedelta(days=n) for n in range(DAYS + 1)]
    return {
        c["id"]
        for c in sim.dataset.entities("campaigns", account_id)
        if not rollup.delivered("campaign", c["id"], days)
    }


def _pin_requests(sim: Simulator, skipped: set[str]) -> int:
    """ad_pins/analytics requests for one window of every account: a request per 100 Pins of each campaign with
    promoted Pins, but the `skipped` campaigns."""
    count = 0
    for account in sim.dataset.ad_account_ids:
        pins: dict[str, set[str]] = {}
        for ad in sim.dataset.entities("ads", account):
            pins.setdefault(ad["campaign_id"], set()).add(ad["pin_id"])
        count += sum(math.ceil(len(p) / 100) for campaign, p in pins.items() if campaign not in skipped)
    return count


#: every value of the three switches, at DAY and TOTAL (the readings matter only where some campaigns do not deliver)
READINGS = [
    (granularity, delivery, idle_rows, idle_total_rows)
    for granularity in ("DAY", "TOTAL")
    for delivery in CHOICES["delivery"]
    for idle_rows in CHOICES["idle_rows"]
    for idle_total_rows in CHOICES["idle_total_rows"]
    if delivery != "every_day" or (granularity, idle_rows, idle_total_rows) == ("DAY", "omitted", "omitted")
]


@pytest.mark.parametrize(("granularity", "delivery", "idle_rows", "idle_total_rows"), READINGS)
def test_the_records_of_asking_every_entity_under_every_reading(
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    granularity: str,
    delivery: str,
    idle_rows: str,
    idle_total_rows: str,
) -> None:
    sim.switches.update({"delivery": delivery, "idle_rows": idle_rows, "idle_total_rows": idle_total_rows})
    config = _config(sim, granularity)
    records, requests = _read(sim, config, WITHIN_CAMPAIGNS)
    with monkeypatch.context() as patched:
        _asking_every_entity(patched)
        every, every_requests = _read(sim, config, WITHIN_CAMPAIGNS)
    # the same records (keys and values) as asking every entity: none dropped, none added
    assert records == every
    assert all(records[stream] for stream in ("ad_group_analytics", "ad_analytics", "ad_pin_analytics"))
    idle = set().union(*(_idle_campaigns(sim, account) for account in sim.dataset.ad_account_ids))
    omitted = (idle_total_rows if granularity == "TOTAL" else idle_rows) == "omitted"
    if delivery == "scheduled" and omitted:
        assert idle
        # fewer requests: none for the Pins of a campaign without delivery; one question per account and window
        assert requests["ad_pins/analytics"] == _pin_requests(sim, idle) < every_requests["ad_pins/analytics"]
        assert requests["campaigns/analytics"] == every_requests["campaigns/analytics"] + len(
            sim.dataset.ad_account_ids
        )
    else:
        # every campaign has a row: nothing is skipped (the question still costs one request per account and window)
        assert requests["ad_pins/analytics"] == _pin_requests(sim, set()) == every_requests["ad_pins/analytics"]


def test_without_the_skip_the_pins_of_idle_campaigns_are_asked_for(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request count the skip saves (this test fails when the skip is removed)."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "omitted"})
    _, requests = _read(sim, _config(sim), ["ad_pin_analytics"])
    idle = set().union(*(_idle_campaigns(sim, account) for account in sim.dataset.ad_account_ids))
    assert requests["ad_pins/analytics"] == _pin_requests(sim, idle) < _pin_requests(sim, set())
    # the log says how many campaigns of each account had no rows in the window
    account = sim.dataset.owned_ad_account_ids[0]
    output = run_read({**_config(sim), "ad_account_ids": [account]}, ["ad_pin_analytics"])
    campaigns = len(sim.dataset.entities("campaigns", account))
    assert output.is_in_logs(
        f"Ad account {account}, .*: {len(_idle_campaigns(sim, account))} of {campaigns} campaigns have no DAY analytics"
    )
    monkeypatch.setattr(IdleCampaigns, "of", staticmethod(lambda context, window: frozenset()))
    _, requests = _read(sim, _config(sim), ["ad_pin_analytics"])
    assert requests["ad_pins/analytics"] == _pin_requests(sim, set())


def test_zero_rows_of_idle_campaigns_are_kept(sim: Simulator) -> None:
    """Where Pinterest answers rows of zeros for an entity that did not deliver, they are records: a campaign whose
    row is all zeros is asked for (this test fails when the skip drops such rows)."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "zero_filled"})
    records, _ = _read(sim, _config(sim), ["ad_pin_analytics", "ad_analytics"])
    account = sim.dataset.owned_ad_account_ids[0]
    ended = _idle_campaigns(sim, account)
    assert ended
    idle_pins = [row for row in records["ad_pin_analytics"].values() if row["campaign_id"] in ended]
    assert idle_pins and all(row["SPEND_IN_MICRO_DOLLAR"] == 0 for row in idle_pins)
    ads_of_ended = {ad["id"] for ad in sim.dataset.entities("ads", account) if ad["campaign_id"] in ended}
    assert ads_of_ended <= {row["ad_id"] for row in records["ad_analytics"].values()}


def test_a_stream_asks_only_when_it_spends_more_than_the_question(sim: Simulator) -> None:
    """The small dataset's ads fit one request per window: ad_analytics alone does not ask which campaigns delivered
    (asking would cost as much as it can save)."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "omitted"})
    _, requests = _read(sim, _config(sim), ["ad_analytics"])
    assert requests[CAMPAIGN_DELIVERY.operation] == 0
    assert requests["ads/analytics"] == len(sim.dataset.ad_account_ids)


def test_a_failed_question_fails_the_streams_that_needed_it(sim: Simulator) -> None:
    """Nothing is skipped on a guess: when Pinterest refuses the question, the stream fails naming it."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "omitted"})
    sim.faults.add(
        "status", status=403, body={"code": 29, "message": "Not permitted"}, operation_id="campaigns/analytics"
    )
    output = run_read(_config(sim), ["ad_pin_analytics"], expect_failure=True)
    messages = [m.trace.error.message for m in output.errors if m.trace and m.trace.error]
    assert messages and any("campaign_delivery" in message or "campaigns/analytics" in message for message in messages)
    assert not [r for r in output.records if r.record and r.record.stream == "ad_pin_analytics"]


@pytest.mark.parametrize("idle_rows", CHOICES["idle_rows"])
def test_with_campaign_analytics_the_question_is_its_own_request(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, idle_rows: str
) -> None:
    """Read with `campaign_analytics`, the question costs no request: its answers are that stream's (each request sent
    once), and the records are those of asking every entity."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": idle_rows})
    config = _config(sim)
    streams = ["campaign_analytics", *WITHIN_CAMPAIGNS]
    records, requests = _read(sim, config, streams)
    alone, alone_requests = _read(sim, config, ["campaign_analytics"])
    with monkeypatch.context() as patched:
        _asking_every_entity(patched)
        every, every_requests = _read(sim, config, streams)
    assert records == every and records["campaign_analytics"] == alone["campaign_analytics"]
    assert requests["campaigns/analytics"] == alone_requests["campaigns/analytics"] == len(sim.dataset.ad_account_ids)
    idle = set().union(*(_idle_campaigns(sim, account) for account in sim.dataset.ad_account_ids))
    skipped = idle if idle_rows == "omitted" else set()
    assert requests["ad_pins/analytics"] == _pin_requests(sim, skipped)
    assert (requests["ad_pins/analytics"] < every_requests["ad_pins/analytics"]) == (idle_rows == "omitted")


def _bound(context: SyncContext, name: str) -> PinterestStream:
    return bound_stream(context, next(declaration for declaration in DECLARATIONS if declaration.name == name))


@pytest.mark.parametrize("question_first", [True, False])
def test_the_answer_is_shared_whichever_asks_first(sim: Simulator, question_first: bool) -> None:
    """The question asked first keeps its answer for `campaign_analytics`, which reads it without a request; read
    first, `campaign_analytics` answers the question. Either way one request, the same records."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "omitted"})
    account = sim.dataset.owned_ad_account_ids[0]
    raw = {**_config(sim), "ad_account_ids": [account]}
    expected = [r.record.data for r in run_read(raw, ["campaign_analytics"]).records if r.record]
    context = SyncContext.create(load_config(raw), raw)
    context.selected_streams = frozenset({"campaign_analytics", "ad_pin_analytics"})
    campaigns, pins = _bound(context, "campaign_analytics"), _bound(context, "ad_pin_analytics")
    sim.requests.clear()

    def read_campaigns() -> list[dict[str, Any]]:
        slices = list(campaigns.stream_slices(sync_mode=SyncMode.full_refresh))
        return [dict(record) for stream_slice in slices for record in campaigns.read_slice(stream_slice or {})]

    if question_first:
        pin_slices = list(pins.stream_slices(sync_mode=SyncMode.full_refresh))
        assert sim.requests.count("campaigns/analytics") == 1
        got = read_campaigns()
    else:
        got = read_campaigns()
        assert sim.requests.count("campaigns/analytics") == 1
        pin_slices = list(pins.stream_slices(sync_mode=SyncMode.full_refresh))
    assert sim.requests.count("campaigns/analytics") == 1
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, expected))
    idle = _idle_campaigns(sim, account)
    assert idle and not idle & {stream_slice["campaign_id"] for stream_slice in pin_slices if stream_slice}
    context.close()


def test_at_week_granularity_with_campaign_analytics_nothing_is_skipped(sim: Simulator) -> None:
    """A WEEK or MONTH window's answer can take a second request, so it is not shared: with `campaign_analytics`
    read, the question is not asked (no request sent twice) and every entity is asked."""
    sim.switches.update({"delivery": "scheduled", "idle_rows": "omitted"})
    config = _config(sim, "WEEK")
    _, requests = _read(sim, config, ["campaign_analytics", "ad_pin_analytics"])
    _, alone = _read(sim, config, ["campaign_analytics"])
    assert requests["campaigns/analytics"] == alone["campaigns/analytics"]
    assert requests["ad_pins/analytics"] == _pin_requests(sim, set())
    _, without = _read(sim, config, ["ad_pin_analytics"])
    assert without["ad_pins/analytics"] < requests["ad_pins/analytics"]
