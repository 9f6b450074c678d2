"""The texts' central figure, computed: the training loss as a function of one weight.

Every other weight stays frozen; only W_layer[out, inp] varies over an evenly spaced grid around its
present value w0. With it come the slope dL/dw at w0 (autograd, the tangent of the curve) and, from
the latest EpochSnapshot, the step the optimizer actually took this epoch.

Vectorised: the activations entering `layer` do not depend on the weight, so they are computed once.
Moving the weight by d changes only neuron `out`'s pre-activation, by d·a[:, inp]; the candidates
form one (n, rows, width) batch that goes through the remaining layers with broadcasting and is
reduced to n losses. Nothing here writes to the trainer: its weights, their .grad, requires_grad and
its random generator are as they were, so training afterwards is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import UserError

if TYPE_CHECKING:
    import torch

DEFAULT_POINTS = 81
# Elements per intermediate tensor of the batched pass: bigger data is sent through in chunks of
# candidates (one chunk, i.e. one pass, for anything the size of the bundled data sets).
CHUNK_ELEMENTS = 1 << 24


def _ro(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class LossSlice:
    """The loss along one weight, as plain numbers (safe to send across threads)."""

    layer: int  # weight layer, 0 = input -> first hidden
    out: int  # neuron in layer + 1 (row of W)
    inp: int  # neuron in layer (column of W)
    epoch: int
    values: np.ndarray  # (n,) candidate values of the weight, evenly spaced around w0
    losses: np.ndarray  # (n,) full-training-set loss with the weight at each value
    w0: float  # the weight now
    loss0: float  # the training loss now (the trainer's own forward and loss function)
    grad: float  # dL/dw at w0 on the full training set (autograd)
    lr: float  # the trainer's learning rate now
    optimizer: str  # 'sgd', 'adam', 'adadelta'
    momentum: float = 0.0
    rule: str = ""  # the optimizer's update rule in the texts' notation
    loss_name: str = "cross-entropy"
    n_layers: int = 1
    rows: int = 0  # training rows the loss is averaged over
    # from the latest snapshot (None without one):
    w_prev: float | None = None  # the weight before this epoch: w0 - delta
    loss_prev: float | None = None  # the curve's loss at w_prev (other weights as they are now)
    delta: float | None = None  # the step this epoch: w0 - w_prev
    grad_mean: float | None = None  # the epoch-mean gradient of this weight (over its batches)
    steps: int = 1  # optimizer steps (batches) in that epoch
    step_lr: float | None = None  # the learning rate that epoch ran with
    predicted_step: float | None = None  # plain SGD only: -lr * grad_mean * steps

    def __post_init__(self):
        object.__setattr__(self, "values", _ro(self.values))
        object.__setattr__(self, "losses", _ro(self.losses))

    def tangent(self, x):
        """The tangent at w0: loss0 + grad·(x − w0) (x a number or an array)."""
        if isinstance(x, (int, float)):
            return self.loss0 + self.grad * (x - self.w0)
        return self.loss0 + self.grad * (np.asarray(x, dtype=np.float64) - self.w0)

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def span(self) -> float:
        return float(self.values[-1] - self.values[0]) / 2.0

    @property
    def has_step(self) -> bool:
        return self.w_prev is not None

    @property
    def is_output_layer(self) -> bool:
        return self.layer == self.n_layers - 1

    @property
    def downhill(self) -> str:
        """Which way the loss falls from w0: 'left', 'right' or '' (flat)."""
        if not math.isfinite(self.grad) or self.grad == 0:
            return ""
        return "left" if self.grad > 0 else "right"

    @property
    def w_best(self) -> float:
        """The grid value with the lowest loss (every other weight held where it is)."""
        finite = np.where(np.isfinite(self.losses), self.losses, np.inf)
        return float(self.values[int(np.argmin(finite))])


def default_span(w0: float, delta: float | None = None, lr_step: float = 0.0) -> float:
    """Half-width of the grid: wide enough to show the curve's shape and this epoch's step."""
    span = max(1.0, 2.5 * abs(w0))
    for d in (delta, lr_step):
        if d is not None and math.isfinite(d):
            span = max(span, 1.5 * abs(d))
    return span


def _activation(name: str):
    import torch

    return {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[name]


def _batched_loss(trainer, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The trainer's loss for each candidate: logits (m, rows, classes) -> (m,).

    The same arithmetic as Trainer._loss (tests compare them); a loss this module does not know
    falls back to calling Trainer._loss per candidate.
    """
    import torch
    import torch.nn.functional as F

    kind = trainer.config.loss
    m = logits.shape[0]
    if getattr(trainer, "regression", False):  # identity output (m, rows, 1) against y (rows, 1)
        diff = logits - y
        if kind == "mae":
            return diff.abs().mean((1, 2))
        if kind == "huber":  # F.huber_loss with delta 1
            a = diff.abs()
            return torch.where(a < 1.0, 0.5 * a.square(), a - 0.5).mean((1, 2))
        return diff.square().mean((1, 2))
    if kind == "cross-entropy":
        return F.cross_entropy(logits.transpose(1, 2), y.expand(m, -1), reduction="none").mean(1)
    if kind == "mse":
        return (torch.softmax(logits, dim=2) - trainer._onehot[y]).square().mean((1, 2))
    return torch.stack([trainer._loss(lg, y) for lg in logits])


