"""The connector's configuration, declared once: `PinterestConfig` is the Airbyte spec and, validated by
`load_config`, the typed object every stream reads (dates are `date`s, defaults live on the fields, the API
base URL is computed).

`load_config()` turns any invalid input into a `config_error` naming the offending field; the message
quotes the bad value for plain fields and never for secrets.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Annotated, Any, ClassVar, Literal, Optional, Union

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.utils.schema_helpers import expand_refs
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from source_pinterest_marketing.api_description import api_enums, api_parameter
from source_pinterest_marketing.clock import utc_today

logger = logging.getLogger("airbyte")
DOCS_URL = "https://github.com/source-pinterest-marketing/source-pinterest-marketing/blob/main/docs/pinterest-marketing.md"
PRODUCTION_API_BASE = "https://api.pinterest.com/v5"
SANDBOX_API_BASE = "https://api-sandbox.pinterest.com/v5"
AUTHORIZATION_URL = "https://www.pinterest.com/oauth/"
SCOPES = "ads:read,boards:read,boards:read_secret,catalogs:read,pins:read,pins:read_secret,user_accounts:read"
SECRET_FIELDS = frozenset({"client_secret", "refresh_token", "access_token"})
#: the attribution settings sent on every analytics and report request and written into each row
ATTRIBUTION_FIELDS = ("click_window_days", "engagement_window_days", "view_window_days", "conversion_report_time")
#: a date, or a date-time to the second (a fraction and a zone optional): what a user types, in the spec's `pattern`
_DATE_OR_DATE_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_DATE_OR_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.[0-9]{1,9})?"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<zone_hours>[0-9]{2}):(?P<zone_minutes>[0-9]{2}))?)?"
)
#: the accepted forms, as every error about a date says them
DATE_FORMS = "a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM:SS, optionally with Z or +HH:MM)"
#: the form the Airbyte UI shows above a date field and in its format error: its date picker writes a date, and
#: Airbyte's server checks the field's `format: date` (a date-time is for configs that reach the connector directly)
DATE_PATTERN_DESCRIPTOR = "YYYY-MM-DD"
#: an id: ASCII digits only, the whole string (`re.fullmatch`; `\d` would take other scripts' digits, and `$` a final
#: line break)
_ID_PATTERN = r"^[0-9]{1,18}$"
#: a product SKU id of a conversion product report's PRODUCT_SKU_GROUP breakdown: letters and digits (the whole
#: string, as `_ID_PATTERN`)
_SKU_ID_PATTERN = r"^[a-zA-Z0-9]+$"
# Custom report names become stream names `custom_<name>`: keep them to what every destination accepts.
_REPORT_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


#: the operations of the top Pins streams, whose sort metrics the config offers
TOP_PINS_OPERATION = "user_account/analytics/top_pins"
TOP_VIDEO_PINS_OPERATION = "user_account/analytics/top_video_pins"


def api_base_url(environment: str, override: Optional[str] = None) -> str:
    """The API base URL (including /v5) of an environment, unless overridden."""
    if override:
        return override.rstrip("/")
    return SANDBOX_API_BASE if environment == "sandbox" else PRODUCTION_API_BASE


def _secret(**extra: Any) -> dict[str, Any]:
    return {"airbyte_secret": True, **extra}


def utc_day(value: str) -> date:
    """The UTC day of a date (`YYYY-MM-DD`) or an ISO-8601 date-time (`YYYY-MM-DDTHH:MM:SS`, a fraction and `Z` or
    `+HH:MM` optional; without a zone it is UTC). A zone offset is converted to UTC before the day is taken."""
    match = _DATE_OR_DATE_TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"must be {DATE_FORMS}, got {value!r}")
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise ValueError(f"must be {DATE_FORMS}, got {value!r}, which is not a real calendar date") from None
    if match["hour"] is None:
        return day
    try:
        moment = time(int(match["hour"]), int(match["minute"]), int(match["second"]))
        zone = UTC
        if match["sign"]:
            offset = timedelta(hours=int(match["zone_hours"]), minutes=int(match["zone_minutes"]))
            zone = timezone(-offset if match["sign"] == "-" else offset)
    except ValueError:
        raise ValueError(f"must be {DATE_FORMS}, got {value!r}, which is not a real time of day or UTC offset") from None
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC).date()


def utc_moment(value: Any) -> Optional[datetime]:
    """The UTC moment a date-time string names (None for a plain date, or anything else)."""
    match = _DATE_OR_DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or match["hour"] is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


class DayRange(BaseModel):
    """`start_date` / `end_date` are read as UTC days; where a date-time was given, its moment is kept too: streams
    that read hours (HOUR granularity) start and end at its hour (`moment`)."""

    _moments: dict[str, datetime] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_moments(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, Mapping) and isinstance(model, DayRange):
            for name in ("start_date", "end_date"):
                moment = utc_moment(data.get(name))
                if moment is not None:
                    model._moments[name] = moment
        return model

    def moment(self, name: str) -> Optional[datetime]:
        """The moment given for `start_date` or `end_date` (None when a day was given, or nothing)."""
        return self._moments.get(name)

    # Field rules, not a model rule: pydantic runs a model rule only when every field is valid, and every invalid
    # value is reported at once (`end_date` is declared after `start_date`, so the start is known here if valid).
    @field_validator("start_date", "end_date", check_fields=False)
    @classmethod
    def _within_range(cls, value: Optional[date], info: ValidationInfo) -> Optional[date]:
        if value is None:
            return value
        today = utc_today()
        if value > today:
            raise ValueError(f"`{info.field_name}` {value} is in the future (today is {today} UTC)")
        start = info.data.get("start_date") if info.field_name == "end_date" else None
        if isinstance(start, date) and value < start:
            raise ValueError(f"`end_date` {value} is before `start_date` {start}")
        return value


def _iso_date(value: Any) -> Any:
    """A date or a date-time string as its UTC day; no other input is coerced (a number is not a date here)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be {DATE_FORMS}, got {value!r}")
    return utc_day(value)


