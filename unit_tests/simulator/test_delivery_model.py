"""The delivery model (switch ``delivery``) and the two readings of what sync ads analytics answer for an entity in a
period without delivery (``idle_rows``; TOTAL: ``idle_total_rows``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sim_http import ago, sync

from pinterest_simulator import Simulator
from pinterest_simulator.metrics import Delivery, Rollup

COLUMNS = ["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "CTR"]


def _campaign_rows(sim: Simulator, account_id: str, granularity: str = "DAY", days: int = 6) -> list[dict[str, Any]]:
    campaign_ids = [c["id"] for c in sim.dataset.entities("campaigns", account_id)]
    query = {"start_date": ago(days).isoformat(), "end_date": ago(1).isoformat(), "granularity": granularity}
    r = sync(sim, f"/ad_accounts/{account_id}/campaigns/analytics", campaign_ids=campaign_ids, columns=COLUMNS, **query)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows


def _places(sim: Simulator, account_id: str) -> list[str]:
    return [c["id"] for c in sim.dataset.entities("campaigns", account_id)]


def test_every_entity_delivers_every_day_by_default(sim: Simulator) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    rows = _campaign_rows(sim, account)
    assert len(rows) == len(_places(sim, account)) * 6
    assert all(row["SPEND_IN_MICRO_DOLLAR"] > 0 for row in rows)
    # the readings of idle rows change nothing while every entity delivers
    sim.switches.update({"idle_rows": "omitted", "idle_total_rows": "omitted"})
    assert _campaign_rows(sim, account) == rows


def test_the_scheduled_model_ended_paused_and_idle_entities(sim: Simulator) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    delivery = Delivery(sim.dataset, account)
    campaigns = _places(sim, account)
    days = [ago(n) for n in range(1, 7)]
    ended, paused = campaigns[3], campaigns[2]
    assert not any(delivery.campaign_delivers(ended, day) for day in days)
    assert 0 < sum(delivery.campaign_delivers(paused, day) for day in days) < len(days)
    assert all(delivery.campaign_delivers(campaigns[0], day) for day in days)
    ads = sim.dataset.entities("ads", account)
    assert not delivery.ad_delivers(ads[5]["id"], days[0])  # every sixth ad is paused
    assert not any(delivery.ad_delivers(ad["id"], days[0]) for ad in ads if ad["campaign_id"] == ended)


@pytest.mark.parametrize("idle_rows", ["zero_filled", "omitted"])
def test_an_idle_campaign_day_is_a_zero_row_or_none(sim: Simulator, idle_rows: str) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    before = {(row["CAMPAIGN_ID"], row["DATE"]): row for row in _campaign_rows(sim, account)}
    sim.switches.update({"delivery": "scheduled", "idle_rows": idle_rows})
    rows = {(row["CAMPAIGN_ID"], row["DATE"]): row for row in _campaign_rows(sim, account)}
    rollup = Rollup(sim.dataset, account, [], Delivery(sim.dataset, account))
    idle = {key for key in before if not rollup.delivered("campaign", key[0], [dt.date.fromisoformat(key[1])])}
    assert idle and len(idle) < len(before)
    # the ended campaign, and days of the paused one
    assert {key for key in idle if key[0] == _places(sim, account)[3]} and {
        k for k in idle if k[0] == _places(sim, account)[2]
    }
    if idle_rows == "zero_filled":
        assert set(rows) == set(before)
        assert all(rows[key]["SPEND_IN_MICRO_DOLLAR"] == 0 and rows[key]["CTR"] == 0 for key in idle)
    else:
        assert set(rows) == set(before) - idle
    # a delivering day sums only the ads that deliver: less than or as much as before
    assert all(rows[key]["SPEND_IN_MICRO_DOLLAR"] <= before[key]["SPEND_IN_MICRO_DOLLAR"] for key in set(rows) - idle)


@pytest.mark.parametrize("idle_total_rows", ["listed", "omitted"])
@pytest.mark.parametrize("idle_rows", ["zero_filled", "omitted"])
def test_a_total_lists_an_idle_campaign_per_its_own_switch(
    sim: Simulator, idle_rows: str, idle_total_rows: str
) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    sim.switches.update({"delivery": "scheduled", "idle_rows": idle_rows, "idle_total_rows": idle_total_rows})
    listed = {row["CAMPAIGN_ID"] for row in _campaign_rows(sim, account, "TOTAL")}
    campaigns = _places(sim, account)
    assert (campaigns[3] in listed) == (idle_total_rows == "listed")
    assert {campaigns[0], campaigns[2]} <= listed  # the paused one delivered on some days


@pytest.mark.parametrize("idle_rows", ["zero_filled", "omitted"])
def test_promoted_pins_of_an_ended_campaign(sim: Simulator, idle_rows: str) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    ended = _places(sim, account)[3]
    pins = sorted({ad["pin_id"] for ad in sim.dataset.entities("ads", account) if ad["campaign_id"] == ended})
    sim.switches.update({"delivery": "scheduled", "idle_rows": idle_rows})
    query = {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat(), "granularity": "DAY"}
    r = sync(
        sim,
        f"/ad_accounts/{account}/pins/analytics",
        campaign_id=ended,
        pin_ids=pins,
        columns=["PIN_ID", "SPEND_IN_MICRO_DOLLAR"],
        **query,
    )
    assert r.status_code == 200, r.text
    rows = r.json()
    if idle_rows == "omitted":
        assert rows == []
    else:
        assert len(rows) == len(pins) * 3 and all(row["SPEND_IN_MICRO_DOLLAR"] == 0 for row in rows)


def test_targeting_breakdowns_have_no_row_for_an_idle_day(sim: Simulator) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    ended = _places(sim, account)[3]
    sim.switches.delivery = "scheduled"
    query = {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat(), "granularity": "DAY"}
    r = sync(
        sim,
        f"/ad_accounts/{account}/campaigns/targeting_analytics",
        campaign_ids=[ended],
        targeting_types=["GENDER", "COUNTRY"],
        columns=["SPEND_IN_MICRO_DOLLAR"],
        **query,
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"] == []
