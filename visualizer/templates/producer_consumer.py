"""NAME: a producer and its consumers, a queue between them

A producer makes ``items`` items, one every ``make`` seconds, and puts each on an
``asyncio.Queue`` with room for ``maxsize``; ``consumers`` consumers take them off
and need ``use`` seconds for each. The queue lets both sides go at their own pace
until it is full: then the producer must wait for room (*backpressure*), and a
consumer with nothing to take waits for the next item. When the producer is done,
``await queue.join()`` waits until every item is used, and the consumers, which
would wait for ever, are cancelled.

What to look for:

- The consumers are slower than the producer (with the defaults), so the queue fills
  and the ``producer`` is suspended on ``Queue.put`` until a consumer takes an item.
- Each consumer is suspended on ``Queue.get`` while the queue is empty; a "woken by"
  arrow runs from the producer to the consumer it fed.
- The ``queue`` row under the tasks shows how full the queue is: never more than
  ``maxsize`` items.
- At the end the consumers are cancelled, waiting on ``Queue.get`` for an item that
  will never come.
- Try ``consumers=4``: now the queue never fills, and the producer never waits.
"""

import asyncio

TAGS = ("queue", "synchronization")

# the docstring in Simplified Chinese, shown when the app's language is Chinese
# (keep its bullets in step with the English ones)
EXPLAIN_ZH = """\
NAME：一个生产者和它的消费者，中间隔着一个队列

生产者每 ``make`` 秒做出一件物品，共 ``items`` 件，每件都放进一个容量为 ``maxsize``
的 ``asyncio.Queue``；``consumers`` 个消费者从中取出物品，每件要花 ``use`` 秒。队列让
双方各按自己的节奏进行，直到它满了：这时生产者必须等待空位（*背压*，backpressure），
而没有东西可取的消费者则等待下一件物品。生产者做完以后，``await queue.join()`` 一直
等到每件物品都被用完，然后取消那些本会永远等下去的消费者。

要看什么：

- 消费者比生产者慢（默认参数下），所以队列会被填满，``producer`` 挂起在
  ``Queue.put`` 上，直到有消费者取走一件物品。
- 队列为空时，每个消费者都挂起在 ``Queue.get`` 上；一支“唤醒”箭头从生产者指向它
  喂给的那个消费者。
- 任务泳道下方的 ``queue`` 行显示队列有多满：从不超过 ``maxsize`` 件。
- 最后，消费者在 ``Queue.get`` 上等待一件永远不会来的物品时被取消。
- 试试 ``consumers=4``：这时队列从不会满，生产者从不等待。
"""


async def producer(queue: asyncio.Queue[int], items: int, make: float) -> None:
    for item in range(1, items + 1):
        await asyncio.sleep(make)  # making the item
        await queue.put(item)  # waits while the queue is full


async def consumer(queue: asyncio.Queue[int], use: float) -> None:
    while True:  # until cancelled
        await queue.get()  # waits while the queue is empty
        await asyncio.sleep(use)  # using the item
        queue.task_done()


async def main(
    items: int = 8, maxsize: int = 2, consumers: int = 2, make: float = 0.1, use: float = 0.5
) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize)
    workers = [
        asyncio.create_task(consumer(queue, use), name=f"consumer-{number}")
        for number in range(1, consumers + 1)
    ]
    await asyncio.create_task(producer(queue, items, make), name="producer")
    await queue.join()  # every item used
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print(f"{items} items through a queue of {maxsize}, {consumers} consumers")


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_a_full_queue_holds_the_producer(run):
    """The producer waits on Queue.put only while the queue is full, until a consumer
    takes an item; with the defaults it does wait (the consumers are slower)."""
    producer, queue = run.task("producer"), run.resource("queue")
    puts = producer.waits_on("Queue.put")
    for wait in puts:
        _kind, waker = wait.woken_by
        assert waker.name.startswith("consumer-")
    if queue.peak_level < run.params["maxsize"]:
        assert not puts  # (never full: never a wait for room)
    if run.params["consumers"] * run.params["make"] < run.params["use"] / 2:
        assert puts  # (far slower consumers: the queue must fill)


def check_the_producer_feeds_the_consumers(run):
    """Each consumer waits on Queue.get, woken by the producer, and is cancelled at the end."""
    for consumer in run.tasks("consumer-"):
        assert consumer.waits_on("Queue.get")
        assert consumer.woken_by(run.task("producer"))
        assert consumer.outcome == "cancelled"


def check_the_queue_never_overflows(run):
    """The queue never holds more than maxsize items."""
    assert run.resource("queue").peak_level <= run.params["maxsize"]


def check_the_consumers_work_side_by_side(run):
    """The consumers use their items at the same time, each at its own pace."""
    first, *others = run.tasks("consumer-")
    for other in others:
        assert first.ran_concurrently_with(other)


if __name__ == "__main__":
    asyncio.run(main())
