"""The network's shape and its forward pass in plain numpy.

The trainer runs the same arithmetic in torch; this numpy twin classifies, lights the forward pass
in the window, and lets views explain one observation without touching a tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.config import ACTIVATIONS, LOSSES  # noqa: F401  (re-exported)
from core.errors import UserError


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic
    raise UserError(f"unknown activation '{name}': choose one of {', '.join(ACTIVATIONS)}.")


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


@dataclass(frozen=True)
class NetworkSpec:
    """Layer sizes from inputs to outputs, e.g. (4, 5, 5, 3), and the hidden activation."""

    layer_sizes: tuple[int, ...]
    activation: str = "relu"

    def __post_init__(self):
        sizes = tuple(int(s) for s in self.layer_sizes)
        object.__setattr__(self, "layer_sizes", sizes)
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise UserError(f"a network needs an input and an output layer of at least one neuron "
                            f"each, not {sizes}.")
        if self.activation not in ACTIVATIONS:
            raise UserError(f"unknown activation '{self.activation}': choose one of "
                            f"{', '.join(ACTIVATIONS)}.")

    @classmethod
    def build(cls, n_inputs: int, hidden, n_outputs: int, activation: str = "relu") -> NetworkSpec:
        return cls((n_inputs, *tuple(hidden), n_outputs), activation)

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.layer_sizes[1:-1]

    @property
    def n_layers(self) -> int:
        """Number of weight layers (connections between consecutive neuron layers)."""
        return len(self.layer_sizes) - 1

    @property
    def n_edges(self) -> int:
        s = self.layer_sizes
        return sum(a * b for a, b in zip(s[:-1], s[1:], strict=False))

    @property
    def n_parameters(self) -> int:
        return self.n_edges + sum(self.layer_sizes[1:])

    def describe(self) -> str:
        return "-".join(map(str, self.layer_sizes))


@dataclass(frozen=True)
class ForwardPass:
    """Everything the texts name for one batch of observations: x, z = w·a + b, a, and softmax."""

    inputs: np.ndarray  # (n, f) scaled x
    z: tuple[np.ndarray, ...]  # per weight layer, (n, out)
    a: tuple[np.ndarray, ...]  # per weight layer, activation (hidden) or softmax (output)

    @property
    def probabilities(self) -> np.ndarray:
        return self.a[-1]


def forward(weights, biases, activation: str, x: np.ndarray, dtype=np.float64) -> ForwardPass:
    """Forward pass of scaled inputs x (n, f) through weights (out, in) and biases (out,).

    float64 by default (exact numbers to explain); classification of big tables uses float32,
    the precision the network was trained in. The arithmetic runs on (features, n) arrays, z = W·a
    as in the texts: a long inner dimension keeps BLAS busy (2.5x faster for 200k rows than
    (n, f) @ Wᵀ with 4-5 wide layers); the results are returned as (n, out) views."""
    x = np.asarray(x, dtype=dtype)
    if x.ndim == 1:
        x = x[None, :]
    a = np.ascontiguousarray(x.T)
    zs, acts = [], []
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = np.asarray(w, dtype=dtype) @ a
        z += np.asarray(b, dtype=dtype)[:, None]
        if i == last:
            a = np.exp(z - z.max(axis=0))
            a /= a.sum(axis=0)
        else:
            a = activate(activation, z)
        zs.append(z.T)
        acts.append(a.T)
    return ForwardPass(inputs=x, z=tuple(zs), a=tuple(acts))


def _activate_in_place(name: str, z: np.ndarray) -> np.ndarray:
    """activate(name, z), written over z: the same arithmetic, no new array."""
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "tanh":
        return np.tanh(z, out=z)
    if name == "sigmoid":
        np.multiply(z, 0.5, out=z)
        np.tanh(z, out=z)
        z += 1.0
        z *= 0.5
        return z
    return activate(name, z)  # raises: unknown activation


def forward_probabilities(weights, biases, activation: str, a: np.ndarray, out: np.ndarray,
                          hidden=None) -> np.ndarray:
    """Softmax probabilities (classes, n) into `out` for scaled inputs given as columns a (features, n).

    The arithmetic of forward() in out's dtype (float32 when classifying) without keeping z and the
    activations: each layer's z is activated, and the output soft-maxed, in place. `hidden`, if
    given, holds one (size, n) array per hidden layer to write z into (reused block after block:
    fresh arrays of this size cost a page fault per 4 KB). Meant for blocks of a few thousand
    columns (see TrainedModel.probability_blocks), which stay in the CPU cache and keep each matrix
    product below BLAS's threading threshold: one product over 200k columns starts BLAS threads,
    which on a busy 2-core machine wait for each other (4-20 ms instead of 0.4 for 4-5-5-3)."""
    dtype = out.dtype
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = out if i == last else None if hidden is None else hidden[i]
        z = np.matmul(np.asarray(w, dtype=dtype), a, out=z)
        z += np.asarray(b, dtype=dtype)[:, None]
        if i != last:
            a = _activate_in_place(activation, z)
    z -= z.max(axis=0)
    np.exp(z, out=z)
    z /= z.sum(axis=0)
    return z


def mse_against_one_hot(probabilities, target_index: int) -> tuple[np.ndarray, float]:
    """The texts' example: |p - one_hot| per class and the mean squared error."""
    p = np.asarray(probabilities, dtype=np.float64)
    onehot = np.zeros_like(p)
    onehot[target_index] = 1.0
    diff = np.abs(p - onehot)
    return diff, float(np.mean(diff**2))
