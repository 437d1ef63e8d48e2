"""`SharedValue`: a list fetched once per sync, or streamed by its owner while others wait."""

from __future__ import annotations

import threading
import time

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
