"""The spec and the discovered catalog keep every rule of Airbyte's Connector Acceptance Tests at
`test_strictness_level: high` (and of the Airbyte UI's form renderer), reimplemented in spec_rules.py. Each rule runs
on the real generated spec or catalog, and on a small fragment that breaks it, so a rule that stopped seeing its
problem would fail here too."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, ConnectorSpecificationSerializer
from harness import run_discover
from jsonschema import Draft7Validator
from spec_rules import CATALOG_RULES, SPEC_RULES, Problems, advanced_auth_paths

from source_pinterest_marketing.source import SourcePinterestMarketing

SPEC: dict[str, Any] = ConnectorSpecificationSerializer.dump(SourcePinterestMarketing().spec(logging.getLogger()))
CONNECTION: dict[str, Any] = SPEC["connectionSpecification"]


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _option(const: str, required: bool = True, **properties: Any) -> dict[str, Any]:
    option = _object(auth_method={"type": "string", "const": const}, **properties)
    if required:
        option["required"] = ["auth_method"]
    return option


_TOKEN = {"type": "string", "airbyte_secret": True}
_TWO_OPTIONS = [_option("oauth2.0", client_secret=_TOKEN), _option("access_token", access_token=_TOKEN)]

#: for each spec rule, fragments that break it (the first of each is the rule's plainest case)
BROKEN_SPECS: dict[str, list[dict[str, Any]]] = {
    "spec_is_draft7": [_object(a={"type": "strnig"})],
    "enums_unique": [_object(a={"type": "string", "enum": ["DAY", "DAY"]})],
    "one_of_usage": [
        # the issue's case: the field holding the options is not typed
        _object(credentials={"oneOf": _TWO_OPTIONS}),
        # the discriminator is not required in an option
        _object(credentials={"type": "object", "oneOf": [_option("oauth2.0", required=False), _TWO_OPTIONS[1]]}),
        # no const discriminator shared by every option
        _object(credentials={"type": "object", "oneOf": [_option("a"), _object(kind={"type": "string"})]}),
        # the discriminator's consts are not distinct
        _object(credentials={"type": "object", "oneOf": [_option("a"), _option("a")]}),
        # a default that is not the const
        _object(
            credentials={
                "type": "object",
                "oneOf": [
                    _object(auth_method={"type": "string", "const": "a", "default": "b"}) | {"required": ["auth_method"]},
                    _option("b"),
                ],
            }
        ),
    ],
    "secrets_marked": [
        _object(client_secret={"type": "string"}),
        _object(flag={"type": "boolean", "airbyte_secret": True}),
    ],
    "single_type": [_object(a={"type": ["string", "integer"]})],
    "objects_not_empty": [_object(a={"type": "object"})],
    "arrays_of_one_type": [
        _object(a={"type": "array", "items": {"type": "boolean"}}),
        _object(a={"type": "array", "items": [{"type": "string"}]}),
    ],
    "no_forbidden_keywords": [_object(a={"anyOf": [{"type": "string"}, {"type": "null"}]})],
    "unique_order": [_object(a={"type": "string", "order": 1}, b={"type": "string", "order": 1})],
    "groups_top_level": [_object(a=_object(b={"type": "string", "group": "auth"}))],
    "display_types": [
        _object(a={"type": "string", "display_type": "dropdown"}),
        _object(a={"type": "object", "oneOf": _TWO_OPTIONS, "display_type": "tabs"}),
    ],
    "no_refs": [_object(a={"$ref": "#/definitions/a"})],
    "additional_properties_true": [
        # the issue's cases: the access-token option and a custom report item
        _object(credentials={"type": "object", "oneOf": [_TWO_OPTIONS[0], {**_TWO_OPTIONS[1], "additionalProperties": False}]}),
        _object(custom_reports={"type": "array", "items": {**_object(name={"type": "string"}), "additionalProperties": False}}),
    ],
    "defaults_valid": [
        _object(a={"type": "integer", "enum": [1, 7], "default": 3}),
        _object(a={"type": "array", "items": {"type": "string", "enum": ["ACTIVE"]}, "default": ["LIVE"]}),
        # a date field whose example the Airbyte server would refuse (it asserts `format`)
        _object(a={"type": "string", "format": "date", "examples": ["2025-01-01T08:00:00Z"]}),
    ],
    "formats_on_strings": [_object(a={"type": "integer", "format": "date"})],
    "dates_described": [
        _object(a={"type": "string", "format": "date"}),
        _object(a={"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
    ],
}


def _stream(name: str = "things", **overrides: Any) -> dict[str, Any]:
    stream: dict[str, Any] = {
        "name": name,
        "json_schema": _object(id={"type": "string"}, updated={"type": ["null", "string"], "format": "date-time"}),
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_cursor": True,
        "default_cursor_field": ["updated"],
        "source_defined_primary_key": [["id"]],
    }
    stream.update(overrides)
    return stream


def _with_field(**fields: Any) -> dict[str, Any]:
    return _stream(json_schema=_object(id={"type": "string"}, updated={"type": "string"}, **fields))


#: for each catalog rule, catalogs that break it
BROKEN_CATALOGS: dict[str, list[list[dict[str, Any]]]] = {
    "streams_unique": [[], [_stream(), _stream()]],
    "schemas_draft7": [[_stream(json_schema={"type": "objekt"})], [_stream(json_schema={"type": "string"})]],
    "primary_keys_present": [
        [_stream(source_defined_primary_key=[["missing"]])],
        [_stream(source_defined_primary_key=[["meta"]], json_schema=_object(meta=_object(a={"type": "string"})))],
    ],
    "cursors_present": [
        [_stream(default_cursor_field=["missing"])],
        [_stream(default_cursor_field=[], source_defined_cursor=False)],
    ],
    "sync_modes_declared": [[_stream(supported_sync_modes=[])]],
    "stream_refs_resolved": [[_with_field(parent={"$ref": "shared/parent.json"})]],
    "stream_keywords": [[_with_field(a={"allOf": [{"type": "string"}]})], [_with_field(a={"not": {"type": "null"}})]],
    "stream_additional_properties_true": [[_with_field(a={**_object(b={"type": "string"}), "additionalProperties": False})]],
    "stream_formats": [
        [_with_field(count={"type": ["null", "integer"], "format": "date-time"})],
        [_with_field(mail={"type": "string", "format": "email"})],
    ],
    "stream_airbyte_types": [
        [_with_field(at={"type": "integer", "airbyte_type": "timestamp_with_timezone"})],
        [_with_field(at={"type": "string", "airbyte_type": "timestamp_with_zone"})],
    ],
}


def test_every_rule_has_a_breaking_fragment() -> None:
    assert set(BROKEN_SPECS) == set(SPEC_RULES)
    assert set(BROKEN_CATALOGS) == set(CATALOG_RULES)


def test_the_spec_rules_pass_a_sound_fragment() -> None:
    """The fragments above break one rule each: a sound fragment of the same shapes keeps every rule."""
    date = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "pattern_descriptor": "YYYY-MM-DD"}
    sound = _object(
        credentials={"type": "object", "order": 0, "oneOf": _TWO_OPTIONS},
        start_date={**date, "order": 1, "examples": ["2025-01-01"]},
        windows={"type": "integer", "enum": [1, 7], "default": 7, "order": 2},
        statuses={"type": "array", "items": {"type": "string", "enum": ["ACTIVE"]}, "default": ["ACTIVE"], "order": 3},
    )
    for rule in SPEC_RULES.values():
        assert rule(sound) == [], rule.__doc__


# -- the spec ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", sorted(SPEC_RULES))
def test_the_spec_keeps_the_rule(rule: str) -> None:
    problems = SPEC_RULES[rule](CONNECTION)
    assert problems == [], SPEC_RULES[rule].__doc__


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [(rule, fragment) for rule, fragments in sorted(BROKEN_SPECS.items()) for fragment in fragments],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_rule_sees_a_spec_that_breaks_it(rule: str, fragment: dict[str, Any]) -> None:
    assert SPEC_RULES[rule](fragment), f"{rule} found nothing in {fragment}"


def test_the_issues_three_spec_problems_are_gone() -> None:
    """`credentials` is typed, no `additionalProperties: false` is left, and each option requires its `auth_method`."""
    credentials = CONNECTION["properties"]["credentials"]
    assert credentials["type"] == "object"
    assert "additionalProperties" not in credentials["oneOf"][1]
    assert "additionalProperties" not in CONNECTION["properties"]["custom_reports"]["items"]
    assert all("auth_method" in option["required"] for option in credentials["oneOf"])


def test_the_oauth_flow_paths_exist_and_oauth_is_the_default_option() -> None:
    assert advanced_auth_paths(CONNECTION, SPEC["advanced_auth"]) == []


def _broken_auth(change: str) -> Problems:
    auth = copy.deepcopy(SPEC["advanced_auth"])
    spec = copy.deepcopy(CONNECTION)
    if change == "predicate":
        auth["predicate_key"] = ["credentials", "auth_type"]
    elif change == "output":
        auth["oauth_config_specification"]["complete_oauth_output_specification"]["properties"]["refresh_token"][
            "path_in_connector_config"
        ] = ["refresh_token"]
    elif change == "server_output":
        auth["oauth_config_specification"]["complete_oauth_server_output_specification"]["properties"]["client_id"][
            "path_in_connector_config"
        ] = ["credentials", "app_id"]
    else:  # the access token listed first: OAuth is no longer the default method
        spec["properties"]["credentials"]["oneOf"].reverse()
    return advanced_auth_paths(spec, auth)


@pytest.mark.parametrize("change", ["predicate", "output", "server_output", "oauth_not_first"])
def test_the_oauth_rule_sees_a_broken_flow(change: str) -> None:
    assert _broken_auth(change)


def _valid_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "credentials": {"auth_method": "oauth2.0", "client_id": "1", "client_secret": "s", "refresh_token": "r"},
        "start_date": "2025-01-01",
        "end_date": "2025-02-01",
        "ad_account_ids": ["549755885175"],
        "custom_reports": [{"name": "spend", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "start_date": "2025-01-02"}],
    }
    config.update(overrides)
    return config


@pytest.mark.parametrize(
    "config",
    [
        _valid_config(),
        _valid_config(credentials={"auth_method": "access_token", "access_token": "t"}),
        _valid_config(start_date="2025-01-01T08:00:00Z", end_date="2025-02-01T00:00:00+01:00"),
    ],
    ids=["oauth", "access_token", "date_times"],
)
def test_configs_match_the_spec(config: dict[str, Any]) -> None:
    """What the acceptance tests check of their configs: valid against the spec (formats not asserted)."""
    assert list(Draft7Validator(CONNECTION).iter_errors(config)) == []


def test_the_spec_check_sees_a_config_that_breaks_it() -> None:
    errors = list(Draft7Validator(CONNECTION).iter_errors(_valid_config(start_date="01/02/2025", num_workers="8")))
    assert len(errors) == 2


def test_the_airbyte_server_accepts_dates_and_refuses_date_times() -> None:
    """Airbyte's server validates a config against the spec with `format` asserted: a date passes, a date-time fails
    `format: date`. The date picker writes dates; date-times are for configs given to the connector directly (the
    user guide says so). A change of `format` must be a conscious one: it changes what Airbyte accepts."""
    strict = Draft7Validator(CONNECTION, format_checker=Draft7Validator.FORMAT_CHECKER)
    assert list(strict.iter_errors(_valid_config())) == []
    assert [error.validator for error in strict.iter_errors(_valid_config(start_date="2025-01-01T08:00:00Z"))] == ["format"]


# -- the catalog ----------------------------------------------------------------------------------------
_DISCOVERED: list[dict[str, Any]] = []


@pytest.fixture
def discovered(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog `discover` emits, with custom reports (their schemas are built from the config), once per run."""
    if not _DISCOVERED:
        reports = [
            {"name": "weekly_spend", "level": "CAMPAIGN", "granularity": "WEEK", "columns": ["SPEND_IN_DOLLAR", "CAMPAIGN_NAME"]},
            {
                "name": "hourly_gender",
                "level": "AD_GROUP_TARGETING",
                "granularity": "HOUR",
                "targeting_types": ["GENDER"],
                "columns": ["SPEND_IN_DOLLAR", "TOTAL_IMPRESSION"],
            },
        ]
        output = run_discover({**config, "custom_reports": reports})
        _DISCOVERED.extend(AirbyteMessageSerializer.dump(output.catalog)["catalog"]["streams"])
    return _DISCOVERED


@pytest.mark.parametrize("rule", sorted(CATALOG_RULES))
def test_the_catalog_keeps_the_rule(rule: str, discovered: list[dict[str, Any]]) -> None:
    assert {"custom_weekly_spend", "custom_hourly_gender"} <= {stream["name"] for stream in discovered}
    problems = CATALOG_RULES[rule](discovered)
    assert problems == [], CATALOG_RULES[rule].__doc__


@pytest.mark.parametrize(
    ("rule", "streams"),
    [(rule, streams) for rule, catalogs in sorted(BROKEN_CATALOGS.items()) for streams in catalogs],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_rule_sees_a_catalog_that_breaks_it(rule: str, streams: list[dict[str, Any]]) -> None:
    assert CATALOG_RULES[rule](streams), f"{rule} found nothing in {streams}"


def test_the_catalog_rules_pass_a_sound_stream() -> None:
    """The fragments above break one rule each: without the break, every rule holds."""
    for rule in CATALOG_RULES.values():
        assert rule([_stream()]) == []
