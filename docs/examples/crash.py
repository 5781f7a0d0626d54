"""A program that crashes mid-run (a C extension gone wrong)

`asyncviz gui docs/examples/crash.py --autorun`: the window stays, with everything the
program did until it died, and says how it ended.
"""

import asyncio
import ctypes


async def heartbeat() -> None:
    while True:
        print("tick")
        await asyncio.sleep(0.25)


async def main() -> None:
    beat = asyncio.create_task(heartbeat(), name="heartbeat")
    await asyncio.sleep(1.1)
    print("calling into C...", flush=True)
    ctypes.string_at(0)  # reads address 0: the interpreter dies with SIGSEGV
    await beat


asyncio.run(main())
