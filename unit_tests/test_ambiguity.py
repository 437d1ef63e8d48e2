"""The connector under every reading of what the API description leaves open: the simulator's switches
(pinterest_simulator/switches.py). Under each value, the records are exact: every one there, none twice."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import PRIMARY_KEYS, check_status, keyed, records_by_stream, run_cli, run_read, write_catalog

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import is_video_pin
from pinterest_simulator.metrics import is_premiere
from pinterest_simulator.switches import AWAITING_STREAMS, CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams import analytics as analytics_module


def _days_ago(days: int) -> str:
    return (utc_today() - timedelta(days=days)).isoformat()


def _keys(stream: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(row.get(field) for field in PRIMARY_KEYS.get(stream, ())) for row in rows]


def _no_duplicate_keys(stream: str, rows: list[dict[str, Any]], key: tuple[str, ...]) -> None:
    counts = Counter(tuple(row.get(field) for field in key) for row in rows)
    assert not [k for k, n in counts.items() if n > 1], f"{stream}: duplicate keys"


def _custom(name: str, granularity: str, **extra: Any) -> dict[str, Any]:
    columns = ["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION"]
    return {"name": name, "level": "CAMPAIGN", "granularity": granularity, "columns": columns, **extra}


def test_every_switch_is_covered_here() -> None:
    """A new switch of the simulator needs its test once a stream reads its endpoint (until then it is in
    `AWAITING_STREAMS`): a connector test parametrized over its values (``CHOICES["<switch>"]``), in this file or in
    the tests of the streams it concerns (test_analytics_granularity.py for hour_date, total_date, week_start and
    period_label's sync analytics, test_report_periods.py for reports, a family's own test file); the probe's tests
    (a check per switch) do not count: they read no stream."""
    tests = [path for path in Path(__file__).parent.glob("test_*.py") if path.name != "test_probe.py"]
    covered = {match for path in tests for match in re.findall(r'CHOICES\["(\w+)"\]', path.read_text(encoding="utf-8"))}
    assert set(CHOICES) - AWAITING_STREAMS - covered == set()
    assert not AWAITING_STREAMS & covered, "a switch a test covers is no longer awaiting its stream"


@pytest.mark.parametrize("scope", CHOICES["keyword_scope"])
def test_keywords_once_each_whatever_a_parent_filter_returns(sim: Simulator, scope: str) -> None:
    sim.switches.keyword_scope = scope
    config = sim.connector_config(access_token_mode=True)
    rows = records_by_stream(run_read(config, ["keywords"]))["keywords"]
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == {keyword["id"] for keyword in sim.dataset.entities("keywords")}


@pytest.mark.parametrize("hour_date", CHOICES["hour_date"])
def test_hour_rows_keep_one_key_per_hour(sim: Simulator, hour_date: str) -> None:
    report = _custom("hourly", "HOUR", start_date=_days_ago(1))
    config = sim.connector_config(access_token_mode=True, ad_account_ids=sim.dataset.ad_account_ids[:1], custom_reports=[report])
    with sim.switches.temporarily(hour_date="date_hour"):
        expected = records_by_stream(run_read(config, ["custom_hourly"]))["custom_hourly"]
    sim.switches.hour_date = hour_date
    rows = records_by_stream(run_read(config, ["custom_hourly"]))["custom_hourly"]
    _no_duplicate_keys("custom_hourly", rows, ("campaign_id", "date"))
    assert {row["date"][11:] for row in rows} >= {"00:00:00", "23:00:00"}
    # the same records as when Pinterest writes the hour, but for the raw DATE column
    strip = [{key: value for key, value in row.items() if key != "DATE"} for row in expected]
    assert sorted(map(str, strip)) == sorted(map(str, [{k: v for k, v in row.items() if k != "DATE"} for row in rows]))


@pytest.mark.parametrize("total_date", CHOICES["total_date"])
def test_total_rows_are_keyed_by_their_fixed_window(sim: Simulator, total_date: str) -> None:
    sim.switches.total_date = total_date
    start = _days_ago(200)
    report = _custom("total", "TOTAL", start_date=start)
    config = sim.connector_config(access_token_mode=True, ad_account_ids=sim.dataset.ad_account_ids[:1], custom_reports=[report])
    rows = records_by_stream(run_read(config, ["custom_total"]))["custom_total"]
    _no_duplicate_keys("custom_total", rows, ("campaign_id", "date", "period_end"))
    windows = {(row["period_start"], row["period_end"]) for row in rows}
    assert min(windows)[0] == start and all(row["date"] == row["period_start"] for row in rows)
    assert len(windows) == 2  # 200 days: two fixed windows of 186 days from the report's start


@pytest.mark.parametrize("throttle", CHOICES["throttle"])
def test_rate_limits_in_every_form_are_waited_out(sim: Simulator, sleeps: list[float], throttle: str) -> None:
    streams = ["campaigns", "ad_analytics", "campaign_report"]
    config = sim.connector_config(access_token_mode=True, start_date=_days_ago(3))
    clean = keyed(run_read(config, streams))
    sim.switches.throttle = throttle
    for operation in ("campaigns/list", "ads/analytics", "analytics/create_report"):
        sim.faults.add("rate_limit", operation_id=operation, times=2, reset=3)
    assert keyed(run_read(config, streams)) == clean
    if throttle != "code_12":  # the other forms say how long to wait
        assert sleeps.count(3) >= 2 or sum(1 for s in sleeps if s >= 3) >= 2


@pytest.mark.parametrize("product_group_ids", CHOICES["product_group_ids"])
def test_product_group_analytics_under_both_meanings_of_the_ids(sim: Simulator, product_group_ids: str) -> None:
    sim.switches.product_group_ids = product_group_ids
    config = sim.connector_config(access_token_mode=True, start_date=_days_ago(5))
    rows = records_by_stream(run_read(config, ["product_group_analytics"]))["product_group_analytics"]
    _no_duplicate_keys("product_group_analytics", rows, ("ad_account_id", "product_group_id", "date"))
    promotions = sim.dataset.entities("product_group_promotions")
    if product_group_ids == "promotion":
        expected = {promotion["id"] for promotion in promotions}
    else:
        expected = {promotion["catalog_product_group_id"] for promotion in promotions}
    assert {row["product_group_id"] for row in rows} == expected
    report = records_by_stream(run_read(config, ["product_group_report"]))["product_group_report"]
    _no_duplicate_keys("product_group_report", report, ("ad_account_id", "product_group_id", "date"))
    assert {row["product_group_id"] for row in report} <= expected


@pytest.mark.parametrize("mismatch", CHOICES["pin_metric_mismatch"])
def test_pin_analytics_has_every_pin_and_the_video_metrics_of_video_pins(sim: Simulator, mismatch: str) -> None:
    sim.switches.pin_metric_mismatch = mismatch
    config = sim.connector_config(access_token_mode=True, start_date=_days_ago(3))
    output = run_read(config, ["pin_analytics"])
    rows = records_by_stream(output)["pin_analytics"]
    _no_duplicate_keys("pin_analytics", rows, ("pin_id", "date"))
    pins = {pin["id"]: pin for pin in sim.dataset.entities("pins")}
    assert {row["pin_id"] for row in rows} == set(pins)
    video = {pin_id for pin_id, pin in pins.items() if is_video_pin(pin)}
    assert video and video != set(pins)
    for row in rows:
        assert row["IMPRESSION"] is not None and row["SAVE"] is not None
        if row["pin_id"] in video:
            assert row["VIDEO_START"] is not None and row["VIDEO_MRC_VIEW"] is not None, row
        else:
            assert row["USER_FOLLOW"] is not None and row["PROFILE_VISIT"] is not None, row
    # a video Pin's standard-only metrics: where Pinterest gives them, they are read
    standard_of_video = [row.get("USER_FOLLOW") for row in rows if row["pin_id"] in video]
    assert all(value is not None for value in standard_of_video) == (mismatch == "lenient")
    assert output.is_in_logs("refuses the standard metric types for video Pins") == (mismatch == "refuse")


def test_a_refusal_only_a_video_pins_second_request_may_ignore_fails_any_other(sim: Simulator) -> None:
    """The refusal of the standard metrics is ignored only for a video Pin batch's second request (the test above):
    the same 400 for the first request of a batch stops the stream, in the error policy's words."""
    sim.faults.add("status", operation_id="multi_pins/analytics", status=400, body={"code": 1, "message": "Bad"}, times=1)
    config = sim.connector_config(access_token_mode=True, start_date=_days_ago(3), num_workers=1)
    output = run_read(config, ["pin_analytics"], expect_failure=True)
    [first, *_] = [request for request in sim.requests if request.operation_id == "multi_pins/analytics"]
    assert "VIDEO_START" not in first.query["metric_types"][0]  # the first batch's first request: not one to ignore
    error = output.errors[-1].trace.error
    assert "Pinterest rejected the request (HTTP 400, code 1): Bad [stream 'pin_analytics', GET /pins/analytics]" in (
        error.message or ""
    )


