"""Attach (issue 12, point 5): a program started elsewhere sends its trace to a window that
listens.  Real sockets and real processes (``python -m visualizer.attach``, ``python
prog.py`` with ``visualizer.stream()``); the window's side is a ``Listener`` on this
test's loop.  Nothing here bounds how long anything takes: conditions are polled with
generous timeouts, and what is asserted is what arrived, and in what order."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from visualizer.session.listen import (
    DETACHED,
    AttachedOutcome,
    AttachedRun,
    Listener,
    is_loopback,
    new_token,
)
from visualizer.session.receiver import StreamReceiver
from visualizer.session.runner import Recorder, run_scenario
from visualizer.session.scenarios import find
from visualizer.session.streaming import (
    TOKEN_ENV,
    FixedConnection,
    ReconnectingConnection,
    Streamer,
    parse_address,
)
from visualizer.trace.batches import BatchMaker
from visualizer.trace.store import TraceStore
from visualizer.trace.wire import MAGIC, frame

ROOT = Path(__file__).resolve().parents[1]
#: seconds to wait for anything that must happen (a loaded machine is slow, never wrong)
PATIENCE = 60.0
T = TypeVar("T")

WORKERS = """
import asyncio, sys
import visualizer

visualizer.stream("127.0.0.1:1")  # (already traced by the launcher: does nothing)

async def worker(sem, i):
    async with sem:
        await asyncio.sleep(0.05)

async def main():
    sem = asyncio.Semaphore(2)
    await asyncio.gather(*(asyncio.create_task(worker(sem, i), name=f"w{i}")
                           for i in range(5)))

asyncio.run(main())
print("finished", sys.argv[1:])
"""

#: runs until the file named by its first argument exists
WAITS_FOR_A_FILE = """
import asyncio, os, sys

async def step():
    await asyncio.sleep(0)

async def main():
    await asyncio.create_task(step(), name="early")
    print("started", flush=True)
    while not os.path.exists(sys.argv[1]):
        await asyncio.sleep(0.02)
    await asyncio.create_task(step(), name="late")

asyncio.run(main())
print("finished", flush=True)
"""


def program(tmp_path: Path, source: str, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


async def attach(path: Path, port: int, *args: str, **env: str) -> asyncio.subprocess.Process:
    """``python -m visualizer.attach --to 127.0.0.1:PORT PATH ARGS...``"""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "visualizer.attach",
        "--to",
        f"127.0.0.1:{port}",
        str(path),
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=path.parent,
        env=environment(**env),
    )


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(process.communicate(), PATIENCE)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def patiently(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, PATIENCE)


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


def free_port() -> int:
    """A port nobody listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tasks_of(run: AttachedRun) -> int:
    return 0 if run.mirror is None else run.mirror.store.task_count


def named(run: AttachedRun, count: int) -> bool:
    """The run's first ``count`` tasks came, with their names (a live task's name comes
    a little after the task: ``streaming.NAMES_EVERY``)."""
    store = None if run.mirror is None else run.mirror.store
    return store is not None and store.task_count >= count and min(store.task_name[:count]) >= 0


def names(outcome: AttachedOutcome) -> list[str]:
    return [task.name for task in outcome.trace.tasks]


# --- a program attached to a listening window ------------------------------------------
def test_an_attached_program_streams_its_tasks_to_the_window(tmp_path: Path) -> None:
    path = program(tmp_path, WORKERS)

    async def go() -> tuple[AttachedOutcome, AttachedRun, tuple[int, str, str]]:
        listener = Listener(port=0)
        _, port = await listener.start()
        try:
            process = await attach(path, port, "-n", "3")
            run = await patiently(listener.runs.get())
            outcome = await patiently(run.wait())
            return outcome, run, await finished(process)
        finally:
            await listener.close()

    outcome, run, (code, out, err) = asyncio.run(go())
    assert code == 0, err
    assert out.splitlines() == ["finished ['-n', '3']"]
    assert outcome.error is None and outcome.exit_code == 0, outcome.traceback
    assert names(outcome) == ["Task-1", *(f"w{i}" for i in range(5))]
    trace = outcome.trace
    assert all(task.outcome == "done" for task in trace.tasks)
    assert [task.parent for task in trace.tasks[1:]] == [trace.tasks[0].id] * 5
    assert trace.meta["clock"] == "real" and trace.meta["exit"]["returncode"] == 0
    assert run.source == str(path) and run.argv == [str(path), "-n", "3"]
    assert run.pid is not None and run.pid > 0 and run.peer.startswith("127.0.0.1:")
    assert trace.duration >= 0.05 * 3  # (5 workers, 2 at a time: 3 rounds of sleeps)


