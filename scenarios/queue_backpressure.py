"""Producer and consumer: a bounded Queue

An ``asyncio.Queue`` hands items from producers to consumers. With ``maxsize`` it holds
at most that many, and ``await queue.put(item)`` waits while it is full: that wait is
*back-pressure*, a fast producer slowed to the consumer's pace instead of piling up
work. Here the producer has ``items`` items ready at once; the consumer takes ``work``
seconds over each.

What to look for:

- The producer puts items until the queue is full, then is suspended on ``Queue.put``;
  each time the consumer takes an item, it wakes the producer (an arrow), which puts
  one more.
- The ``queue`` row under the tasks fills to ``2/2`` at once and stays marked full until
  2.0 s: while the producer waits on ``Queue.put``, each get frees a place for an
  instant only, as the producer it wakes fills it again. After the last put (1.5 s) it
  drains: ``1/2`` at 2.0 s, empty at 2.5 s.
- The consumer's lane is one ``sleep(0.5)`` (the work, ``work=0.5``) after another:
  an item is always waiting, so ``Queue.get`` returns without suspending. Only before
  the first item and after the last is it suspended on ``Queue.get``, for an instant
  each time: at the end ``main`` cancels it (a purple arrow) and waits for it to end.
- Try ``maxsize=0`` (no bound): the producer puts everything at once and is done at the
  start; the queue grows instead: its row jumps to 6 items (5 once the consumer has
  taken the first) and loses one every 0.5 s.
"""

import asyncio
import contextlib
import itertools

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("synchronization", "queue", "concurrency")
ORDER = 55

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
生产者与消费者：有界队列

``asyncio.Queue`` 把条目从生产者交给消费者。设置了 ``maxsize`` 后它最多容纳这么多
条目，队列满时 ``await queue.put(item)`` 会等待：这种等待就是 *背压*，快的生产者被
放慢到消费者的节奏，而不是把工作越堆越多。这里生产者一开始就有 ``items`` 个条目；
消费者处理每个条目要 ``work`` 秒。

要看什么：

- 生产者不断放入条目直到队列满，然后挂起在 ``Queue.put`` 上；消费者每取走一个条目
  就唤醒生产者（一支箭头），生产者再放入一个。
- 任务泳道下方的 ``queue`` 行一开始就涨到 ``2/2``，并一直标为已满，直到 2.0 秒：
  生产者挂起在 ``Queue.put`` 上时，每取走一个条目，空位都只存在一瞬间：被唤醒的
  生产者马上又把它填满。最后一次放入（1.5 秒）之后它逐渐变空：2.0 秒时为
  ``1/2``，2.5 秒时为空。
- 消费者的泳道是一个接一个的 ``sleep(0.5)``（工作，``work=0.5``）：总有条目在等，
  所以 ``Queue.get`` 不挂起就返回了。只有在第一个条目之前和最后一个条目之后，它才
  挂起在 ``Queue.get`` 上，每次都只是一瞬间：最后 ``main`` 取消它（一支紫色箭头），
  并等它结束。
- 试试 ``maxsize=0``（无上限）：生产者一开始就把所有条目放进去并结束；变长的是队列：
  它的行一下子涨到 6 个条目（消费者取走第一个后是 5 个），之后每 0.5 秒少一个。
"""


async def producer(queue: asyncio.Queue[int], items: int) -> None:
    for item in range(items):
        await queue.put(item)  # waits while the queue is full
        print(f"put {item}")


async def consumer(queue: asyncio.Queue[int], work: float) -> None:
    while True:
        item = await queue.get()
        await asyncio.sleep(work)  # the work on one item
        print(f"done with {item}")
        queue.task_done()


async def main(items: int = 6, maxsize: int = 2, work: float = 0.5) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=maxsize)
    worker = asyncio.create_task(consumer(queue, work), name="consumer")
    await asyncio.create_task(producer(queue, items), name="producer")
    await queue.join()  # every item done
    worker.cancel()  # the consumer would wait for ever: stop it ...
    await asyncio.gather(worker, return_exceptions=True)  # ... and wait until it has ended


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_a_full_queue_holds_the_producer(run):
    """The producer puts until the queue is full, then is suspended on Queue.put; each get
    of the consumer wakes it, and it puts one more."""
    items, maxsize = run.params["items"], run.params["maxsize"]
    if maxsize == 0:
        skip("only with a bound, maxsize > 0")
    producer, consumer = run.task("producer"), run.task("consumer")
    puts = producer.waits_on("Queue.put")
    assert len(puts) == max(items - maxsize, 0)
    assert all(put.woken_by == ("task", consumer) for put in puts)
    assert run.resource("queue").peak_level == min(maxsize, items)


def check_the_queue_is_full_until_the_last_put_then_drains(run):
    """The queue row fills to maxsize at once and stays full while the producer waits; after
    the last put it drains, one item per work, empty when the consumer is done."""
    items, maxsize, work = run.params["items"], run.params["maxsize"], run.params["work"]
    if maxsize == 0 or items <= maxsize:
        skip("only when the queue fills: 0 < maxsize < items")
    producer = run.task("producer")
    puts = producer.waits_on("Queue.put")
    assert all(a.end == about(b.start) for a, b in itertools.pairwise(puts))
    assert producer.ended == about((items - maxsize - 1) * work)  # the last put
    assert run.duration == about(items * work)


def check_the_consumer_never_waits_for_an_item(run):
    """The consumer's lane is one sleep(work) after another; only before the first item and
    after the last is it suspended on Queue.get, for an instant: main cancels it then."""
    items, work = run.params["items"], run.params["work"]
    main, consumer = run.task("main"), run.task("consumer")
    kinds = [wait.what.split("(")[0] for wait in consumer.waits]
    assert kinds == ["Queue.get"] + ["sleep"] * items + ["Queue.get"]
    assert all(nap.duration == about(work) for nap in consumer.waits_on("sleep("))
    first, last = consumer.waits_on("Queue.get")
    assert first.duration == about(0.0) and last.duration == about(0.0)
    assert last.woken_by == ("cancel", main) and consumer.outcome == "cancelled"
    assert main.waits[-1].woken_by == ("task", consumer)  # (main waits for it to end)


def check_an_unbounded_queue_never_holds_the_producer(run):
    """maxsize=0: the producer puts everything at once and is done at the start; the queue
    grows to items and loses one every work."""
    items, work = run.params["items"], run.params["work"]
    if run.params["maxsize"] != 0:
        skip("only with maxsize=0")
    producer = run.task("producer")
    assert producer.waits == []
    assert producer.ended == about(0.0)
    assert run.resource("queue").peak_level == items
    assert run.duration == about(items * work)


if __name__ == "__main__":
    asyncio.run(main())
