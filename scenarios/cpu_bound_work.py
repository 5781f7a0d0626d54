"""CPU-bound work: in the loop, in threads, in processes

A CPU-bound function (here ``count_primes``, pure Python, about 0.3 s of work) never
awaits. Called in a task, it holds the loop for its whole length. ``run_in_executor``
on a thread pool keeps the loop free, but the GIL lets only one thread run Python
code at a time (on the standard build; the free-threaded 3.13t/3.14t build has no
GIL): two jobs in two threads take as long as one after the other. A process pool
runs each job in a Python of its own, so on two free cores two jobs take as long as
one. A worker process takes a while to start, so the pool is started first and then
reused. ``where`` picks the place; the lines printed at the end say where and when
each job ran, and how much CPU it used.

What to look for:

- ``where="loop"``: ``job-1`` and then ``job-2`` are *running* for a whole job each
  (``job-2`` is *ready* meanwhile), under a red band; the ``ticker``'s ``sleep(0.1)``
  stretches over both: it cannot tick until they are done.
- ``where="threads"``: both jobs are suspended on ``run_in_executor(count_primes)``
  while the rows ``thread worker_0`` and ``thread worker_1`` run them; the ticker keeps
  ticking, but the jobs take twice as long as one alone: each got half of one core.
- ``where="processes"``: ``main`` first waits on ``gather`` while the two worker
  processes start (the ``worker_pid`` jobs); then both jobs are suspended on
  ``run_in_executor(count_primes)``, and the ticker keeps ticking. The chart cannot
  see inside other processes: the rows ``process pool 1`` and ``process pool 2`` (as
  many as jobs at once) show each job from its submission to its result, with an
  arrow up to the task it woke.
- At the end ``main`` shuts the process pool down in a thread,
  ``to_thread(ProcessPoolExecutor.shutdown)``: waiting for processes to exit would
  block the loop.
- The ``done`` row under the tasks is a thin line (the event clear) while the jobs
  work, and a filled bar from when ``main`` sets it, once both are done. It has no tick
  marks: the ticker never waits on the event, it checks ``is_set()`` after each tick,
  and its lane ends at its first tick after the row fills.
"""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Literal, NamedTuple

TAGS = ("blocking", "executor", "processes")
ORDER = 82

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
CPU 密集的工作：放在事件循环里、线程里、进程里

CPU 密集的函数（这里是 ``count_primes``，纯 Python，约 0.3 秒的工作）从不 await。
在任务里直接调用它，它会在整个运行期间占住事件循环。用 ``run_in_executor`` 放进线程池
能让事件循环保持空闲，但 GIL 同一时刻只让一个线程运行 Python 代码（标准构建如此；
自由线程的 3.13t/3.14t 构建没有 GIL）：两个线程里的两个作业，与一个接一个地运行用时
相同。进程池让每个作业在各自的 Python 进程里运行，所以在
两个空闲的核上，两个作业只需一个作业的时间。工作进程启动需要一些时间，所以先启动进程池，
之后重复使用。``where`` 选择在哪里运行；最后打印的几行说明每个作业在哪里、何时运行，
用了多少 CPU。

要看什么：

- ``where="loop"``：``job-1`` 和随后的 ``job-2`` 各自在整整一个作业的时间里处于
  *运行* 状态（其间 ``job-2`` 处于 *就绪* 状态），上方是红色色带；``ticker`` 的
  ``sleep(0.1)`` 被拉长，跨过两个作业：作业结束前它无法跳动。
- ``where="threads"``：两个作业都挂起在 ``run_in_executor(count_primes)`` 上，同时
  ``thread worker_0`` 和 ``thread worker_1`` 两行在运行它们；ticker 照常跳动，但两个
  作业的用时是单独一个的两倍：每个只分到半个核。
- ``where="processes"``：``main`` 先挂起在 ``gather`` 上，等两个工作进程启动（即
  ``worker_pid`` 作业）；之后两个作业挂起在 ``run_in_executor(count_primes)`` 上，
  ticker 照常跳动。图表看不到其他进程的内部：``process pool 1`` 和 ``process pool 2``
  两行（同时有几个作业就有几行）画出每个作业从提交到拿到结果的时间，并有一支箭头向上
  指向它唤醒的任务。
- 最后 ``main`` 在一个线程里关闭进程池，即
  ``to_thread(ProcessPoolExecutor.shutdown)``：等待进程退出会阻塞事件循环。
