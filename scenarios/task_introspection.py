"""Task names, current_task() and all_tasks()

Every task has a name: the one given with ``create_task(coro, name=...)``, or
``Task-N`` if none was. ``task.set_name()`` changes it at any time, and the chart
labels each lane with it. ``asyncio.current_task()`` returns the task running the
code that calls it, so a coroutine can ask who it is running in;
``asyncio.all_tasks()`` returns the loop's tasks that have not finished yet. Here
``workers`` downloads take 1, 2, 3 ... seconds; one more task is made without a name.

What to look for:

- Lanes ``download-1``, ``download-3``, ... as named (``download-2`` renames itself,
  below), and one called ``Task-N``: the name asyncio gave it. The number comes from
  one counter for the whole process: on 3.11 and 3.12 every ``create_task()``
  advances it, named or not; from 3.13 only a task made without a name does. So it
  varies.
- At 0.5 s ``main`` prints what ``all_tasks()`` returns: every lane, ``main``
  included. At 1.5 s it prints one fewer: ``download-1`` has finished (its end
  mark is at 1.0 s), and a finished task is not listed.
- ``download-2`` renames itself with ``current_task().set_name()`` when its download
  is done, at 2.0 s. The chart has one name per lane, the last: the lane reads
  ``saving-2`` from its start, although it was ``download-2`` until 2.0 s,
  as the printed lines show.
"""

import asyncio

TAGS = ("advanced", "tasks")
ORDER = 94

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
任务名、current_task() 和 all_tasks()

每个任务都有名字：用 ``create_task(coro, name=...)`` 给的名字，没给就叫
``Task-N``。``task.set_name()`` 随时可以改名，图表用它来标注每条泳道。
``asyncio.current_task()`` 返回正在运行调用它的代码的那个任务，所以协程可以问自己
在哪个任务里运行；``asyncio.all_tasks()`` 返回事件循环里还没结束的任务。这里有
``workers`` 个下载任务，分别用 1、2、3……秒；另外还有一个没起名字的任务。

要看什么：

- 泳道 ``download-1``、``download-3``……按所起的名字命名（``download-2`` 给自己改了
  名，见下文），还有一条叫 ``Task-N``：这是 asyncio 给它起的名字。这个数字来自整个
  进程共用的一个计数器：在 3.11 和 3.12 上，每次 ``create_task()`` 都会让它加一，
  不管起没起名字；从 3.13 起，只有不起名字创建的任务才会。所以这个数字并不固定。
- 0.5 秒时 ``main`` 打印 ``all_tasks()`` 的返回值：每条泳道都在，包括 ``main``。
  1.5 秒时少了一个：``download-1`` 已经结束（它的结束标记在 1.0 秒处），结束了的
  任务不会被列出。
- ``download-2`` 在下载完成时（2.0 秒）用 ``current_task().set_name()`` 给自己改名。
  图表每条泳道只有一个名字，即最后的那个：这条泳道从一开始就写着
  ``saving-2``，尽管它在 2.0 秒之前一直叫 ``download-2``，打印出的各行
  可以作证。
"""


def names(tasks: set[asyncio.Task[None]]) -> str:
    return ", ".join(sorted(task.get_name() for task in tasks))


async def download(seconds: float) -> None:
    me = asyncio.current_task()
    assert me is not None
    print(f"{me.get_name()}: downloading")
    await asyncio.sleep(seconds)
    if me.get_name() == "download-2":
        me.set_name("saving-2")  # the lane is labelled with the last name
        print(f"renamed itself to {me.get_name()!r}")
        await asyncio.sleep(0.5)


async def idle() -> None:
    await asyncio.sleep(2.0)


async def main(workers: int = 3) -> None:
    me = asyncio.current_task()
    assert me is not None  # (None only outside any task)
    print(f"main runs in the task named {me.get_name()!r}")
    downloads = [
        asyncio.create_task(download(n), name=f"download-{n}") for n in range(1, workers + 1)
    ]
    unnamed = asyncio.create_task(idle())  # no name given: Task-N
    await asyncio.sleep(0.5)
    print(f"at 0.5 s, {len(asyncio.all_tasks())} tasks: {names(asyncio.all_tasks())}")
    await asyncio.sleep(1.0)
    print(f"at 1.5 s, {len(asyncio.all_tasks())} tasks: {names(asyncio.all_tasks())}")
    await asyncio.gather(*downloads, unnamed)


if __name__ == "__main__":
    asyncio.run(main())
