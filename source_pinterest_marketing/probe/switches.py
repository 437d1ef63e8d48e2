"""The readings of what the API description leaves open, as the bundled simulator names them: one switch per open
point (docs/dev/API-NOTES.md#open-points), one value per reading. The probe says which value matches what the
user's account answered, so a maintainer can replay it with ``python -m pinterest_simulator --switch NAME=VALUE``.

The table is the simulator's (``pinterest_simulator.switches.Switches``), copied into the connector package as data
(``data/switches.json``, written by scripts/generate_switches.py and checked by ``make lint``): the connector package
never contains nor imports the simulator (the Docker image has none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

from source_pinterest_marketing.streams import periods


def _table() -> Mapping[str, tuple[str, ...]]:
    text = resources.files("source_pinterest_marketing").joinpath("data/switches.json").read_text(encoding="utf-8")
    return MappingProxyType({name: tuple(values) for name, values in json.loads(text)["switches"].items()})


#: switch name -> its values, the reading the connector is built, tested and documented on first (the simulator's
#: default)
SWITCHES: Mapping[str, tuple[str, ...]] = _table()

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


#: switches the probe has no check for: its request budget is full (about four dozen requests), or a check would
#: have to create a leads export (`ads:write`: the probe stays read-only), so the user guide's open points table says
#: "No probe check" for each (the connector's own tests run every reading)
NOT_PROBED: frozenset[str] = frozenset(
    {
        "catalog_report_format",
        "catalog_all_items_report",
        "measurement_file_format",
        "conversion_report_min_window",
        "mmm_date_limits",
        "leads_export_format",
        "leads_retention",
        "non_lead_ad_export",
        "delivery",
        "idle_rows",
        "idle_total_rows",
    }
)