def _check(trainer, layer: int, out: int, inp: int, n: int, span):
    n_layers = len(trainer.params) // 2
    if not 0 <= layer < n_layers:
        raise UserError(f"there is no weight layer {layer}: this network has {n_layers} "
                        f"(0 to {n_layers - 1}).")
    rows, cols = trainer.params[2 * layer].shape
    if not (0 <= out < rows and 0 <= inp < cols):
        raise UserError(f"weight layer {layer} is {rows}×{cols}: it has no weight [{out}, {inp}].")
    if n < 3:
        raise UserError("a loss curve needs at least 3 points.")
    if span is not None and not (math.isfinite(span) and span > 0):
        raise UserError("the span of a loss curve must be a positive number.")


def loss_slice(trainer, layer: int, out: int, inp: int, n: int = DEFAULT_POINTS,
               span: float | None = None, snapshot=None) -> LossSlice:
    """The training loss as a function of W_layer[out, inp], every other weight frozen.

    n evenly spaced values over w0 ± span (default: `default_span`), n odd puts w0 on the grid.
    `snapshot`: the EpochSnapshot of the trainer's present epoch (as train_epoch returned it); it
    supplies this epoch's step Δw, the previous value w0 − Δw (whose loss is evaluated in the same
    batched pass) and the epoch-mean gradient. A snapshot of another epoch is ignored.
    """
    import torch  # here, not at the top: the window unpickles LossSlice without loading torch

    _check(trainer, layer, out, inp, n, span)
    cfg = trainer.config
    params = [p.detach() for p in trainer.params]  # no graph to, and no writes into, the weights
    n_layers = len(params) // 2
    last = n_layers - 1
    act = _activation(cfg.activation)
    X, y = trainer.X, trainer.y
    dev, dtype = X.device, params[0].dtype

    # -- this epoch's step, from the snapshot ---------------------------------------------------
    delta = grad_mean = step_lr = predicted = None
    steps = 1
    if _matches(snapshot, trainer, layer, out, inp):
        delta = float(snapshot.delta_weights[layer][out, inp])
        grad_mean = float(snapshot.grad_weights[layer][out, inp])
        step_lr = float(snapshot.learning_rate)
        rows_n = int(X.shape[0])
        steps = max(1, math.ceil(rows_n / max(1, min(int(cfg.batch_size), rows_n))))
        if cfg.optimizer == "sgd" and not cfg.momentum and math.isfinite(step_lr):
            predicted = -step_lr * grad_mean * steps

    # -- activations entering `layer` (they do not depend on the weight) ------------------------
    with torch.no_grad():
        a = X
        for i in range(layer):
            a = act(torch.addmm(params[2 * i + 1], a, params[2 * i].t()))
        z = torch.addmm(params[2 * layer + 1], a, params[2 * layer].t())  # (rows, width)
        w0 = float(params[2 * layer][out, inp])
    if span is None:
        span = default_span(w0, delta, abs(predicted) if predicted is not None else 0.0)
    grid = np.linspace(w0 - span, w0 + span, n)
    if n % 2:
        grid[n // 2] = w0
    cand = np.concatenate([grid, [w0 - delta] if delta is not None else []])

    # -- the batched pass over all candidates ---------------------------------------------------
    with torch.no_grad():
        d = torch.tensor(cand - w0, dtype=dtype, device=dev)  # (m,) how far each candidate moves
        a_in = a[:, inp]  # (rows,)
        pick = torch.zeros(z.shape[1], dtype=dtype, device=dev)
        pick[out] = 1.0
        widest = max(w.shape[0] for w in params[2 * layer::2])
        chunk = max(1, CHUNK_ELEMENTS // max(1, z.shape[0] * widest))
        parts = []
        for d_part in torch.split(d, chunk):
            x = z + (d_part[:, None] * a_in)[:, :, None] * pick  # (m, rows, width): only `out` moves
            for i in range(layer, last + 1):
                if i > layer:
                    x = torch.matmul(x, params[2 * i].t()) + params[2 * i + 1]
                if i != last:
                    x = act(x)
            parts.append(_batched_loss(trainer, x, y))
        losses = torch.cat(parts)

    # -- the slope at w0 by autograd, through a temporary leaf ----------------------------------
    with torch.enable_grad():
        leaf = torch.zeros((), dtype=dtype, device=dev, requires_grad=True)  # w − w0
        x = z + (leaf * a_in)[:, None] * pick
        for i in range(layer, last + 1):
            if i > layer:
                x = torch.addmm(params[2 * i + 1], x, params[2 * i].t())
            if i != last:
                x = act(x)
        loss0 = trainer._loss(x, y)  # the trainer's own loss function
        (grad,) = torch.autograd.grad(loss0, leaf)  # touches no .grad anywhere
    host = torch.cat([losses.float(), torch.stack([loss0.detach(), grad]).float()]).cpu().numpy()
    curve = host[:n].astype(np.float64)
    loss_prev = float(host[n]) if delta is not None else None
    return LossSlice(
        layer=layer, out=out, inp=inp, epoch=int(trainer.epoch), values=grid, losses=curve,
        w0=w0, loss0=float(host[-2]), grad=float(host[-1]), lr=float(cfg.learning_rate),
        optimizer=cfg.optimizer, momentum=float(cfg.momentum), rule=_rule(trainer),
        loss_name=cfg.loss, n_layers=n_layers, rows=int(X.shape[0]),
        w_prev=None if delta is None else w0 - delta, loss_prev=loss_prev, delta=delta,
        grad_mean=grad_mean, steps=steps, step_lr=step_lr, predicted_step=predicted,
    )


def _matches(snapshot, trainer, layer: int, out: int, inp: int) -> bool:
    """Whether `snapshot` describes the trainer's present weights (same epoch, same network) and
    the epoch that led to them (Trainer.snapshot()'s records, e.g. epoch 0, hold no step)."""
    if snapshot is None or snapshot.epoch != trainer.epoch or layer >= len(snapshot.weights):
        return False
    if not (np.any(snapshot.grad_norms) or any(np.any(d) for d in snapshot.delta_weights)):
        return False
    w = snapshot.weights[layer]
    if tuple(w.shape) != tuple(trainer.params[2 * layer].shape):
        return False
    w0 = float(trainer.params[2 * layer].detach()[out, inp])
    return abs(float(w[out, inp]) - w0) <= 1e-5 * (1.0 + abs(w0))


def _rule(trainer) -> str:
    try:
        return trainer.optimizer.rule()
    except (AttributeError, NotImplementedError):
        return ""
