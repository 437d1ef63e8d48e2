"""Spend reconciliation streams (streams/finance.py) against the simulator: every stream returns records, keys are
unique, billing profiles are all of them, SSIO accounts the token user may not read are left out with a warning, SSIO
order lines are incremental, and the streams that need `billing:read` are not in a default catalog."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import PRIMARY_KEYS, error_messages, final_states, records_by_stream, run_read, state_messages

from pinterest_simulator import Simulator
from pinterest_simulator.billing_data import SSIO_ROLES
from pinterest_simulator.oauth import ALL_READ_SCOPES
from source_pinterest_marketing.configured_catalog import main as catalog_main
from source_pinterest_marketing.streams.finance import FINANCE_STREAMS, SSIO_ORDER_LINES

FINANCE = tuple(declaration.name for declaration in FINANCE_STREAMS)
SSIO = ("ssio_accounts", "ssio_insertion_orders", "ssio_order_lines")


@pytest.fixture
def billing_sim(sleeps: list[float]) -> Iterator[Simulator]:
    """A simulator whose tokens have every read scope (billing:read too)."""
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as running:
        yield running


def _ssio_readable(sim: Simulator) -> list[str]:
    return [account for account in sim.dataset.ad_account_ids if sim.dataset.roles(account) & SSIO_ROLES]


def test_every_finance_stream_returns_records_with_unique_keys(billing_sim: Simulator) -> None:
    output = run_read(billing_sim.connector_config(), FINANCE)
    records = records_by_stream(output)
    for name in FINANCE:
        assert records.get(name), name
        keys = Counter(tuple(json.dumps(record.get(field)) for field in PRIMARY_KEYS[name]) for record in records[name])
        assert max(keys.values()) == 1, (name, keys.most_common(1))
        assert all(record["ad_account_id"] in billing_sim.dataset.ad_account_ids for record in records[name])
    accounts = billing_sim.dataset.ad_account_ids
    # every billing profile, whatever its status (`is_active=false`)
    expected_profiles = sum(len(billing_sim.billing.accounts[account].profiles) for account in accounts)
    assert len(records["billing_profiles"]) == expected_profiles
    assert {record["status"] for record in records["billing_profiles"]} > {"VALID"}
    assert len(records["billing_invoices"]) == sum(len(billing_sim.billing.invoices(account)) for account in accounts)
    assert {record["document_type"] for record in records["billing_invoices"]} == {"INVOICE", "CREDIT_MEMO"}
    # order lines are those campaigns point to
    campaign_lines = {campaign.get("order_line_id") for campaign in billing_sim.dataset.entities("campaigns")} - {None}
    assert campaign_lines <= {record["id"] for record in records["order_lines"]}


def test_ssio_accounts_the_user_may_not_read_are_left_out_with_a_warning(billing_sim: Simulator) -> None:
    readable = _ssio_readable(billing_sim)
    refused = [account for account in billing_sim.dataset.ad_account_ids if account not in readable]
    assert readable and refused  # the dataset shares an account with the Analyst role
    output = run_read(billing_sim.connector_config(), SSIO)
    records = records_by_stream(output)
    for name in SSIO:
        assert {record["ad_account_id"] for record in records[name]} == set(readable), name
    warnings = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
    for name in SSIO:
        [said] = [line for line in warnings if f"stream '{name}'" in line]
        assert "Admin, Finance or Campaign role" in said and refused[0] in said


def test_ssio_order_lines_are_incremental_on_their_modification_time(billing_sim: Simulator) -> None:
    """The second read, with the first's state, emits only each account's lines modified at or after its saved
    cursor: nothing changed, so the newest of each account again (the comparison is inclusive: a line changed in
    the same second as the saved value is not missed)."""
    name = SSIO_ORDER_LINES.name
    config = billing_sim.connector_config(access_token_mode=True)  # both reads with the same token
    first = run_read(config, [name])
    state = final_states(first)[name]
    again = run_read(config, [name], state=state_messages({name: state}))
    assert not error_messages(first) and not error_messages(again)
    saved = {
        entry["partition"]["ad_account_id"]: entry["cursor"]["last_modified_date_time"] for entry in state["states"]
    }
    lines = records_by_stream(first)[name]
    assert len(lines) > len(saved) > 0
    newest = [line for line in lines if line["last_modified_date_time"] == saved[line["ad_account_id"]]]
    again_lines = records_by_stream(again)[name]
    keys = [[tuple(line[field] for field in PRIMARY_KEYS[name]) for line in read] for read in (again_lines, newest)]
    assert sorted(keys[0]) == sorted(keys[1])


def test_a_default_catalog_leaves_out_the_streams_that_need_billing_read(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sim.connector_config()))
    assert catalog_main(["--config", str(config)]) == 0
    captured = capsys.readouterr()
    chosen = {stream["stream"]["name"] for stream in json.loads(captured.out)["streams"]}
    billing = {"billing_profiles", "billing_invoices", "ads_credits_discounts"}
    assert not chosen & billing and "order_lines" in chosen
    assert "billing_profiles (ads:read,billing:read)" not in captured.err
    for name in billing:
        assert f"{name} (billing:read)" in captured.err
    assert catalog_main(["--config", str(config), "--streams", "billing_invoices"]) == 0
    named = json.loads(capsys.readouterr().out)["streams"]
    assert [stream["stream"]["name"] for stream in named] == ["billing_invoices"]
