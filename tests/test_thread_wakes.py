"""A job's result is the thread's doing, however fast the job: on a busy machine a job may
end before the loop chains its future, and its result is then handed on from the loop's
own thread, inside the step that submitted it.  The wake is still the thread's."""

from __future__ import annotations

import textwrap
from pathlib import Path

from visualizer.session.runner import record_script
from visualizer.trace import schema

PROGRAM = textwrap.dedent(
    """
    import asyncio, concurrent.futures

    class AtOnce(concurrent.futures.Executor):
        \"\"\"Runs each job in the caller's thread, as a thread that is very quick would:
        the job has ended before run_in_executor chains its future.\"\"\"
        def submit(self, fn, /, *args, **kwargs):
            future = concurrent.futures.Future()
            future.set_result(fn(*args, **kwargs))
            return future

    async def main():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(AtOnce(), sum, range(10))

    asyncio.run(main())
    """
)


def test_a_job_that_ended_before_its_future_was_chained_wakes_by_its_thread(
    tmp_path: Path,
) -> None:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    result = record_script(path, clock="virtual")
    assert result.error is None
    trace = result.trace
    (main,) = trace.tasks
    spans = trace.spans.take(trace.spans.task == main.id)
    woken = [
        (schema.WAKE_NAMES[kind], task)
        for state, kind, task in zip(spans.state, spans.woken_kind, spans.woken_task, strict=True)
        if state == schema.READY and kind >= 0
    ]
    # created by nobody (asyncio.run), then woken by the job's thread: not by itself
    assert woken == [("created", -1), ("thread", -1)]
