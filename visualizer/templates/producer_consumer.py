"""NAME: a producer and its consumers, a queue between them

A producer makes ``items`` items, one every ``make`` seconds, and puts each on an
``asyncio.Queue`` with room for ``maxsize``; ``consumers`` consumers take them off
and need ``use`` seconds for each. The queue lets both sides go at their own pace
until it is full: then the producer must wait for room (*backpressure*), and a
consumer with nothing to take waits for the next item.

What to look for:

- The consumers are slower than the producer (with the defaults), so the queue fills
  and the ``producer`` is suspended on ``Queue.put`` until a consumer takes an item.
- Each consumer is suspended on ``Queue.get`` while the queue is empty; a "woken by"
  arrow runs from the producer to the consumer it fed.
- The ``queue`` row under the tasks shows how full the queue is: never more than
  ``maxsize`` items.
- Try ``consumers=4``: now the consumers keep up, and the producer never waits.
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
而没有东西可取的消费者则等待下一件物品。

要看什么：

- 消费者比生产者慢（默认参数下），所以队列会被填满，``producer`` 挂起在
  ``Queue.put`` 上，直到有消费者取走一件物品。
- 队列为空时，每个消费者都挂起在 ``Queue.get`` 上；一支“唤醒”箭头从生产者指向它
  喂给的那个消费者。
- 任务泳道下方的 ``queue`` 行显示队列有多满：从不超过 ``maxsize`` 件。
- 试试 ``consumers=4``：这时消费者跟得上，生产者从不等待。
"""


async def producer(
    queue: asyncio.Queue[int | None], items: int, make: float, consumers: int
) -> None:
    for item in range(1, items + 1):
        await asyncio.sleep(make)  # making the item
        await queue.put(item)  # waits while the queue is full
    for _ in range(consumers):
        await queue.put(None)  # one "no more items" for each consumer


async def consumer(queue: asyncio.Queue[int | None], use: float) -> None:
    while await queue.get() is not None:  # waits while the queue is empty
        await asyncio.sleep(use)  # using the item


async def main(
    items: int = 8, maxsize: int = 2, consumers: int = 2, make: float = 0.1, use: float = 0.5
) -> None:
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize)
    async with asyncio.TaskGroup() as group:
        group.create_task(producer(queue, items, make, consumers), name="producer")
        for number in range(1, consumers + 1):
            group.create_task(consumer(queue, use), name=f"consumer-{number}")
    print(f"{items} items through a queue of {maxsize}, {consumers} consumers")


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_the_producer_waits_for_room(run):
    """The consumers are slower, so the producer waits on Queue.put for room."""
    producer = run.task("producer")
    assert producer.waits_on("Queue.put")


def check_the_consumers_wait_for_items(run):
    """Each consumer waits on Queue.get, woken by the producer."""
    for consumer in run.tasks("consumer-"):
        assert consumer.waits_on("Queue.get")
        assert consumer.woken_by(run.task("producer"))


def check_the_queue_never_overflows(run):
    """The queue never holds more than maxsize items."""
    queue = run.resource("queue")
    assert queue.peak_level == run.params["maxsize"]


def check_the_consumers_work_side_by_side(run):
    """The consumers use their items at the same time, each at its own pace."""
    first, *others = run.tasks("consumer-")
    for other in others:
        assert first.ran_concurrently_with(other)


if __name__ == "__main__":
    asyncio.run(main())
