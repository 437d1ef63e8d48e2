"""concurrency.RoomQueue: the queue between the worker threads and the main thread, bounded with hysteresis (a full
queue takes a worker's next item only once the main thread has taken it down to its low water), FIFO, with the
`queue.Queue` operations the CDK's concurrent framework uses."""

from __future__ import annotations

import logging
import threading
import time
from queue import Full

import pytest

from source_pinterest_marketing.concurrency import ConcurrentRead, RoomQueue


def test_items_come_out_in_the_order_they_went_in() -> None:
    queue = RoomQueue(maxsize=10, low_water=5)
    for item in range(10):
        queue.put(item)
    assert queue.full() and queue.qsize() == 10 and not queue.empty()
    assert [queue.get() for _ in range(10)] == list(range(10))
    assert queue.empty()


def test_a_full_queue_refuses_at_once_without_blocking_and_after_a_timeout() -> None:
    queue = RoomQueue(maxsize=3, low_water=1)
    for item in range(3):
        queue.put(item)
    with pytest.raises(Full):
        queue.put("main thread", block=False)  # the CDK's main thread keeps such a message for later
    started = time.monotonic()
    with pytest.raises(Full):
        queue.put("late", timeout=0.1)
    assert 0.09 <= time.monotonic() - started < 2
    assert queue.qsize() == 3


def test_a_worker_waits_for_the_low_water_then_puts() -> None:
    """A worker that found the queue full puts once the consumer has taken it below the low water (not at the first
    free place: the workers refill it in bursts, not one item per item taken)."""
    queue = RoomQueue(maxsize=4, low_water=2)
    for item in range(4):
        queue.put(item)
    put = threading.Event()

    def worker() -> None:
        queue.put("next")
        put.set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert queue.get() == 0  # 3 left: above the low water, the worker still waits
    assert not put.wait(0.3)
    assert queue.get() == 1  # 2 left: not below it
    assert not put.wait(0.3)
    assert queue.get() == 2  # 1 left: the worker is woken and puts
    assert put.wait(5)
    thread.join(5)
    assert [queue.get(), queue.get()] == [3, "next"]


def test_many_workers_and_one_consumer_lose_nothing() -> None:
    queue = RoomQueue(maxsize=50, low_water=25)
    workers, per_worker = 6, 2_000

    def worker(number: int) -> None:
        for item in range(per_worker):
            queue.put((number, item))

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(workers)]
    for thread in threads:
        thread.start()
    taken = [queue.get(timeout=10) for _ in range(workers * per_worker)]
    for thread in threads:
        thread.join(5)
    for number in range(workers):
        assert [item for worker_number, item in taken if worker_number == number] == list(range(per_worker))
    assert queue.empty()


def test_task_counting_is_not_offered() -> None:
    queue = RoomQueue()
    with pytest.raises(NotImplementedError):
        queue.task_done()
    with pytest.raises(NotImplementedError):
        queue.join()


def test_the_concurrent_read_uses_it() -> None:
    read = ConcurrentRead(logging.getLogger("test"), num_workers=4)
    assert isinstance(read.queue, RoomQueue)