@pytest.mark.parametrize("data_status", CHOICES["top_pins_data_status"])
def test_top_pins_whatever_their_data_status_is_keyed_by(sim: Simulator, data_status: str) -> None:
    sim.switches.top_pins_data_status = data_status
    config = sim.connector_config(access_token_mode=True, start_date=_days_ago(10), top_pins_sort_by=["IMPRESSION", "SAVE"])
    rows = records_by_stream(run_read(config, ["user_account_top_pins", "user_account_top_video_pins"]))
    for stream in ("user_account_top_pins", "user_account_top_video_pins"):
        assert rows[stream], stream
        _no_duplicate_keys(stream, rows[stream], ("user_account_id", "sort_by", "start_date", "end_date", "pin_id"))
        assert all(isinstance(row["data_status"], dict) and row["data_status"] for row in rows[stream])
    assert {row["sort_by"] for row in rows["user_account_top_pins"]} == {"IMPRESSION", "SAVE"}
    by_impressions = [row for row in rows["user_account_top_pins"] if row["sort_by"] == "IMPRESSION"]
    assert [row["rank"] for row in by_impressions] == list(range(1, len(by_impressions) + 1))
    assert [row["IMPRESSION"] for row in by_impressions] == sorted((row["IMPRESSION"] for row in by_impressions), reverse=True)