#: a UTC day, written `YYYY-MM-DD` or as a date-time in the config. The JSON schema keeps `format: date`: the Airbyte
#: UI's date picker (it writes a day, the granularity the connector reads at), and the form Airbyte's server accepts
#: (it asserts `format`). The pattern admits date-times too, for configs given to the connector directly.
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": _DATE_OR_DATE_TIME_PATTERN,
            "pattern_descriptor": DATE_PATTERN_DESCRIPTOR,
        }
    ),
]


def _no_additional_properties_keyword(schema: dict[str, Any]) -> None:
    """Airbyte's spec rules want `additionalProperties` absent or true (a removed key must not invalidate saved
    configs); this model still rejects unknown keys when `load_config` validates, naming the key."""
    schema.pop("additionalProperties", None)


class OAuthCredentials(BaseModel):
    """OAuth2.0 with a (rotating) refresh token. The connector persists each new refresh token."""

    model_config = ConfigDict(title="OAuth2.0", extra="allow")

    auth_method: Literal["oauth2.0"] = Field(..., json_schema_extra={"const": "oauth2.0", "order": 0, "type": "string"})
    client_id: str = Field(
        ...,
        min_length=1,
        title="Client ID",
        description="The App ID of your Pinterest app (developers.pinterest.com → My apps).",
        json_schema_extra=_secret(order=1),
    )
    client_secret: str = Field(
        ...,
        min_length=1,
        title="Client Secret",
        description="The App secret key of your Pinterest app.",
        json_schema_extra=_secret(order=2),
    )
    refresh_token: str = Field(
        ...,
        min_length=1,
        title="Refresh Token",
        description=(
            "Refresh token from the OAuth authorization-code flow (see the `authorize` helper). "
            "Pinterest rotates it on every refresh; the connector saves the new one."
        ),
        json_schema_extra=_secret(order=3),
    )


class AccessTokenCredentials(BaseModel):
    """A bare access token: for short jobs and the sandbox (it is not refreshed)."""

    model_config = ConfigDict(title="Access Token", extra="forbid", json_schema_extra=_no_additional_properties_keyword)

    auth_method: Literal["access_token"] = Field(
        ..., json_schema_extra={"const": "access_token", "order": 0, "type": "string"}
    )
    access_token: str = Field(
        ...,
        min_length=1,
        title="Access Token",
        description="A Pinterest API access token (for example the sandbox token of your app).",
        json_schema_extra=_secret(order=1),
    )


class DeclaredEnums(BaseModel):
    """A field whose spec declares its values (`enum`, or `items.enum` for a list) takes only those: the values are
    stated once, in the field's JSON schema, and checked here for every model (the CDK's JSON-schema check of the
    config is not run: see source.py). A list may not repeat a value. A list of `non_empty` may not be empty."""

    #: list fields that may not be empty (an empty list would read nothing, silently): what one value is, and what
    #: leaving the field out gives ("": the error says only that a value is needed)
    non_empty: ClassVar[Mapping[str, tuple[str, str]]] = {}

    @field_validator("*")
    @classmethod
    def _declared_values(cls, value: Any, info: ValidationInfo) -> Any:
        needed = cls.non_empty.get(info.field_name or "")
        if needed is not None and isinstance(value, list) and not value:
            what, default = needed
            raise ValueError(f"needs at least one {what}" + (f" (leave the field out for {default})" if default else ""))
        extra = cls.model_fields[info.field_name].json_schema_extra if info.field_name else None
        if value is None or not isinstance(extra, dict):
            return value
        items = extra.get("items")
        listed = items.get("enum") if isinstance(value, list) and isinstance(items, dict) else None
        if isinstance(listed, list):
            return _all_of(value, listed)
        allowed = extra.get("enum")
        return _one_of(value, allowed) if isinstance(allowed, list) else value


def _enum_list(title: str, values: list[Any], order: int, description: Optional[str] = None) -> Any:
    """A list field of the API's `values` (checked by `DeclaredEnums`), empty by default."""
    return Field(
        default_factory=list,
        title=title,
        description=description,
        json_schema_extra={"items": {"type": "string", "enum": values}, "order": order},
    )


def _report_day_field(which: str, order: int) -> Any:
    """A custom report's own start or end day (`which`), the connection's when not set."""
    return Field(
        None,
        title=f"{which.capitalize()} date",
        description=(
            f"This report's own {which} (UTC day, YYYY-MM-DD; a date-time is read as its UTC day). "
            "Default: the connection's."
        ),
        json_schema_extra={"order": order},
    )


def _whole_number_field(default: int, bounds: tuple[int, int], title: str, description: str, order: int) -> Any:
    """An integer setting between `bounds` (both included); a JSON integer only (`strict`: no "8", no 8.0)."""
    low, high = bounds
    return Field(
        default, strict=True, ge=low, le=high, title=title, description=description, json_schema_extra={"order": order}
    )


