"""Health notes for one snapshot, in plain words: dead ReLU neurons, saturated tanh/sigmoid neurons,
and vanishing or exploding gradients, each naming the layer and neurons concerned.

A forward pass of the training rows (the first MAX_ROWS of them for big tables) with the snapshot's
weights: numpy only, a few milliseconds for penguins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.network import forward

MAX_ROWS = 2000  # training rows looked at (the first ones): the cost stays small on big tables
# A tanh or sigmoid neuron is saturated on a row when its slope there is below this share of the
# slope's largest value (tanh' ≤ 0.01 is |z| ≥ 2.65; sigmoid' ≤ 0.0025 is |z| ≥ 5.99) ...
SATURATED_SLOPE = 0.01
# ... and saturated when that holds on at least this share of the rows looked at.
SATURATED_SHARE = 0.95
# The first ÷ output layer ‖dL/dW‖ below VANISHING / above EXPLODING (the Gradients plot's words).
VANISHING, EXPLODING = 1e-2, 1e2


@dataclass(frozen=True)
class Health:
    """What health_of found for one snapshot (per hidden layer, a flag per neuron)."""

    epoch: int
    rows: int  # training rows looked at
    total_rows: int  # training rows there are
    activation: str
    dead: tuple[np.ndarray, ...]  # per hidden layer, bool (n,): never active on any row (ReLU)
    saturated: tuple[np.ndarray, ...]  # per hidden layer, bool (n,): flat slope on almost all rows
    gradient_ratio: float  # first ÷ output layer ‖dL/dW‖ (NaN when it cannot be said)
    notes: tuple[str, ...]  # plain sentences, the worst first; empty when all is well

    @property
    def gradient_trend(self) -> str:
        return gradient_trend(self.gradient_ratio)

    def rows_words(self) -> str:
        if self.rows == self.total_rows:
            return f"the {self.rows:,} training rows"
        return f"the first {self.rows:,} of {self.total_rows:,} training rows"

    def neuron_words(self, layer: int, j: int) -> str:
        """What is wrong with neuron j of neuron layer `layer` (1 = first hidden), or ''."""
        h = layer - 1
        if not 0 <= h < len(self.dead) or not 0 <= j < self.dead[h].size:
            return ""
        if self.dead[h][j]:
            return f"dead: never active on {self.rows_words()} (its output is 0, no gradient passes)"
        if self.saturated[h][j]:
            return (f"saturated: {self.activation}(z) flat on {SATURATED_SHARE:.0%} or more of "
                    f"{self.rows_words()} (almost no gradient passes)")
        return ""

    @property
    def n_dead(self) -> int:
        return int(sum(d.sum() for d in self.dead))

    @property
    def n_saturated(self) -> int:
        return int(sum(s.sum() for s in self.saturated))


def gradient_trend(ratio: float) -> str:
    """'vanishing towards the input', 'exploding towards the input', 'healthy', or '' (unknown)."""
    if not np.isfinite(ratio) or ratio <= 0:
        return ""
    if ratio < VANISHING:
        return "vanishing towards the input"
    if ratio > EXPLODING:
        return "exploding towards the input"
    return "healthy"


def _list(idx: np.ndarray) -> str:
    names = [str(int(i) + 1) for i in idx]
    if len(names) > 8:
        names = names[:8] + ["…"]
    return ("neuron " if len(idx) == 1 else "neurons ") + ", ".join(names)


def health_of(snap, X_train: np.ndarray, activation: str, max_rows: int = MAX_ROWS) -> Health:
    """The health of snapshot `snap` on the (scaled) training rows X_train."""
    X = np.asarray(X_train)
    total = int(X.shape[0]) if X.ndim == 2 else 0
    X = X[:max_rows]
    rows = int(X.shape[0]) if X.ndim == 2 else 0
    n_hidden = len(snap.weights) - 1
    dead, saturated = [], []
    if rows > 0 and n_hidden > 0:
        fp = forward(snap.weights, snap.biases, activation, X)
        for a in fp.a[:-1]:
            if activation == "relu":
                dead.append(~(a > 0).any(axis=0))
                saturated.append(np.zeros(a.shape[1], dtype=bool))
            else:
                slope = 1.0 - a * a if activation == "tanh" else 4.0 * a * (1.0 - a)
                flat = (slope < SATURATED_SLOPE).mean(axis=0) >= SATURATED_SHARE
                dead.append(np.zeros(a.shape[1], dtype=bool))
                saturated.append(flat)
    else:
        dead = [np.zeros(w.shape[0], dtype=bool) for w in snap.weights[:-1]]
        saturated = [d.copy() for d in dead]
    norms = np.asarray(snap.grad_norms, dtype=np.float64)
    ratio = float("nan")
    if snap.epoch > 0 and norms.size > 1 and np.all(norms > 0) and np.all(np.isfinite(norms)):
        ratio = float(norms[0] / norms[-1])
    h = Health(epoch=int(snap.epoch), rows=rows, total_rows=total, activation=activation,
               dead=tuple(dead), saturated=tuple(saturated), gradient_ratio=ratio, notes=())
    object.__setattr__(h, "notes", tuple(_notes(h)))
    return h


def _notes(h: Health) -> list[str]:
    notes = []
    for i, d in enumerate(h.dead):
        if d.any():
            n = int(d.sum())
            what = "all" if n == d.size else f"{n} of"
            notes.append(f"hidden {i + 1}: {what} {d.size} neurons dead (never active on "
                         f"{h.rows_words()}: {_list(np.flatnonzero(d))})."
                         if n > 1 or d.size > 1 else
                         f"hidden {i + 1}: its neuron is dead (never active on {h.rows_words()}).")
    for i, s in enumerate(h.saturated):
        if s.any():
            n = int(s.sum())
            what = "all" if n == s.size else f"{n} of"
            notes.append(f"hidden {i + 1}: {what} {s.size} neurons saturated ({h.activation} flat "
                         f"on almost every training row, so almost no gradient passes: "
                         f"{_list(np.flatnonzero(s))}).")
    trend = h.gradient_trend
    if trend and trend != "healthy":
        notes.append(f"First ÷ output layer ‖dL/dW‖: {h.gradient_ratio:.3g} ({trend}): "
                     + ("layer 1 barely learns." if trend.startswith("vanishing") else
                        "layer 1's steps are too large."))
    return notes


def summary(h: Health | None) -> str:
    """One short line for the window (the whole notes go in its tooltip): per layer how many
    neurons are dead or saturated, and vanishing or exploding gradients; '' before training."""
    if h is None or h.epoch == 0:
        return ""
    parts = []
    for kind, flags in (("dead", h.dead), ("saturated", h.saturated)):
        hit = [(i + 1, int(f.sum()), f.size) for i, f in enumerate(flags) if f.any()]
        if len(hit) == 1:  # "hidden 2: 3 of 5 neurons dead"
            i, n, size = hit[0]
            what = f"all {size} neurons" if n == size and n > 1 else \
                f"{n} of {size} neuron" + ("s" if size > 1 else "")
            parts.append(f"hidden {i}: {what} {kind}")
        elif hit:  # short when several layers have them (the dock is small)
            parts.append(f"{kind} neurons: " + ", ".join(f"{n} of {size} in hidden {i}"
                                                          for i, n, size in hit))
    trend = h.gradient_trend
    if trend and trend != "healthy":  # the ratio itself: the gradient plot's note and the tooltip
        parts.append(f"gradients {trend.split()[0]}")
    if parts:
        return "Health: " + "; ".join(parts) + "."
    kind = "dead" if h.activation == "relu" else "saturated"
    return f"Health: no {kind} neuron on {h.rows_words()}."
