"""The report column table, ``source_pinterest_marketing/data/report_columns.csv``: one row per column of the API's
async report enum (in its order) plus the sync analytics columns that enum lacks, each with the JSON type of its
value, the entity it describes (``metric`` for a metric), what it means (the schemas' ``description``) and, where the
name does not say it all, a reason for its type.

The checks are plain functions run on the real table and on deliberately wrong rows, so each is shown to fail."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "source_pinterest_marketing" / "data" / "report_columns.csv"
ENUMS = ROOT / "source_pinterest_marketing" / "data" / "api_enums.json"

HEADER = ["column", "type", "describes", "description", "reason"]
#: a meaning is one or two short sentences (destinations cap column comments)
MAX_DESCRIPTION = 300
TYPES = frozenset({"string", "number", "integer", "boolean"})
ENTITIES = frozenset(
    {
        "advertiser",
        "campaign",
        "ad_group",
        "ad",
        "pin",
        "keyword",
        "product_group",
        "product_item",
        "order_line",
        "promo",
        "catalog",
        "targeting",
        "other",
    }
)
DESCRIBES = ENTITIES | {"metric"}

#: a column whose name holds one of these (or starts with IS_) carries text or a flag: never a number
TEXT_MARKERS = (
    "_ID",
    "_IDS",
    "NAME",
    "LABEL",
    "URL",
    "BRAND",
    "CATEGORY",
    "CURRENCY",
    "DESCRIPTION",
    "STATUS",
    "_TYPE",
    "TITLE",
    "TAG",
)
FLAG_PREFIX = "IS_"
#: allow-list: phrases that hold a text marker but name a number. They are cut out of a name before the markers
#: are looked for, so a real marker elsewhere in the name still counts (see the negative cases below).
NUMERIC_PHRASES: Mapping[str, str] = {
    # TOTAL_VIEW_CATEGORY, TOTAL_CLICK_VIEW_CATEGORY_VALUE_IN_MICRO_DOLLAR, WEB_VIEW_CATEGORY_ROAS, ...: the
    # Pinterest Tag's "view category" conversion event; its counts, values, costs and rates are metrics
    "VIEW_CATEGORY": "the 'view category' conversion event",
    # TOTAL_IDEA_PIN_PAGE_FORWARD, ...: Idea Pin metrics, whose "_ID" is the start of "_IDEA"
    "IDEA_PIN": "Idea Pin metrics",
    # IDEA_PIN_PRODUCT_TAG_VISIT_1, TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT, ...: visits to an Idea Pin's product tags
    "PRODUCT_TAG_VISIT": "a count of product tag visits",
    # AD_GROUP_BUDGET_IN_LOCAL_CURRENCY: an amount in the account's currency, not a currency code
    "IN_LOCAL_CURRENCY": "an amount in the account's currency",
}
#: names that say it all: a string column with one of these suffixes, or a number whose describes is "metric"
SELF_EXPLANATORY_SUFFIXES = ("_ID", "_NAME", "_STATUS", "_TYPE")

Row = Mapping[str, str]


def read_table(path: Path = TABLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HEADER, f"{path.name} header is {reader.fieldnames}, expected {HEADER}"
        return list(reader)


def enum_columns() -> tuple[list[str], list[str]]:
    """The async report columns, and the sync analytics columns that are not among them (both in enum order)."""
    enums = json.loads(ENUMS.read_text(encoding="utf-8"))
    async_columns = list(enums["async_report_columns"])
    known = set(async_columns)
    sync_only = [c for c in enums["operations"]["ad_account/analytics"]["columns"]["enum"] if c not in known]
    return async_columns, sync_only


def column_problems(columns: Sequence[str], async_columns: Sequence[str], sync_only: Sequence[str]) -> list[str]:
    """What is wrong with the table's column list: missing or extra columns, duplicates, an order change."""
    problems = []
    expected = [*async_columns, *sync_only]
    duplicates = sorted(c for c, n in Counter(columns).items() if n > 1)
    if duplicates:
        problems.append(f"duplicated: {duplicates}")
    missing = [c for c in expected if c not in set(columns)]
    if missing:
        problems.append(f"missing: {missing}")
    extra = [c for c in columns if c not in set(expected)]
    if extra:
        problems.append(f"not in the enums: {extra}")
    if list(columns[: len(async_columns)]) != list(async_columns):
        problems.append("the first rows are not the async enum in its order")
    if not problems and list(columns) != expected:
        problems.append("the sync-only columns are not appended in their enum order")
    return problems


