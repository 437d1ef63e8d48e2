"""Spend reconciliation: billing profiles, invoices, ads credit discounts (``ads:read`` + ``billing:read``), order
lines and the SSIO account, insertion orders and order lines (handlers/billing.py, billing_data.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.billing_data import (
    CREDIT_MEMO_EVERY,
    INVOICE_MONTHS,
    ORDER_LINES_PER_ACCOUNT,
    PAYMENT_TERMS_DAYS,
)
from pinterest_simulator.clock import FixedClock
from pinterest_simulator.oauth import ALL_READ_SCOPES, READ_SCOPES

INSUFFICIENT = {"code": 3, "message": "Your token does not have sufficient permissions to perform this operation."}
#: operation -> (path under the ad account, required query)
LISTS = {
    "billing_profiles/get": ("billing_profiles", {"is_active": "false"}),
    "billing_invoices/get": ("billing_invoices", {}),
    "ads_credits_discounts/get": ("ads_credit/discounts", {}),
    "order_lines/list": ("order_lines", {}),
    "ssio_insertion_orders_status/get_by_ad_account": ("ssio/insertion_orders/status", {}),
    "ssio_order_lines/get_by_ad_account": ("ssio/order_lines", {}),
}
BILLING = ("billing_profiles/get", "billing_invoices/get", "ads_credits_discounts/get")


@pytest.fixture
def billing(sim: Simulator) -> dict[str, str]:
    """A bearer header with every read scope, ``billing:read`` included."""
    return {"Authorization": f"Bearer {sim.issue_access_token(ALL_READ_SCOPES)}"}


def _get(sim: Simulator, account_id: str, path: str, headers: dict[str, str], **params: Any) -> requests.Response:
    return requests.get(f"{sim.base_url}/ad_accounts/{account_id}/{path}", headers=headers, params=params, timeout=10)


def _all(sim: Simulator, account_id: str, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page after page (page_size 2, so several pages)."""
    items: list[dict[str, Any]] = []
    bookmark = None
    while True:
        query = {**params, "page_size": 2, **({"bookmark": bookmark} if bookmark else {})}
        answer = _get(sim, account_id, path, headers, **query)
        assert answer.status_code == 200, answer.text
        items.extend(answer.json()["items"])
        bookmark = answer.json()["bookmark"]
        if not bookmark:
            return items


@pytest.mark.parametrize("operation", list(LISTS))
def test_every_list_validates_pages_and_is_not_empty(
    sim: Simulator, billing: dict[str, str], account_id: str, operation: str
) -> None:
    path, query = LISTS[operation]
    validator = sim.spec.response_validator(operation)
    whole = _get(sim, account_id, path, billing, **query, page_size=250)
    validator.validate(whole.json())
    assert whole.json()["items"] and whole.json()["bookmark"] is None
    paged = _all(sim, account_id, path, billing, **query)
    assert paged == whole.json()["items"]
    first = _get(sim, account_id, path, billing, **query, page_size=1).json()
    validator.validate(first)
    assert first["bookmark"]


