"""The crash workload of writer.c (mode "crash"), replayed: the state of the
hierarchy after each op, for the crash test to compare what is stored with.
The op sequence follows writer.c's xorshift64 generator; the expected values
come from this model, not from libzarr."""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
CANVAS_ROWS = 512


class Rng:
    def __init__(self, seed: int):
        self.x = (seed * 2654435761 + 1) & MASK

    def next(self) -> int:
        x = self.x
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        self.x = x
        return x


class State:
    def __init__(self):
        # Elements outside p's shape are fill (0): libzarr trims on shrink.
        self.p = np.zeros((CANVAS_ROWS, 48), np.int32)
        self.rows = 48
        self.s = np.zeros((32, 32), np.int32)
        self.attrs: dict = {}

    def copy(self) -> "State":
        c = State()
        c.p, c.rows, c.s, c.attrs = self.p.copy(), self.rows, self.s.copy(), dict(self.attrs)
        return c


def _rect(rng: Rng, rows: int, cols: int):
    out = []
    for lim in (rows, cols):
        start = rng.next() % lim
        room = lim - start
        out.append((start, start + 1 + rng.next() % min(room, 20)))
    return out


def states(seed: int, last: int):
    """The states after ops 0 (setup), 1, ..., last."""
    rng, st = Rng(seed), State()
    out = [st.copy()]
    for k in range(1, last + 1):
        op = rng.next() % 6
        if op == 2 and st.rows >= 300:
            op = 1
        if op == 0:
            (r0, r1), (c0, c1) = _rect(rng, st.rows, 48)
            st.p[r0:r1, c0:c1] = k
        elif op == 1:
            new = 16 + rng.next() % 80
            if st.rows >= 300:
                new = 48
            st.p[new:] = 0
            st.rows = new
        elif op == 2:
            n = 1 + rng.next() % 5
            st.p[st.rows:st.rows + n] = k
            st.rows += n
        elif op == 3:
            (r0, r1), (c0, c1) = _rect(rng, 32, 32)
            st.s[r0:r1, c0:c1] = k
        elif op == 4:
            st.attrs[f"a{k % 7}"] = k
        out.append(st.copy())
    return out