def text_marker(column: str) -> Optional[str]:
    """The text marker in `column` (after cutting out the allow-listed numeric phrases), or None."""
    if column.startswith(FLAG_PREFIX):
        return FLAG_PREFIX
    rest = column
    for phrase in NUMERIC_PHRASES:
        rest = rest.replace(phrase, "")
    return next((marker for marker in TEXT_MARKERS if marker in rest), None)


def text_typing_error(row: Row) -> Optional[str]:
    """An error when a text or flag column (by its name) is typed as a number."""
    marker = text_marker(row["column"])
    if marker is not None and row["type"] not in ("string", "boolean"):
        return f"{row['column']} holds {marker!r}, so it is text or a flag, but is typed {row['type']}"
    return None


def needs_reason(row: Row) -> bool:
    """Everything but a string id/name/status/type and a number metric must say why it is typed so."""
    if row["type"] == "string" and row["column"].endswith(SELF_EXPLANATORY_SUFFIXES):
        return False
    return not (row["type"] == "number" and row["describes"] == "metric")


def row_errors(row: Row) -> list[str]:
    """Everything wrong with one row on its own."""
    errors = []
    if row["type"] not in TYPES:
        errors.append(f"{row['column']}: type {row['type']!r} is not one of {sorted(TYPES)}")
    if row["describes"] not in DESCRIBES:
        errors.append(f"{row['column']}: describes {row['describes']!r} is not one of {sorted(DESCRIBES)}")
    if row["describes"] == "metric" and row["type"] not in ("number", "integer"):
        errors.append(f"{row['column']}: a metric typed {row['type']}; text and flags describe an entity")
    text_error = text_typing_error(row)
    if text_error:
        errors.append(text_error)
    if text_marker(row["column"]) is not None and row["describes"] == "metric":
        errors.append(f"{row['column']}: a descriptive column must name the entity it describes, not 'metric'")
    if needs_reason(row) and not row["reason"].strip():
        errors.append(f"{row['column']}: typed {row['type']} describing {row['describes']}, without a reason")
    if any(value != value.strip() or "\n" in value for value in row.values()):
        errors.append(f"{row['column']}: stray whitespace or a line break")
    errors.extend(description_errors(row))
    return errors


def description_errors(row: Row) -> list[str]:
    """A meaning is a sentence of its own: not empty, not the column's name, ending with a full stop, short."""
    text = row["description"]
    words = row["column"].replace("_", " ").lower()
    if not text:
        return [f"{row['column']}: no description"]
    errors = []
    if text.rstrip(".").lower() == words or not text.endswith("."):
        errors.append(f"{row['column']}: the description {text!r} is not a sentence saying what the column means")
    if len(text) > MAX_DESCRIPTION:
        errors.append(f"{row['column']}: description of {len(text)} characters (at most {MAX_DESCRIPTION})")
    return errors


def fake(line: str, description: str = "What the column means.") -> dict[str, str]:
    """A row from a CSV line of column, type, describes and reason, for the negative cases."""
    column, kind, describes, reason = next(csv.reader([line]))
    return {"column": column, "type": kind, "describes": describes, "description": description, "reason": reason}


# -- the real table -----------------------------------------------------------------------------------------------
def test_the_table_lists_the_async_enum_then_the_sync_only_columns() -> None:
    async_columns, sync_only = enum_columns()
    assert len(async_columns) == 613
    columns = [row["column"] for row in read_table()]
    assert column_problems(columns, async_columns, sync_only) == []
    assert len(columns) == len(async_columns) + len(sync_only)


