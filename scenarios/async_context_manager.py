"""async with: setup and cleanup that await

``async with resource as r:`` awaits ``resource.__aenter__()`` before the block and
``resource.__aexit__(...)`` after it, even when the block raises. Both are coroutines,
so opening and closing can do I/O: a network handshake, a goodbye message. They run
in the task that runs the ``async with``: no new task is made. Write the two methods in
a class, or write one generator with ``@contextlib.asynccontextmanager``: the code
before its ``yield`` is the setup, the code after it (in ``finally:``) the cleanup.

What to look for:

- One lane, ``main``, suspended three times: ``sleep(0.5)`` (opening), ``sleep(1.0)``
  (the query in the block), ``sleep(0.5)`` (closing). The run takes 2.0 s.
- Click the first and the last ``sleep(0.5)``: the details name their lines, inside
  ``__aenter__`` and ``__aexit__`` (``style="class"``) or before and after the
  ``yield`` of ``connect`` (``style="decorator"``). The await stack starts at
  ``main``'s ``async with`` line.
- ``fail=True``: the block raises after the query, and the closing ``sleep(0.5)`` is
  still there before ``main`` catches the error: cleanup always runs. The run still
  takes 2.0 s.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Literal

TAGS = ("advanced", "syntax")
ORDER = 90

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
async with：需要 await 的准备与清理

``async with resource as r:`` 在代码块之前 await ``resource.__aenter__()``，在代码块
之后 await ``resource.__aexit__(...)``，即使代码块抛出异常也是如此。两者都是协程，
所以打开和关闭时都可以做 I/O：网络握手、告别消息。它们在执行 ``async with`` 的那个
任务里运行：不会创建新任务。可以在一个类里写这两个方法，也可以用
``@contextlib.asynccontextmanager`` 写一个生成器：``yield`` 之前的代码是准备，之后
（在 ``finally:`` 里）的代码是清理。

要看什么：

- 只有一条泳道 ``main``，挂起了三次：``sleep(0.5)``（打开）、``sleep(1.0)``（代码块
  里的查询）、``sleep(0.5)``（关闭）。运行用时 2.0 秒。
- 点击第一个和最后一个 ``sleep(0.5)``：详情里给出它们所在的行，在 ``__aenter__`` 和
  ``__aexit__`` 里（``style="class"``），或者在 ``connect`` 的 ``yield`` 之前和之后
  （``style="decorator"``）。await 栈从 ``main`` 的 ``async with`` 那一行开始。
- ``fail=True``：代码块在查询之后抛出异常，但关闭用的 ``sleep(0.5)`` 依然在，之后
  ``main`` 才捕获到错误：清理总会执行。运行仍然用时 2.0 秒。
"""


class Connection:
    """A connection whose opening and closing each take a network round trip."""

    def __init__(self, host: str) -> None:
        self.host = host

    async def __aenter__(self) -> "Connection":
        await asyncio.sleep(0.5)  # the handshake
        print(f"connected to {self.host}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.sleep(0.5)  # the goodbye
        print(f"closed the connection to {self.host}")

    async def query(self, sql: str) -> list[int]:
        await asyncio.sleep(1.0)  # the query's round trip
        return [1, 2, 3]


@contextlib.asynccontextmanager
async def connect(host: str) -> AsyncIterator[Connection]:
    """The same as ``async with Connection(host)``, as one generator."""
    connection = Connection(host)
    await asyncio.sleep(0.5)  # the handshake, before the yield
    print(f"connected to {host}")
    try:
        yield connection  # the body of the async with runs here
    finally:
        await asyncio.sleep(0.5)  # the goodbye, after the yield
        print(f"closed the connection to {host}")


async def main(style: Literal["class", "decorator"] = "class", fail: bool = False) -> None:
    resource = Connection("db") if style == "class" else connect("db")
    try:
        async with resource as connection:
            rows = await connection.query("SELECT id FROM users")
            print(f"got {len(rows)} rows")
            if fail:
                raise ValueError("bad row")
    except ValueError as error:
        print(f"caught {error!r}, after the connection was closed")


if __name__ == "__main__":
    asyncio.run(main())
