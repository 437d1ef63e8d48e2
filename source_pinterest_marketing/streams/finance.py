"""Spend reconciliation: billing profiles, invoices and ads credit discounts (scopes `ads:read` and `billing:read`),
order lines, and the self-serve insertion order (SSIO) account, insertion orders and order lines of each ad account
(docs/dev/API-NOTES.md#spend-reconciliation).

None of these lists can be filtered on a modification time, and only SSIO order lines carry one
(`last_modified_date_time`, kept client-side: cursor.py); the others are read in full each sync (an invoice goes from
OPEN to CLOSED in place, so a due-date window would miss the change). The SSIO operations answer HTTP 403 (code 29) for
an account the token user neither owns nor holds an Admin, Finance or Campaign role on (an account shared with the
Analyst role): that account is left out with a warning, the other accounts are read.
"""

from __future__ import annotations

from typing import Any

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.declaration import StreamDeclaration
from source_pinterest_marketing.streams.fetchers import SINGLE_OBJECT, list_stream

#: an SSIO operation on an account the token user has no Admin, Finance or Campaign role on
SSIO_ROLE_MISSING = IgnoredError(
    status=403,
    code=29,
    log_message="Left out an ad account whose SSIO (insertion order) data needs the Admin, Finance or Campaign role "
    "(or ownership), which the token user lacks",
    warn=True,
)


def _under_account(name: str, component: str, path: str, operation: str, **facts: Any) -> StreamDeclaration:
    """A list under `/ad_accounts/{ad_account_id}/<path>`, one partition per ad account, each record with its
    `ad_account_id`."""
    return list_stream(
        name,
        component,
        f"ad_accounts/{{ad_account_id}}/{path}",
        operation=operation,
        partitioner=BY_AD_ACCOUNT,
        slice_fields=("ad_account_id",),
        **facts,
    )


# every profile: `is_active` is required, and false returns all (true only the active ones, whatever that means)
BILLING_PROFILES = _under_account(
    "billing_profiles", "BillingProfilesResponse", "billing_profiles", "billing_profiles/get", params={"is_active": "false"}
)
BILLING_INVOICES = _under_account("billing_invoices", "BillingInvoiceResponse", "billing_invoices", "billing_invoices/get")
# no id: a discount is its advertiser's discount of a type and title
ADS_CREDITS_DISCOUNTS = _under_account(
    "ads_credits_discounts", "AdsCreditDiscountsResponse", "ads_credit/discounts", "ads_credits_discounts/get",
    primary_key=("ad_account_id", "discountType", "title"),
)  # fmt: skip
ORDER_LINES = _under_account("order_lines", "OrderLine", "order_lines", "order_lines/list")
SSIO_ACCOUNTS = _under_account(
    "ssio_accounts", "SSIOAccountResponse", "ssio/accounts", "ssio_accounts/get",
    fetcher=SINGLE_OBJECT, primary_key=("ad_account_id",), ignored_errors=(SSIO_ROLE_MISSING,),
)  # fmt: skip
SSIO_INSERTION_ORDERS = _under_account(
    "ssio_insertion_orders", "SSIOInsertionOrderStatus", "ssio/insertion_orders/status",
    "ssio_insertion_orders_status/get_by_ad_account",
    primary_key=("ad_account_id", "pin_order_id"), ignored_errors=(SSIO_ROLE_MISSING,),
)  # fmt: skip
SSIO_ORDER_LINES = _under_account(
    "ssio_order_lines", "SSIOOrderLine", "ssio/order_lines", "ssio_order_lines/get_by_ad_account",
    primary_key=("ad_account_id", "pin_order_id", "salesforce_order_line_id"), cursor="last_modified_date_time",
    ignored_errors=(SSIO_ROLE_MISSING,),
)  # fmt: skip

FINANCE_STREAMS: tuple[StreamDeclaration, ...] = (
    BILLING_PROFILES,
    BILLING_INVOICES,
    ADS_CREDITS_DISCOUNTS,
    ORDER_LINES,
    SSIO_ACCOUNTS,
    SSIO_INSERTION_ORDERS,
    SSIO_ORDER_LINES,
)
