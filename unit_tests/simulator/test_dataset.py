"""Generated data: valid against the spec's component schemas, deterministic, mutable for incremental tests."""

from __future__ import annotations

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import PRESETS, SCHEMAS, Dataset, walk_entities
from pinterest_simulator.state import load_spec


def test_every_entity_validates_against_its_schema() -> None:
    spec = load_spec()
    validators = {kind: spec.component_validator(name) for kind, name in SCHEMAS.items()}
    dataset = Dataset(spec, "small", seed=3)
    errors = [
        f"{kind} {e['id']}: {err.message}"
        for kind, e in walk_entities(dataset)
        for err in validators[kind].iter_errors(e)
    ]
    assert errors == []


def test_every_schema_property_is_generated() -> None:
    spec = load_spec()
    dataset = Dataset(spec, "small", seed=1)
    for kind, name in SCHEMAS.items():
        properties = set(spec.schema(name).get("properties", {}))
        for entity in dataset.entities(kind):
            assert properties <= set(entity), (kind, properties - set(entity))


def test_small_preset_has_something_of_every_kind() -> None:
    counts = Dataset(load_spec(), "small").counts()
    assert all(n > 0 for n in counts.values()), counts
    assert set(PRESETS) == {"small", "large", "agency"}


def test_the_agency_preset_is_fifty_ad_accounts_with_thousands_of_campaigns() -> None:
    """The benchmark's agency-sized account set (README: splitting large account sets); its organic side and every
    other per-preset table are the large preset's."""
    dataset = Dataset(load_spec(), "agency")
    accounts = dataset.ad_account_ids
    assert len(accounts) == 50
    assert sum(len(dataset.entities("campaigns", account)) for account in accounts) >= 2000
    assert dataset.preset_label == "agency" and dataset.preset_name == "large"


def test_same_seed_same_data_other_seed_other_data() -> None:
    spec = load_spec()
    a, b, c = Dataset(spec, "small", 7), Dataset(spec, "small", 7), Dataset(spec, "small", 8)
    assert list(walk_entities(a)) == list(walk_entities(b))
    assert list(walk_entities(a)) != list(walk_entities(c))


def test_touch_and_add(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    ids = sim.dataset.touch("campaigns", account_id, n=2, now=1_900_000_000)
    assert len(ids) == 2
    url = f"{sim.base_url}/ad_accounts/{account_id}/campaigns"
    items = requests.get(
        url, headers=auth, params={"entity_statuses": "ACTIVE,PAUSED,ARCHIVED", "page_size": 250}
    ).json()["items"]
    assert {c["id"] for c in items if c["updated_time"] == 1_900_000_000} == set(ids)
    new = sim.dataset.add("campaigns", account_id, status="ACTIVE")
    assert int(new["id"]) > max(int(c["id"]) for c in items)
    with pytest.raises(ValueError, match="modification time"):
        sim.dataset.touch("keywords", account_id)


def test_admin_dataset_endpoints(sim: Simulator, account_id: str) -> None:
    r = requests.post(
        f"{sim.root_url}/_sim/dataset/touch",
        json={"kind": "ads", "ad_account_id": account_id, "n": 3, "now": 1_900_000_001},
    )
    assert len(r.json()["ids"]) == 3
    r = requests.post(f"{sim.root_url}/_sim/dataset/add", json={"kind": "boards", "fields": {"name": "Added"}})
    assert r.json()["name"] == "Added"
    assert requests.post(f"{sim.root_url}/_sim/dataset/touch", json={"kind": "nope"}).status_code == 400