def test_with_no_window_listening_the_program_runs_to_its_end(tmp_path: Path) -> None:
    path = program(tmp_path, WORKERS)

    async def go() -> tuple[int, str, str]:
        return await finished(await attach(path, free_port()))

    code, out, err = asyncio.run(go())
    assert code == 0, err
    assert out.splitlines() == ["finished []"]
    assert err == ""


def test_a_window_that_never_reads_cannot_hold_the_program(tmp_path: Path) -> None:
    """A "window" that takes the connection (the kernel does) but never reads: the
    program sends until the socket's buffers are full, goes on regardless, and at its
    end gives up on its last words after a bounded wait."""
    path = program(
        tmp_path,
        """
        import asyncio
        async def main():
            for _ in range(300_000):
                await asyncio.sleep(0)
        # (never in debug mode, even under PYTHONASYNCIODEBUG=1: on a busy machine it
        # would add "Executing <Task ...> took" to the stderr that must stay empty)
        asyncio.run(main(), debug=False)
        print("finished", flush=True)
        """,
    )

    async def go() -> tuple[int, str, str]:
        with socket.socket() as deaf:
            deaf.bind(("127.0.0.1", 0))
            deaf.listen()
            return await finished(await attach(path, deaf.getsockname()[1]))

    code, out, err = asyncio.run(go())
    assert (code, out, err) == (0, "finished\n", "")


def test_the_exit_code_is_the_programs(tmp_path: Path) -> None:
    path = program(tmp_path, "import asyncio\nasyncio.run(asyncio.sleep(0))\nraise SystemExit(4)\n")

    async def go() -> tuple[int, str, str]:
        return await finished(await attach(path, free_port()))

    assert asyncio.run(go())[0] == 4


def test_a_window_that_listens_late_gets_the_whole_run(tmp_path: Path) -> None:
    path = program(tmp_path, WAITS_FOR_A_FILE)
    flag = tmp_path / "go"
    port = free_port()

    async def go() -> tuple[AttachedOutcome, float, int]:
        process = await attach(path, port, str(flag))
        assert process.stdout is not None
        assert await patiently(process.stdout.readline()) == b"started\n"
        listening = time.monotonic()  # (the program's clock: the same monotonic clock)
        listener = Listener(port=port)
        await listener.start()
        try:
            run = await patiently(listener.runs.get())
            await until(lambda: tasks_of(run) >= 2)
            flag.touch()
            outcome = await patiently(run.wait())
            code, _, _ = await finished(process)
            assert run.mirror is not None
            return outcome, listening - run.mirror.store.origin, code
        finally:
            await listener.close()

    outcome, listening, code = asyncio.run(go())
    assert code == 0
    assert outcome.error is None
    assert names(outcome) == ["Task-1", "early", "late"]
    main, early, late = outcome.trace.tasks
    # what happened before any window listened is there, from the run's start
    assert main.created <= early.created < listening <= late.created
    assert early.outcome == late.outcome == "done"


def test_a_second_window_gets_the_whole_stream_and_its_end(tmp_path: Path) -> None:
    path = program(tmp_path, WAITS_FOR_A_FILE)
    flag = tmp_path / "go"

    async def go() -> tuple[AttachedOutcome, AttachedOutcome, int]:
        first = Listener(port=0)
        _, port = await first.start()
        process = await attach(path, port, str(flag))
        run = await patiently(first.runs.get())
        await until(lambda: named(run, 2))
        await first.close()  # (the window closes: the program goes on)
        closed = await patiently(run.wait())
        second = Listener(port=port)
        await second.start()
        try:
            again = await patiently(second.runs.get())
            await until(lambda: tasks_of(again) >= 2)
            flag.touch()
            outcome = await patiently(again.wait())
        finally:
            await second.close()
        code, _, _ = await finished(process)
        return closed, outcome, code

    closed, outcome, code = asyncio.run(go())
    assert code == 0
    assert closed.error == DETACHED and closed.detached and closed.exit_code is None
    assert names(closed) == ["Task-1", "early"]
    assert outcome.error is None and outcome.exit_code == 0
    assert names(outcome) == ["Task-1", "early", "late"]
    # the same run, from its start: the same origin, the same first tasks at the same times
    assert [t.created for t in outcome.trace.tasks[:2]] == [t.created for t in closed.trace.tasks]


