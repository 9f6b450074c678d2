"""EpochSnapshot: one immutable record of the network after an epoch.

Plain numpy copies (read-only), so it can cross threads, be kept in a history, and be drawn by any
view without a tensor in sight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _ro(a) -> np.ndarray:
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    if a.flags.writeable:
        a = a.copy()
        a.setflags(write=False)
    return a


@dataclass(frozen=True)
class EpochSnapshot:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float  # NaN when there is no validation split
    val_accuracy: float
    weights: tuple[np.ndarray, ...]  # per layer (out, in)
    biases: tuple[np.ndarray, ...]  # per layer (out,)
    grad_weights: tuple[np.ndarray, ...]  # epoch-mean dL/dw, (out, in)
    grad_biases: tuple[np.ndarray, ...]
    delta_weights: tuple[np.ndarray, ...]  # update applied this epoch: w_after - w_before
    delta_biases: tuple[np.ndarray, ...]
    grad_norms: np.ndarray = field(default=None)  # per layer ||dL/dW||
    learning_rate: float = float("nan")
    seconds: float = 0.0  # wall time of this epoch's training
    device: str = "cpu"
    penalty: float = 0.0  # the L1/L2 penalty at the epoch's end (train_loss is the data loss alone)
    # regression: train_/val_ rmse, mae, r2 in the label's units (the accuracy fields then hold R²)
    regression: dict | None = None

    def __post_init__(self):
        for name in ("weights", "biases", "grad_weights", "grad_biases", "delta_weights",
                     "delta_biases"):
            object.__setattr__(self, name, tuple(map(_ro, getattr(self, name))))
        if self.grad_norms is None:
            norms = [float(np.sqrt((g.astype(np.float64) ** 2).sum())) for g in self.grad_weights]
            object.__setattr__(self, "grad_norms", np.array(norms))
        object.__setattr__(self, "grad_norms", _ro(self.grad_norms))

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    def edge_values(self, mode: str) -> tuple[np.ndarray, ...]:
        """Per layer (out, in) values for 'weights', 'gradients' or 'updates'."""
        return {"weights": self.weights, "gradients": self.grad_weights,
                "updates": self.delta_weights}[mode]

    def node_values(self, mode: str) -> tuple[np.ndarray, ...]:
        return {"weights": self.biases, "gradients": self.grad_biases,
                "updates": self.delta_biases}[mode]

    def nbytes(self) -> int:
        return sum(a.nbytes for group in (self.weights, self.biases, self.grad_weights,
                                          self.grad_biases, self.delta_weights, self.delta_biases)
                   for a in group)
