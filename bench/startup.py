"""How soon asyncviz answers: the light commands, and the window's first paint and picture.

Run:  python bench/startup.py [--rounds 7] [--root DIR ...] [--scenario ID]

A first round, not counted, writes each checkout's bytecode (``PYTHONDONTWRITEBYTECODE``
is dropped for the commands: an installed program has its ``.pyc``). Each round runs, in a
fresh process each, one after the other (the rounds interleave the
commands and the checkouts, so a busy spell of the machine falls on all of them alike):

* ``python -c pass``, the floor: what any Python command costs here;
* ``asyncviz --help``, ``list`` and ``--version`` (as ``python -m visualizer ...``);
* ``asyncviz gui SCENARIO --clock ideal --screenshot X --exit-when-done``, on Qt's
  ``offscreen`` platform and, when ``Xvfb`` is installed, on ``xcb`` under one Xvfb
  started for the whole bench: the time to the window's first paint (the window says it,
  ``ASYNCVIZ_STARTUP_REPORT`` set to the moment the bench spawned it) and to the whole
  command's end, the picture written.

Per checkout (``--root``, this one by default; give another, say a worktree of main, to
compare before and after) and command: the median, the spread (min-max) and the
median's ratio to ``python -c pass``'s.  A command a checkout does not have (``--version``
before it existed) or a figure it cannot give (the first paint before the window said it)
is "-".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FIRST_PAINT = re.compile(r"^asyncviz: first paint after (\d+) ms$", re.M)


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str, int]:
    """Seconds from spawning ``command`` to its end, its stderr, its exit code."""
    env = {**env, "ASYNCVIZ_STARTUP_REPORT": repr(time.time())}
    began = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    return time.perf_counter() - began, done.stderr, done.returncode


def _xvfb() -> tuple[subprocess.Popen[bytes], str] | None:
    """One Xvfb for the whole bench (one per command would time Xvfb's start too)."""
    if shutil.which("Xvfb") is None:
        return None
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as said:
        number = said.readline().strip()
    if not number:
        server.kill()
        server.wait()
        return None
    return server, f":{number}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--root", type=Path, action="append", default=[])
    parser.add_argument("--scenario", default="gather_basics")
    args = parser.parse_args()
    roots: list[Path] = [r.resolve() for r in args.root] or [HERE]
    python = sys.executable
    config = Path(tempfile.mkdtemp(prefix="asyncviz-bench-startup-"))
    base = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    # bytecode cached, as in any install (pip compiles it): with PYTHONDONTWRITEBYTECODE set
    # (some shells and CI images set it), every module changed since its .pyc compiles again
    # at each start, 0.19 s of the window's start-up here; the warm-up round writes them
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    platforms = {"offscreen": {"QT_QPA_PLATFORM": "offscreen"}}
    xvfb = _xvfb()
    if xvfb is not None:
        platforms["xcb"] = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": xvfb[1]}
    light = {
        "python -c pass": [python, "-c", "pass"],
        "asyncviz --help": [python, "-m", "visualizer", "--help"],
        "asyncviz list": [python, "-m", "visualizer", "list"],
        "asyncviz --version": [python, "-m", "visualizer", "--version"],
    }
    shot = Path(config) / "shot.png"
    gui = [python, "-m", "visualizer", "gui", args.scenario, "--clock", "ideal"]
    gui += ["--size", "1280x800", "--screenshot", str(shot), "--exit-when-done"]
    times: dict[tuple[Path, str], list[float]] = {}
    try:
        for root in roots:  # (warm-up, not counted: the bytecode written, the disk cache warm)
            env = {**base, "PYTHONPATH": str(root)}
            for command in [*light.values(), gui]:
                _timed(command, {**env, **platforms["offscreen"]}, root)
        for _ in range(args.rounds):
            for root in roots:
                env = {**base, "PYTHONPATH": str(root)}
                for name, command in light.items():
                    seconds, _, code = _timed(command, env, root)
                    if code == 0:
                        times.setdefault((root, name), []).append(seconds)
                for platform, extra in platforms.items():
                    seconds, stderr, code = _timed(gui, {**env, **extra}, root)
                    if code != 0:
                        print(f"{root} gui on {platform}: exit {code}\n{stderr}", file=sys.stderr)
                        continue
                    times.setdefault((root, f"gui {platform}: picture, exit"), []).append(seconds)
                    painted = FIRST_PAINT.findall(stderr)
                    if painted:
                        key = (root, f"gui {platform}: first paint")
                        times.setdefault(key, []).append(int(painted[0]) / 1000)
    finally:
        if xvfb is not None:
            xvfb[0].terminate()
            xvfb[0].wait()
        shutil.rmtree(config, ignore_errors=True)
    said = ("first paint", "picture, exit")
    names = [*light, *(f"gui {p}: {w}" for p in platforms for w in said)]
    python_version = sys.version.split()[0]
    print(f"{args.rounds} rounds, interleaved; Python {python_version}; {os.cpu_count()} cores")
    for root in roots:
        floor = statistics.median(times[(root, "python -c pass")])
        print(f"\n{root}")
        print(f"  {'command':34} {'median':>8} {'min-max':>15} {'x pass':>7}")
        for name in names:
            got = times.get((root, name))
            if not got:
                print(f"  {name:34} {'-':>8}")
                continue
            median = statistics.median(got)
            spread = f"{min(got):.3f}-{max(got):.3f}"
            print(f"  {name:34} {median:8.3f} {spread:>15} {median / floor:7.1f}")


if __name__ == "__main__":
    main()