def _sort_metrics_field(operation: str, stream: str, title: str, order: int) -> Any:
    """The sort metrics of a top Pins stream: every metric the operation's `sort_by` offers by default, at least one."""
    metrics = api_parameter(operation, "sort_by")["enum"]
    return Field(
        default=list(metrics),
        title=f"{title}: sort metrics",
        description=(
            f"{stream}: one top-50 list per metric, for the configured dates (90 days at most). "
            "Default: every metric; at least one."
        ),
        json_schema_extra={"order": order, "minItems": 1, "items": {"type": "string", "enum": metrics}},
    )


def _api_values_field(values: str, default: Optional[list[str]], title: str, description: str, order: int) -> Any:
    """A list of values of the API description's enum `values` (api_enums.json; checked by `DeclaredEnums`), at least
    one (the model's `non_empty`); `default` None: every value."""
    allowed = api_enums()[values]
    return Field(
        default=list(allowed if default is None else default),
        title=title,
        description=description,
        json_schema_extra={"order": order, "minItems": 1, "items": {"type": "string", "enum": allowed}},
    )


def _api_enum_field(default: Optional[str], title: str, description: str, values: str, order: int) -> Any:
    """A field taking one value of the API description's enum `values` (api_enums.json; checked by `DeclaredEnums`)."""
    return Field(
        default,
        title=title,
        description=description,
        json_schema_extra={"enum": api_enums()[values], "order": order},
    )


def _window_days_field(default: int, title: str, description: str, order: int) -> Any:
    return Field(
        default,
        strict=True,
        title=title,
        description=description,
        json_schema_extra={"enum": api_enums()["attribution_window_days"], "order": order},
    )


def _click_window_field(order: int) -> Any:
    """The click attribution window (30 days by default), of the analytics and reports and of a measurement report."""
    return _window_days_field(
        30, "Click attribution window (days)", "Days after a Pin click within which conversions count.", order
    )


def _view_window_field(default: int, order: int, note: str = "") -> Any:
    """The view attribution window, of the analytics and reports (1 day by default) and of a measurement report."""
    description = "Days after a Pin view within which conversions count." + (f" {note}" if note else "")
    return _window_days_field(default, "View attribution window (days)", description, order)


def _conversion_report_time_field(order: int) -> Any:
    """When conversions are reported, of the analytics and reports and of a measurement report."""
    return _api_enum_field(
        "TIME_OF_AD_ACTION",
        "Conversion report time",
        "Report conversions on the date of the ad action or on the date of the conversion.",
        "conversion_report_times",
        order,
    )


class AttributionSettings(DeclaredEnums):
    """Conversion attribution, sent on every analytics/report request and written into each row."""

    click_window_days: int = _click_window_field(10)
    engagement_window_days: int = _window_days_field(
        30, "Engagement attribution window (days)", "Days after an engagement (save, closeup, ...) within which conversions count.", 11
    )
    view_window_days: int = _view_window_field(1, 12, "0 is sent as 0.")
    conversion_report_time: str = _conversion_report_time_field(13)

    @property
    def attribution(self) -> dict[str, Any]:
        """The attribution settings as request parameters (and row columns)."""
        return {name: getattr(self, name) for name in ATTRIBUTION_FIELDS}


#: ids one report filter (campaign_ids, ad_group_ids, ad_ids) may carry (`AdsAnalyticsCreateAsyncRequest`)
MAX_REPORT_FILTER_IDS = 500
#: what a report template sets itself: a custom report with `template_id` leaves these out
TEMPLATE_SETTINGS = (
    "columns",
    "targeting_types",
    "attribution_types",
    "campaign_statuses",
    "product_group_statuses",
    "ad_group_statuses",
    "ad_statuses",
    "campaign_ids",
    "ad_group_ids",
    "ad_ids",
    "metrics_filters",
    "reporting_timezone",
    *ATTRIBUTION_FIELDS,
)


def _id_filter(title: str, entities: str, order: int, note: str = "") -> Any:
    """A custom report's filter on entity ids (`campaign_ids`...): at most `MAX_REPORT_FILTER_IDS` digit strings."""
    return Field(
        default_factory=list,
        title=title,
        description=f"Only these {entities} (at most {MAX_REPORT_FILTER_IDS}{note}).",
        max_length=MAX_REPORT_FILTER_IDS,
        json_schema_extra={"items": {"type": "string", "pattern": _ID_PATTERN}, "order": order},
    )


#: values an error lists before "and N more"
LISTED_VALUES = 10


def listed(values: list[str], limit: int = LISTED_VALUES) -> str:
    """Values for an error message: the first `limit`, then how many more."""
    return ", ".join(values[:limit]) + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _valid_id_list(value: list[str], what: str) -> list[str]:
    invalid = [item for item in value if not isinstance(item, str) or not re.fullmatch(_ID_PATTERN, item)]
    if invalid:
        kind = f"is not an {what}" if len(invalid) == 1 else f"are not {what}s"
        raise ValueError(f"{listed([repr(item) for item in invalid])} {kind} (1 to 18 digits 0-9)")
    if len(set(value)) != len(value):
        raise ValueError("contains duplicate ids")
    return value


class MetricsFilter(DeclaredEnums):
    """Rows whose `field` is less (or greater) than the values (`AdsAnalyticsMetricsFilter`)."""

    model_config = ConfigDict(title="Metrics filter", extra="forbid", json_schema_extra=_no_additional_properties_keyword)

    field: str = Field(
        ..., title="Metric", json_schema_extra={"enum": api_enums()["metrics_filter_columns"], "order": 0}
    )
    operator: str = Field(
        ..., title="Operator", json_schema_extra={"enum": api_enums()["metrics_filter_operators"], "order": 1}
    )
    values: list[float] = Field(..., min_length=1, title="Values", json_schema_extra={"order": 2})



