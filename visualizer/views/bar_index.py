"""A finished trace's bars of one state, read from the trace's own span columns through an
index, without Qt.

A chart keeps each state's bars in (lane, start) order, contiguous, so that a frame finds
the lanes in view with a search.  Copied out per state that was 20 bytes a bar (lane,
start, end): 44 MB of the window at 100,000 tasks, more than half the trace's columns
(issue 18).  ``IndexedBars`` keeps 4 bytes a bar instead, the bar's position in the
trace's columns, and where each lane's bars begin; a frame reads the few bars it needs
through it (``take``), and a zoomed-out frame counts them from the lanes' bounds without
reading any (``count_in_view``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.signedinteger[Any]]

#: the bars checked and counted this many at a time: a state's million bars' lanes and
#: starts gathered at once were 13 MB of temporaries, and their differences 13 more
BLOCK = 1 << 17


class IndexedBars:
    """One state's bars: ``index`` (positions in the columns, in (lane, start) order) and
    ``offsets`` (lane ``l``'s bars are ``index[offsets[l]:offsets[l + 1]]``); a bar's
    lane is ``lane_of[key[i]]`` (a span's task's lane), its label ``label[i]`` or none
    (``label`` None: no bar of the state has one)."""

    def __init__(
        self,
        index: IntArray,
        offsets: IntArray,
        lane_of: IntArray,
        key: IntArray,
        start: FloatArray,
        end: FloatArray,
        label: IntArray | None,
    ) -> None:
        self.index, self.offsets = index, offsets
        self._lane_of, self._key, self._start, self._end = lane_of, key, start, end
        self._label = label
        self.first = float(start[index].min()) if len(index) else 0.0  #: earliest start
        self.last = float(end[index].max()) if len(index) else 0.0  #: latest end

    def __len__(self) -> int:
        return len(self.index)

    def bounds(self, lo: int, hi: int) -> tuple[int, int]:
        """The bars of lanes ``lo`` to ``hi`` (excluded): positions ``a`` to ``z``."""
        top = len(self.offsets) - 1
        a = int(self.offsets[min(max(lo, 0), top)])
        z = int(self.offsets[min(max(hi, 0), top)])
        return a, max(a, z)

    def take(self, a: int, z: int) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """Bars ``a`` to ``z`` (excluded) as columns: lane, start, end, label."""
        at = self.index[a:z]
        label = (
            self._label[at] if self._label is not None else np.broadcast_to(np.int32(-1), at.shape)
        )
        return self._lane_of[self._key[at]], self._start[at], self._end[at], label

    def subset(self, keep: npt.NDArray[np.bool_]) -> IndexedBars:
        """The bars where ``keep`` (one a bar) is True, in the same order."""
        return IndexedBars.of(
            self.index[keep], self._lane_of, self._key, self._start, self._end, self._label
        )

    @staticmethod
    def of(
        index: IntArray,
        lane_of: IntArray,
        key: IntArray,
        start: FloatArray,
        end: FloatArray,
        label: IntArray | None,
    ) -> IndexedBars:
        """The bars at ``index`` (in (lane, start) order), each lane's bounds counted."""
        counts = np.zeros(len(lane_of) and int(lane_of.max()) + 1, np.int64)
        for i in range(0, len(index), BLOCK):
            lanes = lane_of[key[index[i : i + BLOCK]]]
            counts += np.bincount(lanes, minlength=len(counts))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return IndexedBars(index, offsets, lane_of, key, start, end, label)

    # the columns whole, as ``StateBars`` has them (tests; a frame reads ``take``)
    @property
    def lane(self) -> IntArray:
        return self.take(0, len(self))[0]

    @property
    def start(self) -> FloatArray:
        return self.take(0, len(self))[1]

    @property
    def end(self) -> FloatArray:
        return self.take(0, len(self))[2]

    @property
    def label(self) -> IntArray:
        return self.take(0, len(self))[3]


def state_index(
    lane_of: IntArray, key: IntArray, state: npt.NDArray[np.int8], value: int, start: FloatArray
) -> IntArray:
    """The positions of the spans of state ``value``, in (lane, start) order: as they come
    when the trace's spans are by task and time and the lanes follow the tasks (checked
    a block at a time), else sorted (stably, as ``lexsort`` sorted the copies)."""
    wide = np.flatnonzero(state == value)
    index = wide.astype(np.int32) if len(state) < 2**31 else wide
    del wide
    if not _in_order(lane_of, key, start, index):
        order = np.lexsort((start[index], lane_of[key[index]]))
        index = index[order]
    return index


def _in_order(lane_of: IntArray, key: IntArray, start: FloatArray, index: IntArray) -> bool:
    """Whether the bars at ``index`` are in (lane, start) order, a block at a time (each
    block with the last bar of the one before)."""
    for i in range(0, max(len(index) - 1, 0), BLOCK):
        at = index[i : i + BLOCK + 1]
        lane, when = lane_of[key[at]], start[at]
        step = np.diff(lane)
        if not ((step >= 0).all() and ((step > 0) | (np.diff(when) >= 0)).all()):
            return False
    return True
