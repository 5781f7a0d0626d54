"""Run a scenario's checks in a child process, with a time limit: the report (issue 17).

``run_checks(scenario)`` runs the scenario there (on the ideal clock unless it says
``CHECK_CLOCK = "virtual"``) and then its ``check_*`` functions on the finished run;
``checks_of_trace(scenario, trace)`` runs only the checks, on a trace the caller has
already (the window's last run).  Either way the author's code runs in
``check_child``'s process, never in the caller's: it may spin, crash or exit, and the
caller gets a :class:`CheckReport` saying so.  The child is killed at the time limit
(its whole process group: a scenario may start processes of its own).

The report is plain data (``to_json`` / ``from_json``): what the child wrote, one JSON
line per event, read back; never a pickle.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal

from visualizer.session.process import bootstrap, package_root
from visualizer.session.scenario_file import literal, module_assignment
from visualizer.session.scenarios import Scenario
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import save

#: how long a scenario and its checks may take, in real seconds, by default
DEFAULT_TIMEOUT: Final = 60.0

CheckClock = Literal["ideal", "virtual", "real"]
Status = Literal["passed", "failed", "error", "skipped"]
STATUSES: Final[tuple[Status, ...]] = ("passed", "failed", "error", "skipped")
#: the clocks a scenario's checks may run on (``CHECK_CLOCK``)
CLOCKS: Final[tuple[CheckClock, ...]] = ("ideal", "virtual", "real")


@dataclass(frozen=True)
class CheckResult:
    """One check: its function's name and line, its claim, how it went.  ``where`` is
    ``path:line`` of the failing ``assert`` (or of the line that raised), ``text`` the
    assert's source, ``values`` each name or attribute chain in it with its value's
    repr, ``exception`` what a check that raised raised (``Type: message``)."""

    name: str
    claim: str
    line: int
    status: Status
    where: str | None = None
    text: str = ""
    message: str = ""
    values: tuple[tuple[str, str], ...] = ()
    exception: str | None = None
    traceback: str = ""


@dataclass(frozen=True)
class RunFailure:
    """Why there was no run to check: the scenario raised (``exception``), could not be
    loaded (``load``), exited, did not end in time (``timeout``), or its process ended
    without saying (``crashed``: ``os._exit``, a signal).  ``line``: the scenario's line
    it points at, where known."""

    kind: str
    message: str
    line: int | None = None
    traceback: str = ""


@dataclass(frozen=True)
class CheckReport:
    """A scenario's checks on one run: each check's result, in file order, or why the
    run failed; the run's clock, length and output."""

    path: str
    scenario: str
    clock: str
    params: dict[str, Any]
    checks: tuple[CheckResult, ...] = ()
    failure: RunFailure | None = None
    duration: float | None = None
    output: str = ""
    #: the check that was running when the time ran out (or the process died)
    unfinished: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def ok(self) -> bool:
        """The run ended well and no check failed or raised (a scenario with no checks,
        or whose checks were skipped: True)."""
        return self.failure is None and all(c.status in ("passed", "skipped") for c in self.checks)

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed, raised and were skipped."""
        return {s: sum(c.status == s for c in self.checks) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckReport:
        fields = dict(data)
        fields["checks"] = tuple(
            CheckResult(**{**c, "values": tuple(tuple(v) for v in c.get("values", ()))})
            for c in fields.get("checks", ())
        )
        failure = fields.get("failure")
        fields["failure"] = RunFailure(**failure) if failure else None
        return cls(**fields)


def check_clock(path: Path) -> CheckClock:
    """The clock a scenario's checks run on: its ``CHECK_CLOCK`` (a string literal at the
    top level, read from the syntax tree), else ``ideal``."""
    with contextlib.suppress(OSError, SyntaxError, ValueError, RecursionError):
        for node in ast.parse(path.read_bytes()).body:
            name, value = module_assignment(node)
            if name == "CHECK_CLOCK" and value is not None:
                said = literal(value)
                return next((clock for clock in CLOCKS if clock == said), "ideal")
    return "ideal"


def run_checks(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    clock: CheckClock | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    checks: bool = True,
) -> CheckReport:
    """Run ``scenario`` (with ``params``, bound already: ``bind_params``) in a child
    process on ``clock`` (None: its ``CHECK_CLOCK``, else ideal), then its checks on the
    run.  ``checks=False``: only whether it runs and ends.  Blocks up to ``timeout``
    seconds (real time), then kills the child."""
    chosen = clock or check_clock(scenario.path)
    request = _request(scenario, params, chosen, checks)
    with _workspace() as folder:
        return _run(request, folder, timeout)


def checks_of_trace(
    scenario: Scenario, trace: Trace, output: str = "", *, timeout: float = DEFAULT_TIMEOUT
) -> CheckReport:
    """Run ``scenario``'s checks on ``trace`` (a run the caller has: the window's last),
    its printed ``output`` as ``run.output``, in a child process, within ``timeout``."""
    with _trace_request(scenario, trace, output) as (request, folder):
        return _run(request, folder, timeout)


async def checks_of_trace_async(
    scenario: Scenario,
    trace: Trace,
    output: str = "",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    started: Callable[[int], None] | None = None,
) -> CheckReport:
    """``checks_of_trace`` for a caller on an event loop (the window's): the loop goes on
    while the child runs.  Cancelled (a newer run, a window closing), it kills the child
    before it ends; ``started`` is told the child's pid (its process group's), for a caller
    that must kill it at once, before the cancelled task next runs (``kill_group``)."""
    with _trace_request(scenario, trace, output) as (request, folder):
        command, env = _command(request, folder)
        with open(folder / "stderr", "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                start_new_session=True,
            )
            if started is not None:
                started(process.pid)
            try:
                code: int | None = await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                kill_group(process.pid)
                await process.wait()
                code = None
            except asyncio.CancelledError:
                kill_group(process.pid)  # (a check that spins would spin on, unread)
                raise
        return _report(request, folder, code, timeout)


@contextlib.contextmanager
def _trace_request(
    scenario: Scenario, trace: Trace, output: str
) -> Iterator[tuple[dict[str, Any], Path]]:
    """The request to check ``trace``, and the folder it is saved in (a trace file:
    data, read back by the child, never a pickle)."""
    params = trace.meta.get("params")
    request = _request(
        scenario, params if isinstance(params, dict) else None, str(trace.meta.get("clock")), True
    )
    request["output"] = output
    with _workspace() as folder:
        request["trace"] = str(folder / "trace.json")
        save(trace, request["trace"])
        yield request, folder


# --- the child ---------------------------------------------------------------------------------
def _request(
    scenario: Scenario, params: Mapping[str, object] | None, clock: str, checks: bool
) -> dict[str, Any]:
    return {
        "path": str(scenario.path),
        "id": scenario.id,
        "builtin": scenario.builtin,
        # every parameter, defaults filled in: ``run.params`` is what the run used
        "params": {**{p.name: p.default for p in scenario.params}, **(params or {})},
        "clock": clock,
        "checks": checks,
    }


@contextlib.contextmanager
def _workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="asyncviz-checks-") as folder:
        yield Path(folder)


def _command(request: dict[str, Any], folder: Path) -> tuple[list[str], dict[str, str]]:
    """The child's command line and environment.  The package is found through the
    command line (as ``process.bootstrap`` does), not a ``PYTHONPATH`` the scenario's own
    processes would inherit; ``PYTHONOPTIMIZE`` is dropped: ``-O`` strips ``assert``, and
    every check would pass."""
    request["out"] = str(folder / "events.jsonl")
    (folder / "request.json").write_text(json.dumps(request), encoding="utf-8")
    code = bootstrap(package_root(), "visualizer.session.check_child")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONOPTIMIZE"}
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return [sys.executable, "-c", code, str(folder / "request.json")], env


def _run(request: dict[str, Any], folder: Path, timeout: float) -> CheckReport:
    command, env = _command(request, folder)
    with open(folder / "stderr", "wb") as stderr:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            start_new_session=True,  # (its own group: killed whole, with what it started)
        )
        try:
            code: int | None = process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()
            code = None
    return _report(request, folder, code, timeout)


def kill_group(pid: int) -> None:
    """Kill the child's process group (it is its own: ``start_new_session``)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _report(request: dict[str, Any], folder: Path, code: int | None, timeout: float) -> CheckReport:
    """The report from the events the child wrote; ``code`` None: it was killed at the
    time limit."""
    events = _events(folder / "events.jsonl")
    ran = next((e for e in events if e.get("event") == "ran"), None)
    checks = tuple(_result(e) for e in events if e.get("event") == "check")
    done = {c.name for c in checks}
    begun = [e["name"] for e in events if e.get("event") == "begin" and e["name"] not in done]
    unfinished = begun[-1] if begun else None
    failure: RunFailure | None = None
    if ran is not None and ran.get("error"):
        error = ran["error"]
        failure = RunFailure(
            str(error.get("kind", "exception")),
            str(error.get("message", "")),
            error.get("line"),
            str(error.get("traceback", "")),
        )
    ended = any(e.get("event") == "end" for e in events)
    if failure is None and not ended:
        where = f" while running {unfinished}()" if unfinished else ""
        if ran is None:
            where = " while the scenario ran"
        if code is None:
            failure = RunFailure("timeout", f"did not end within {timeout:g} s{where} (killed)")
        else:
            said = _tail(folder / "stderr")
            failure = RunFailure(
                "crashed",
                f"its process ended{where} without a report (exit code {code})",
                traceback=said,
            )
    return CheckReport(
        path=request["path"],
        scenario=request["id"],
        clock=str((ran or {}).get("clock") or request["clock"]),
        params=request["params"],
        checks=checks,
        failure=failure,
        duration=(ran or {}).get("duration"),
        output=str((ran or {}).get("output") or ""),
        unfinished=unfinished,
        timeout=timeout,
    )


def _events(path: Path) -> list[dict[str, Any]]:
    """The child's events, each a JSON object on a line (a line cut short by a kill is
    left out)."""
    events = []
    with contextlib.suppress(OSError):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict):
                    events.append(event)
    return events


def _result(event: dict[str, Any]) -> CheckResult:
    return CheckResult(
        name=str(event.get("name", "?")),
        claim=str(event.get("claim", "")),
        line=int(event.get("line") or 0),
        status=event.get("status", "error"),
        where=event.get("where"),
        text=str(event.get("text", "")),
        message=str(event.get("message", "")),
        values=tuple((str(k), str(v)) for k, v in event.get("values", ())),
        exception=event.get("exception"),
        traceback=str(event.get("traceback", "")),
    )


def _tail(path: Path, size: int = 4000) -> str:
    with contextlib.suppress(OSError):
        return path.read_bytes()[-size:].decode("utf-8", "replace")
    return ""