- 任务泳道下方的 ``done`` 行在作业进行期间是一条细线（事件未设置），两个作业都完成后
  ``main`` 设置它，从那时起变成实心横条。它没有刻度线：ticker 从不等待这个事件，只在
  每次跳动后检查 ``is_set()``，这一行填满后的第一次跳动时，它的泳道就结束了。
"""

LIMIT = 300_000  # count_primes(LIMIT): about 0.3 s of work (0.1 s, 150_000, sat on the
# 0.1 s a step must hold the loop to be drawn as blocking it: a quick machine missed it)


class Counted(NamedTuple):
    """What a job found, and where and when it ran (``time.monotonic``, which every
    process on the machine shares)."""

    primes: int
    ran_in: str
    start: float
    end: float
    cpu: float  #: seconds of CPU the job itself used


def count_primes(limit: int) -> Counted:
    """Count the primes below ``limit`` the slow way: pure Python, all CPU, no await."""
    start, cpu = time.monotonic(), time.thread_time()
    primes = 0
    for n in range(2, limit):
        for d in range(2, int(n**0.5) + 1):
            if n % d == 0:
                break
        else:
            primes += 1
    ran_in = f"process {os.getpid()}, thread {threading.current_thread().name}"
    return Counted(primes, ran_in, start, time.monotonic(), time.thread_time() - cpu)


def worker_pid() -> int:
    """Say hello from a worker process."""
    time.sleep(0.1)  # long enough for the other worker to take the next hello
    return os.getpid()


# A pool's worker process finds a job's function by the name of its module. Run as a
# script, this module is __main__, which a worker loads by itself. Loaded from its path
# under another name (as asyncviz loads a scenario), no other process could import it,
# so each worker first loads this file under that name.
_LOAD_THIS_FILE = """\
import importlib.util, sys
spec = importlib.util.spec_from_file_location(NAME, PATH)
module = importlib.util.module_from_spec(spec)
sys.modules[NAME] = module
spec.loader.exec_module(module)
"""


async def start_process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, each already started."""
    # "spawn": each worker is a fresh Python (forking a process that runs threads, as
    # the app does, is unsafe)
    context = multiprocessing.get_context("spawn")
    if __name__ == "__main__":
        pool = ProcessPoolExecutor(workers, mp_context=context)
    else:
        load = (_LOAD_THIS_FILE, {"NAME": __name__, "PATH": __file__})
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=exec, initargs=load)
    # a worker process starts at its first job: have each one say hello
    loop = asyncio.get_running_loop()
    pids: set[int] = set()
    while len(pids) < workers:
        hellos = [loop.run_in_executor(pool, worker_pid) for _ in range(workers)]
        pids.update(await asyncio.gather(*hellos))
    return pool


async def ticker(done: asyncio.Event, ticks: list[float]) -> None:
    while not done.is_set():
        await asyncio.sleep(0.1)
        ticks.append(time.monotonic())


async def job(pool: Executor | None) -> Counted:
    if pool is None:
        return count_primes(LIMIT)  # in this task's step: the loop waits
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, count_primes, LIMIT)


async def main(where: Literal["loop", "threads", "processes"] = "loop") -> None:
    pool: Executor | None = None
    if where == "threads":
        pool = ThreadPoolExecutor(2, thread_name_prefix="worker")
    elif where == "processes":
        pool = await start_process_pool(2)
    try:
        done = asyncio.Event()
        ticks: list[float] = []
        tick = asyncio.create_task(ticker(done, ticks), name="ticker")
        await asyncio.sleep(0.25)
        start = time.monotonic()
        jobs = [asyncio.create_task(job(pool), name=f"job-{i}") for i in (1, 2)]
        results = await asyncio.gather(*jobs)
        end = time.monotonic()
        done.set()
        await tick
    finally:
        if isinstance(pool, ProcessPoolExecutor):
            # (waits for the worker processes to exit, which takes a while: not in the loop)
            await asyncio.to_thread(pool.shutdown)
        elif pool is not None:
            pool.shutdown()
    for i, counted in enumerate(results, 1):
        print(
            f"job-{i}: {counted.primes} primes, in {counted.ran_in}, "
            f"from {counted.start - start:.2f} to {counted.end - start:.2f} s "
            f"({counted.cpu:.2f} s of CPU)"
        )
    ticked = sum(start < t < end for t in ticks)
    print(
        f"{where}: both jobs done in {end - start:.2f} s; "
        f"the ticker ticked {ticked} times meanwhile"
    )


if __name__ == "__main__":
    asyncio.run(main())
