"""Video Pins, top (video) Pins and the two ``metric_types`` variants of ``multi_pins/analytics``: answers valid against
their response schemas, the ``pin_metric_mismatch`` and ``top_pins_data_status`` switches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
from sim_http import ago, get, schema_errors, sync

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import is_video_pin
from pinterest_simulator.state import load_spec

STANDARD = ["IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE", "SAVE_RATE", "TOTAL_COMMENTS", "USER_FOLLOW"]
VIDEO = ["IMPRESSION", "SAVE", "VIDEO_MRC_VIEW", "VIDEO_START", "VIDEO_AVG_WATCH_TIME", "VIDEO_V50_WATCH_TIME"]
USER_METRICS = [
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "OUTBOUND_CLICK_RATE",
    "PIN_CLICK",
    "PIN_CLICK_RATE",
    "SAVE",
    "SAVE_RATE",
]


def _video_and_image_pins(sim: Simulator) -> tuple[list[str], list[str]]:
    pins = sim.dataset.entities("pins")
    return [p["id"] for p in pins if is_video_pin(p)], [p["id"] for p in pins if not is_video_pin(p)]


# -- video Pins in the dataset -------------------------------------------------------------------------------
def test_some_pins_are_video_pins_valid_against_the_pin_media_schemas(sim: Simulator) -> None:
    video, image = _video_and_image_pins(sim)
    assert len(video) == len(sim.dataset.entities("pins")) // 4 and image
    spec = load_spec()
    with_video, pin = spec.component_validator("PinMediaWithVideo"), spec.component_validator("Pin")
    for entity in sim.dataset.entities("pins"):
        if entity["id"] in video:
            assert entity["media"]["media_type"] == "video" and entity["creative_type"] == "VIDEO"
            assert isinstance(entity["media"]["duration"], float) and entity["media"]["video_url"]
            assert list(with_video.iter_errors(entity["media"])) == []
        assert list(pin.iter_errors(entity)) == []
    listed = get(sim, "/pins", page_size=250, include_protected_pins="true").json()["items"]
    assert {p["id"] for p in listed if p["media"]["media_type"] == "video"} & set(video)


# -- top Pins -----------------------------------------------------------------------------------------------
def _top(sim: Simulator, video: bool = False, **params: Any) -> requests.Response:
    path = "/user_account/analytics/top_video_pins" if video else "/user_account/analytics/top_pins"
    query = {"start_date": ago(20).isoformat(), "end_date": ago(0).isoformat(), "sort_by": "IMPRESSION", **params}
    return sync(sim, path, **query)


def _summary(sim: Simulator, pin_ids: list[str], metrics: list[str], **params: Any) -> dict[str, dict[str, Any]]:
    query = {"start_date": ago(20).isoformat(), "end_date": ago(0).isoformat(), **params}
    body = sync(sim, "/pins/analytics", pin_ids=pin_ids, metric_types=metrics, **query).json()
    return {pin_id: answer["all"]["summary_metrics"] for pin_id, answer in body.items()}


@pytest.mark.parametrize("sort_by", ["ENGAGEMENT", "IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE"])
def test_top_pins_are_ranked_by_the_sort_metric_over_the_range(sim: Simulator, sort_by: str) -> None:
    answer = _top(sim, sort_by=sort_by, num_of_pins=50)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert schema_errors("user_account/analytics/top_pins", body) == []
    assert body["sort_by"] == sort_by and body["date_availability"]["is_realtime"] is False
    last_ready = dt.datetime.fromtimestamp(body["date_availability"]["latest_available_timestamp"] / 1000, dt.UTC)
    assert (last_ready.date(), last_ready.time()) == (ago(2), dt.time(23, 59, 59))
    pins = body["pins"]
    assert {p["pin_id"] for p in pins} == {p["id"] for p in sim.dataset.entities("pins")}  # every one, video too
    values = [p["metrics"][sort_by] for p in pins]
    assert values == sorted(values, reverse=True)
    assert all(set(p["metrics"]) == set(USER_METRICS) for p in pins)  # metric_types: all by default
    dates = [(ago(20) + dt.timedelta(days=n)).isoformat() for n in range(21)]
    for p in pins:
        assert list(p["data_status"]) == dates
        assert set(p["data_status"].values()) == {"READY", "PROCESSING"}
        assert p["data_status"][ago(1).isoformat()] == "PROCESSING" and p["data_status"][ago(2).isoformat()] == "READY"
    # a count is the Pin's sum over the range: what multi_pins/analytics sums
    counts = [m for m in ("IMPRESSION", "OUTBOUND_CLICK", "PIN_CLICK", "SAVE") if m in USER_METRICS]
    summaries = _summary(sim, [p["pin_id"] for p in pins[:5]], counts)
    for p in pins[:5]:
        assert {m: p["metrics"][m] for m in counts} == summaries[p["pin_id"]]


def test_top_pins_num_of_pins_metric_types_and_filters(sim: Simulator) -> None:
    default = _top(sim).json()["pins"]
    assert len(default) == 10
    three = _top(sim, num_of_pins=3, metric_types=["SAVE", "SAVE_RATE"]).json()["pins"]
    assert [p["pin_id"] for p in three] == [p["pin_id"] for p in default[:3]]  # ranked by IMPRESSION, not shown
    assert all(set(p["metrics"]) == {"SAVE", "SAVE_RATE"} for p in three)
    assert all(0 <= p["metrics"]["SAVE_RATE"] <= 1 for p in three)
    filters = {
        "from_claimed_content": "CLAIMED",
        "pin_format": "ORGANIC_IMAGE",
        "app_types": "MOBILE",
        "content_type": "ORGANIC",
        "source": "YOUR_PINS",
    }
    assert _top(sim, **filters).json()["pins"] == default  # accepted, not applied
    for name, value in (("num_of_pins", 0), ("num_of_pins", 51), ("sort_by", "VIDEO_START"), ("pin_format", "GIF")):
        r = _top(sim, **{name: value})
        assert (r.status_code, r.json()["code"]) == (400, 1) and name in r.json()["message"]
    r = _top(sim, start_date=ago(91).isoformat(), end_date=ago(80).isoformat())
    assert (r.status_code, r.json()["code"]) == (400, 400)


def test_created_in_last_n_days(sim: Simulator) -> None:
    assert _top(sim, created_in_last_n_days=30).json()["pins"] == []  # the dataset's Pins are older
    new = sim.dataset.add("pins")
    try:
        assert [p["pin_id"] for p in _top(sim, created_in_last_n_days=30).json()["pins"]] == [new["id"]]
        assert _top(sim, created_in_last_n_days=7).status_code == 400  # the spec's enum: [30]
    finally:
        with sim.dataset.lock:
            del sim.dataset.by_user["pins"][new["id"]]


@pytest.mark.parametrize("sort_by", ["VIDEO_AVG_WATCH_TIME", "VIDEO_START", "IMPRESSION", "QUARTILE_95_PERCENT_VIEW"])
def test_top_video_pins_are_the_video_pins(sim: Simulator, sort_by: str) -> None:
    video, _ = _video_and_image_pins(sim)
    body = _top(sim, video=True, sort_by=sort_by, num_of_pins=50).json()
    assert schema_errors("user_account/analytics/top_video_pins", body) == []
    assert {p["pin_id"] for p in body["pins"]} == set(video)
    values = [p["metrics"][sort_by] for p in body["pins"]]
    assert values == sorted(values, reverse=True) and body["sort_by"] == sort_by
    assert all(len(p["metrics"]) == 9 for p in body["pins"])  # every video metric type by default
    assert all(1_000 <= p["metrics"]["VIDEO_AVG_WATCH_TIME"] <= 16_000 for p in body["pins"])  # a mean, in ms
    summaries = _summary(sim, video, ["VIDEO_START", "VIDEO_V50_WATCH_TIME"])
    for p in body["pins"]:
        assert summaries[p["pin_id"]] == {m: p["metrics"][m] for m in ("VIDEO_START", "VIDEO_V50_WATCH_TIME")}
    r = _top(sim, video=True, sort_by="ENGAGEMENT")  # not a video sort
    assert (r.status_code, r.json()["code"]) == (400, 1)


def test_top_pins_data_status_by_metric(sim: Simulator) -> None:
    sim.switches.top_pins_data_status = "by_metric"
    pins = _top(sim, metric_types=["SAVE", "IMPRESSION"]).json()["pins"]
    assert all(p["data_status"] == {"SAVE": "PROCESSING", "IMPRESSION": "PROCESSING"} for p in pins)
    ready = _top(sim, metric_types=["SAVE"], end_date=ago(2).isoformat()).json()
    assert schema_errors("user_account/analytics/top_pins", ready) == []
    assert all(p["data_status"] == {"SAVE": "READY"} for p in ready["pins"])


# -- multi_pins/analytics: the two metric type variants ----------------------------------------------------------
def _multi(sim: Simulator, pin_ids: list[str], metrics: list[str]) -> requests.Response:
    dates = {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat()}
    return sync(sim, "/pins/analytics", pin_ids=pin_ids, metric_types=metrics, **dates)


def _daily(answer: dict[str, Any], pin_id: str) -> list[dict[str, Any]]:
    return [day["metrics"] for day in answer[pin_id]["all"]["daily_metrics"]]


def test_video_metrics_of_video_pins_and_one_variant_per_request(sim: Simulator) -> None:
    video, image = _video_and_image_pins(sim)
    answer = _multi(sim, video[:2] + image[:2], VIDEO)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert schema_errors("multi_pins/analytics", body) == []
    for pin_id in video[:2]:
        assert all(
            day["VIDEO_START"] > 0 and isinstance(day["VIDEO_AVG_WATCH_TIME"], float) for day in _daily(body, pin_id)
        )
        summary = body[pin_id]["all"]["summary_metrics"]
        assert "VIDEO_AVG_WATCH_TIME" not in summary  # an average: per day only, as rates
        assert summary["VIDEO_START"] == sum(day["VIDEO_START"] for day in _daily(body, pin_id))
    standard = _multi(sim, video[:1] + image[:1], STANDARD)
    assert standard.status_code == 200 and schema_errors("multi_pins/analytics", standard.json()) == []
    for mixed in (["VIDEO_START", "USER_FOLLOW"], ["PROFILE_VISIT", "VIDEO_10S_VIEW", "SAVE"]):
        r = _multi(sim, video[:1], mixed)
        assert (r.status_code, r.json()["code"]) == (400, 1) and "mixes" in r.json()["message"]
    r = _multi(sim, video[:1], ["IMPRESSION", "CLOSEUP"])
    assert (r.status_code, r.json()["code"]) == (400, 1) and "CLOSEUP" in r.json()["message"]


def test_pin_metric_mismatch_lenient(sim: Simulator) -> None:
    video, image = _video_and_image_pins(sim)
    body = _multi(sim, [video[0], image[0]], VIDEO).json()
    assert all(day["VIDEO_START"] == 0 and day["VIDEO_AVG_WATCH_TIME"] == 0 for day in _daily(body, image[0]))
    assert all(day["IMPRESSION"] > 0 for day in _daily(body, image[0]))
    standard = _multi(sim, [video[0], image[0]], STANDARD).json()
    assert all(set(day) == set(STANDARD) for day in _daily(standard, video[0]))
    assert any(day["USER_FOLLOW"] for day in _daily(standard, video[0]))  # values like any Pin's


def test_pin_metric_mismatch_omit(sim: Simulator) -> None:
    sim.switches.pin_metric_mismatch = "omit"
    video, image = _video_and_image_pins(sim)
    body = _multi(sim, [video[0], image[0]], VIDEO).json()
    assert all(set(day) == {"IMPRESSION", "SAVE"} for day in _daily(body, image[0]))
    assert set(body[image[0]]["all"]["summary_metrics"]) == {"IMPRESSION", "SAVE"}
    assert all(set(day) == set(VIDEO) for day in _daily(body, video[0]))
    standard = _multi(sim, [video[0], image[0]], STANDARD).json()
    assert all("USER_FOLLOW" not in day and "SAVE_RATE" in day for day in _daily(standard, video[0]))
    assert all(set(day) == set(STANDARD) for day in _daily(standard, image[0]))
    assert schema_errors("multi_pins/analytics", standard) == []


def test_pin_metric_mismatch_refuse(sim: Simulator) -> None:
    sim.switches.pin_metric_mismatch = "refuse"
    video, image = _video_and_image_pins(sim)
    for pins, metrics, misfit in (
        (video[:1] + image[:1], VIDEO, image[0]),
        (video[:1] + image[:1], STANDARD, video[0]),
    ):
        r = _multi(sim, pins, metrics)
        assert (r.status_code, r.json()["code"]) == (400, 1) and misfit in r.json()["message"]
    assert _multi(sim, video[:2], VIDEO).status_code == 200
    assert _multi(sim, image[:2], STANDARD).status_code == 200
    shared = ["IMPRESSION", "SAVE", "TOTAL_REACTIONS"]  # in both variants: every Pin fits
    assert _multi(sim, video[:1] + image[:1], shared).status_code == 200


def test_metrics_of_both_variants_do_not_depend_on_the_switch(sim: Simulator) -> None:
    """The standard metrics of a Pin do not depend on its media: the switches and video Pins change nothing the
    connector asks for (the nine standard metric types)."""
    video, image = _video_and_image_pins(sim)
    before = _multi(sim, video[:2] + image[:2], STANDARD).json()
    for value in ("omit", "refuse"):
        sim.switches.pin_metric_mismatch = value  # type: ignore[assignment]
        shared = [m for m in STANDARD if m != "USER_FOLLOW"]
        again = _multi(sim, video[:2] + image[:2], shared).json()
        assert set(again) == set(before)
        for pin_id in again:
            for day, then in zip(_daily(again, pin_id), _daily(before, pin_id), strict=True):
                assert day == {m: then[m] for m in shared}
