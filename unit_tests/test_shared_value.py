"""`SharedValue`: a list fetched once per sync, or streamed by its owner while others wait; a fetch that failed is not
tried again by each stream that needs it."""

from __future__ import annotations

import threading
import time

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.context import SharedValue


def test_fetched_once_whoever_asks() -> None:
    calls: list[int] = []
    shared = SharedValue(lambda: calls.append(1) or ["a"])
    threads = [threading.Thread(target=shared.get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared.get() == ["a"]
    assert calls == [1]


def test_a_reader_waits_for_the_owner_instead_of_fetching() -> None:
    shared = SharedValue(lambda: ["fetched"])
    assert shared.claim()
    assert not shared.claim()  # one owner
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(shared.get()))
    reader.start()
    time.sleep(0.05)
    assert not got, "the reader must wait while the owner streams the list"
    shared.publish(["published"])
    reader.join(timeout=2)
    assert got == [["published"]]


def test_an_owner_that_fails_lets_the_reader_fetch() -> None:
    shared = SharedValue(lambda: ["fetched"])
    assert shared.claim()
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(shared.get()))
    reader.start()
    shared.abandon()
    reader.join(timeout=2)
    assert got == [["fetched"]]
    assert not shared.claim()  # now fetched: nobody claims it again


def test_a_failed_fetch_fails_whoever_asks_next_without_fetching_again() -> None:
    """A list that could not be read (its retries ran out) is not asked again by each stream that needs it: they all
    fail with the same message, which the sync's summary then says once, with their names."""
    calls: list[int] = []

    def fetch() -> list[str]:
        calls.append(1)
        raise AirbyteTracedException("internal", "The `campaigns` list could not be read", failure_type=FailureType.transient_error)

    shared = SharedValue(fetch)
    failures = []
    for _ in range(3):
        with pytest.raises(AirbyteTracedException) as raised:
            shared.get()
        failures.append((raised.value.message, raised.value.failure_type))
    assert calls == [1]
    assert set(failures) == {("The `campaigns` list could not be read", FailureType.transient_error)}


def test_an_unexpected_failure_is_not_remembered() -> None:
    answers: list[object] = [ValueError("a bug"), ["fetched"]]

    def fetch() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    shared = SharedValue(fetch)
    with pytest.raises(ValueError):
        shared.get()
    assert shared.get() == ["fetched"]
