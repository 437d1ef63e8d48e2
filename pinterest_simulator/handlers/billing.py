"""Spend reconciliation: billing profiles, invoices and ads credit discounts (``ads:read`` and ``billing:read``), order
lines, and the SSIO (self-serve insertion order) account, insertion orders and order lines; the data is
`pinterest_simulator.billing_data` (``sim.billing``).

Every operation takes the path's ``ad_account_id`` (403 code 29 when the token cannot read it); SSIO ones also need
the token user to own the account or hold one of `billing_data.SSIO_ROLES` on it (403 code 29 otherwise: the shared
account's ANALYST role is not enough). Lists are bookmark pages (``page_size`` up to 250):
``billing_profiles/get`` (``is_active`` required: true keeps the VALID profiles), ``billing_invoices/get`` (``sort``,
``order``, ``status``, ``document_type``, ``start_due_date`` / ``end_due_date``: inclusive), ``ads_credits_discounts/get``
(no id: paged by position), ``order_lines/list`` (``order``), ``ssio_insertion_orders_status/get_by_ad_account``
(by ``pin_order_id``), ``ssio_order_lines/get_by_ad_account`` (``pin_order_id`` filter; by ``pin_order_id`` and
``salesforce_order_line_id``). Single objects: ``ssio_accounts/get``, ``order_lines/get`` and
``ssio_insertion_orders_status/get_by_pin_order_id`` (404 for an unknown id).
See https://developers.pinterest.com/docs/api/v5/billing_invoices-get and docs/dev/API-NOTES.md#spend-reconciliation.
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.billing_data import ACTIVE_PROFILE_STATUSES, SSIO_ROLES, AccountBilling
from pinterest_simulator.routes import Context, SortKey, handler, no_access
from pinterest_simulator.spec import ApiError, refused

#: ``sort`` of ``billing_invoices/get`` -> the invoice field it orders by (then the id)
INVOICE_SORT_FIELDS = {
    "DUE_DATE": "invoice_due_date",
    "BILLING_PERIOD": "billing_period_start_date",
    "DOCUMENT_TYPE": "document_type",
    "TOTAL_AMOUNT": "amount_billed_micro_currency",
    "INVOICE_NUMBER": "id",
}


def _billing(ctx: Context) -> AccountBilling:
    return ctx.sim.billing.accounts[ctx.ad_account()["id"]]


def _ssio(ctx: Context) -> AccountBilling:
    """The account's records, when the token user may read its SSIO data (`SSIO_ROLES`), else 403 code 29."""
    billing = _billing(ctx)
    if not ctx.dataset.roles(ctx.params["ad_account_id"]) & SSIO_ROLES:
        raise no_access()
    return billing


@handler("billing_profiles/get")
def billing_profiles(ctx: Context) -> Any:
    """The account's billing profiles: the active (VALID) ones for ``is_active=true``, all for false."""
    profiles = _billing(ctx).profiles
    if ctx.params["is_active"]:
        profiles = [profile for profile in profiles if profile["status"] in ACTIVE_PROFILE_STATUSES]
    return ctx.page(profiles)


@handler("billing_invoices/get")
def billing_invoices(ctx: Context) -> Any:
    """The account's invoices, filtered, ordered by ``sort`` (then id) in ``order`` (default ascending)."""
    account_id = ctx.ad_account()["id"]
    start, end = ctx.params.get("start_due_date"), ctx.params.get("end_due_date")
    if start is not None and end is not None and start > end:
        raise refused(f"Invalid request parameter: start_due_date {start} is after end_due_date {end}.")
    invoices = ctx.sim.billing.invoices(account_id)
    for name in ("status", "document_type"):
        if name in ctx.params:
            invoices = [invoice for invoice in invoices if invoice[name] == ctx.params[name]]
    invoices = [
        invoice
        for invoice in invoices
        if (start is None or invoice["invoice_due_date"] >= start)
        and (end is None or invoice["invoice_due_date"] <= end)
    ]
    field = INVOICE_SORT_FIELDS[ctx.params.get("sort", "DUE_DATE")]

    def key(invoice: dict[str, Any]) -> SortKey:
        value = invoice[field]
        return (int(value), int(invoice["id"])) if field == "id" else (value, int(invoice["id"]))

    return ctx.page_by_key(sorted(((key(invoice), invoice) for invoice in invoices), key=lambda pair: pair[0]))


@handler("ads_credits_discounts/get")
def ads_credits_discounts(ctx: Context) -> Any:
    """The account's credits and discounts (they have no id: paged by position)."""
    return ctx.page_by_key([((n,), discount) for n, discount in enumerate(_billing(ctx).discounts)])


@handler("order_lines/list")
def order_lines_list(ctx: Context) -> Any:
    """The account's order lines, by id."""
    return ctx.page(list(_billing(ctx).order_lines.values()))


@handler("order_lines/get")
def order_lines_get(ctx: Context) -> Any:
    """One order line of the account (404 for another one)."""
    line = _billing(ctx).order_lines.get(ctx.params["order_line_id"])
    if line is None:
        raise ApiError(404, 404, "Order line not found.")
    return line


@handler("ssio_accounts/get")
def ssio_accounts(ctx: Context) -> Any:
    """The account's Salesforce account details (bill-to information)."""
    return _ssio(ctx).ssio_account


@handler("ssio_insertion_orders_status/get_by_ad_account")
def ssio_insertion_orders(ctx: Context) -> Any:
    """The account's insertion orders' statuses, by ``pin_order_id``."""
    return ctx.page_by_key([((order["pin_order_id"],), order) for order in _ssio(ctx).insertion_orders])


@handler("ssio_insertion_orders_status/get_by_pin_order_id")
def ssio_insertion_order(ctx: Context) -> Any:
    """One insertion order's status (404 for an unknown ``pin_order_id``)."""
    wanted = ctx.params["pin_order_id"]
    order = next((order for order in _ssio(ctx).insertion_orders if order["pin_order_id"] == wanted), None)
    if order is None:
        raise ApiError(404, 404, "Insertion order not found.")
    return order


@handler("ssio_order_lines/get_by_ad_account")
def ssio_order_lines(ctx: Context) -> Any:
    """The account's SSIO order lines (of one insertion order with ``pin_order_id``), by insertion order and
    Salesforce order line id."""
    lines = _ssio(ctx).ssio_order_lines
    if "pin_order_id" in ctx.params:
        lines = [line for line in lines if line["pin_order_id"] == ctx.params["pin_order_id"]]
    return ctx.page_by_key([((line["pin_order_id"], line["salesforce_order_line_id"]), line) for line in lines])
