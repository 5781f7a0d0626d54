"""shield(): cancel the waiter, not the work

A task that awaits another task and is cancelled passes the cancel on: the task it
awaits is cancelled too. ``await asyncio.shield(work)`` stops that: the waiter is
cancelled (its ``await`` raises ``CancelledError``) but ``work`` is not, and carries
on to its end. Here a ``handler`` starts a 2.0 s ``save`` and awaits it, and ``main``
cancels the handler after 1.0 s, as a server does when a client hangs up. Keep a
reference to the shielded task (here in the set ``saving``): the loop keeps only a
weak one.

What to look for:

- ``handler`` creates ``save``, is suspended on ``shield`` (``shielded=True``) or on
  ``Task 'save'`` (``shielded=False``), and ends cancelled at 1.0 s (a purple square).
- ``shielded=True``: the cancel arrow runs from ``main`` to ``handler`` only; ``save``
  stays suspended on ``sleep(2.0)`` after the handler is gone and is done at 2.0 s;
  ``main`` prints ``save: 'saved'``.
- ``shielded=False``: the cancel passes on to ``save`` (the arrow runs from ``main`` to
  ``save``, then from ``save`` to ``handler``, woken as ``save`` ends): its sleep is
  cut short at 1.0 s and it ends cancelled too; ``main`` prints ``save: cancelled``.
- ``main`` is suspended on ``sleep(1.0)``, cancels the handler, then is suspended on
  ``wait`` until both tasks have ended.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("cancellation", "shield")
ORDER = 64

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
shield()：取消等待者，不取消工作

一个任务在 await 另一个任务时被取消，会把取消传下去：它等待的那个任务也被取消。
``await asyncio.shield(work)`` 阻止了这一点：等待者被取消（它的 ``await`` 抛出
``CancelledError``），但 ``work`` 不会，它继续运行到结束。这里 ``handler`` 启动一个
耗时 2.0 秒的 ``save`` 并等待它，``main`` 在 1.0 秒后取消 handler，就像客户端断开时
服务器所做的那样。要保留对被保护任务的引用（这里放在集合 ``saving`` 里）：事件循环
只持有它的弱引用。

要看什么：

- ``handler`` 创建 ``save``，挂起在 ``shield``（``shielded=True``）或
  ``Task 'save'``（``shielded=False``）上，1.0 秒时以取消告终（一个紫色方块）。
- ``shielded=True``：取消箭头只从 ``main`` 指向 ``handler``；handler 结束后，``save``
  仍挂起在 ``sleep(2.0)`` 上，在 2.0 秒时完成；``main`` 打印 ``save: 'saved'``。
- ``shielded=False``：取消被传给了 ``save``（箭头从 ``main`` 指向 ``save``，再从
  ``save`` 指向 ``handler``：``save`` 结束时唤醒它）：``save`` 的 sleep 在 1.0 秒时被
  截断，它也以取消告终；``main`` 打印 ``save: cancelled``。
- ``main`` 挂起在 ``sleep(1.0)`` 上，取消 handler，然后挂起在 ``wait`` 上，直到两个
  任务都结束。
"""


async def save() -> str:
    await asyncio.sleep(2.0)  # writing to the database
    return "saved"


async def handler(saving: set[asyncio.Task[str]], shielded: bool) -> None:
    work = asyncio.create_task(save(), name="save")
    saving.add(work)  # keep a reference: the loop keeps only a weak one
    if shielded:
        await asyncio.shield(work)
    else:
        await work
    print("handler: saved")  # not reached: the handler is cancelled first


async def main(shielded: bool = True) -> None:
    saving: set[asyncio.Task[str]] = set()
    waiter = asyncio.create_task(handler(saving, shielded), name="handler")
    await asyncio.sleep(1.0)
    waiter.cancel()  # the client hung up
    await asyncio.wait([waiter, *saving])  # until both have ended (wait() raises nothing)
    (work,) = saving
    print(f"handler: {'cancelled' if waiter.cancelled() else 'done'}")
    print(f"save: {'cancelled' if work.cancelled() else repr(work.result())}")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_the_handler_is_cancelled_at_one_second(run):
    """handler creates save, is suspended on shield (shielded=True) or on Task 'save'
    (shielded=False), and ends cancelled at 1.0 s."""
    handler, save = run.task("handler"), run.task("save")
    assert save.created_by is handler
    (wait,) = handler.waits
    assert wait.what == ("shield" if run.params["shielded"] else "Task 'save'")
    assert (handler.outcome, handler.ended) == ("cancelled", about(1.0))
    assert "handler: cancelled\n" in run.output


def check_shielded_the_work_carries_on(run):
    """shielded=True: the cancel goes from main to handler only; save stays suspended on
    sleep(2.0) after the handler is gone and is done at 2.0 s."""
    if not run.params["shielded"]:
        skip("only with shielded=True")
    main, handler, save = run.task("main"), run.task("handler"), run.task("save")
    assert handler.waits[0].woken_by == ("cancel", main)
    (nap,) = save.waits
    assert (nap.what, nap.end, nap.woken_by) == ("sleep(2.0)", about(2.0), ("timer", None))
    assert (save.outcome, save.ended) == ("done", about(2.0))
    assert run.output.endswith("save: 'saved'\n")


def check_unshielded_the_cancel_passes_on(run):
    """shielded=False: the cancel passes on to save, whose sleep is cut short at 1.0 s; it
    ends cancelled too and wakes the handler as it ends."""
    if run.params["shielded"]:
        skip("only with shielded=False")
    main, handler, save = run.task("main"), run.task("handler"), run.task("save")
    (nap,) = save.waits
    assert (nap.what, nap.end, nap.woken_by) == ("sleep(2.0)", about(1.0), ("cancel", main))
    assert (save.outcome, save.ended) == ("cancelled", about(1.0))
    assert handler.waits[0].woken_by == ("task", save)
    assert run.output.endswith("save: cancelled\n")


def check_main_sleeps_cancels_then_waits_for_both(run):
    """main is suspended on sleep(1.0), cancels the handler, then is suspended on wait
    until both tasks have ended."""
    main = run.task("main")
    nap, wait = main.waits
    assert (nap.what, nap.end) == ("sleep(1.0)", about(1.0))
    last = max(run.task("handler").ended, run.task("save").ended)
    assert (wait.what, wait.end) == ("wait", about(last))
    assert run.duration == about(2.0 if run.params["shielded"] else 1.0)


if __name__ == "__main__":
    asyncio.run(main())