@pytest.mark.parametrize("unknown_pin", CHOICES["unknown_pin"])
def test_a_pin_deleted_during_the_sync_loses_no_other_pins_analytics(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, unknown_pin: str
) -> None:
    """The Pins are listed, then one is deleted before its analytics are asked: whether Pinterest leaves it out or
    answers 404 for the whole batch, every other Pin's days are read."""
    sim.switches.unknown_pin = unknown_pin
    listed = analytics_module.shared_records

    def with_a_deleted_pin(context: Any, declaration: Any, stream_slice: Any) -> list[dict[str, Any]]:
        records = listed(context, declaration, stream_slice)
        return [*records, {"id": "999999999", "media.media_type": "image"}] if declaration.name == "pins" else records

    monkeypatch.setattr(analytics_module, "shared_records", with_a_deleted_pin)
    output = run_read(sim.connector_config(access_token_mode=True, start_date=_days_ago(2)), ["pin_analytics"])
    rows = records_by_stream(output)["pin_analytics"]
    _no_duplicate_keys("pin_analytics", rows, ("pin_id", "date"))
    assert {row["pin_id"] for row in rows} == {pin["id"] for pin in sim.dataset.entities("pins")}
    per_pin = [r for r in sim.requests if r.operation_id == "multi_pins/analytics" and len(r.query["pin_ids"]) == 1]
    assert bool(per_pin) == (unknown_pin == "not_found"), "the batch is asked Pin by Pin only after a 404"


