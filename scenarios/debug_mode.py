"""Debug mode: asyncio points at your mistakes

asyncio has a debug mode (``asyncio.run(main(), debug=True)``, ``PYTHONASYNCIODEBUG=1``,
``python -X dev``, or ``loop.set_debug(True)`` as here) that checks what it otherwise
trusts. Two of its checks: a callback or task step that holds the loop longer than
``loop.slow_callback_duration`` (0.1 s) is logged as "Executing <Task ...> took ...
seconds", and a coroutine that is never awaited is reported with the stack that
*created* it, not just the line where it was dropped. Here ``report`` forgets an ``await``
before ``save()``, and ``resize`` does 0.15 s of work without awaiting.

What to look for:

- ``debug=True``: a warning (an orange star) on ``resize``'s lane at the end of its
  long step: "Executing Task 'resize' took 0.151 seconds" (about 0.15 s; the last
  digit varies); hover over it for asyncio's whole message. The red band shows the
  same step holding the loop.
- A warning on ``report``'s lane: "RuntimeWarning: coroutine 'save' was never awaited".
  Its tooltip names the line ``save("report.txt")`` in both modes: the coroutine was
  created and dropped on that same line. What only debug mode adds is the stack that
  created it ("Coroutine created at ..."). ``report`` never waits on ``save``: it has
  no ``sleep(0.2)`` of its own.
- ``debug=False``: the same chart, with the never-awaited warning (without that stack)
  but no slow-step warning: without debug mode asyncio does not time its steps.
"""

import asyncio
import time

TAGS = ("advanced", "debugging", "pitfalls")
ORDER = 96

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
调试模式：asyncio 指出你的错误

asyncio 有一个调试模式（``asyncio.run(main(), debug=True)``、``PYTHONASYNCIODEBUG=1``、
``python -X dev``，或者像这里一样调用 ``loop.set_debug(True)``），它会检查平时默认
相信的事情。其中两项检查：一个回调或任务的一步占用事件循环超过
``loop.slow_callback_duration``（0.1 秒）时，会记录 “Executing <Task ...> took ...
seconds”；一个从未被 await 的协程在报告时会给出 *创建* 它的调用栈，而不只是它被丢弃
的那一行。这里 ``report`` 在 ``save()`` 前面忘了写 ``await``，而 ``resize`` 不 await 地
工作了 0.15 秒。

要看什么：

- ``debug=True``：在 ``resize`` 的泳道上、它那长长一步的结尾处有一个警告（橙色星号）：
  “Executing Task 'resize' took 0.151 seconds”（约 0.15 秒；最后一位数字会变）；把
  鼠标停在上面可以看到 asyncio 的完整消息。红色色带显示的是同一步占住了事件循环。
- ``report`` 的泳道上有一个警告：“RuntimeWarning: coroutine 'save' was never
  awaited”。两种模式下，它的提示里都写着 ``save("report.txt")`` 这一行：协程就是在
  这同一行创建、又被丢弃的。只有调试模式才多给出的，是创建它的调用栈（“Coroutine
  created at ...”）。``report`` 从未等待 ``save``：它自己没有 ``sleep(0.2)``。
- ``debug=False``：图是一样的，有“从未 await”的警告（没有那段调用栈），但没有
  “一步太慢”的警告：不在调试模式时，asyncio 不给每一步计时。
"""


async def save(text: str) -> None:
    await asyncio.sleep(0.2)  # writing to disk, say
    print(f"saved {text!r}")


async def report() -> None:
    await asyncio.sleep(0.5)
    save("report.txt")  # the mistake: no await, so save() never runs
    await asyncio.sleep(0.5)


async def resize() -> None:
    await asyncio.sleep(0.2)
    time.sleep(0.15)  # 0.15 s of work that never awaits: too long a step


async def main(debug: bool = True) -> None:
    asyncio.get_running_loop().set_debug(debug)
    await asyncio.gather(
        asyncio.create_task(report(), name="report"),
        asyncio.create_task(resize(), name="resize"),
    )
    print("done; report.txt was never saved")


if __name__ == "__main__":
    asyncio.run(main())