class CustomReport(AttributionSettings, DayRange):
    """An async report with the user's own level, granularity and columns: stream `custom_<name>`."""

    model_config = ConfigDict(
        title="Custom report", extra="forbid", json_schema_extra=_no_additional_properties_keyword
    )

    name: str = Field(
        ...,
        title="Name",
        description="Lower-case letters, digits and underscores; the stream is called custom_<name>.",
        pattern=_REPORT_NAME_PATTERN,
        json_schema_extra={"order": 0, "examples": ["weekly_campaign_spend"]},
    )
    level: str = Field(
        ..., title="Level", json_schema_extra={"enum": api_enums()["async_report_levels"], "order": 1}
    )
    granularity: str = Field(
        "DAY", title="Granularity", json_schema_extra={"enum": api_enums()["granularities"], "order": 2}
    )
    columns: list[str] = _enum_list(
        "Columns",
        api_enums()["async_report_columns"],
        3,
        "Metrics and attributes to report (the API's async report columns). Required unless template_id is set.",
    )
    targeting_types: list[str] = _enum_list(
        "Targeting types", api_enums()["async_targeting_types"], 4, "Only for *_TARGETING levels."
    )
    attribution_types: list[str] = _enum_list("Attribution types", api_enums()["conversion_attribution_types"], 5)
    campaign_statuses: list[str] = _enum_list("Campaign statuses", api_enums()["campaign_summary_statuses"], 6)
    product_group_statuses: list[str] = _enum_list(
        "Product group statuses", api_enums()["product_group_summary_statuses"], 7
    )
    ad_group_statuses: list[str] = _enum_list("Ad group statuses", api_enums()["ad_group_summary_statuses"], 14)
    ad_statuses: list[str] = _enum_list(
        "Ad statuses",
        api_enums()["ad_summary_statuses"],
        15,
        "Not at the PRODUCT_ITEM levels (the API does not take it there).",
    )
    campaign_ids: list[str] = _id_filter("Campaign IDs", "campaigns", order=16)
    ad_group_ids: list[str] = _id_filter("Ad group IDs", "ad groups", order=17)
    ad_ids: list[str] = _id_filter("Ad IDs", "ads", order=18, note="; not at the PRODUCT_ITEM levels")
    metrics_filters: list[MetricsFilter] = Field(
        default_factory=list,
        title="Metrics filters",
        description="Only rows whose metric is less or greater than the values (e.g. SPEND_IN_DOLLAR GREATER_THAN 0).",
        json_schema_extra={"order": 19},
    )
    reporting_timezone: Optional[str] = _api_enum_field(
        None,
        "Reporting time zone",
        "The days' time zone (a beta of the API). Default: the API's (UTC).",
        "reporting_timezones",
        20,
    )
    template_id: Optional[str] = Field(
        None,
        title="Report template ID",
        description=(
            "Read a report template of Ads Manager (see the report_templates stream): its columns, filters and "
            "attribution are the template's, so leave those fields empty here; level must be the template's."
        ),
        pattern=_ID_PATTERN,
        json_schema_extra={"order": 21},
    )
    start_date: Optional[IsoDate] = _report_day_field("start", 8)
    end_date: Optional[IsoDate] = _report_day_field("end", 9)

    @field_validator("campaign_ids", "ad_group_ids", "ad_ids")
    @classmethod
    def _report_filter_ids(cls, value: list[str]) -> list[str]:
        return _valid_id_list(value, "id")

    @model_validator(mode="after")
    def _consistent(self) -> CustomReport:
        """The rules between this report's fields, every broken one said (its dates are checked as fields)."""
        problems: list[str] = []
        if self.template_id:
            own = [name for name in TEMPLATE_SETTINGS if name in self.model_fields_set and getattr(self, name)]
            if own:
                problems.append(f"with template_id, {own} are the template's: leave them out")
        else:
            if not self.columns:
                problems.append("`columns` needs at least one column (or give a template_id)")
            if self.level.startswith("PRODUCT_ITEM"):
                refused = [name for name in ("ad_statuses", "ad_ids") if getattr(self, name)]
                if refused:
                    problems.append(f"level {self.level} does not take {refused} (the API refuses them there)")
            targeting_level = self.level.endswith("_TARGETING")
            if self.targeting_types and not targeting_level:
                problems.append(f"targeting_types need a *_TARGETING level, not {self.level}")
            if targeting_level and not self.targeting_types:
                problems.append(f"level {self.level} needs at least one targeting type")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def stream_name(self) -> str:
        return f"custom_{self.name}"

    @property
    def own_attribution(self) -> dict[str, Any]:
        """The attribution settings this report sets itself (the connection's apply to the others)."""
        return {name: getattr(self, name) for name in ATTRIBUTION_FIELDS if name in self.model_fields_set}


def _one_of(value: Any, allowed: list[Any]) -> Any:
    if value not in allowed:
        raise ValueError(f"must be one of {allowed}, got {value!r}")
    return value


def _all_of(values: list[Any], allowed: list[Any]) -> list[Any]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValueError(f"unknown value(s) {unknown}")
    if len(set(values)) != len(values):
        raise ValueError("contains duplicates")
    return values


