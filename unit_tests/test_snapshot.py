"""scripts/snapshot.py's normalisation and diff, on small hand-made snapshots (a real snapshot takes minutes: see
docs/dev/ARCHITECTURE.md#snapshots): records compared as multisets and paired by primary key, final states,
requests with their bodies' secrets masked, and the exit code."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from pinterest_simulator import Simulator

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("snapshot", ROOT / "scripts" / "snapshot.py")
assert _spec is not None and _spec.loader is not None
snapshot = importlib.util.module_from_spec(_spec)
sys.modules["snapshot"] = snapshot  # its dataclasses look their module up
_spec.loader.exec_module(snapshot)

CAMPAIGNS = [{"id": "1", "name": "a", "spend": 1}, {"id": "2", "name": "b", "spend": 2}]


def _result(records: list[dict[str, Any]], state: dict[str, Any], requests: list[str]) -> dict[str, Any]:
    read = {
        "records": {"campaigns": [snapshot.canonical(record) for record in records]},
        "states": {"campaigns": state},
        "statuses": {"campaigns": "COMPLETE"},
        "requests": sorted(requests),
    }
    return {"reads": {"incremental": read}}


def _take(directory: Path, result: dict[str, Any]) -> Path:
    directory.mkdir()
    index = {"today": "2026-12-07", "primary_keys": {"campaigns": [["id"]]}, "scenarios": [{"name": "base"}]}
    (directory / "index.json").write_text(json.dumps(index))
    snapshot.write_scenario(directory, "base", copy.deepcopy(result))
    return directory


def _diff(tmp_path: Path, a: dict[str, Any], b: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = snapshot.Diff(_take(tmp_path / "a", a), _take(tmp_path / "b", b), limit=5).run()
    return code, capsys.readouterr().out


def test_the_same_records_in_another_order_are_no_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = {"states": [{"partition": {"id": "1"}, "cursor": {"t": 1}}]}
    code, out = _diff(tmp_path, _result(CAMPAIGNS, state, ["GET /v5/x -> 200 aa"]), _result(CAMPAIGNS[::-1], state, ["GET /v5/x -> 200 aa"]), capsys)
    assert (code, out.splitlines()[-1]) == (0, "no difference (1 scenarios)")


def test_a_changed_record_is_paired_by_its_primary_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changed = [CAMPAIGNS[0], {**CAMPAIGNS[1], "spend": 3}]
    code, out = _diff(tmp_path, _result(CAMPAIGNS, {}, []), _result(changed, {}, []), capsys)
    assert code == 1
    assert "base/incremental/records/campaigns: 1 only in A, 1 only in B (1 changed in place, by ['id'])" in out
    assert '~ ["2"]: {"spend":[2,3]}' in out


def test_a_record_twice_is_a_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _diff(tmp_path, _result(CAMPAIGNS, {}, []), _result([*CAMPAIGNS, CAMPAIGNS[0]], {}, []), capsys)
    assert code == 1
    assert '+ {"id":"1","name":"a","spend":1}' in out


def test_states_and_requests_are_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _result(CAMPAIGNS, {"cursor": 1}, ["GET /v5/x -> 200 aa", "GET /v5/y -> 200 bb"])
    b = _result(CAMPAIGNS, {"cursor": 2}, ["GET /v5/x -> 200 aa", "GET /v5/y -> 200 cc"])
    code, out = _diff(tmp_path, a, b, capsys)
    assert code == 1
    assert "base/incremental/states/campaigns/cursor:" in out
    assert "base/incremental/requests: 1 only in A, 1 only in B" in out
    assert "- GET /v5/y -> 200 bb" in out and "+ GET /v5/y -> 200 cc" in out


def test_a_per_partition_state_is_sorted_by_partition() -> None:
    state = {"states": [{"partition": {"id": "2"}, "cursor": {}}, {"partition": {"id": "1"}, "cursor": {}}]}
    assert [item["partition"]["id"] for item in snapshot.normalised_state(state)["states"]] == ["1", "2"]


def test_a_request_is_normalised_and_its_secrets_masked() -> None:
    assert snapshot.sorted_query("b=2&a=1&b=1") == "a=1&b=2&b=1"  # names sorted, a name's values as sent
    form = snapshot.normalised_body(
        b"grant_type=refresh_token&refresh_token=pinr_secret", {"CONTENT_TYPE": "application/x-www-form-urlencoded"}
    )
    assert form == " form:grant_type=refresh_token&refresh_token=<secret>"
    assert snapshot.normalised_body(b'{"b": 1, "a": [2, 1]}', {"CONTENT_TYPE": "application/json"}) == ' json:{"a":[2,1],"b":1}'


def test_job_tokens_and_lead_export_ids_become_their_jobs_body(sim: Simulator) -> None:
    """Tokens and export ids are handed out in creation order, which the worker threads decide: a request is known
    by its job's account and body instead, so two runs that created the same jobs in another order are equal."""
    recorder = snapshot.Recorder(sim)
    first = sim.lead_exports.create("1234", {"ad_id": "77", "start_date": "2026-12-01"}, sim.switches)
    second = sim.lead_exports.create("1234", {"ad_id": "78", "start_date": "2026-12-01"}, sim.switches)
    report = sim.reports.create("1234", {"level": "CAMPAIGN"})
    masked = recorder.mask(
        f"GET {sim.root_url}/downloads/leads/{first.token}.csv {second.token} {report.token} 117467117508791561"
    )
    assert first.token not in masked and second.token not in masked and report.token not in masked
    assert masked.startswith("GET <root>/downloads/leads/<job 1234 ")
    assert masked.endswith(" 117467117508791561")  # a number that is no job's id stays
    labels = re.findall(r"<job 1234 [0-9a-f]{12}>", masked)
    assert len(set(labels)) == 3
