"""Fetching many URLs, a few at a time

A program that fetches many pages makes one client and shares it (a real one, like
aiohttp's ``ClientSession`` or httpx's ``AsyncClient``, keeps connections open for
reuse), starts a task per URL, and limits how many requests are in flight with an
``asyncio.Semaphore``: all at once would swamp the server, one at a time wastes the
waiting. Here the client is a stand-in whose request is an ``asyncio.sleep`` as long
as the URL's latency (0.6 to 2.0 s); 12 requests take 15.3 s one after another. The
run prints its throughput: requests per second.

What to look for:

- The first ``limit`` fetches go straight to their request, ``sleep(...)``; the others
  are suspended on ``Semaphore.acquire`` until a request ends, then woken by the fetch
  that finished (an arrow).
- At no time are more than ``limit`` fetches in their ``sleep``: a fast request frees
  its place at once, so short and long requests pack together.
- The ``slots`` row under the tasks is at ``3/3 in use``, marked full, from the start to
  4.4 s: a request that ends hands its place straight to a waiting fetch, so the count
  never drops while one waits. It then empties as the last three requests end, at 4.4,
  5.3 and 5.6 s. Its nine tick marks at 0 s are the fetches that start waiting.
- ``limit=1``: one line of requests, 15.3 s. ``limit=3``: 5.6 s. ``limit=12``: all at
  once, as long as the slowest request, 2.0 s.
"""

import asyncio

TAGS = ("patterns", "semaphore", "concurrency")
ORDER = 97

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
抓取许多 URL，每次几个

抓取许多页面的程序只创建一个客户端并共享它（真实的客户端，如 aiohttp 的
``ClientSession`` 或 httpx 的 ``AsyncClient``，会保持连接以便复用），为每个 URL 启动
一个任务，并用 ``asyncio.Semaphore`` 限制同时进行的请求数：一下子全发出去会压垮服务器，
一次一个又白白浪费了等待的时间。这里的客户端是个替身，它的请求就是一次
``asyncio.sleep``，时长等于该 URL 的延迟（0.6 到 2.0 秒）；12 个请求一个接一个要
15.3 秒。运行结束时打印吞吐量：每秒完成的请求数。

要看什么：

- 前 ``limit`` 个 fetch 直接开始请求 ``sleep(...)``；其余的挂起在
  ``Semaphore.acquire`` 上，直到有请求结束，再由完成的那个 fetch 唤醒（一支箭头）。
- 任何时刻处于 ``sleep`` 中的 fetch 都不超过 ``limit`` 个：快的请求一结束就让出位置，
  所以长短请求紧凑地排在一起。
- 任务泳道下方的 ``slots`` 行从开始到 4.4 秒都是 3 个许可全部在用（3/3），标为已满：
  结束的请求把位置直接交给一个等待中的 fetch，所以只要还有 fetch 在等，在用的许可数
  就不会减少。之后随着最后三个请求在 4.4、5.3 和 5.6 秒结束，它逐步变空。它在 0 秒处
  的九条刻度线是开始等待的 fetch。
- ``limit=1``：请求排成一条线，15.3 秒。``limit=3``：5.6 秒。``limit=12``：全部同时
  进行，用时等于最慢的请求，2.0 秒。
"""

#: each URL's latency, in seconds: how long its request takes
LATENCY = {
    f"https://example.com/page/{i}": latency
    # (no two requests end at the same moment, whatever the limit: which one frees the
    # Semaphore first is then never down to microseconds of real work)
    for i, latency in enumerate((0.8, 2.0, 0.7, 1.2, 0.9, 1.0, 1.8, 1.9, 0.6, 1.1, 1.6, 1.7), 1)
}


class Client:
    """A stand-in for an HTTP client, made once and shared by every request."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0

    async def get(self, url: str) -> str:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(LATENCY[url])  # the round trip to the server
        finally:
            self.in_flight -= 1
        return f"<html>{url}</html>"


async def fetch(client: Client, slots: asyncio.Semaphore, url: str) -> str:
    async with slots:  # wait for a free place: at most `limit` requests in flight
        return await client.get(url)


async def main(limit: int = 3) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1, or no request could ever start")
    loop = asyncio.get_running_loop()
    client = Client()
    slots = asyncio.Semaphore(limit)
    start = loop.time()
    tasks = [
        asyncio.create_task(fetch(client, slots, url), name=f"fetch-{i}")
        for i, url in enumerate(LATENCY, 1)
    ]
    pages = await asyncio.gather(*tasks)
    took = loop.time() - start
    print(
        f"{len(pages)} pages in {took:.1f} s: {len(pages) / took:.1f} requests per second, "
        f"at most {client.most_in_flight} in flight (limit={limit})"
    )


if __name__ == "__main__":
    asyncio.run(main())
