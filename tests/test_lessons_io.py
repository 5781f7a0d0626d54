"""Lessons on CPU-bound work, I/O and task starts, asserted from their ideal-clock traces.

As in ``test_lessons.py``: each scenario is run exactly as the app runs it
(``run_scenario``, ideal clock) and its lesson is read from the trace. Real threads,
processes and sockets take real time, and the machine running the tests may be shared,
so those lessons are asserted by their structure (who ran where, what overlapped,
what woke whom), never by how fast they ran.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import sys
import warnings
from dataclasses import dataclass

import pytest
from tracehelp import READY, RUNNING, SUSPENDED, max_holders, of_state, semaphore_holds, spans

from visualizer.instrument import recorder as recorders
from visualizer.instrument import tracer as tracer_module
from visualizer.model.loop_lanes import extra_rows
from visualizer.session.runner import ClockKind, run_scenario
from visualizer.session.scenarios import find
from visualizer.trace.data import Trace

approx = pytest.approx


def lesson(name: str, *, on: ClockKind = "ideal", **params: object) -> Trace:
    """The scenario's trace, run as the app runs it, on the ideal clock unless ``on`` says
    (busy time is not what most lessons check, and there a busy machine cannot move it)."""
    result = run_scenario(find(name), params or None, clock=on)
    assert result.error is None, result.error
    return result.trace


# --- cpu_bound_work ---------------------------------------------------------------------------
@dataclass
class Counted:
    """One ``job-N: ...`` line the scenario prints."""

    pid: int
    thread: str
    start: float
    end: float
    cpu: float


_JOB_LINE = re.compile(
    r"^job-(\d): 25997 primes, in process (\d+), thread (\S+), "
    r"from ([\d.]+) to ([\d.]+) s \(([\d.]+) s of CPU\)$",
    re.M,
)


def _counted(out: str) -> dict[int, Counted]:
    found = {
        int(m[1]): Counted(int(m[2]), m[3], float(m[4]), float(m[5]), float(m[6]))
        for m in _JOB_LINE.finditer(out)
    }
    assert sorted(found) == [1, 2], out
    return found


def _ticks_meanwhile(out: str, where: str) -> int:
    m = re.search(
        rf"^{where}: both jobs done in [\d.]+ s; the ticker ticked (\d+) times", out, re.M
    )
    assert m, out
    return int(m[1])


def test_cpu_work_in_the_loop_blocks_it_and_starves_the_ticker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("cpu_bound_work", on="virtual", where="loop")  # (busy time: the lesson)
    out = capsys.readouterr().out
    jobs = {name: of_state(trace, name, RUNNING) for name in ("job-1", "job-2")}
    # each job is one long step of its task, the second after the first
    assert [len(steps) for steps in jobs.values()] == [1, 1]
    one, two = jobs["job-1"][0], jobs["job-2"][0]
    assert two.start >= one.end
    assert of_state(trace, "job-1", SUSPENDED) == of_state(trace, "job-2", SUSPENDED) == []
    # both held the loop: the chart's red bands
    blocked = {b.what: b for b in trace.blocked}
    assert {"job-1", "job-2"} <= set(blocked)
    assert blocked["job-1"].start == approx(one.start) and blocked["job-2"].end == approx(two.end)
    # the ticker never ran while they did: one sleep(0.1) stretched over both jobs
    assert not [s for s in of_state(trace, "ticker", RUNNING) if one.start < s.start < two.end]
    stretched = [
        s for s in of_state(trace, "ticker", SUSPENDED) if s.start < one.start and s.end > two.end
    ]
    assert [s.label for s in stretched] == ["sleep(0.1)"]
    assert trace.jobs == []  # nothing went to an executor
    counted = _counted(out)
    assert {c.pid for c in counted.values()} == {os.getpid()}
    assert {c.thread for c in counted.values()} == {"MainThread"}
    assert _ticks_meanwhile(out, "loop") == 0


def _in_executor(trace: Trace, name: str) -> tuple[float, float]:
    """When the job's task waited on its executor job (its only suspension)."""
    (wait,) = of_state(trace, name, SUSPENDED)
    assert wait.label == "run_in_executor(count_primes)"
    return wait.start, wait.end


