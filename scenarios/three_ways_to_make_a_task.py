"""Three ways to make a task

``asyncio.create_task(coro)``, ``asyncio.ensure_future(coro)`` and
``loop.create_task(coro)`` (with ``loop = asyncio.get_running_loop()``) all do the
same thing with a coroutine: wrap it in a Task and schedule it on the running loop.
In fact the first two call the third. Prefer ``asyncio.create_task()``: it says what
it does and takes a ``name``. ``ensure_future()`` is older and more general (given
something that is already a future it hands it back unchanged) and takes no name, so
here the task is named afterwards with ``set_name()``.

What to look for:

- Three lanes, ``create_task``, ``ensure_future`` and ``loop.create_task``, each
  made by ``main`` (a creation arrow from ``main`` to each).
- The three lanes look the same: suspended on ``sleep(1.0)`` from the start, and done
  at 1.0 s (a green dot).
- ``main`` waits for all three with ``gather()``: it is suspended on
  ``gather(3 awaitables)`` until 1.0 s, is woken by the last to finish (an arrow), and
  prints ``[42, 42, 42]``: the same result three times.
"""

import asyncio

TAGS = ("basics", "tasks")
ORDER = 15

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
创建任务的三种方式

对一个协程来说，``asyncio.create_task(coro)``、``asyncio.ensure_future(coro)`` 和
``loop.create_task(coro)``（其中 ``loop = asyncio.get_running_loop()``）做的是同一件
事：把它包装成 Task，并安排在正在运行的事件循环上运行。实际上前两者调用的就是第三
个。首选 ``asyncio.create_task()``：它名副其实，还接受 ``name`` 参数。
``ensure_future()`` 更老也更通用（传给它的如果已经是一个 future，它原样返回），而且
不接受名字，所以这里在创建之后用 ``set_name()`` 给任务命名。

要看什么：

- 三条泳道 ``create_task``、``ensure_future`` 和 ``loop.create_task``，每条都由
  ``main`` 创建（从 ``main`` 指向各自的创建箭头）。
- 三条泳道看起来一模一样：从一开始就挂起在 ``sleep(1.0)`` 上，在 1.0 秒时完成
  （一个绿点）。
- ``main`` 用 ``gather()`` 等待这三个任务：直到 1.0 秒它都挂起在
  ``gather(3 awaitables)`` 上，被最后一个结束的任务唤醒（一支箭头），并打印
  ``[42, 42, 42]``：同一个结果出现了三次。
"""


async def answer() -> int:
    await asyncio.sleep(1.0)
    return 42


async def main() -> None:
    loop = asyncio.get_running_loop()

    first = asyncio.create_task(answer(), name="create_task")
    second = asyncio.ensure_future(answer())
    second.set_name("ensure_future")  # ensure_future() takes no name
    third = loop.create_task(answer(), name="loop.create_task")

    print(await asyncio.gather(first, second, third))  # [42, 42, 42]


if __name__ == "__main__":
    asyncio.run(main())