def test_stop_cancels_the_main_task_as_ctrl_c_does(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        import asyncio
        async def main():
            try:
                await asyncio.sleep(60)
            finally:
                print("cleaned up", flush=True)
        asyncio.run(main())
        """,
    )

    async def go() -> tuple[AttachedOutcome, AttachedRun, tuple[int, str, str]]:
        listener = Listener(port=0)
        _, port = await listener.start()
        try:
            process = await attach(path, port)
            run = await patiently(listener.runs.get())
            await until(lambda: tasks_of(run) >= 1)
            run.stop()
            outcome = await patiently(run.wait())
            return outcome, run, await finished(process)
        finally:
            await listener.close()

    outcome, run, (code, out, _) = asyncio.run(go())
    assert run.mirror is not None and run.mirror.end is not None
    assert run.mirror.end.error_kind == "interrupted"
    assert outcome.stopped and outcome.error == "stopped" and outcome.exit_code == 130
    assert code == 130 and out.splitlines() == ["cleaned up"]
    (main,) = outcome.trace.tasks
    assert main.outcome == "cancelled"


# --- tokens and refusals -----------------------------------------------------------------
@pytest.mark.parametrize("given", ["right", "wrong", "none"])
def test_a_listener_with_a_token_takes_only_programs_that_give_it(
    tmp_path: Path, given: str
) -> None:
    token = new_token()
    path = program(
        tmp_path,
        f"""
        import asyncio, os
        asyncio.run(asyncio.sleep(0.2))
        print("token seen:", os.environ.get({TOKEN_ENV!r}))
        """,
    )
    env = {"right": {TOKEN_ENV: token}, "wrong": {TOKEN_ENV: "not-" + token}, "none": {}}[given]

    async def go() -> tuple[Listener, int, str, AttachedOutcome | None]:
        listener = Listener(port=0, token=token)
        _, port = await listener.start()
        try:
            code, out, _ = await finished(await attach(path, port, **env))
            outcome = None
            if given == "right":
                outcome = await patiently((await patiently(listener.runs.get())).wait())
            else:
                await until(lambda: listener.refused >= 1)
            return listener, code, out, outcome
        finally:
            await listener.close()

    listener, code, out, outcome = asyncio.run(go())
    assert code == 0
    assert out.splitlines() == ["token seen: None"]  # (the program never sees it)
    if given == "right":
        assert outcome is not None and outcome.error is None and listener.refused == 0
    else:
        assert listener.accepted == 0 and listener.runs.empty()
        assert all(reason.endswith(": a wrong token") for reason in listener.refusals)


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (b"x" * 300, "a first line longer than 200 bytes"),
        (b"", "no token line within 0.3 seconds"),
        (b"\nGET / HTTP/1.1\r\n\r\n", "not an asyncviz stream"),
        (b"\n" + MAGIC, "no hello within 0.3 seconds"),
    ],
)
def test_what_is_not_an_attached_program_is_refused(sent: bytes, reason: str) -> None:
    async def go() -> tuple[Listener, bytes, list[str]]:
        heard: list[str] = []
        listener = Listener(port=0, handshake_timeout=0.3, on_refused=heard.append)
        _, port = await listener.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(sent)
            left = await patiently(reader.read())  # (until the listener closes it)
            writer.close()
            await until(lambda: listener.refused == 1)
            return listener, left, heard
        finally:
            await listener.close()

    listener, left, heard = asyncio.run(go())
    assert left == b""
    assert listener.accepted == 0 and listener.runs.empty()
    (refusal,) = listener.refusals
    assert reason in refusal and heard == [refusal]


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.10", "example.org"])
def test_listening_beyond_this_machine_needs_a_token(host: str) -> None:
    with pytest.raises(ValueError, match="token"):
        Listener(host=host)
    assert Listener(host=host, token=new_token()).token  # (with one, it may)


def test_loopback_hosts_and_addresses() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.5.0.1", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "", "::", "10.0.0.1", "example.org"]))
    assert parse_address("[::1]:7319") == ("::1", 7319)
    assert parse_address(":8000") == ("127.0.0.1", 8000)
    for bad in ("7319", "host:", "host:port", "host:70000"):
        with pytest.raises(ValueError):
            parse_address(bad)
    assert len(new_token()) >= 40 and new_token() != new_token()


# --- visualizer.stream(): one line in the program ---------------------------------------
@pytest.mark.parametrize("ending", ["normal", "exception"])
def test_stream_in_the_program_reaches_a_listening_window(tmp_path: Path, ending: str) -> None:
    raises = "raise RuntimeError('after the run')\n" if ending == "exception" else ""
    source = textwrap.dedent(
        """
        import asyncio, sys
        import visualizer

        visualizer.stream(sys.argv[1])
        visualizer.stream(sys.argv[1])  # (a second call does nothing)

        async def child():
            await asyncio.sleep(0.05)

        async def main():
            await asyncio.create_task(child(), name="child")

        asyncio.run(main())
        asyncio.run(main())
        print("finished", flush=True)
        """
    )
    path = program(tmp_path, source + raises)

    async def go() -> tuple[AttachedOutcome, tuple[int, str, str], Listener]:
        listener = Listener(port=0)
        _, port = await listener.start()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(path),
                f"127.0.0.1:{port}",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=environment(),
            )
            run = await patiently(listener.runs.get())
            outcome = await patiently(run.wait())
            return outcome, await finished(process), listener
        finally:
            await listener.close()

    outcome, (code, out, err), listener = asyncio.run(go())
    assert out.splitlines() == ["finished"]
    assert listener.accepted == 1
    # both asyncio.run calls, in one recording
    first, child, second, again = names(outcome)
    assert first == "Task-1" and second.startswith("Task-") and child == again == "child"
    assert all(task.outcome == "done" for task in outcome.trace.tasks)
    if ending == "normal":
        assert code == 0 and outcome.error is None and outcome.exit_code == 0, err
    else:
        assert code == 1 and "RuntimeError: after the run" in err  # (as Python prints it)
        assert outcome.error == "RuntimeError: after the run" and outcome.exit_code == 1
        assert outcome.traceback is not None and "line 17" in outcome.traceback


def test_importing_visualizer_loads_no_session() -> None:
    code = (
        "import sys\n"
        "import visualizer\n"
        "from visualizer import mark\n"
        "print(sorted(m for m in sys.modules if m.startswith('visualizer.')))\n"
        "print(callable(visualizer.stream), 'visualizer.session.child' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=PATIENCE,
        env=environment(),
    )
    assert done.stdout.splitlines() == ["['visualizer.marks']", "True True"]


# --- the streamer's side, in this process ----------------------------------------------
def test_the_window_sees_what_the_programs_bounded_store_dropped() -> None:
    """The store is the bounded buffer: what it could not keep is counted, and the count
    reaches the window."""

    async def go() -> tuple[AttachedOutcome, int]:
        listener = Listener(port=0)
        host, port = await listener.start()
        streamers: list[Streamer] = []

        def started(recorder: Recorder) -> None:
            connection = ReconnectingConnection(host, port)
            streamer = Streamer(
                recorder.store, recorder.tracer, connection, clock=recorder.clock.time
            )
            streamer.start()
            streamers.append(streamer)

        def record() -> int:
            result = run_scenario(find("semaphore_workers"), capacity=20, started=started)
            (streamer,) = streamers
            streamer.close(exit_code=result.exit_code)
            return int(result.trace.meta["dropped_events"])  # type: ignore[call-overload]

        try:
            dropped = await asyncio.to_thread(record)
            run = await patiently(listener.runs.get())
            return await patiently(run.wait()), dropped
        finally:
            await listener.close()

    outcome, dropped = asyncio.run(go())
    assert dropped > 0
    assert outcome.error is None
    assert outcome.trace.meta["dropped_events"] == dropped


def test_commands_from_the_window_are_obeyed_and_never_raise() -> None:
    ours, theirs = socket.socketpair()
    heard: list[str] = []

    def fails(_line: str) -> None:
        raise RuntimeError("a command that fails")

    store = TraceStore(origin=time.monotonic())
    streamer = Streamer(
        store,
        None,
        FixedConnection.of_socket(theirs),
        clock=time.monotonic,
        commands={"ping": heard.append, "fail": fails},
    )
    streamer.start()
    try:
        ours.sendall(b"hello there\nfail\n" + b"x" * 1000 + b"\n\npi")
        ours.sendall(b"ng 2\r\n")
        deadline = time.monotonic() + PATIENCE
        while not heard:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert heard == ["ping 2"]
        assert streamer.broken is None and streamer.connection.connected
    finally:
        streamer.close(exit_code=0)
        ours.close()
        theirs.close()


def test_lines_the_streamer_does_not_know_can_go_to_someone_who_does() -> None:
    """``other_commands`` hears every line that is not one of ``commands`` (a lecture's
    controls, in a program that runs one)."""
    ours, theirs = socket.socketpair()
    heard: list[str] = []
    streamer = Streamer(
        TraceStore(origin=time.monotonic()),
        None,
        FixedConnection.of_socket(theirs),
        clock=time.monotonic,
        commands={},
        other_commands=heard.append,
    )
    streamer.start()
    try:
        ours.sendall(b"speed 2\nstep\n")
        deadline = time.monotonic() + PATIENCE
        while len(heard) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert heard == ["speed 2", "step"]
    finally:
        streamer.close(exit_code=0)
        ours.close()
        theirs.close()


def test_a_program_on_another_clock_is_drawn_on_ours_shifted() -> None:
    """A program on another machine: its real clock is not this one.  Its times stay
    its own; the chart's "now" runs with ours, shifted by what its batches say."""
    skew = 1000.0
    before = time.monotonic()
    store = TraceStore(origin=before + skew)
    maker = BatchMaker(store)
    receiver = StreamReceiver()
    receiver.feed(MAGIC + frame(maker.hello()) + frame(maker.batch(time.monotonic() + skew)))
    now = receiver.now()
    after = time.monotonic()
    assert not receiver.real_clock
    assert before + skew <= now <= after + skew
    assert receiver.time_of(after) <= after + skew - store.origin
