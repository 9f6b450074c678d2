"""Training history: every epoch's numbers, and full snapshots within a memory bound.

Metrics (losses, accuracies, gradient norms) are kept for every epoch: a few floats each. Full
snapshots (weights, gradients, updates) are kept for every epoch while they fit in `budget_bytes`;
past that the history is thinned by halves (every 2nd, then every 4th epoch, ...), always keeping
the first and the newest, so memory stays under the bound however long training runs.
"""

from __future__ import annotations

import numpy as np

from core.snapshot import EpochSnapshot

DEFAULT_BUDGET = 256 * 1024 * 1024
# A snapshot's Python objects (18 small arrays, tuples, the dataclass) cost about this much beyond
# its numbers; counted in the budget, or a small network's history would grow far past it.
SNAPSHOT_OVERHEAD = 4096


def snapshot_cost(s: EpochSnapshot) -> int:
    return s.nbytes() + SNAPSHOT_OVERHEAD


class History:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET):
        self.budget = int(budget_bytes)
        # every epoch's numbers in growing arrays (capacity doubles): appending and reading stay cheap
        # after 20k epochs, where a list of tuples cost the GUI a conversion per frame
        self._m = np.zeros((256, 5))  # epoch, train_loss, train_acc, val_loss, val_acc
        self._g = np.zeros((256, 1))  # gradient norm per layer
        self._p = np.zeros(256)  # the L1/L2 penalty at the epoch's end (train_loss is the data loss)
        self._n = 0
        self._snaps: dict[int, EpochSnapshot] = {}
        self.stride = 1
        self._bytes = 0

    def __len__(self) -> int:
        return self._n

    def clear(self):
        self.__init__(self.budget)

    def truncate(self, epoch: int):
        """Forget everything after `epoch` (for continuing from a past epoch)."""
        self._n = int(np.searchsorted(self._m[:self._n, 0], epoch, side="right"))
        for e in [e for e in self._snaps if e > epoch]:
            self._bytes -= snapshot_cost(self._snaps.pop(e))

    def add(self, s: EpochSnapshot):
        if self._n and s.epoch <= self._m[self._n - 1, 0]:
            self.truncate(s.epoch - 1)
        norms = np.asarray(s.grad_norms, dtype=np.float64).ravel()
        if self._n == len(self._m) or norms.size > self._g.shape[1]:
            cap = len(self._m) * (2 if self._n == len(self._m) else 1)
            m, g = np.zeros((cap, 5)), np.zeros((cap, max(norms.size, self._g.shape[1])))
            m[:self._n], g[:self._n, :self._g.shape[1]] = self._m[:self._n], self._g[:self._n]
            p = np.zeros(cap)
            p[:self._n] = self._p[:self._n]
            self._m, self._g, self._p = m, g, p
        self._m[self._n] = (s.epoch, s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy)
        self._g[self._n] = 0.0
        self._g[self._n, :norms.size] = norms
        self._p[self._n] = float(getattr(s, "penalty", 0.0) or 0.0)
        self._n += 1
        self._snaps[s.epoch] = s
        self._bytes += snapshot_cost(s)
        latest = s.epoch
        while self._bytes > self.budget and len(self._snaps) > 2:
            self.stride *= 2
            first = min(self._snaps)
            for e in list(self._snaps):
                if e != first and e != latest and e % self.stride:
                    self._bytes -= snapshot_cost(self._snaps.pop(e))
            if self.stride > 1 << 40:
                break
        # between thinning passes, drop epochs off the current stride (but keep the newest). Epochs
        # arrive in increasing order, so the dict's last two keys are the newest and the one before.
        if self.stride > 1 and len(self._snaps) > 2:
            keys = reversed(self._snaps)
            next(keys)
            p = next(keys)
            if p != next(iter(self._snaps)) and p % self.stride:
                self._bytes -= snapshot_cost(self._snaps.pop(p))

    @property
    def nbytes(self) -> int:
        return self._bytes

    def metrics(self) -> np.ndarray:
        """(n, 5) array: epoch, train loss, train accuracy, val loss, val accuracy."""
        return self._m[:self._n].copy()

    def penalties(self) -> np.ndarray:
        """(n,) the L1/L2 penalty at each epoch's end, in metrics()' row order (0 without one)."""
        return self._p[:self._n].copy()

    def grad_norms(self) -> np.ndarray:
        """(n, layers) gradient norms per epoch (rows of epoch 0 are zeros)."""
        return self._g[:self._n].copy()

    def epochs_with_snapshots(self) -> list[int]:
        return sorted(self._snaps)

    def snapshot(self, epoch: int) -> EpochSnapshot | None:
        return self._snaps.get(epoch)

    def nearest(self, epoch: int) -> EpochSnapshot | None:
        if not self._snaps:
            return None
        e = min(self._snaps, key=lambda k: (abs(k - epoch), -k))
        return self._snaps[e]


METRICS_HEADER = "epoch,train_loss,train_accuracy,val_loss,val_accuracy"


def write_metrics_csv(metrics: np.ndarray, path, penalties: np.ndarray | None = None) -> int:
    """Write History.metrics() rows as CSV (atomically: a failed write leaves any old file as it
    was); returns the number of epochs written. Raises OSError.

    With `penalties` (History.penalties(), same row order) the file gets a last column `penalty`:
    the L1/L2 penalty at the epoch's end, so that train_loss (the data loss) + penalty is the
    loss the optimizer minimised."""
    from core.atomic import atomic_open

    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(METRICS_HEADER + (",penalty" if penalties is not None else "") + "\n")
        for i, row in enumerate(metrics):
            line = f"{int(row[0])},{row[1]:.6g},{row[2]:.6g},{row[3]:.6g},{row[4]:.6g}"
            if penalties is not None:
                line += f",{float(penalties[i]):.6g}"
            f.write(line + "\n")
    return len(metrics)