#: the granularities the conversion_product_report stream reads (TOTAL: see its `granularity` field)
CONVERSION_GRANULARITIES = [value for value in api_enums()["conversion_product_granularities"] if value != "TOTAL"]


class ConversionProductReport(DeclaredEnums):
    """The settings of the conversion_product_report stream (`analytics/create_conversion_product_report`)."""

    non_empty: ClassVar[Mapping[str, tuple[str, str]]] = {"campaign_objective_types": ("objective", "every objective")}

    model_config = ConfigDict(
        title="Conversion product report (brand, category, SKU)",
        extra="forbid",
        json_schema_extra=_no_additional_properties_keyword,
    )

    level: str = _api_enum_field(
        "CAMPAIGN",
        "Level",
        "Whose conversions each row holds: the ad account's, a campaign's or an ad group's.",
        "conversion_product_levels",
        0,
    )
    breakdown: str = _api_enum_field(
        "PRODUCT_BRAND",
        "Product breakdown",
        "The products of a row: a brand, a category, both, a SKU, or the SKU group of `product_sku_ids`.",
        "conversion_product_breakdowns",
        1,
    )
    granularity: str = Field(
        default="WEEK",
        title="Granularity",
        description=(
            "One row per week or month (its start is `date`). TOTAL is not offered: a total over the days of a sync's "
            "window is not a stable row to sync incrementally."
        ),
        json_schema_extra={"enum": CONVERSION_GRANULARITIES, "order": 2},
    )
    columns: list[str] = _enum_list(
        "Columns",
        api_enums()["conversion_product_columns"],
        3,
        "Metric and entity columns of the API's ConversionProductReportingColumn. Empty (default): every column. "
        "The level's id and the breakdown's product columns are always read (they key the rows).",
    )
    product_sku_ids: list[str] = Field(
        default_factory=list,
        title="Product SKU IDs",
        description="The SKUs of the PRODUCT_SKU_GROUP breakdown (2 to 500, letters and digits); only with it.",
        json_schema_extra={"order": 4, "items": {"type": "string", "pattern": _SKU_ID_PATTERN}},
    )
    campaign_objective_types: list[str] = _api_values_field(
        "objective_types",
        None,
        "Campaign objective types",
        "The campaigns whose conversions count. Default: every objective (the API's own default leaves out "
        "CATALOG_SALES).",
        5,
    )
    attribution_type: str = _api_enum_field(
        "DEFAULT",
        "Attribution type",
        "DEFAULT or BRAND_ATTRIBUTION (the API serves the latter from 2025-04-02 on; earlier days are not read).",
        "conversion_product_attribution_types",
        6,
    )
    click_window_days: int = _click_window_field(7)
    # the API's default for this report is 30 days (1 for the analytics and reports)
    view_window_days: int = _view_window_field(30, 8)
    conversion_report_time: str = _conversion_report_time_field(9)

    @field_validator("product_sku_ids")
    @classmethod
    def _sku_ids(cls, value: list[str]) -> list[str]:
        invalid = [item for item in value if not re.fullmatch(_SKU_ID_PATTERN, item)]
        if invalid:
            raise ValueError(f"{listed([repr(item) for item in invalid])}: a SKU id is letters and digits")
        if len(set(value)) != len(value):
            raise ValueError("contains duplicate ids")
        if value and not 2 <= len(value) <= 500:
            raise ValueError(f"needs 2 to 500 SKU ids, got {len(value)}")
        return value

    @model_validator(mode="after")
    def _sku_group(self) -> ConversionProductReport:
        if self.breakdown == "PRODUCT_SKU_GROUP" and not self.product_sku_ids:
            raise ValueError("`product_sku_ids`: the PRODUCT_SKU_GROUP breakdown needs 2 to 500 SKU ids")
        if self.product_sku_ids and self.breakdown != "PRODUCT_SKU_GROUP":
            raise ValueError(f"`product_sku_ids` are only taken with the PRODUCT_SKU_GROUP breakdown, not {self.breakdown}")
        return self


class MmmReport(DeclaredEnums):
    """The settings of the mmm_report stream (`analytics/create_mmm_report`)."""

    # the API takes 1 to 5 targeting types
    non_empty: ClassVar[Mapping[str, tuple[str, str]]] = {"targeting_types": ("targeting type", "every one")}

    model_config = ConfigDict(
        title="Marketing Mix Modeling (MMM) report", extra="forbid", json_schema_extra=_no_additional_properties_keyword
    )

    level: str = _api_enum_field(
        "CAMPAIGN_TARGETING",
        "Level",
        "Whose delivery each row holds: a campaign's or an ad group's, per targeting type and value.",
        "mmm_levels",
        0,
    )
    granularity: str = _api_enum_field(
        "DAY", "Granularity", "One row per day or per week (its start is `date`).", "mmm_granularities", 1
    )
    targeting_types: list[str] = _api_values_field(
        "mmm_targeting_types",
        None,
        "Targeting types",
        "The breakdowns of the rows (one row per targeting type and value). Default: every one (the API takes at most "
        "5 a report: all of them).",
        2,
    )
    columns: list[str] = _enum_list(
        "Columns",
        api_enums()["mmm_columns"],
        3,
        "Metric and entity columns of the API's MMMReportingColumn. Empty (default): every column. The level's id "
        "is always read (it keys the rows).",
    )
    countries: list[str] = _enum_list(
        "Countries",
        api_enums()["mmm_countries"],
        4,
        "Empty (default): one report per ad account, numbers over every country. Given: one report per country and "
        "ad account (the API's countries filter), each row's numbers that country's, its `country` part of the key. "
        "Each report is an API call, and the API takes 5 a minute per ad account: many countries make a slow sync.",
    )


