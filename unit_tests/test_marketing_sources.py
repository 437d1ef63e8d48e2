"""The data sources of the "every Pinterest data source" issue, against the simulator: ad Pin analytics, organic
insights (top Pins, the user account in every organic analytics row), business access, report templates and
template reports, custom report filters, and cursors held at the last day whose metrics are final."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from harness import (
    check_status,
    error_messages,
    final_states,
    records_by_stream,
    run_check,
    run_discover,
    run_read,
    state_messages,
)

from pinterest_simulator import Simulator
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import (
    TOP_PINS_OPERATION,
    TOP_VIDEO_PINS_OPERATION,
    api_parameter,
    connector_spec_schema,
)
from source_pinterest_marketing.streams.readiness import MAX_DAYS_ASKED


def _days_ago(days: int) -> str:
    return (utc_today() - timedelta(days=days)).isoformat()


def _config(sim: Simulator, **overrides: Any) -> dict[str, Any]:
    return sim.connector_config(access_token_mode=True, **{"start_date": _days_ago(3), **overrides})


# -- ad Pin analytics ---------------------------------------------------------------------------------
def test_ad_pin_analytics_asks_each_campaign_for_the_pins_its_ads_promote(sim: Simulator) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    campaign = sim.dataset.entities("campaigns", account)[0]["id"]
    group = next(g for g in sim.dataset.entities("ad_groups", account) if g["campaign_id"] == campaign)
    pins = [sim.dataset.add("pins")["id"] for _ in range(130)]
    for pin in pins:  # 130 more Pins promoted in one campaign: two requests of at most 100
        sim.dataset.add("ads", account, campaign_id=campaign, ad_group_id=group["id"], pin_id=pin)
    rows = records_by_stream(run_read(_config(sim, ad_account_ids=[account]), ["ad_pin_analytics"]))["ad_pin_analytics"]
    sent = [r for r in sim.requests if r.operation_id == "ad_pins/analytics"]
    assert all(len(r.query["campaign_id"]) == 1 for r in sent)
    batches = [
        [pin for value in r.query["pin_ids"] for pin in value.split(",")] for r in sent if r.query["campaign_id"] == [campaign]
    ]
    assert max(len(batch) for batch in batches) == 100 and set(pins) <= {pin for batch in batches for pin in batch}
    promoted = {(ad["campaign_id"], ad["pin_id"]) for ad in sim.dataset.entities("ads", account)}
    assert {(row["campaign_id"], row["pin_id"]) for row in rows} <= promoted
    assert {row["pin_id"] for row in rows if row["campaign_id"] == campaign} >= set(pins[:1])
    assert all(row["ad_account_id"] == account and row["date"] == row["DATE"] for row in rows)


# -- organic insights and business access -------------------------------------------------------------
def test_organic_analytics_rows_name_their_user_account(sim: Simulator) -> None:
    streams = ["user_account_analytics", "user_account_top_pins", "user_account_top_video_pins"]
    rows = records_by_stream(run_read(_config(sim), streams))
    for stream in streams:
        assert rows[stream] and {row["user_account_id"] for row in rows[stream]} == {sim.dataset.user["id"]}, stream
    video = {pin["id"] for pin in sim.dataset.entities("pins") if pin["media"]["media_type"] == "video"}
    assert {row["pin_id"] for row in rows["user_account_top_video_pins"]} <= video
    # by default, one list per sort metric the API offers
    assert {row["sort_by"] for row in rows["user_account_top_video_pins"]} == set(
        api_parameter(TOP_VIDEO_PINS_OPERATION, "sort_by")["enum"]
    )


def test_business_access_reads_the_business_boards_pins_and_catalogs(sim: Simulator) -> None:
    business_account = sim.dataset.business_ad_account_id
    assert business_account is not None
    sim.dataset.set_roles(business_account, ["ADMIN"])  # catalogs need Admin (or Catalogs Manager)
    config = _config(sim, business_ad_account_id=business_account)
    assert check_status(run_check(config))[0] == "SUCCEEDED"
    streams = ["user_account", "boards", "pins", "catalogs", "user_account_analytics", "pin_analytics"]
    rows = records_by_stream(run_read(config, streams))
    business = sim.dataset.business
    assert business is not None
    assert [row["id"] for row in rows["user_account"]] == [business.user["id"]]
    assert {row["id"] for row in rows["boards"]} == {board["id"] for board in business.entities("boards")}
    assert {row["id"] for row in rows["pins"]} == {pin["id"] for pin in business.entities("pins")}
    assert {row["id"] for row in rows["catalogs"]} == {c["id"] for c in business.entities("catalogs")}
    assert {row["user_account_id"] for row in rows["user_account_analytics"]} == {business.user["id"]}
    assert {row["pin_id"] for row in rows["pin_analytics"]} == {pin["id"] for pin in business.entities("pins")}
    organic = [r for r in sim.requests if r.operation_id in {"boards/list", "pins/list", "catalogs/list", "multi_pins/analytics"}]
    assert organic and all(r.query.get("ad_account_id") == [business_account] for r in organic)


def test_business_access_without_a_role_fails_the_check_naming_the_field(sim: Simulator) -> None:
    owned = sim.dataset.owned_ad_account_ids[0]
    unreadable = "999999999999"
    for account, expected in ((unreadable, "business_ad_account_id` 999999999999"),):
        status, message = check_status(run_check(_config(sim, business_ad_account_id=account)))
        assert status == "FAILED" and expected in message and "business access" in message, message
    # an account the user owns reads as the user: the check passes
    assert check_status(run_check(_config(sim, business_ad_account_id=owned)))[0] == "SUCCEEDED"


# -- report templates and filters ------------------------------------------------------------------------
def _template(sim: Simulator, level: str) -> tuple[str, dict[str, Any]]:
    account = sim.dataset.owned_ad_account_ids[0]
    return account, next(t for t in sim.dataset.template_list(account) if t["report_level"] == level)


def test_report_templates_are_listed_and_read_through_the_template_endpoint(sim: Simulator) -> None:
    account, template = _template(sim, "CAMPAIGN")
    report = {"name": "from_template", "level": "CAMPAIGN", "template_id": template["id"], "start_date": _days_ago(5)}
    config = _config(sim, ad_account_ids=[account], custom_reports=[report])
    assert check_status(run_check(config))[0] == "SUCCEEDED"
    output = run_read(config, ["report_templates", "custom_from_template"])
    rows = records_by_stream(output)
    assert {row["id"] for row in rows["report_templates"]} == {t["id"] for t in sim.dataset.template_list(account)}
    report_rows = rows["custom_from_template"]
    assert report_rows and all(row["template_id"] == template["id"] and row["campaign_id"] for row in report_rows)
    created = [r for r in sim.requests if r.operation_id == "analytics/create_template_report"]
    assert created and all(r.method == "POST" and r.query["granularity"] == ["DAY"] for r in created)
    assert created[0].query["start_date"] == [_days_ago(5)]
    assert not [r for r in sim.requests if r.operation_id == "analytics/create_report"]
    # the template's columns are the file's: every one comes out, numbers as numbers
    assert set(template["columns"]) - {"DATE"} <= set().union(*(row.keys() for row in report_rows))
    assert len({(row["campaign_id"], row["date"]) for row in report_rows}) == len(report_rows)


def test_a_template_writing_csv_is_read_with_its_values_typed(sim: Simulator) -> None:
    account, template = _template(sim, "AD_GROUP")
    assert template["report_format"] == "CSV"
    report = {"name": "weekly", "level": "AD_GROUP", "granularity": "WEEK", "template_id": template["id"], "start_date": _days_ago(30)}
    output = run_read(_config(sim, ad_account_ids=[account], custom_reports=[report]), ["custom_weekly"])
    rows = records_by_stream(output)["custom_weekly"]
    assert rows
    groups = {group["id"] for group in sim.dataset.entities("ad_groups", account)}
    for row in rows:
        assert row["ad_group_id"] in groups and row["ad_group_id"] == row["AD_GROUP_ID"]
        assert isinstance(row["SPEND_IN_DOLLAR"], float) and isinstance(row["AD_GROUP_NAME"], str)
        assert row["period_end"] == (date.fromisoformat(row["period_start"]) + timedelta(days=6)).isoformat()
    assert len({(row["ad_group_id"], row["date"]) for row in rows}) == len(rows)


def test_a_csv_file_without_the_level_id_column_fails_clearly(sim: Simulator) -> None:
    account, template = _template(sim, "AD_GROUP")
    sim.dataset.templates[account][template["id"]]["columns"] = ["AD_GROUP_NAME", "SPEND_IN_DOLLAR"]
    report = {"name": "weekly", "level": "AD_GROUP", "template_id": template["id"]}
    output = run_read(_config(sim, ad_account_ids=[account], custom_reports=[report]), ["custom_weekly"], expect_failure=True)
    assert any("has no AD_GROUP_ID column" in message for message in error_messages(output))


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"template_id": "123456789"}, "template 123456789 is not a template of the ad accounts read"),
        ({"level": "AD_GROUP"}, "is at level CAMPAIGN, not AD_GROUP"),
    ],
)
def test_template_errors_at_check(sim: Simulator, report: dict[str, Any], expected: str) -> None:
    account, template = _template(sim, "CAMPAIGN")
    custom = {"name": "t", "level": "CAMPAIGN", "template_id": template["id"], **report}
    config = _config(sim, ad_account_ids=[account], custom_reports=[custom])
    status, message = check_status(run_check(config))
    assert status == "FAILED" and expected in message, message
    # a sync started without a check says the same
    output = run_read(config, ["custom_t"], expect_failure=True)
    assert any(expected in error for error in error_messages(output))


def test_custom_report_filters_reach_the_request(sim: Simulator) -> None:
    account = sim.dataset.owned_ad_account_ids[0]
    campaigns = [c["id"] for c in sim.dataset.entities("campaigns", account)][:2]
    report = {
        "name": "filtered",
        "level": "PIN_PROMOTION",
        "columns": ["CAMPAIGN_ID", "PIN_PROMOTION_ID", "SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"],
        "campaign_ids": campaigns,
        "ad_group_statuses": ["RUNNING", "PAUSED"],
        "ad_statuses": ["APPROVED", "PAUSED", "PENDING", "REJECTED", "ADVERTISER_DISABLED", "ARCHIVED", "DRAFT"],
        "metrics_filters": [{"field": "TOTAL_IMPRESSION", "operator": "GREATER_THAN", "values": [0]}],
        "reporting_timezone": "AD_ACCOUNT_TIME_ZONE",
    }
    config = _config(sim, ad_account_ids=[account], custom_reports=[report])
    rows = records_by_stream(run_read(config, ["custom_filtered"]))["custom_filtered"]
    bodies = sim.reports.bodies()
    assert all(body["campaign_ids"] == campaigns and body["reporting_timezone"] == "AD_ACCOUNT_TIME_ZONE" for body in bodies)
    assert all(body["metrics_filters"] == [{"field": "TOTAL_IMPRESSION", "operator": "GREATER_THAN", "values": [0.0]}] for body in bodies)
    # 7 ad statuses: two requests of at most 6 (each ad has one status: the rows are disjoint)
    assert sorted(len(body["ad_statuses"]) for body in bodies) == [1, 6]
    assert rows and {row["CAMPAIGN_ID"] for row in rows} <= set(campaigns)
    assert all(row["TOTAL_IMPRESSION"] > 0 for row in rows)
    assert len({(row["pin_promotion_id"], row["date"]) for row in rows}) == len(rows)


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"level": "PRODUCT_ITEM", "ad_ids": ["1"]}, "level PRODUCT_ITEM does not take ['ad_ids']"),
        ({"ad_statuses": ["APPROVED"], "level": "PRODUCT_ITEM_TARGETING", "targeting_types": ["GENDER"]}, "does not take ['ad_statuses']"),
        ({"campaign_ids": ["12x"]}, "'12x' is not an id"),
        ({"campaign_ids": [str(n) for n in range(501)]}, "custom_reports.0.campaign_ids"),
        ({"metrics_filters": [{"field": "CTR", "operator": "GREATER_THAN", "values": [1]}]}, "metrics_filters.0.field"),
        ({"metrics_filters": [{"field": "SPEND_IN_DOLLAR", "operator": "GREATER_THAN", "values": []}]}, "metrics_filters.0.values"),
        ({"reporting_timezone": "UTC"}, "custom_reports.0.reporting_timezone"),
        ({"ad_group_statuses": ["RUNNING"] * 7, "level": "CAMPAIGN"}, "contains duplicates"),
        ({"template_id": "1", "columns": ["SPEND_IN_DOLLAR"]}, "are the template's: leave them out"),
        ({"columns": [], "template_id": None}, "`columns` needs at least one column"),
    ],
)
def test_invalid_report_filters_fail_at_check_naming_the_field(sim: Simulator, report: dict[str, Any], expected: str) -> None:
    custom = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], **report}
    status, message = check_status(run_check(_config(sim, custom_reports=[custom])))
    assert status == "FAILED" and expected in message, message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"analytics_granularity": "WEEKLY"}, "`analytics_granularity`"),
        ({"analytics_granularity": 7}, "`analytics_granularity`"),
        ({"business_ad_account_id": "acct-1"}, "`business_ad_account_id`"),
        ({"top_pins_sort_by": ["VIDEO_START"]}, "`top_pins_sort_by`"),
        ({"top_video_pins_sort_by": ["PIN_CLICK"]}, "`top_video_pins_sort_by`"),
    ],
)
def test_invalid_new_options_fail_naming_the_field(sim: Simulator, overrides: dict[str, Any], expected: str) -> None:
    status, message = check_status(run_check(_config(sim, **overrides)))
    assert status == "FAILED" and expected in message, message


@pytest.mark.parametrize(("field", "stream"), [("top_pins_sort_by", "user_account_top_pins"), ("top_video_pins_sort_by", "user_account_top_video_pins")])
def test_an_empty_list_of_sort_metrics_fails_at_check_and_read(sim: Simulator, field: str, stream: str) -> None:
    """`[]` would read no top list at all: a config error naming the field, not an empty stream."""
    expected = f"`{field}`: needs at least one metric (leave the field out for every metric)"
    status, message = check_status(run_check(_config(sim, **{field: []})))
    assert status == "FAILED" and expected in message, message
    output = run_read(_config(sim, **{field: []}), [stream], expect_failure=True)
    assert not output.records
    assert output.errors[-1].trace.error.failure_type.value == "config_error"
    assert expected in output.errors[-1].trace.error.message
    assert not [r for r in sim.requests if r.operation_id.startswith("user_account/analytics/top")]


def test_without_sort_metrics_every_metric_is_read(sim: Simulator) -> None:
    """The documented default: every metric the API offers (what the spec's `default` says)."""
    config = _config(sim)
    assert "top_pins_sort_by" not in config and "top_video_pins_sort_by" not in config
    rows = records_by_stream(run_read(config, ["user_account_top_pins", "user_account_top_video_pins"]))
    for stream, field in (("user_account_top_pins", "top_pins_sort_by"), ("user_account_top_video_pins", "top_video_pins_sort_by")):
        default = connector_spec_schema()["properties"][field]["default"]
        assert default == api_parameter(TOP_PINS_OPERATION if stream.endswith("top_pins") else TOP_VIDEO_PINS_OPERATION, "sort_by")["enum"]
        assert {row["sort_by"] for row in rows[stream]} == set(default), stream


@pytest.mark.parametrize("granularity", ["DAY", "HOUR", "WEEK", "MONTH", "TOTAL"])
def test_every_granularity_is_accepted_and_discovered(sim: Simulator, granularity: str) -> None:
    config = _config(sim, analytics_granularity=granularity)
    streams = {s.name: s for s in run_discover(config).catalog.catalog.streams}
    key = streams["ad_group_analytics"].source_defined_primary_key
    assert key == ([["ad_group_id"], ["date"], ["period_end"]] if granularity == "TOTAL" else [["ad_group_id"], ["date"]])


# -- metrics ready state --------------------------------------------------------------------------------
def test_cursor_stops_at_the_last_final_day_and_says_so(sim: Simulator) -> None:
    sim.metrics_ready_lag_days, sim.conversion_metrics_ready_lag_days = 1, 4
    config = _config(sim, ad_account_ids=sim.dataset.owned_ad_account_ids[:1], start_date=_days_ago(10))
    output = run_read(config, ["ad_account_analytics", "campaign_report"])
    states = final_states(output)
    for stream in ("ad_account_analytics", "campaign_report"):
        assert states[stream]["states"][0]["cursor"]["date"] == _days_ago(4), stream
    assert output.is_in_logs(f"metrics after {_days_ago(4)} are not final yet")
    rows = records_by_stream(output)["ad_account_analytics"]
    assert max(row["date"] for row in rows) == _days_ago(0), "the days not final yet are still read"
    asked = [r.query["date"][0] for r in sim.requests if r.operation_id == "metrics_ready_state/get"]
    assert asked == [_days_ago(n) for n in range(5)], "asked once per sync, newest day first"


def test_no_final_day_in_a_week_holds_the_cursor_a_week_back(sim: Simulator) -> None:
    sim.conversion_metrics_ready_lag_days = MAX_DAYS_ASKED + 3
    output = run_read(_config(sim, ad_account_ids=sim.dataset.owned_ad_account_ids[:1], start_date=_days_ago(12)), ["ad_account_analytics"])
    assert final_states(output)["ad_account_analytics"]["states"][0]["cursor"]["date"] == _days_ago(MAX_DAYS_ASKED)
    assert output.is_in_logs(f"no day of the last {MAX_DAYS_ASKED} has final ads metrics")


def test_without_the_ready_state_the_cursor_advances_as_rows_are_read(sim: Simulator) -> None:
    sim.faults.add("status", operation_id="metrics_ready_state/get", status=403, times=10)
    output = run_read(_config(sim, ad_account_ids=sim.dataset.owned_ad_account_ids[:1]), ["ad_account_analytics"])
    assert final_states(output)["ad_account_analytics"]["states"][0]["cursor"]["date"] == _days_ago(0)
    assert output.is_in_logs("Pinterest did not say which days' metrics are final")
    assert not error_messages(output)


def test_a_user_account_analytics_state_of_the_older_flat_shape_still_applies(sim: Simulator) -> None:
    """Before the rows carried their user account, the state was flat ({"date": ...}): it applies to the user."""
    saved = _days_ago(10)
    config = _config(sim, start_date=_days_ago(60), lookback_window_days=2)
    output = run_read(config, ["user_account_analytics"], state=state_messages({"user_account_analytics": {"date": saved}}))
    sent = [r for r in sim.requests if r.operation_id == "user_account/analytics"]
    assert [r.query["start_date"] for r in sent] == [[_days_ago(12)]]
    state = final_states(output)["user_account_analytics"]
    assert state["states"] == [{"partition": {"user_account_id": sim.dataset.user["id"]}, "cursor": {"date": _days_ago(0)}}]