def test_cpu_work_in_threads_leaves_the_loop_free_but_shares_one_gil(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("cpu_bound_work", where="threads")
    out = capsys.readouterr().out
    waits = {name: _in_executor(trace, name) for name in ("job-1", "job-2")}
    assert max_holders(waits.values()) == 2  # both jobs in flight at once
    # the loop stayed free: no job held it, and the ticker ran while they worked
    assert not [b for b in trace.blocked if b.what.startswith("job-")]
    begin, end = min(w[0] for w in waits.values()), max(w[1] for w in waits.values())
    ticks = [s for s in of_state(trace, "ticker", RUNNING) if begin < s.start < end]
    assert len(ticks) >= 2
    # each job on a row of its own thread, woken by that thread
    rows = {(j.func, j.thread, trace.tasks[j.task].name) for j in trace.jobs if j.task is not None}
    assert rows == {
        ("count_primes", "worker_0", "job-1"),
        ("count_primes", "worker_1", "job-2"),
    }
    for name in ("job-1", "job-2"):
        woken = [s.woken_by for s in spans(trace, name) if s.state == READY][1:]
        assert woken == [("thread", None)]
    # the GIL: one thread runs Python at a time, so the two jobs' CPU time adds up to
    # no more than the time both took (two cores would have made it twice that)
    counted = _counted(out)
    assert {c.pid for c in counted.values()} == {os.getpid()}
    assert {c.thread for c in counted.values()} == {"worker_0", "worker_1"}
    both = max(c.end for c in counted.values()) - min(c.start for c in counted.values())
    assert sum(c.cpu for c in counted.values()) <= 1.2 * both + 0.02
    # (at least once: how often depends on how long the jobs take, which load changes)
    assert _ticks_meanwhile(out, "threads") >= 1


def test_cpu_work_in_processes_runs_in_two_other_processes_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trace = lesson("cpu_bound_work", where="processes")
    out = capsys.readouterr().out
    waits = {name: _in_executor(trace, name) for name in ("job-1", "job-2")}
    assert max_holders(waits.values()) == 2
    assert not [b for b in trace.blocked if b.what.startswith("job-")]
    begin, end = min(w[0] for w in waits.values()), max(w[1] for w in waits.values())
    # the ticker runs while both jobs are in flight (how often depends on how long the
    # jobs take, which a busy machine changes: once is the lesson, the loop is free)
    assert [s for s in of_state(trace, "ticker", RUNNING) if begin < s.start < end]
    # each job in a worker process of its own (loaded from the scenario's file: the
    # module asyncviz loads it as cannot be imported by name), both at work at once
    counted = _counted(out)
    pids = {c.pid for c in counted.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert max(c.start for c in counted.values()) < min(c.end for c in counted.values())
    # what the chart shows of them: a row "process pool", each job from its submission
    # to its result, the task woken by the pool's thread; the pool was started first
    # (main waited for a hello from each worker, in one round or more) and shut down
    # in a thread, off the loop
    main, one, two = (trace.task_by_name(n).id for n in ("main", "job-1", "job-2"))
    jobs = [(j.func, j.thread, j.task) for j in trace.jobs]
    hellos = jobs.count(("worker_pid", "process pool", main))
    assert hellos >= 2 and hellos % 2 == 0
    assert [j for j in jobs if j[0] != "worker_pid"] == [
        ("count_primes", "process pool", one),
        ("count_primes", "process pool", two),
        ("ProcessPoolExecutor.shutdown", "asyncio_0", main),
    ]
    for name in ("job-1", "job-2"):
        woken = [s.woken_by for s in spans(trace, name) if s.state == READY][1:]
        assert woken == [("thread", None)]
    # on the chart: a row per job at once, and an arrow from its row to each task woken
    rows = extra_rows(trace)
    pool_rows = [i for i, name in enumerate(rows.names) if name.startswith("process pool ")]
    assert [rows.names[i] for i in pool_rows] == ["process pool 1", "process pool 2"]
    arrows = {trace.tasks[task].name: row for _, row, task in rows.thread_wakes}
    assert arrows["job-1"] in pool_rows and arrows["job-2"] in pool_rows
    assert arrows["job-1"] != arrows["job-2"]  # they ran at once: on two rows
    for job in trace.jobs:
        if job.task in (one, two):
            # the job ended (its result came) before the task was woken by it
            wake = [s for s in spans(trace, job.task) if s.woken_by == ("thread", None)][-1]
            assert job.end <= wake.start
    labels = [w.label for w in of_state(trace, "main", SUSPENDED)]
    assert labels[0] == "gather(2 awaitables)" and labels[-1] == (
        "to_thread(ProcessPoolExecutor.shutdown)"
    )
    # (at least once: how often depends on how long the jobs take, which load changes)
    assert _ticks_meanwhile(out, "processes") >= 1


# --- fetch_many -------------------------------------------------------------------------------
def _fetch_time(latencies: list[float], limit: int) -> float:
    """How long the requests take, started in order, at most ``limit`` at a time (each
    one starts when the earliest in flight ends: the Semaphore's waiters in order)."""
    ends: list[float] = []
    for latency in latencies:
        start = 0.0 if len(ends) < limit else sorted(ends)[len(ends) - limit]
        ends.append(start + latency)
    return max(ends)


@pytest.mark.parametrize("limit", [1, 3, 12])
def test_fetch_many_keeps_at_most_limit_requests_in_flight(
    limit: int, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = lesson("fetch_many", limit=limit)
    names = [f"fetch-{i}" for i in range(1, 13)]
    assert [t.name for t in trace.tasks] == ["main", *names]
    requests = {
        name: [w for w in of_state(trace, name, SUSPENDED) if str(w.label).startswith("sleep(")]
        for name in names
    }
    assert all(len(r) == 1 for r in requests.values())
    latencies = [float(str(r[0].label)[len("sleep(") : -1]) for r in requests.values()]
    assert sorted(latencies) == [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.6, 1.7, 1.8, 1.9, 2.0]
    # never more than `limit` requests in flight, and that many at the busiest
    in_flight = max_holders((r[0].start, r[0].end) for r in requests.values())
    assert in_flight == min(limit, 12)
    assert max_holders(semaphore_holds(trace, names).values()) == min(limit, 12)
    # the rest waited for a place, each woken by the fetch that gave its place up
    waiting = [n for n in names if any(w.label == "Semaphore.acquire" for w in spans(trace, n))]
    assert len(waiting) == 12 - min(limit, 12)
    ids = {t.id for t in trace.tasks if t.name in names}
    for name in waiting:
        sp = spans(trace, name)
        woke = [b for a, b in itertools.pairwise(sp) if a.label == "Semaphore.acquire"]
        assert [w.woken_by[0] for w in woke if w.woken_by] == ["task"], name
        assert woke[0].woken_by is not None and woke[0].woken_by[1] in ids
    # as long as predicted: 15.3 s one at a time, 5.6 s three at a time, 2.0 s all at once
    took = _fetch_time(latencies, limit)
    assert took == approx({1: 15.3, 3: 5.6, 12: 2.0}[limit])
    assert trace.duration == approx(took, abs=0.05)
    rate = 12 / took
    assert (
        f"12 pages in {took:.1f} s: {rate:.1f} requests per second, "
        f"at most {min(limit, 12)} in flight (limit={limit})"
    ) in capsys.readouterr().out


# --- tcp_echo ---------------------------------------------------------------------------------
def _open_fds() -> int | None:
    """How many file descriptors this process has open (None where /proc cannot say)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


@pytest.mark.parametrize("clients", [1, 3])
def test_tcp_echo_handlers_are_woken_by_io(
    clients: int, capsys: pytest.CaptureFixture[str]
) -> None:
    gc.collect()
    fds = _open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = lesson("tcp_echo", clients=clients)
        gc.collect()
    # nothing left open: no socket, no transport, no task
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    # (none more than before: an earlier test's child or thread may close its own pipes
    # meanwhile, later on a busy machine, so fewer is no leak: 17 for 19 beside spinners)
    after = _open_fds()
    assert fds is None or after is None or after <= fds
    assert {t.outcome for t in trace.tasks} == {"done"}
    out = capsys.readouterr().out
    assert f"{clients} clients, {clients} handlers, {3 * clients} lines echoed: " in out
    assert "['client-1 says 1', 'client-1 says 2', 'client-1 says 3']" in out
    # one handler task per client, made by asyncio (no parent task), woken by I/O
    handlers = [t for t in trace.tasks if t.coro == "handle"]
    assert [t.name for t in handlers] == [f"handler-{n}" for n in range(1, clients + 1)]
    assert {t.parent for t in handlers} == {None}
    for handler in handlers:
        sp = spans(trace, handler.name)
        waits = [s for s in sp if s.state == SUSPENDED]
        # three lines, then the end of the stream; then it closes its side
        assert [w.label for w in waits] == ["StreamReader.readline"] * 4 + [
            "StreamWriter.wait_closed"
        ]
        woken = [
            b.woken_by for a, b in itertools.pairwise(sp) if a.label == "StreamReader.readline"
        ]
        assert woken == [("io", None)] * 4
    # each client is woken by I/O when its echo arrives
    for n in range(1, clients + 1):
        sp = spans(trace, f"client-{n}")
        woken = [
            b.woken_by for a, b in itertools.pairwise(sp) if a.label == "StreamReader.readline"
        ]
        assert woken == [("io", None)] * 3


# --- eager_tasks ------------------------------------------------------------------------------
EAGER_TASKS = sys.version_info >= (3, 12)


@pytest.mark.parametrize("eager", [True, False])
def test_an_eager_task_starts_inside_create_task(
    eager: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    ran_eagerly = eager and EAGER_TASKS
    if eager and not EAGER_TASKS:
        with pytest.warns(UserWarning, match=r"eager tasks need Python 3\.12\+"):
            trace = lesson("eager_tasks", eager=eager)
    else:
        trace = lesson("eager_tasks", eager=eager)
    out = capsys.readouterr().out
    # on 3.11 it says why it cannot, where the app shows it: a warning mark on main's lane
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    why = f"eager tasks need Python 3.12+ (this is {version}): running the lazy start instead"
    marks = [(m.task, m.kind, m.label) for m in trace.marks]
    if eager and not EAGER_TASKS:
        assert marks == [(trace.task_by_name("main").id, "warning", f"UserWarning: {why}")]
    else:
        assert marks == []
    outcomes = {t.name: t.outcome for t in trace.tasks}
    assert outcomes == {"main": "done", "home": "done", "news": "done"}
    first_step = of_state(trace, "main", RUNNING)[0]  # create_task ... await gather(...)
    gather = of_state(trace, "main", SUSPENDED)[0]
    assert gather.label == "gather(2 awaitables)" and gather.start == first_step.end
    home, news = spans(trace, "home"), spans(trace, "news")
    news_first = of_state(trace, "news", RUNNING)[0]
    (fetch,) = of_state(trace, "news", SUSPENDED)
    assert fetch.label == "sleep(0.5)" and fetch.start == news_first.end
    home_end = trace.task_by_name("home").ended
    assert home_end is not None
    assert news_first.duration >= 0.029  # building the request
    if ran_eagerly:
        # each child's first step runs inside main's, before main suspends: no ready time
        assert first_step.start <= news_first.start and news_first.end <= first_step.end
        assert first_step.start <= home_end <= news_first.start
        assert [s.state for s in home] == [READY, RUNNING]  # never scheduled, never waited
        assert home[0].duration == approx(0.0, abs=1e-6)
        assert news[0].state == READY and news[0].duration == approx(0.0, abs=1e-6)
        # the fetch began while main still worked; main's step holds both pieces of work
        assert fetch.start < first_step.end
        assert first_step.duration >= news_first.duration + 0.029
        assert "after create_task: home is done" in out
        assert "eager start; first steps in this order: home, news, main" in out
        assert trace.duration == approx(0.53, abs=0.05)
    else:
        # ready from creation all through main's step; then they run, one after the other
        assert home[0].state == READY and home[0].end >= first_step.end
        assert news[0].state == READY and news[0].end >= home_end >= first_step.end
        assert fetch.start >= first_step.end + 0.029
        assert first_step.duration >= 0.029
        assert "after create_task: home is not done" in out
        assert "lazy start; first steps in this order: main, home, news" in out
        assert trace.duration == approx(0.56, abs=0.05)


@pytest.mark.skipif(not EAGER_TASKS, reason="eager tasks need Python 3.12+")
def test_eager_tasks_read_right_where_the_c_hook_does_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the C ``call_soon`` does not fit the running asyncio, the Python hook runs
    with the C recorder: a step must still come after the eager first step recorded
    in the task factory (they once reached the store out of order: KeyError)."""
    if recorders.hot is None:
        pytest.skip("the C recorder is not built")
    monkeypatch.setattr(tracer_module, "_compiled_call_soon", lambda *args: None)
    trace = lesson("eager_tasks", eager=True)
    assert {t.name: t.outcome for t in trace.tasks} == {
        "main": "done",
        "home": "done",
        "news": "done",
    }
    first_step, news_first = (
        of_state(trace, "main", RUNNING)[0],
        of_state(trace, "news", RUNNING)[0],
    )
    assert first_step.start <= news_first.start and news_first.end <= first_step.end
    assert [s.state for s in spans(trace, "news")] == [READY, RUNNING, SUSPENDED, READY, RUNNING]