#: "Lead ad data will be available up to 30 days after the lead has been submitted" (spec `leads_export/create`)
LEAD_RETENTION_DAYS = 30


class LeadsExport(BaseModel):
    """The opt-in leads stream: the leads of your lead ads (personal data), read through Pinterest's leads export,
    which needs the ads:write scope. Off by default."""

    model_config = ConfigDict(title="Leads", extra="forbid", json_schema_extra=_no_additional_properties_keyword)

    enabled: bool = Field(
        default=False,
        strict=True,
        title="Read the leads",
        description=(
            "leads: read the leads of every lead ad (names, e-mail addresses, phone numbers and other answers of the "
            "people who submitted a lead form: personal data). Off by default. Needs a token with the ads:write "
            "scope (Pinterest asks it to create a leads export)."
        ),
        json_schema_extra={"order": 0},
    )
    lookback_days: int = _whole_number_field(
        LEAD_RETENTION_DAYS,
        (1, LEAD_RETENTION_DAYS),
        "Days of leads to read",
        f"leads: the first sync reads the leads submitted in the last this many days, today included (Pinterest "
        f"keeps a lead {LEAD_RETENTION_DAYS} days after its submission, so at most {LEAD_RETENTION_DAYS}); later "
        "syncs read from the day of the last lead read.",
        1,
    )