FLAGS = ("CAMPAIGN_BUDGET_OPTIMIZATION", "IS_PREMIERE_CAMPAIGN")


@pytest.mark.parametrize("flag_form", CHOICES["flag_form"])
def test_flags_are_booleans_whatever_their_wire_form(sim: Simulator, flag_form: str) -> None:
    """Sync analytics (campaigns, ad groups, ad Pins), standard and custom JSON reports and a template's CSV file: each
    flag is the campaign's boolean, under every form Pinterest may send it in."""
    sim.switches.flag_form = flag_form
    account = sim.dataset.owned_ad_account_ids[0]
    campaigns = {c["id"]: c for c in sim.dataset.entities("campaigns", account)}
    truth = {cid: (bool(c["is_campaign_budget_optimization"]), is_premiere(c)) for cid, c in campaigns.items()}
    assert {flags[1] for flags in truth.values()} == {True, False}
    template = next(t for t in sim.dataset.template_list(account) if t["report_format"] == "CSV")
    sim.dataset.templates[account][template["id"]]["columns"] = [f"{template['report_level']}_ID", "CAMPAIGN_ID", *FLAGS]
    reports = [
        {"name": "flags_json", "level": "CAMPAIGN", "columns": ["CAMPAIGN_ID", *FLAGS, "SPEND_IN_DOLLAR"]},
        {"name": "flags_csv", "level": template["report_level"], "template_id": template["id"]},
    ]
    config = sim.connector_config(
        access_token_mode=True, ad_account_ids=[account], start_date=_days_ago(2), custom_reports=reports
    )
    streams = ["campaign_analytics", "ad_group_analytics", "ad_pin_analytics", "campaign_report", "custom_flags_json", "custom_flags_csv"]
    rows = records_by_stream(run_read(config, streams))
    for stream in streams:
        flagged = [row for row in rows[stream] if any(flag in row for flag in FLAGS)]
        assert flagged, stream
        for row in flagged:
            campaign = row.get("campaign_id") or row["CAMPAIGN_ID"]
            assert tuple(row.get(flag) for flag in FLAGS) == truth[campaign], (stream, row)
            assert all(type(row[flag]) is bool for flag in FLAGS if flag in row), (stream, row)


@pytest.mark.parametrize("rotation", CHOICES["refresh_token_rotation"])
def test_the_readme_commands_on_one_config_file_need_update_config(sim: Simulator, tmp_path: Path, rotation: str) -> None:
    """README step 3 outside Airbyte: `check`, then `read` on the same config file. Without `--update-config` the
    `read` sends the refresh token `check` replaced: refused at once under `immediate` (with a message that names the
    flag), still working under `at_expiry`. With the flag, both readings work, the read reusing the saved access
    token, and a later read after it expired refreshing with the saved refresh token."""
    sim.switches.refresh_token_rotation = rotation
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sim.connector_config()))
    catalog = write_catalog(tmp_path / "catalog.json", ["campaigns"])
    read = ["read", "--config", str(config), "--catalog", catalog]

    assert check_status(run_cli(["check", "--config", str(config)])[0])[0] == "SUCCEEDED"
    output, error = run_cli(read)
    if rotation == "immediate":
        assert error is not None and not output.records
        assert "Pinterest rejected the refresh token (HTTP 400)" in str(error.message)
        assert "run the connector with --update-config" in str(error.message)
    else:
        assert error is None and output.records

    config.write_text(json.dumps(sim.connector_config()))
    assert check_status(run_cli(["check", "--config", str(config), "--update-config"])[0])[0] == "SUCCEEDED"
    for expired in (False, True):
        if expired:
            sim.expire_access_tokens()
        output, error = run_cli([*read, "--update-config"])
        assert error is None, error.message if error else None
        assert len(output.records) == sim.dataset.counts()["campaigns"]
    assert json.loads(config.read_text())["credentials"]["refresh_token"] in sim.oauth._refresh
