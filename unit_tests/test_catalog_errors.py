"""A configured catalog the connector cannot serve fails with a config error that says why."""

from __future__ import annotations

from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing


def _failure(catalog_builder: CatalogBuilder) -> str:
    with Simulator() as sim:
        output = read(SourcePinterestMarketing(), sim.connector_config(), catalog_builder.build())
    assert not output.records
    error = output.errors[-1].trace.error
    assert error.failure_type == FailureType.config_error
    return error.message


def test_unknown_stream_is_named() -> None:
    message = _failure(CatalogBuilder().with_stream("campaigns", SyncMode.full_refresh).with_stream("tweets", SyncMode.full_refresh))
    assert "stream 'tweets'" in message and "does not have" in message


def test_incremental_on_a_stream_without_cursor_reads_it_in_full() -> None:
    """The CDK's behaviour, which PyAirbyte relies on (it asks for incremental on every stream)."""
    with Simulator() as sim:
        output = read(
            SourcePinterestMarketing(),
            sim.connector_config(),
            CatalogBuilder().with_stream("keywords", SyncMode.incremental).build(),
        )
        expected = len(sim.dataset.entities("keywords"))
    assert not output.errors
    assert len(output.records) == expected
    assert output.is_in_logs("Stream 'keywords' has no cursor")
