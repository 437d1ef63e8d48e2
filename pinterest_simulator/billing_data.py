"""Spend reconciliation data of each ad account: billing profiles, invoices, ads credit discounts, order lines and the
SSIO (self-serve insertion order) records, consistent with the dataset's accounts and campaigns.

Built once per simulator (`BillingData`, ``sim.billing``) from the dataset's ad accounts, from random numbers of its
own (the dataset's entities are what they were without it), except that every campaign's ``order_line_id`` is set to
one of its account's order lines (campaign n: the account's order line ``n % ORDER_LINES_WITH_CAMPAIGNS``), whose
``campaign_ids`` list them back. Invoices are dated: one per calendar month (`INVOICE_MONTHS` back from the month
before the simulator's today, not before the account's creation), so they depend on the clock (`invoices`).

What the API description does not say and this module assumes (docs/dev/API-NOTES.md#spend-reconciliation):
which profile statuses are "active" (here only VALID profiles are; the others are INVALID or DELETED, so no reading
of the statuses matters), how invoice amounts add up (here ``amount_net = billed spend - discount``,
``amount_tax = 8 %`` of it, ``amount_billed = net + tax``; a credit memo's amounts are negative), the invoice's
dates (the billing period is a calendar month, issued the 1st of the next month, due `PAYMENT_TERMS_DAYS` later;
OPEN until its due date, then CLOSED), Salesforce-like ids (`salesforce_id`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from pinterest_simulator.dataset import Dataset, iso

#: order lines per ad account (`order_lines/list`); campaigns are spread over the first `ORDER_LINES_WITH_CAMPAIGNS`
ORDER_LINES_PER_ACCOUNT = 3
ORDER_LINES_WITH_CAMPAIGNS = 2
#: (paid_type, status, budget in micro currency) of the order lines, in id order
ORDER_LINE_DESIGNS: tuple[tuple[str, str, int], ...] = (
    ("PAID", "ACTIVE", 50_000_000_000),
    ("BONUS", "ACTIVE", 5_000_000_000),
    ("MAKE_GOOD", "PAUSED", 1_000_000_000),
)
#: (billing_type, card_type / payment_method_brand, status) of each account's billing profiles, in id order: only
#: VALID ones are active (``is_active=true``)
BILLING_PROFILE_DESIGNS: tuple[tuple[str, str, str], ...] = (
    ("CREDIT_CARD", "VISA", "VALID"),
    ("CREDIT_CARD", "MASTERCARD", "INVALID"),
    ("INVOICE", "UNKNOWN", "DELETED"),
)
ACTIVE_PROFILE_STATUSES = frozenset({"VALID"})
#: (discountType, title, active, discount, remaining; in currency units) of each account's ads credit discounts
DISCOUNT_DESIGNS: tuple[tuple[str, str, bool, float, float], ...] = (
    ("COUPON_APPLIED", "Welcome offer (simulated)", False, 100.0, 0.0),
    ("CREDIT", "Ads Credits (simulated)", True, 125.0, 40.5),
    ("GOODWILL_CREDIT", "Goodwill credit (simulated)", True, 50.0, 50.0),
)
#: invoices reach this many calendar months back from the month before today
INVOICE_MONTHS = 24
#: every this many months, the month also has a CREDIT_MEMO (an adjustment of its invoice)
CREDIT_MEMO_EVERY = 6
PAYMENT_TERMS_DAYS = 30
TAX_RATE_PERCENT = 8
#: the roles a token user needs on an ad account to read its SSIO records, besides owning it: "Admin, Finance,
#: Campaign" (spec ``ssio_accounts/get`` and the other SSIO operations); "Finance" read as every FINANCE_* role of
#: ``BusinessAccessRole`` and "Campaign" as CAMPAIGN_MANAGER
SSIO_ROLES = frozenset({"OWNER", "ADMIN", "FINANCE_MANAGER", "FINANCE_VIEW", "FINANCE_EDIT", "CAMPAIGN_MANAGER"})
#: insertion orders per account (SSIO); the first holds the order lines but the last, the second the last
SSIO_INSERTION_ORDER_STATUSES = ("Approved", "Pending Approval")


def salesforce_id(prefix: str, *parts: str) -> str:
    """An 18-character Salesforce-like id: a 3-character object prefix and 15 alphanumerics from a hash."""
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=16).hexdigest().upper()
    return (prefix + "SIM" + digest)[:18]


def _month_start(day: dt.date, months_back: int) -> dt.date:
    """The first day of the month `months_back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    """The last day of `first`'s month."""
    return _month_start(first, -1) - dt.timedelta(days=1)


@dataclass
class AccountBilling:
    """One ad account's spend reconciliation records (invoices: `BillingData.invoices`)."""

    profiles: list[dict[str, Any]] = field(default_factory=list)
    discounts: list[dict[str, Any]] = field(default_factory=list)
    order_lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    ssio_account: dict[str, Any] = field(default_factory=dict)
    insertion_orders: list[dict[str, Any]] = field(default_factory=list)
    ssio_order_lines: list[dict[str, Any]] = field(default_factory=list)


class BillingData:
    """``sim.billing``: the spend reconciliation records of every ad account of a dataset (module docstring)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._rng = random.Random(f"billing:{dataset.seed}")
        self._next_id = {"profile": 4 * 10**12, "order_line": 2 * 10**12}
        self.accounts: dict[str, AccountBilling] = {}
        for account_id, account in dataset.ad_accounts.items():
            billing = AccountBilling()
            billing.profiles = [self._profile(account_id, n) for n in range(len(BILLING_PROFILE_DESIGNS))]
            billing.discounts = [self._discount(account, n) for n in range(len(DISCOUNT_DESIGNS))]
            billing.order_lines = self._order_lines(account)
            billing.ssio_account = self._ssio_account(account)
            billing.insertion_orders, billing.ssio_order_lines = self._insertion_orders(account, billing.order_lines)
            self.accounts[account_id] = billing

    def _new_id(self, kind: str) -> str:
        self._next_id[kind] += self._rng.randint(1, 997)
        return str(self._next_id[kind])

    def _profile(self, account_id: str, n: int) -> dict[str, Any]:
        billing_type, brand, status = BILLING_PROFILE_DESIGNS[n]
        return {
            "id": self._new_id("profile"),
            "advertiser_id": account_id,
            "billing_type": billing_type,
            "card_type": brand,
            "payment_method_brand": brand,
            "status": status,
        }

    @staticmethod
    def _discount(account: dict[str, Any], n: int) -> dict[str, Any]:
        kind, title, active, amount, remaining = DISCOUNT_DESIGNS[n]
        return {
            "advertiser_id": account["id"],
            "active": active,
            "discountCurrency": account.get("currency") or "USD",
            "discountInMicroCurrency": amount * 1_000_000,
            "discountType": kind,
            "remainingDiscountInMicroCurrency": remaining * 1_000_000,
            "title": title,
        }

    def _order_lines(self, account: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The account's order lines, and every campaign's ``order_line_id`` pointing at one of them."""
        campaigns = self.dataset.entities("campaigns", account["id"])
        created = int(account.get("created_time") or 0)
        lines: dict[str, dict[str, Any]] = {}
        for n, (paid_type, status, budget) in enumerate(ORDER_LINE_DESIGNS[:ORDER_LINES_PER_ACCOUNT]):
            line_id = self._new_id("order_line")
            start = created + n * 30 * 86400
            lines[line_id] = {
                "id": line_id,
                "ad_account_id": account["id"],
                "name": f"Sim Order Line {n + 1} ({paid_type.lower()})",
                "budget": budget,
                "paid_budget": budget if paid_type == "PAID" else 0,
                "paid_type": paid_type,
                "purchase_order_id": f"PO-SIM-{account['id'][-4:]}-{n + 1}",
                "start_time": start,
                "end_time": start + 1095 * 86400,
                "status": status,
                "type": "orderline",
                "campaign_ids": [],
            }
        carrying = list(lines.values())[:ORDER_LINES_WITH_CAMPAIGNS]
        with self.dataset.lock:
            for n, campaign in enumerate(campaigns):
                line = carrying[n % len(carrying)]
                campaign["order_line_id"] = line["id"]
                line["campaign_ids"].append(campaign["id"])
        return lines

    @staticmethod
    def _ssio_account(account: dict[str, Any]) -> dict[str, Any]:
        account_id = account["id"]
        terms = "This simulated insertion order is governed by simulated terms (no real agreement)."
        return {
            "billto_infos": [
                {
                    "id": salesforce_id("001", "billto", account_id),
                    "addresses": [
                        {
                            "address_id": salesforce_id("a1C", "address", account_id),
                            "display": "1 Example Way, Simulated City, CA 00000",
                            "order_legal_entity": "PIN US OU",
                            "purpose": "Billing",
                        }
                    ],
                    "io_terms": terms,
                    "io_terms_id": salesforce_id("a2S", "io_terms", account_id),
                    "io_type": "Pinterest Paper",
                    "row_terms": terms,
                    "row_terms_id": salesforce_id("a2S", "row_terms", account_id),
                    "us_terms": terms,
                    "us_terms_id": salesforce_id("a2S", "us_terms", account_id),
                }
            ],
            "can_edit": True,
            "currency": account.get("currency") or "USD",
            "eligible": True,
            "error": "No Error",
            "pmp_names": [{"id": salesforce_id("001", "pmp", account_id), "name": "Sim Marketing Partner"}],
        }

    def _insertion_orders(
        self, account: dict[str, Any], order_lines: dict[str, dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The account's insertion orders (by ``pin_order_id``) and their SSIO order lines, one per order line."""
        account_id, lines = account["id"], list(order_lines.values())
        orders: list[dict[str, Any]] = []
        ssio_lines: list[dict[str, Any]] = []
        for n, status in enumerate(SSIO_INSERTION_ORDER_STATUSES):
            held = lines[:-1] if n == 0 else lines[-1:]
            created = min(line["start_time"] for line in held) - 7 * 86400
            order = {
                "pin_order_id": salesforce_id("0Q0", "order", account_id, str(n)),
                "status": status,
                "creation_time": iso(created).replace("Z", ".000Z"),
            }
            orders.append(order)
            ssio_lines.extend(self._ssio_order_line(account, order, line) for line in held)
        orders.sort(key=lambda order: str(order["pin_order_id"]))
        ssio_lines.sort(key=lambda line: (line["pin_order_id"], line["salesforce_order_line_id"]))
        return orders, ssio_lines

    def _ssio_order_line(self, account: dict[str, Any], order: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
        start = dt.datetime.fromtimestamp(line["start_time"], dt.UTC)
        modified = line["start_time"] + self._rng.randint(1, 120) * 86400
        return {
            "pin_order_id": order["pin_order_id"],
            "salesforce_order_line_id": salesforce_id("a0S", "line", line["id"]),
            "ads_manager_order_line_id": line["id"],
            "order_name": f"Sim IO {account['name']}",
            "accepted_terms_id": salesforce_id("a2S", "io_terms", account["id"]),
            "accepted_terms_time": order["creation_time"],
            "agency_link": "",
            "bill_to_company_name": f"{account['name']} (simulated)",
            "billing_contact_email": "billing.contact@example.com",
            "billing_contact_firstname": "Fake",
            "billing_contact_lastname": "Billing-Contact",
            "media_contact_email": "media.contact@example.com",
            "media_contact_firstname": "Fake",
            "media_contact_lastname": "Media-Contact",
            "budget_amount": line["budget"],
            "estimated_monthly_spend": None,
            "currency_info": account.get("currency") or "USD",
            "start_date": start.date().isoformat(),
            "end_date": dt.datetime.fromtimestamp(line["end_time"], dt.UTC).date().isoformat(),
            "last_modified_date_time": iso(modified).replace("Z", ".000Z"),
            "pmp_name": "Sim Marketing Partner",
            "po_number": line["purchase_order_id"],
        }

    # -- invoices (dated: they follow the clock) --------------------------------------------------
    def invoices(self, account_id: str) -> list[dict[str, Any]]:
        """The account's invoices and credit memos, in id order (which is billing-period order): one INVOICE per
        calendar month from `INVOICE_MONTHS` months back (not before the account was created) to the month before
        the simulator's today, and a CREDIT_MEMO every `CREDIT_MEMO_EVERY` months."""
        account = self.dataset.ad_accounts[account_id]
        today = self.dataset.today()
        created = dt.datetime.fromtimestamp(int(account.get("created_time") or 0), dt.UTC).date()
        serial = list(self.dataset.ad_accounts).index(account_id)
        out: list[dict[str, Any]] = []
        for back in range(INVOICE_MONTHS, 0, -1):
            first = _month_start(today, back)
            if _month_end(first) < created:
                continue
            month_index = first.year * 12 + first.month - 1
            out.append(self._invoice(account, first, month_index, serial, "INVOICE"))
            if month_index % CREDIT_MEMO_EVERY == 0:
                out.append(self._invoice(account, first, month_index, serial, "CREDIT_MEMO"))
        return out

    def _invoice(
        self, account: dict[str, Any], first: dt.date, month_index: int, serial: int, document_type: str
    ) -> dict[str, Any]:
        """One invoice (or credit memo) of one billing month; its numbers from a hash of the seed, account, month."""
        memo = document_type == "CREDIT_MEMO"
        digest = hashlib.blake2b(f"{self.dataset.seed}:{account['id']}:{first}:{document_type}".encode()).digest()
        spend = (int.from_bytes(digest[:4], "big") % 18_000 + 2_000) * 1_000_000
        if memo:
            spend = -(spend // 20)
        discount = 0 if memo else spend * (digest[4] % 6) // 100
        net = spend - discount
        tax = net * TAX_RATE_PERCENT // 100
        issued = _month_start(first, -1)
        due = issued + dt.timedelta(days=PAYMENT_TERMS_DAYS)
        return {
            "id": str(7 * 10**11 + month_index * 10**4 + serial * 10 + (1 if memo else 0)),
            "ad_account_id": account["id"],
            "ad_account_name": account.get("name"),
            "document_type": document_type,
            "billing_period_start_date": first.isoformat(),
            "billing_period_end_date": _month_end(first).isoformat(),
            "invoice_due_date": due.isoformat(),
            "status": "OPEN" if due >= self.dataset.today() else "CLOSED",
            "amount_discount_micro_currency": discount,
            "amount_net_micro_currency": net,
            "amount_tax_micro_currency": tax,
            "amount_billed_micro_currency": net + tax,
            "currency": account.get("currency") or "USD",
            "bill_to_country": account.get("country") or "US",
            "payment_terms": f"NET {PAYMENT_TERMS_DAYS}",
        }
