"""One sample through the network, forward and backward, every number the texts name.

Plain numpy, written to be read next to the texts: x → z = W·a + b → a = f(z) → softmax p → loss
against the one-hot label → dL/dz from the output layer back to the input → dL/dW = dL/dz · aᵀ →
w ← w − lr · dL/dw. tests/test_walkthrough.py checks every gradient against torch autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.network import activate, softmax


def activation_slope(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) for the hidden activations (a = f(z) passed in to save work)."""
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "tanh":
        return 1.0 - a * a
    return a * (1.0 - a)  # sigmoid


@dataclass(frozen=True)
class Walkthrough:
    x: np.ndarray  # scaled input (f,)
    label: int
    z: tuple[np.ndarray, ...]  # per weight layer
    a: tuple[np.ndarray, ...]  # per weight layer (last = softmax p)
    one_hot: np.ndarray
    loss: float
    loss_name: str
    dz: tuple[np.ndarray, ...]  # dL/dz per weight layer
    dW: tuple[np.ndarray, ...]  # dL/dW per weight layer (out, in)
    db: tuple[np.ndarray, ...]
    lr: float
    W_new: tuple[np.ndarray, ...]  # one plain SGD step on this sample alone: W − lr·dL/dW
    # a training pass with dropout: per hidden layer, 1 for a neuron kept and 0 for one switched
    # off (None: evaluation, every neuron on); `dropout` is the share p switched off
    keep: tuple[np.ndarray, ...] | None = None
    dropout: float = 0.0
    # regression: the true value, standardised with the training split (the output is the identity
    # ŷ = z and one_hot is [target]); None for classification
    target: float | None = None

    def dropped(self, layer: int) -> list[int]:
        """The neurons (0-based) of hidden layer `layer` that this pass switched off."""
        if self.keep is None or layer >= len(self.keep):
            return []
        return [int(j) for j in np.flatnonzero(self.keep[layer] == 0)]

    @property
    def probabilities(self) -> np.ndarray:
        return self.a[-1]

    @property
    def abs_error(self) -> np.ndarray:
        return np.abs(self.probabilities - self.one_hot)


def dropout_keep(hidden_sizes, p: float, seed) -> tuple[np.ndarray, ...]:
    """One training pass's dropout draw: per hidden layer, 1 (kept) with probability 1 − p, else 0,
    as the trainer draws it (each neuron independently)."""
    rng = np.random.default_rng(seed)
    return tuple((rng.random(int(n)) >= p).astype(np.float64) for n in hidden_sizes)