# The connection's configuration: the Airbyte spec (the docstring is the spec's description) and, once
# validated by `load_config`, the typed object every stream reads.
class PinterestConfig(AttributionSettings, DayRange):
    """Pinterest Marketing Spec"""

    model_config = ConfigDict(title="Pinterest Marketing Spec", extra="allow")
    non_empty: ClassVar[Mapping[str, tuple[str, str]]] = {
        "entity_statuses": ("status", ""),
        **dict.fromkeys(
            ("keyword_metrics_countries", "trends_regions", "trend_types", "trends_markets"), ("value", "its default")
        ),
        # no top list at all
        **dict.fromkeys(("top_pins_sort_by", "top_video_pins_sort_by"), ("metric", "every metric")),
    }

    credentials: Union[OAuthCredentials, AccessTokenCredentials] = Field(
        ...,
        title="Authentication",
        discriminator="auth_method",
        json_schema_extra={"order": 0, "type": "object"},
    )
    start_date: Optional[IsoDate] = Field(
        None,
        title="Start date",
        description=(
            "UTC day (YYYY-MM-DD) from which analytics and reports are read; a config file may also give an "
            "ISO-8601 date-time (UTC without a zone), read as its UTC day. Default: as far back "
            "as each endpoint allows (sync analytics 90 days, reports 914 days). Entity streams "
            "always return every entity."
        ),
        json_schema_extra={"order": 1, "examples": ["2025-01-01"]},
    )
    end_date: IsoDate = Field(
        default_factory=utc_today,
        title="End date",
        description=(
            "UTC day (YYYY-MM-DD) up to which analytics and reports are read, that day included; a config file may "
            "also give an ISO-8601 date-time (UTC without a zone), read as its UTC day. Default: today."
        ),
        json_schema_extra={"order": 2, "examples": ["2025-12-31"]},
    )
    ad_account_ids: list[str] = Field(
        default_factory=list,
        title="Ad account IDs",
        description="Ad accounts to read. Empty: every ad account the token can read, shared ones included.",
        json_schema_extra={
            "order": 3,
            "items": {"type": "string", "pattern": _ID_PATTERN},
            "examples": [["549755885175"]],
        },
    )
    entity_statuses: list[str] = Field(
        default=["ACTIVE", "PAUSED", "ARCHIVED"],
        title="Entity statuses",
        description=(
            "Statuses of campaigns, ad groups and ads to read. ARCHIVED is included by default "
            "(the API's own default drops it) so analytics join to every entity that spent."
        ),
        json_schema_extra={"order": 4, "items": {"type": "string", "enum": api_enums()["entity_statuses"]}},
    )
    analytics_granularity: str = Field(
        "DAY",
        title="Analytics granularity",
        description=(
            "Periods of the ads analytics streams (*_analytics, *_targeting_analytics, ad_pin_analytics): each row "
            "one period, keyed by its start (`date`). HOUR reads the last 8 days only (the API's limit); TOTAL sums "
            "fixed 90-day windows. Organic analytics are daily (the API has no other granularity)."
        ),
        json_schema_extra={"order": 5, "enum": api_enums()["granularities"]},
    )
    business_ad_account_id: Optional[str] = Field(
        None,
        title="Business access ad account ID",
        description=(
            "Read boards, Pins, catalogs and the user account (and their analytics) as the owner of this ad account "
            "(business access), so a business's boards and catalogs are synced. Default: the token's user."
        ),
        pattern=_ID_PATTERN,
        json_schema_extra={"order": 6, "examples": ["549755885175"]},
    )
    top_pins_sort_by: list[str] = _sort_metrics_field(TOP_PINS_OPERATION, "user_account_top_pins", "Top Pins", 7)
    top_video_pins_sort_by: list[str] = _sort_metrics_field(
        TOP_VIDEO_PINS_OPERATION, "user_account_top_video_pins", "Top video Pins", 8
    )
    lookback_window_days: int = _whole_number_field(
        30,
        (0, 365),
        "Lookback window (days)",
        "Incremental analytics and report syncs re-read this many days before the cursor (conversions are restated).",
        14,
    )
    custom_reports: list[CustomReport] = Field(
        default_factory=list,
        title="Custom reports",
        description="Async reports of your own design; each becomes a stream custom_<name>.",
        json_schema_extra={"order": 15},
    )
    num_workers: int = _whole_number_field(
        8, (1, 20), "Concurrent requests", "How many requests run in parallel (bounded by Pinterest's rate limits).", 16
    )
    rate_limit_max_wait_seconds: int = _whole_number_field(
        900,
        (1, 86400),
        "Longest rate-limit wait (seconds)",
        "When Pinterest's rate limit asks to wait longer than this (the daily quota), the sync stops "
        "with a transient error, keeping the state reached so far, instead of waiting.",
        17,
    )
    report_jobs_in_flight: int = _whole_number_field(
        4,
        (1, 20),
        "Report jobs in flight",
        "How many async report jobs may be created and not yet finished at the same time.",
        20,
    )
    keyword_metrics_countries: list[str] = _api_values_field(
        "ad_countries",
        ["US"],
        "Keyword metrics: countries",
        "keyword_metrics: the search volume of each ad account's keywords in each of these countries (ISO 3166-1 "
        "alpha-2 codes Pinterest ads can run in).",
        22,
    )
    trends_regions: list[str] = _api_values_field(
        "trends_regions",
        ["US"],
        "Trending keywords: regions",
        "trending_keywords: the top 50 trending search keywords of each of these regions (a `+` joins the countries "
        "of a group, e.g. GB+IE).",
        23,
    )
    trend_types: list[str] = _api_values_field(
        "trend_types",
        None,
        "Trending keywords: trend types",
        "trending_keywords: the ranking methods (growing, monthly, yearly, seasonal). Default: every one.",
        24,
    )
    trends_markets: list[str] = _api_values_field(
        "product_category_regions",
        ["US"],
        "Featured topics and product categories: markets",
        "trends_featured_topics and trending_product_categories: the markets to read (US, GB+IE, CA).",
        25,
    )
    catalog_all_items_report: bool = Field(
        False,
        title="Catalog all-items report",
        description=(
            "catalog_all_items: read each catalog's ALL_ITEMS report (every product). Pinterest restricts this report "
            "type to a group of users: without access the stream logs a warning and stays empty."
        ),
        json_schema_extra={"order": 26},
    )
    conversion_product_report: ConversionProductReport = Field(
        default_factory=ConversionProductReport,
        title="Conversion product report",
        description=(
            "conversion_product_report: conversions by product brand, category or SKU (async jobs, weekly or "
            "monthly rows). The endpoint is not available to every app."
        ),
        json_schema_extra={"order": 27},
    )
    mmm_report: MmmReport = Field(
        default_factory=MmmReport,
        title="Marketing Mix Modeling report",
        description=(
            "mmm_report: delivery and spend per campaign or ad group, targeting type and value, day or week (async "
            "jobs; the last 90 days)."
        ),
        json_schema_extra={"order": 28},
    )
    leads: LeadsExport = Field(
        default_factory=LeadsExport,
        title="Leads (personal data)",
        description=(
            "leads: the leads of your lead ads, through Pinterest's leads export. Off by default: they are personal "
            "data, and the export needs the ads:write scope."
        ),
        json_schema_extra={"order": 30},
    )
    environment: Literal["production", "sandbox"] = Field(
        "production",
        title="Environment",
        description="Pinterest's production API or the API sandbox (sandbox needs a sandbox token).",
        json_schema_extra={"order": 18},
    )
    api_base_url_override: Optional[str] = Field(
        None,
        alias="api_base_url",
        title="API base URL override",
        description="For testing only: overrides the environment's base URL (including /v5).",
        pattern=r"^https?://[^\s]+$",
        json_schema_extra={"order": 19, "airbyte_hidden": True},
    )

    @field_validator("ad_account_ids")
    @classmethod
    def _valid_ids(cls, value: list[str]) -> list[str]:
        invalid = [item for item in value if not isinstance(item, str) or not re.fullmatch(_ID_PATTERN, item)]
        if invalid:
            kind = "is not an ad account id" if len(invalid) == 1 else "are not ad account ids"
            raise ValueError(f"{listed([repr(item) for item in invalid])} {kind} (1 to 18 digits 0-9)")
        if len(set(value)) != len(value):
            raise ValueError("contains duplicate ids")
        return value

    @field_validator("custom_reports")
    @classmethod
    def _unique_reports(cls, value: list[CustomReport]) -> list[CustomReport]:
        names = [report.name for report in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate report names {duplicates}")
        return value

    @field_validator("end_date", mode="before")
    @classmethod
    def _null_is_today(cls, value: Any) -> Any:
        """`end_date: null` is not set, as `start_date: null` is: today."""
        return utc_today() if value is None else value

    @property
    def api_base_url(self) -> str:
        """The API base URL (including /v5) requests go to."""
        return api_base_url(self.environment, self.api_base_url_override)


def _describe_error(error: Mapping[str, Any]) -> str:
    parts = [str(part) for part in error["loc"]]
    # Drop the union tag pydantic puts in the location (credentials.oauth2.0.client_id).
    if len(parts) > 2 and parts[0] == "credentials" and parts[1] in ("oauth2.0", "access_token"):
        del parts[1]
    location = ".".join(parts)
    message = str(error["msg"]).removeprefix("Value error, ")
    field = str(error["loc"][-1]) if error["loc"] else ""
    if error["type"] == "missing":
        return f"`{location}` is required"
    if error["type"] == "union_tag_invalid" or error["type"] == "union_tag_not_found":
        return f"`{location}`: auth_method must be 'oauth2.0' or 'access_token'"
    if error["type"] == "extra_forbidden":
        return _unknown_key(parts)
    if field in SECRET_FIELDS:
        return f"`{location}`: {message}"
    value = error.get("input")
    if message.startswith(f"`{field}` "):
        # A date rule names its field itself: say which object it is in (a custom report's), if any.
        parent = ".".join(parts[:-1])
        return f"`{parent}`: {message}" if parent else message
    if message.startswith("`"):
        # A model-level rule names its fields itself; say which list item it is about.
        return f"`{location}`: {message}" if location else message
    already_quoted = "got" in message or repr(value) in message
    shown = "" if isinstance(value, (dict, list)) or value is None or already_quoted else f" (got {value!r})"
    return f"`{location}`: {message}{shown}"


#: the objects whose unknown keys are errors (the spec's JSON schema no longer says so: see
#: `_no_additional_properties_keyword`), by the first part of their path
_CLOSED_OBJECTS: dict[str, tuple[str, type[BaseModel]]] = {
    "credentials": ("the access-token credentials", AccessTokenCredentials),
    "custom_reports": ("a custom report", CustomReport),
    "conversion_product_report": ("the conversion product report settings", ConversionProductReport),
    "mmm_report": ("the MMM report settings", MmmReport),
    "leads": ("the leads settings", LeadsExport),
}


def _unknown_key(parts: list[str]) -> str:
    """The error for a key a closed object does not know: the key's path, and the key meant (a typo) or those known."""
    location = ".".join(parts)
    label, model = _CLOSED_OBJECTS.get(parts[0], ("this object", BaseModel))
    known = list(model.model_fields)
    closest = difflib.get_close_matches(parts[-1], known, n=1)
    hint = f"did you mean `{closest[0]}`?" if closest else "its keys are " + ", ".join(f"`{key}`" for key in known)
    return f"`{location}` is not a key of {label} ({hint})"


def load_config(raw: Mapping[str, Any]) -> PinterestConfig:
    """Validate the user's config once; raise a config_error naming every bad field. Numbers are not coerced (a
    boolean or a string is not a number here), and a key the spec does not know is logged with the closest one."""
    try:
        config = PinterestConfig.model_validate(dict(raw))
    except ValidationError as error:
        problems = "; ".join(_describe_error(detail) for detail in error.errors(include_url=False))
        raise AirbyteTracedException(
            message=f"Invalid configuration: {problems}",
            internal_message=f"Invalid configuration: {problems}",
            failure_type=FailureType.config_error,
        ) from None
    warn_about_unknown_keys(config)
    announce_days_read(raw, config)
    return config


#: the lines `announce_days_read` already logged in this process (a command validates its config more than once)
_ANNOUNCED: set[str] = set()


def announce_days_read(raw: Mapping[str, Any], config: PinterestConfig) -> None:
    """Say, once per field, that a date-time given for a date field is read as its UTC day (the connector reads
    whole days; streams at HOUR granularity from, or up to, its hour)."""
    fields: list[tuple[str, Any, Optional[date]]] = [
        (name, raw.get(name), getattr(config, name)) for name in ("start_date", "end_date")
    ]
    raw_reports = raw.get("custom_reports")
    if isinstance(raw_reports, list):
        for index, (raw_report, report) in enumerate(zip(raw_reports, config.custom_reports, strict=False)):
            if isinstance(raw_report, Mapping):
                for name in ("start_date", "end_date"):
                    fields.append((f"custom_reports.{index}.{name}", raw_report.get(name), getattr(report, name)))
    for path, given, day in fields:
        if isinstance(given, str) and "T" in given and day is not None:
            line = f"`{path}` {given} is read as the UTC day {day.isoformat()} (at HOUR granularity, from or to its hour)"
            if line not in _ANNOUNCED:
                _ANNOUNCED.add(line)
                logger.info(line)


def warn_about_unknown_keys(config: PinterestConfig) -> None:
    """A top-level key the spec does not know is ignored: say so, with the closest known key (a typo)."""
    known = [field.alias or name for name, field in PinterestConfig.model_fields.items()]
    for key in sorted(config.model_extra or {}):
        if key.startswith("_"):  # internal keys of the platform
            continue
        closest = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean `{closest[0]}`?)" if closest else ""
        logger.warning("The configuration key `%s` is not one of this connector's and is ignored%s.", key, hint)


def connector_spec_schema() -> dict[str, Any]:
    """The spec's JSON schema, with $refs expanded and anyOf→oneOf for the Airbyte UI."""
    schema = PinterestConfig.model_json_schema()
    expand_refs(schema)
    schema.pop("$defs", None)
    _tidy(schema)
    schema["required"] = ["credentials"]
    return schema


def _tidy(node: Any) -> None:
    """Make pydantic's schema look like an Airbyte spec (oneOf, no nullable anyOf noise)."""
    if isinstance(node, dict):
        if "anyOf" in node:
            options = [option for option in node["anyOf"] if option.get("type") != "null"]
            if len(options) == 1:
                node.pop("anyOf")
                node.update({k: v for k, v in options[0].items() if k not in node})
            else:
                node["oneOf"] = node.pop("anyOf")
        node.pop("discriminator", None)
        if "default" in node and node["default"] in (None, []):
            node.pop("default")
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)