def test_every_row_is_well_formed() -> None:
    errors = [error for row in read_table() for error in row_errors(row)]
    assert errors == []


def test_no_text_column_is_typed_as_a_number() -> None:
    assert [e for e in (text_typing_error(row) for row in read_table()) if e] == []


def test_ids_are_strings() -> None:
    """Pinterest ids are digit strings of up to 19 digits: a number would lose precision or leading context."""
    mistyped = [r["column"] for r in read_table() if r["column"].endswith(("_ID", "_IDS")) and r["type"] != "string"]
    assert mistyped == []


def test_every_allow_listed_phrase_is_needed() -> None:
    """No stale allow-list entry: each phrase hides a marker in some real column typed as a number."""
    rows = read_table()
    for phrase in NUMERIC_PHRASES:
        users = [
            r["column"]
            for r in rows
            if phrase in r["column"] and r["type"] == "number" and any(marker in r["column"] for marker in TEXT_MARKERS)
        ]
        assert users, f"NUMERIC_PHRASES[{phrase!r}] excuses no column"


def test_prefixed_descriptive_columns_describe_their_entity() -> None:
    """A descriptive column named after an entity describes that entity (the per-level column choice relies on it)."""
    prefixes = (
        ("AD_GROUP_", "ad_group"),
        ("AD_ACCOUNT_", "advertiser"),
        ("ADVERTISER_", "advertiser"),
        ("CAMPAIGN_", "campaign"),
        ("PIN_PROMOTION_", "ad"),
        ("AD_", "ad"),
        ("PRODUCT_GROUP_", "product_group"),
        ("PRODUCT_ITEM_", "product_item"),
        ("ORDER_LINE_", "order_line"),
        ("PROMO_", "promo"),
    )
    wrong = []
    for row in read_table():
        if row["describes"] == "metric":
            continue
        entity = next((e for prefix, e in prefixes if row["column"].startswith(prefix)), None)
        if entity is not None and row["describes"] != entity:
            wrong.append((row["column"], row["describes"], entity))
    assert wrong == []


def test_product_item_reports_have_ad_columns_to_leave_out() -> None:
    """PRODUCT_ITEM reports refuse "Pin promotion and ad related columns" (spec AdsAnalyticsCreateAsyncRequest.columns):
    the table marks them as describing an ad or a pin, and product item attributes are not among them."""
    rows = {row["column"]: row for row in read_table()}
    for column in ("AD_ID", "AD_NAME", "AD_STATUS", "PIN_PROMOTION_ID", "PIN_PROMOTION_NAME", "PIN_PROMOTION_STATUS"):
        assert rows[column]["describes"] == "ad", column
    assert rows["PIN_ID"]["describes"] == "pin"
    assert all(r["describes"] not in ("ad", "pin") for c, r in rows.items() if c.startswith("PRODUCT_ITEM_"))


# -- the checks fail on wrong input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "PRODUCT_ITEM_BRAND,number,product_item,brand name",
        "PRODUCT_ITEM_IMAGE_URL,integer,product_item,URL",
        "CAMPAIGN_CUSTOM_LABELS,number,campaign,labels",
        "IS_PREMIERE_CAMPAIGN,number,campaign,flag",
        "PRODUCT_ITEM_CURRENCY,number,product_item,currency code",
        "CAMPAIGN_ID,number,campaign,",
        "AD_GROUP_IDS,integer,ad_group,ids",
        # an allow-listed phrase does not hide a real marker elsewhere in the name
        "TOTAL_VIEW_CATEGORY_NAME,number,metric,",
        "IDEA_PIN_TITLE,number,metric,",
    ],
)
def test_the_text_check_fails_on_a_mistyped_row(line: str) -> None:
    row = fake(line)
    assert text_typing_error(row) is not None
    assert row_errors(row)


