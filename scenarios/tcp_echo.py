"""A TCP echo server and its clients: tasks woken by I/O

``asyncio.start_server`` listens on a socket and starts a task for each client that
connects, running the handler you gave it with that connection's reader and writer.
Here the server echoes each line back, and ``clients`` clients connect over loopback (port
0: the system picks a free port), each sending three lines, waiting for each echo, and
pausing between lines. The sockets are real, so this lesson runs in real time, even
on the virtual clock: while a socket is open, something could arrive at any moment.

What to look for:

- ``handler-1``, ``handler-2``, ...: one task per client, started by asyncio when the
  client connected. Just above each is a short ``Task-...`` lane: asyncio's own task
  that set the connection up (the first ``Task-...`` looked up the server's address).
- Each handler is suspended on ``StreamReader.readline`` until its client's next line
  arrives, then woken by I/O: the loop saw the socket readable (the I/O marks). Each
  client is woken by I/O in turn when its echo comes back, too soon after to see.
- The handlers take turns as the lines arrive: one task per connection, one thread
  for all of them. Between lines every task is suspended and the loop is idle.
- At the end each client closes its connection, its handler reads the end of the
  stream (``readline()`` returns ``b""``; an empty line would be ``b"\\n"``) and
  closes its side, and ``main`` closes the server.
"""

import asyncio
import functools

TAGS = ("io", "network")
ORDER = 98

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
TCP 回显服务器和它的客户端：被 I/O 唤醒的任务

``asyncio.start_server`` 在一个套接字上监听，每有一个客户端连接，就启动一个任务，用
这个连接的 reader 和 writer 运行你给它的处理函数。这里服务器把每一行原样发回，``clients`` 个
客户端通过回环地址连接（端口 0：由系统挑一个空闲端口），每个发送三行，等待每行的回显，
行与行之间停顿一下。套接字是真实的，所以即使在虚拟时钟下，这一课也按真实时间运行：
只要有套接字开着，随时可能有数据到来。

要看什么：

- ``handler-1``、``handler-2`` ……：每个客户端一个任务，在客户端连接时由 asyncio 启动。
  每条 handler 泳道上方都有一条很短的 ``Task-...`` 泳道：那是 asyncio 自己用来建立
  这个连接的任务（第一条 ``Task-...`` 用来查找服务器的地址）。
- 每个 handler 挂起在 ``StreamReader.readline`` 上，直到它的客户端的下一行到达，然后
  被 I/O 唤醒：事件循环发现套接字可读（图中的 I/O 标记）。回显到达时，客户端也同样被
  I/O 唤醒，只是紧随其后，在图上看不出来。
- 各行到达时，handler 轮流作答：每个连接一个任务，所有连接共用一个线程。两行之间，
  所有任务都处于挂起状态，事件循环是空闲的。
- 最后每个客户端关闭连接，它的 handler 读到流的结尾（``readline()`` 返回 ``b""``；
  空行则是 ``b"\\n"``），关闭自己这一端，然后 ``main`` 关闭服务器。
"""

LINES = 3


async def handle(
    handlers: list[asyncio.Task[None]], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """The server's side of one connection: echo each line until the client closes."""
    this = asyncio.current_task()
    assert this is not None
    this.set_name(f"handler-{len(handlers) + 1}")
    handlers.append(this)
    while line := await reader.readline():  # b"" at the end of the stream
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(n: int, port: int) -> list[str]:
    await asyncio.sleep(0.05 * n)  # the clients come one after another
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    echoes = []
    for i in range(1, LINES + 1):
        writer.write(f"client-{n} says {i}\n".encode())
        echoes.append((await reader.readline()).decode().strip())
        await asyncio.sleep(0.15)
    writer.close()
    await writer.wait_closed()
    return echoes


async def main(clients: int = 3) -> None:
    handlers: list[asyncio.Task[None]] = []
    server = await asyncio.start_server(functools.partial(handle, handlers), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        tasks = [
            asyncio.create_task(client(n, port), name=f"client-{n}") for n in range(1, clients + 1)
        ]
        echoes = await asyncio.gather(*tasks)
        await asyncio.gather(*handlers)  # each ends when its client has closed
    finally:
        server.close()
        await server.wait_closed()
    lines = sum(len(each) for each in echoes)
    print(f"{clients} clients, {len(handlers)} handlers, {lines} lines echoed: {echoes[0]}")


if __name__ == "__main__":
    asyncio.run(main())