def test_single_objects_validate(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    account = _get(sim, account_id, "ssio/accounts", billing)
    sim.spec.response_validator("ssio_accounts/get").validate(account.json())
    assert account.json()["billto_infos"] and account.json()["currency"] == "USD"
    line = sim.billing.accounts[account_id].order_lines
    some = next(iter(line))
    got = _get(sim, account_id, f"order_lines/{some}", billing)
    sim.spec.response_validator("order_lines/get").validate(got.json())
    assert got.json() == line[some]
    order = sim.billing.accounts[account_id].insertion_orders[0]
    status = _get(sim, account_id, f"ssio/insertion_orders/{order['pin_order_id']}/status", billing)
    sim.spec.response_validator("ssio_insertion_orders_status/get_by_pin_order_id").validate(status.json())
    assert status.json() == order
    for path in ("order_lines/1", "ssio/insertion_orders/0Q0NOPE/status"):
        assert _get(sim, account_id, path, billing).status_code == 404


@pytest.mark.parametrize("operation", BILLING)
def test_billing_needs_billing_read(sim: Simulator, account_id: str, operation: str) -> None:
    """``ads:read`` and ``billing:read``: the default token (no ``billing:read``) is 401 code 3; either scope alone
    too; order lines and SSIO need ``ads:read`` only."""
    path, query = LISTS[operation]
    for scopes in (READ_SCOPES, ("billing:read",), ("ads:read",)):
        headers = {"Authorization": f"Bearer {sim.issue_access_token(scopes)}"}
        answer = _get(sim, account_id, path, headers, **query)
        assert (answer.status_code, answer.json()) == (401, INSUFFICIENT), scopes
    headers = {"Authorization": f"Bearer {sim.issue_access_token(['ads:read', 'billing:read'])}"}
    assert _get(sim, account_id, path, headers, **query).status_code == 200
    default = {"Authorization": f"Bearer {sim.issue_access_token()}"}
    for other in ("order_lines", "ssio/order_lines", "ssio/accounts"):
        assert _get(sim, account_id, other, default).status_code == 200


@pytest.mark.parametrize("operation", list(LISTS))
def test_an_unreadable_account_is_403(sim: Simulator, billing: dict[str, str], operation: str) -> None:
    path, query = LISTS[operation]
    answer = _get(sim, "999999999999", path, billing, **query)
    assert (answer.status_code, answer.json()["code"]) == (403, 29)


def test_ssio_needs_an_owner_admin_finance_or_campaign_role(sim: Simulator, billing: dict[str, str]) -> None:
    """The shared account grants ANALYST: its SSIO records are 403 code 29, its billing and order lines are not;
    with FINANCE_VIEW (or ADMIN, CAMPAIGN_MANAGER) they are readable."""
    shared = sim.dataset.business_ad_account_id
    assert shared is not None
    for path in ("ssio/accounts", "ssio/insertion_orders/status", "ssio/order_lines"):
        assert (_get(sim, shared, path, billing).status_code, _get(sim, shared, path, billing).json()["code"]) == (
            403,
            29,
        )
    assert _get(sim, shared, "order_lines", billing).status_code == 200
    assert _get(sim, shared, "billing_invoices", billing).status_code == 200
    try:
        for role in ("FINANCE_VIEW", "ADMIN", "CAMPAIGN_MANAGER"):
            sim.dataset.set_roles(shared, [role])
            assert _get(sim, shared, "ssio/order_lines", billing).status_code == 200, role
    finally:
        sim.dataset.set_roles(shared, ["ANALYST"])


def test_billing_profiles_is_active(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    every = _get(sim, account_id, "billing_profiles", billing, is_active="false").json()["items"]
    active = _get(sim, account_id, "billing_profiles", billing, is_active="true").json()["items"]
    assert active == [profile for profile in every if profile["status"] == "VALID"]
    assert 0 < len(active) < len(every)
    assert {profile["advertiser_id"] for profile in every} == {account_id}
    missing = _get(sim, account_id, "billing_profiles", billing)
    assert (missing.status_code, missing.json()["code"]) == (400, 1)
    assert "is_active" in missing.json()["message"]


def test_invoices_are_monthly_up_to_last_month(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    """One INVOICE per month up to the month before today (a CREDIT_MEMO every few months), due
    `PAYMENT_TERMS_DAYS` after the 1st of the next month: OPEN until then; the last one is recent on any day."""
    invoices = _all(sim, account_id, "billing_invoices", billing)
    today = sim.today()
    assert {invoice["ad_account_id"] for invoice in invoices} == {account_id}
    months = [i["billing_period_start_date"] for i in invoices if i["document_type"] == "INVOICE"]
    assert months == sorted(set(months)) and len(months) <= INVOICE_MONTHS
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    assert max(i["billing_period_end_date"] for i in invoices) == last_month_end.isoformat()
    assert (today - last_month_end).days <= 31
    assert any(i["document_type"] == "CREDIT_MEMO" for i in invoices) == (len(months) >= CREDIT_MEMO_EVERY)
    for invoice in invoices:
        end = dt.date.fromisoformat(invoice["billing_period_end_date"])
        due = dt.date.fromisoformat(invoice["invoice_due_date"])
        assert due == end + dt.timedelta(days=1 + PAYMENT_TERMS_DAYS)
        assert invoice["status"] == ("OPEN" if due >= today else "CLOSED")
        assert invoice["amount_billed_micro_currency"] == (
            invoice["amount_net_micro_currency"] + invoice["amount_tax_micro_currency"]
        )
        assert (invoice["amount_billed_micro_currency"] < 0) == (invoice["document_type"] == "CREDIT_MEMO")
    assert any(i["status"] == "OPEN" for i in invoices) and any(i["status"] == "CLOSED" for i in invoices)


def test_invoices_follow_the_clock() -> None:
    with Simulator(today="2026-03-15", scopes=ALL_READ_SCOPES) as early:
        account_id = early.dataset.owned_ad_account_ids[0]
        ends = {i["billing_period_end_date"] for i in early.billing.invoices(account_id)}
        assert max(ends) == "2026-02-28"
        early.clock = FixedClock(dt.date(2026, 4, 1))
        assert max(i["billing_period_end_date"] for i in early.billing.invoices(account_id)) == "2026-03-31"


@pytest.mark.parametrize(
    ("sort", "field"),
    [
        ("DUE_DATE", "invoice_due_date"),
        ("BILLING_PERIOD", "billing_period_start_date"),
        ("DOCUMENT_TYPE", "document_type"),
        ("TOTAL_AMOUNT", "amount_billed_micro_currency"),
    ],
)
def test_invoice_sort_and_order(
    sim: Simulator, billing: dict[str, str], account_id: str, sort: str, field: str
) -> None:
    ascending = _all(sim, account_id, "billing_invoices", billing, sort=sort)
    assert [i[field] for i in ascending] == sorted(i[field] for i in ascending)
    descending = _all(sim, account_id, "billing_invoices", billing, sort=sort, order="DESCENDING")
    assert descending == list(reversed(ascending))
    by_number = _all(sim, account_id, "billing_invoices", billing, sort="INVOICE_NUMBER")
    assert [int(i["id"]) for i in by_number] == sorted(int(i["id"]) for i in by_number)


def test_invoice_filters(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    every = _all(sim, account_id, "billing_invoices", billing)
    for name, value in (("status", "OPEN"), ("status", "CLOSED"), ("document_type", "CREDIT_MEMO")):
        kept = _all(sim, account_id, "billing_invoices", billing, **{name: value})
        assert kept == [i for i in every if i[name] == value]
    dues = sorted({i["invoice_due_date"] for i in every})
    start, end = dues[2], dues[5]
    window = _all(sim, account_id, "billing_invoices", billing, start_due_date=start, end_due_date=end)
    assert window == [i for i in every if start <= i["invoice_due_date"] <= end] and len(window) >= 4
    wrong = _get(sim, account_id, "billing_invoices", billing, start_due_date=end, end_due_date=start)
    assert (wrong.status_code, wrong.json()["code"]) == (400, 400)
    for bad in ({"sort": "AMOUNT"}, {"status": "PAID"}, {"start_due_date": "2026-13-01"}):
        assert _get(sim, account_id, "billing_invoices", billing, **bad).json()["code"] == 1, bad


def test_a_bookmark_of_another_order_is_refused(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    first = _get(sim, account_id, "billing_invoices", billing, page_size=1).json()
    wrong = _get(sim, account_id, "billing_invoices", billing, bookmark=first["bookmark"], order="DESCENDING")
    assert (wrong.status_code, wrong.json()) == (400, {"code": 1, "message": "Invalid bookmark."})
    garbage = _get(sim, account_id, "billing_invoices", billing, bookmark="not-a-bookmark")
    assert garbage.status_code == 400


def test_order_lines_and_campaigns_point_at_each_other(sim: Simulator, account_id: str, auth: dict[str, str]) -> None:
    lines = _all(sim, account_id, "order_lines", auth)
    assert len(lines) == ORDER_LINES_PER_ACCOUNT
    assert {line["ad_account_id"] for line in lines} == {account_id}
    listed = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/campaigns",
        headers=auth,
        params={"page_size": "250", "entity_statuses": "ACTIVE,PAUSED,ARCHIVED"},
        timeout=10,
    ).json()["items"]
    assert len(listed) == len(sim.dataset.entities("campaigns", account_id))
    by_line = {line["id"]: set(line["campaign_ids"]) for line in lines}
    for campaign in listed:
        assert campaign["id"] in by_line[campaign["order_line_id"]]
    assert sum(len(ids) for ids in by_line.values()) == len(listed)
    descending = _all(sim, account_id, "order_lines", auth, order="DESCENDING")
    assert descending == list(reversed(lines))


def test_ssio_records_agree(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    """SSIO order lines name their insertion order (``pin_order_id``) and the Ads Manager order line; the
    ``pin_order_id`` filter keeps one insertion order's."""
    orders = _all(sim, account_id, "ssio/insertion_orders/status", billing)
    lines = _all(sim, account_id, "ssio/order_lines", billing)
    order_ids = {order["pin_order_id"] for order in orders}
    assert {line["pin_order_id"] for line in lines} == order_ids and len(order_ids) == len(orders) >= 2
    assert {line["ads_manager_order_line_id"] for line in lines} == set(sim.billing.accounts[account_id].order_lines)
    for order_id in order_ids:
        kept = _all(sim, account_id, "ssio/order_lines", billing, pin_order_id=order_id)
        assert kept == [line for line in lines if line["pin_order_id"] == order_id] and kept
    assert _all(sim, account_id, "ssio/order_lines", billing, pin_order_id="0Q0NOPE") == []


def test_discounts_have_no_id_and_page_by_position(sim: Simulator, billing: dict[str, str], account_id: str) -> None:
    discounts = _all(sim, account_id, "ads_credit/discounts", billing)
    assert discounts == sim.billing.accounts[account_id].discounts
    assert all("id" not in discount for discount in discounts)
    assert {d["discountCurrency"] for d in discounts} == {sim.dataset.ad_accounts[account_id]["currency"]}


def test_deterministic_per_seed(sim: Simulator, account_id: str) -> None:
    with Simulator(seed=1) as same, Simulator(seed=2) as other:
        assert same.billing.invoices(account_id) == sim.billing.invoices(account_id)
        assert same.billing.accounts[account_id].order_lines == sim.billing.accounts[account_id].order_lines
        other_id = other.dataset.owned_ad_account_ids[0]
        amounts = [i["amount_billed_micro_currency"] for i in other.billing.invoices(other_id)]
        assert amounts != [i["amount_billed_micro_currency"] for i in sim.billing.invoices(account_id)]


def test_large_preset_is_sensible() -> None:
    with Simulator(preset="large") as large:
        for account_id in large.dataset.ad_account_ids:
            lines = large.billing.accounts[account_id].order_lines
            assert sum(len(line["campaign_ids"]) for line in lines.values()) == 40
            assert large.billing.invoices(account_id)


def test_the_last_invoice_is_recent_on_every_day() -> None:
    """60 consecutive days (two month ends, a year end): every account's last invoice was issued within the last 30
    days and covers last month, and its due date is not 30 days past."""
    with Simulator() as moving:
        for n in range(60):
            day = dt.date(2026, 11, 8) + dt.timedelta(days=n)
            moving.clock = FixedClock(day)
            for account_id in moving.dataset.ad_account_ids:
                last = max(moving.billing.invoices(account_id), key=lambda i: i["billing_period_end_date"])
                issued = dt.date.fromisoformat(last["billing_period_end_date"]) + dt.timedelta(days=1)
                assert 0 <= (day - issued).days < 31, (day, last)
                assert dt.date.fromisoformat(last["invoice_due_date"]) >= day - dt.timedelta(days=1), day