@pytest.mark.parametrize(
    "line",
    [
        "TOTAL_VIEW_CATEGORY,number,metric,",
        "TOTAL_IDEA_PIN_PAGE_FORWARD,number,metric,",
        "IDEA_PIN_PRODUCT_TAG_VISIT_1,number,metric,",
        "AD_GROUP_BUDGET_IN_LOCAL_CURRENCY,number,ad_group,a setting of the ad group",
        "IS_PREMIERE_CAMPAIGN,boolean,campaign,flag",
    ],
)
def test_the_text_check_accepts_allow_listed_numbers_and_flags(line: str) -> None:
    assert text_typing_error(fake(line)) is None


@pytest.mark.parametrize(
    ("line", "needed"),
    [
        ("AD_ID,string,ad,", False),
        ("CAMPAIGN_OBJECTIVE_TYPE,string,campaign,", False),
        ("SPEND_IN_DOLLAR,number,metric,", False),
        ("PRODUCT_ITEM_BRAND,string,product_item,", True),
        ("CAMPAIGN_DAILY_SPEND_CAP,number,campaign,", True),
        ("IS_PREMIERE_CAMPAIGN,boolean,campaign,", True),
        ("PRODUCT_ITEM_IMAGE_URL,string,product_item,", True),
        ("SOME_COUNT,integer,metric,", True),
    ],
)
def test_the_reason_rule(line: str, needed: bool) -> None:
    row = fake(line)
    assert needs_reason(row) is needed
    assert any("without a reason" in error for error in row_errors(row)) is needed


@pytest.mark.parametrize(
    "line",
    [
        "SPEND_IN_DOLLAR,float,metric,",
        "AD_NAME,string,creative,",
        "PRODUCT_ITEM_BRAND,string,metric,brand name",
        "CAMPAIGN_NAME,string,campaign, ",
    ],
)
def test_row_errors_fail_on_a_bad_row(line: str) -> None:
    assert row_errors(fake(line))


def test_every_column_has_its_meaning() -> None:
    rows = read_table()
    assert [error for row in rows for error in description_errors(row)] == []
    meanings = {row["column"]: row["description"] for row in rows}
    # metric families share a sentence, but the family's members say which of them they are
    assert "checkout" in meanings["TOTAL_WEB_CHECKOUT"] and "website" in meanings["TOTAL_WEB_CHECKOUT"]
    assert "earned" in meanings["ECTR"] and "click-through rate" in meanings["ECTR"]
    assert meanings["TOTAL_WEB_CLICK_CHECKOUT"] != meanings["TOTAL_WEB_VIEW_CHECKOUT"]


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("", "no description"),
        ("Total web checkout.", "is not a sentence"),
        ("Checkouts on the website", "is not a sentence"),
        ("x" * 400 + ".", "characters"),
    ],
)
def test_the_description_check_fails_on_a_poor_meaning(description: str, problem: str) -> None:
    row = fake("TOTAL_WEB_CHECKOUT,number,metric,", description)
    assert any(problem in error for error in row_errors(row))


def test_the_column_check_fails_on_missing_extra_duplicated_and_reordered_columns() -> None:
    async_columns, sync_only = ["A", "B", "C"], ["S"]
    assert column_problems(["A", "B", "C", "S"], async_columns, sync_only) == []
    assert column_problems(["A", "C", "S"], async_columns, sync_only)
    assert column_problems(["A", "B", "C", "S", "X"], async_columns, sync_only)
    assert column_problems(["A", "B", "B", "C", "S"], async_columns, sync_only)
    assert column_problems(["B", "A", "C", "S"], async_columns, sync_only)
    assert column_problems(["S", "A", "B", "C"], async_columns, sync_only)


def test_read_table_refuses_another_header(tmp_path: Path) -> None:
    path = tmp_path / "report_columns.csv"
    path.write_text("column,type,reason\nAD_ID,string,\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="header"):
        read_table(path)