def walk(weights, biases, activation: str, x, label: int, loss: str = "cross-entropy",
         lr: float = 0.01, keep=None, dropout: float = 0.0, target: float | None = None) -> Walkthrough:
    """With `keep` (see dropout_keep) and `dropout` p, a training pass: a hidden neuron switched
    off outputs 0 and sends no gradient back; the others are scaled by 1 / (1 − p), as in the
    trainer. Without, the evaluation pass (every neuron on).

    With `target` (a regression network: the true value standardised), the output is the identity
    ŷ = z and the loss `loss` (mse, mae or huber, as the trainer computes them on one row)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    W = [np.asarray(w, dtype=np.float64) for w in weights]
    B = [np.asarray(b, dtype=np.float64) for b in biases]
    L = len(W)
    scale = None
    if keep is not None and dropout > 0:
        keep = tuple(np.asarray(k, dtype=np.float64) for k in keep)
        scale = [k / (1.0 - dropout) for k in keep]
    else:
        keep, dropout = None, 0.0
    zs, acts = [], []
    a = x
    for i in range(L):
        z = W[i] @ a + B[i]
        a = (z.copy() if target is not None else softmax(z)) if i == L - 1 else activate(activation, z)
        if scale is not None and i < L - 1:
            a = a * scale[i]
        zs.append(z)
        acts.append(a)
    p = acts[-1]
    C = p.shape[0]
    y = np.zeros(C)
    if target is not None:  # regression: d = ŷ − t
        y[0] = float(target)
        d = float(p[0] - y[0])
        if loss == "mae":  # |d|
            value, g = abs(d), float(np.sign(d))
        elif loss == "huber":  # ½d² within 1 of the target, |d| − ½ beyond (torch's delta 1)
            value, g = (0.5 * d * d, d) if abs(d) < 1 else (abs(d) - 0.5, float(np.sign(d)))
        else:  # mse: d²
            value, g = d * d, 2.0 * d
        dz = np.array([g])
    elif loss == "cross-entropy":
        y[int(label)] = 1.0
        value = float(-np.log(max(p[int(label)], 1e-300)))
        dz = p - y  # softmax and cross-entropy together: the famous p − y
    else:
        y[int(label)] = 1.0
        value = float(np.mean((p - y) ** 2))
        dp = 2.0 * (p - y) / C
        dz = p * (dp - np.dot(dp, p))  # the softmax Jacobian applied to dL/dp
    dzs = [None] * L
    dzs[L - 1] = dz
    for i in range(L - 2, -1, -1):
        da = W[i + 1].T @ dzs[i + 1]
        if scale is None:
            dzs[i] = da * activation_slope(activation, zs[i], acts[i])
        else:  # a = f(z)·s, so da/dz = f'(z)·s (f' from the unscaled f(z))
            dzs[i] = da * scale[i] * activation_slope(activation, zs[i], activate(activation, zs[i]))
    inputs = [x, *acts[:-1]]
    dW = [np.outer(dzs[i], inputs[i]) for i in range(L)]
    db = [dzs[i].copy() for i in range(L)]
    W_new = [W[i] - lr * dW[i] for i in range(L)]
    return Walkthrough(x=x, label=int(label), z=tuple(zs), a=tuple(acts), one_hot=y, loss=value,
                       loss_name=loss, dz=tuple(dzs), dW=tuple(dW), db=tuple(db), lr=float(lr),
                       W_new=tuple(W_new), keep=keep, dropout=float(dropout),
                       target=None if target is None else float(target))


# -- what a gradient says, in words (the walkthrough and the network view's tooltip share it) ----
GRAD_ZERO = 1e-10  # |dL/dw| at or below this moves no weight by anything worth a word
W_ZERO = 5e-6  # |w| below this is ~0 (shown as ±0.00000): no word about its size


def format_gradient(g: float) -> str:
    """A gradient as the texts show it: three significant digits, so no nonzero value reads 0."""
    return f"{g:+.3e}" if g != 0 else "0"


def step_words(w: float, grad: float, lr: float | None = None) -> str:
    """What one gradient-descent step w ← w − lr·dL/dw does to w, as a phrase.

    Says whether w goes up or down (the sign of −dL/dw); says what happens to its size |w| only
    when that is true: not for a w that is ~0, and, with the learning rate known, "crosses 0"
    when the step is larger than |w|. A gradient that is ~0 (or not a number) moves nothing.
    """
    w, grad = float(w), float(grad)
    if not np.isfinite(grad):
        return "dL/dw is not a number: gradient descent cannot tell which way to move w"
    if abs(grad) <= GRAD_ZERO:
        return "dL/dw ≈ 0: gradient descent (w ← w − lr·dL/dw) leaves w where it is"
    way = "down" if grad > 0 else "up"
    text = f"gradient descent (w ← w − lr·dL/dw) moves w {way}"
    if not np.isfinite(w) or abs(w) < W_ZERO:
        return text
    if lr is not None and np.isfinite(lr) and lr > 0:
        new = w - lr * grad
        if np.sign(new) != np.sign(w) and new != 0:
            return text + ", across 0"
        return text + (", so |w| grows" if abs(new) > abs(w) else ", so |w| shrinks (towards 0)")
    grows = (w > 0) == (grad < 0)
    return text + (", so |w| grows" if grows else ", so |w| shrinks (towards 0)")
