"""The readings of what the API description leaves open, as the bundled simulator names them: one switch per open
point (docs/dev/API-NOTES.md#open-points), one value per reading. The probe says which value matches what the
user's account answered, so a maintainer can replay it with ``python -m pinterest_simulator --switch NAME=VALUE``.

Kept here as data: the connector package never imports the simulator (the Docker image has none). A unit test
holds this table equal to the simulator's ``pinterest_simulator.switches.CHOICES``.
"""

from __future__ import annotations

from collections.abc import Mapping

from source_pinterest_marketing.streams import periods

#: switch name -> its values, the reading the connector is built, tested and documented on first (the simulator's
#: default)
SWITCHES: Mapping[str, tuple[str, ...]] = {
    "keyword_scope": ("direct", "subtree"),
    "hour_date": ("date_hour", "date"),
    "total_date": ("none", "start_date", "end_date"),
    "period_label": ("period_start", "first_requested_day"),
    "week_start": ("monday", "sunday"),
    "throttle": ("http_429", "http_400_retry_after", "code_12"),
    "product_group_ids": ("promotion", "catalog_product_group"),
    "pin_metric_mismatch": ("lenient", "omit", "refuse"),
    "unknown_pin": ("omit", "not_found"),
    "top_pins_data_status": ("by_date", "by_metric"),
    "flag_form": ("boolean", "string", "integer", "digit_string"),
    "refresh_token_rotation": ("immediate", "at_expiry"),
}

#: the first day of a week (`date.weekday()`) -> its value of `week_start`
WEEK_START_VALUES: Mapping[int, str] = {0: "monday", 6: "sunday"}


def assumed(switch: str) -> str:
    """The reading the connector assumes. For `week_start` it is the connector's own constant
    (`periods.WEEK_FIRST_DAY`); a unit test holds it equal to the table's first value."""
    if switch == "week_start":
        return WEEK_START_VALUES[periods.WEEK_FIRST_DAY]
    return SWITCHES[switch][0]


def reading(switch: str, value: str) -> str:
    """``"switch=value"``, checked against the table."""
    if value not in SWITCHES[switch]:
        raise ValueError(f"switch {switch!r} has no value {value!r}; its values are {SWITCHES[switch]}")
    return f"{switch}={value}"
