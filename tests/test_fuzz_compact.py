"""The compact trace file (issue 18, point 2) fuzzed as the JSON reader is
(``test_fuzz_files``, whose real trace, mutators and rule this uses): thousands of
damaged copies of a real run's ``.avz``, each read whole or refused with
``TraceFormatError``, never anything else; what is accepted goes through the model
with no task lost.

Two kinds of damage: bytes anywhere in the zip (its headers, its directory, the
deflated members), and one member of a sound zip damaged as data: the header's JSON
values (as the JSON fuzzer damages a document), a column's values (NaN, infinities,
ids out of range, the extremes of its type), a column of another type, shape or length
(lying row counts), a member missing or its ``.npy`` bytes damaged.

Seeded: the same mutants every run; a failure names the seed and the index.  No
wall-clock limit: every mutant is a few KB.
"""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path
from typing import Any, Final

import numpy as np
import pytest
from test_compact import npy, planes, values_of, zipped
from test_fuzz_files import _mutate_value, byte_mutant, read_or_refuse, recorded

from visualizer.trace.compact import COLUMNS
from visualizer.trace.data import Trace
from visualizer.trace.fileformat import load, save

__all__ = ["recorded"]  # (the fixture: the JSON fuzzer's real run)

SEEDS: Final = {"bytes": 1801, "members": 1802}
MUTANTS: Final = {"bytes": 500, "members": 1200}

#: what a column's value is replaced with (cast to the column's type where it fits)
ODD_NUMBERS: Final[list[float]] = [
    -1,
    -2,
    0,
    1,
    2,
    3,
    7,
    99,
    127,
    -128,
    2**31 - 1,
    -(2**31),
    2**62,
    -0.0,
    0.5,
    1e-300,
    1e308,
    -1e308,
    3.5e9,
    float("nan"),
    float("inf"),
    float("-inf"),
]


@pytest.fixture(scope="module")
def members(recorded: Trace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = tmp_path_factory.mktemp("compact") / "recorded.avz"
    save(recorded, path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _odd(kind: str, rng: random.Random) -> Any:
    """An odd value this column's type can hold."""
    dtype = np.dtype(kind)
    value = rng.choice(ODD_NUMBERS)
    if dtype.kind == "f":
        return value
    info = np.iinfo(dtype)
    if value != value or value in (float("inf"), float("-inf")):
        value = rng.choice([info.min, info.max])
    return int(min(max(int(value), info.min), info.max))


def member_mutant(good: dict[str, bytes], seed: int, index: int) -> tuple[dict[str, bytes], bool]:
    """One member damaged as data; and whether the header (its task count) is intact."""
    rng = random.Random(seed * 1_000_003 + index)
    members = dict(good)
    name = rng.choice(sorted(COLUMNS))
    member = f"{name}.npy"
    kind = COLUMNS[name][1]
    action = index % 4
    if action == 0:  # the header's values
        header = json.loads(members["header.json"])
        for _ in range(rng.choice((1, 1, 2, 3))):
            _mutate_value(header, rng)
        members["header.json"] = json.dumps(header).encode()
        return members, False
    values = values_of(members[member], kind)
    if action == 1 and len(values):  # a column's values
        values = values.copy()
        for _ in range(rng.choice((1, 1, 2))):
            values[rng.randrange(len(values))] = _odd(kind, rng)
        members[member] = planes(values)
    elif action == 2:  # another type, shape or length
        choice = rng.random()
        if choice < 0.3:
            other = rng.choice(["<f8", "<i4", "<i8", "<i1", "<f4", "<u2"])
            members[member] = planes(values.astype(other))
        elif choice < 0.6:
            cut = rng.choice([-1, 1, len(values), rng.randrange(len(values) + 1)])
            longer = np.concatenate([values, values])
            members[member] = planes(longer[: max(0, len(values) + cut)])
        elif choice < 0.8:
            members[member] = npy(values)  # (the values themselves, not byte planes)
        else:
            del members[member]
    else:  # the .npy's bytes
        members[member] = byte_mutant(members[member], seed, index)
    return members, True


def test_damaged_compact_bytes_are_refused_or_read_whole(
    members: dict[str, bytes], tmp_path: Path
) -> None:
    good = zipped(members)
    seed = SEEDS["bytes"]
    path = tmp_path / "mutant.avz"
    accepted = 0
    for index in range(MUTANTS["bytes"]):
        path.write_bytes(byte_mutant(good, seed, index))
        what = f"compact byte mutant seed={seed} index={index}"
        accepted += read_or_refuse(lambda: load(path), lambda: None, what)
    assert accepted < MUTANTS["bytes"]


def test_compact_files_with_a_damaged_member_are_refused_or_read_whole(
    members: dict[str, bytes], recorded: Trace, tmp_path: Path
) -> None:
    seed = SEEDS["members"]
    path = tmp_path / "mutant.avz"
    accepted = 0
    for index in range(MUTANTS["members"]):
        mutant, counted = member_mutant(members, seed, index)
        path.write_bytes(zipped(mutant))
        in_file = len(recorded.tasks) if counted else None  # (a header damaged: not counted)
        what = f"compact member mutant seed={seed} index={index}"
        accepted += read_or_refuse(lambda: load(path), lambda: in_file, what)  # noqa: B023
    # (the damage is real: most is refused; some lands in a label or an unused value)
    assert 0 < accepted < MUTANTS["members"] * 0.6
