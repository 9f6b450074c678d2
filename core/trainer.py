"""The trainer: PyTorch, one epoch per call, one EpochSnapshot out.

Batches stay as tensors on the device (an index permutation per epoch, no DataLoader, no per-row
Python). Every weight and bias is a view into one flat tensor and every gradient a view into one
flat gradient buffer, so an optimizer step is one tensor op and, when a snapshot is wanted, the
epoch-mean gradient is summed with one add per batch, on the device, straight into the snapshot's
transfer buffer. At the end of an epoch every number a snapshot needs sits in that one buffer and is
copied to the host in one transfer (pinned and non-blocking on CUDA), so there is a single
synchronisation per epoch.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from core.config import DEVICES, OPTIMIZERS, TrainConfig  # noqa: F401 - re-exported
from core.errors import DivergenceError, EpochCancelled, UserError
from core.initialise import initial_parameters
from core.network import NetworkSpec
from core.optim import make_optimizer
from core.snapshot import EpochSnapshot
from core.split import Split

# Below this many multiply-adds per epoch, kernel launches cost more than the arithmetic: the CPU wins.
GPU_WORTHWHILE_MACS = 5e8
# A weight this large, or a loss ten times the untrained network's, means the steps overshoot.
MAX_WEIGHT = 1e6


def resolve_device(requested: str, spec: NetworkSpec | None = None, rows: int = 0) -> tuple[str, str]:
    """(device, why): the device to use and a sentence saying why it was picked."""
    if requested == "cpu":
        return "cpu", "CPU (as asked)"
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise UserError("CUDA was asked for but no CUDA device is available: use --device cpu "
                            "or auto.")
        return "cuda", f"CUDA {torch.cuda.get_device_name(0)} (as asked)"
    if not torch.cuda.is_available():
        return "cpu", "CPU (auto: no CUDA device)"
    macs = (spec.n_edges if spec else 0) * max(rows, 1) * 3
    if macs < GPU_WORTHWHILE_MACS:
        return "cpu", (f"CPU (auto: this network is small, {macs:.0e} multiply-adds per epoch, and "
                       f"trains faster on the CPU than on {torch.cuda.get_device_name(0)})")
    return "cuda", f"CUDA {torch.cuda.get_device_name(0)} (auto)"


def configure_threads(spec: NetworkSpec, rows: int) -> int:
    """Small networks train fastest on one thread (no pool hand-offs); big ones use the cores."""
    work = spec.n_edges * max(rows, 1)
    n = 1 if work < 5e6 else max(1, torch.get_num_threads())
    torch.set_num_threads(n)
    return n


_SNAPSHOT_METRICS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy")


class Trainer:
    """Owns the torch network, its optimizer and the data on the device.

    Not thread-safe: one thread (the GUI's worker, or the command line) drives it.
    """

    def __init__(self, data: Split, config: TrainConfig | None = None, initial=None):
        self.data = data
        self.config = config = config if config is not None else TrainConfig()
        # the data decides the task (a window's settings may be those of the previous data)
        task = getattr(data, "task", "classification")
        self.regression = task == "regression"
        if config.task != task:  # a new task starts from its default loss
            loss = "mse" if self.regression else "cross-entropy"
            self.config = config = config.with_(task=task, loss=loss)
        n_in, n_out = data.X_train.shape[1], 1 if self.regression else len(data.class_names)
        self.spec = NetworkSpec.build(n_in, config.hidden, n_out, config.activation)
        self.device, self.device_reason = resolve_device(config.device, self.spec,
                                                         len(data.X_train))
        dev = torch.device(self.device)
        self._gen = torch.Generator().manual_seed(int(config.seed))
        # (default: PyTorch's nn.Linear initialisation, drawn as the trainer always has)
        self.params: list[torch.Tensor] = initial_parameters(
            self.spec.layer_sizes, config.init, float(config.init_scale), self._gen)
        if initial is not None:
            self._load_initial(initial)
        self._flatten_params(dev)
        self.X = torch.tensor(np.asarray(data.X_train), device=dev)
        self.y = torch.tensor(self._target(data.y_train), device=dev)
        self.Xv = torch.tensor(np.asarray(data.X_val), device=dev)
        self.yv = torch.tensor(self._target(data.y_val), device=dev)
        self._onehot = torch.eye(n_out, device=dev)
        self.optimizer = self._make_optimizer()
        self.epoch = 0
        self._pinned = None
        self._reference_loss = None  # the loss before any training, for spotting an explosion

    def _target(self, y) -> np.ndarray:
        """Class indices as they are; a regression label standardised with the training split's
        mean and std, as a column (n, 1) float32."""
        if not self.regression:
            return np.asarray(y)
        mean, std = getattr(self.data, "label_mean", 0.0), getattr(self.data, "label_std", 1.0)
        return ((np.asarray(y, dtype=np.float64) - mean) / std).astype(np.float32).reshape(-1, 1)

    def regression_figures(self) -> dict:
        """train_/val_ rmse, mae, r2 in the label's units for the network as it is now."""
        from core.regression_metrics import regression_figures
        out = {}
        with torch.no_grad():
            for prefix, X, y in (("train_", self.X, self.data.y_train),
                                 ("val_", self.Xv, self.data.y_val)):
                pred = self._forward(X).cpu().numpy().reshape(-1).astype(np.float64)
                pred = pred * self.data.label_std + self.data.label_mean
                out.update(regression_figures(np.asarray(y, dtype=np.float64), pred, prefix))
        return out

    # -- set-up -------------------------------------------------------------------------------
    def _flatten_params(self, dev: torch.device):
        """Move the parameters into one flat tensor, and their gradients into one flat buffer.

        self.params stay what callers expect (leaf tensors requiring grad, one per weight matrix
        and bias vector, each with a .grad), but each is a view into self._flat and each .grad a
        view into self._flat_grad, which backward() adds into (the optimizer zeroes it in place).
        """
        total = sum(p.numel() for p in self.params)
        self._flat = torch.empty(total, device=dev)  # no grad itself: its views are leaves
        self._flat_grad = torch.zeros(total, device=dev)
        views, grads, a = [], [], 0
        for p in self.params:
            b = a + p.numel()
            self._flat[a:b].copy_(p.reshape(-1))
            views.append(self._flat[a:b].view(p.shape).requires_grad_(True))
            grads.append(self._flat_grad[a:b].view(p.shape))
            views[-1].grad = grads[-1]
            a = b
        self.params, self._grads = views, grads
        # the snapshot's transfer buffer: 5 metrics, the weights, the epoch-mean gradient (summed in
        # place during the epoch) and the update, in the order _unflatten expects
        self._snapshot_buffer = torch.zeros(5 + 3 * total, device=dev)

    def _make_optimizer(self):
        cfg = self.config
        return make_optimizer(cfg.optimizer, [self._flat], cfg.learning_rate, cfg.momentum,
                              grads=[self._flat_grad])

    def _load_initial(self, initial):
        weights, biases = initial
        if len(weights) != self.spec.n_layers:
            raise UserError(f"the saved network has {len(weights)} weight layers but this one has "
                            f"{self.spec.n_layers}.")
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if tuple(np.shape(w)) != tuple(self.params[2 * i].shape):
                raise UserError(f"layer {i + 1} of the saved network is {np.shape(w)} but this "
                                f"network's is {tuple(self.params[2 * i].shape)}.")
            self.params[2 * i] = torch.tensor(np.asarray(w, dtype=np.float32))
            self.params[2 * i + 1] = torch.tensor(np.asarray(b, dtype=np.float32))

    def set_learning_rate(self, lr: float):
        if not (math.isfinite(lr) and lr > 0):
            raise UserError("the learning rate must be a positive number.")
        self.config = self.config.with_(learning_rate=float(lr))
        self.optimizer.lr = float(lr)

    def set_optimizer(self, name: str, lr: float | None = None, momentum: float | None = None):
        """Switch optimizer (fresh state) while keeping the weights; for 'change while paused'."""
        cfg = self.config.with_(optimizer=name,
                                learning_rate=self.config.learning_rate if lr is None else lr,
                                momentum=self.config.momentum if momentum is None else momentum)
        self.config = cfg
        self.optimizer = self._make_optimizer()

    def set_batch_size(self, n: int):
        self.config = self.config.with_(batch_size=int(n))

    def set_weights(self, weights, biases, epoch: int | None = None):
        """Put numpy weights back (e.g. the best epoch's, for early stopping); fresh optimizer state."""
        with torch.no_grad():
            for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
                self.params[2 * i].copy_(torch.as_tensor(np.asarray(w, dtype=np.float32)))
                self.params[2 * i + 1].copy_(torch.as_tensor(np.asarray(b, dtype=np.float32)))
        self.optimizer = self._make_optimizer()
        if epoch is not None:
            self.epoch = int(epoch)

    def set_regularisation(self, **changes):
        """l1, l2, dropout (and early_stopping, which the caller applies): from the next epoch."""
        self.config = self.config.with_(**changes)

    def _penalty(self) -> torch.Tensor | None:
        """l2 * sum(w^2) + l1 * sum(|w|) over the weight matrices (biases are not penalised)."""
        l1, l2 = self.config.l1, self.config.l2
        if not (l1 or l2):
            return None
        ws = self.params[0::2]
        total = 0
        if l2:
            total = total + l2 * sum((w * w).sum() for w in ws)
        if l1:
            total = total + l1 * sum(w.abs().sum() for w in ws)
        return total

    def penalty_value(self, weights) -> float:
        """The penalty for these (numpy) weights, as added to the loss."""
        c = self.config
        if not (c.l1 or c.l2):
            return 0.0
        return float(sum(c.l2 * float(np.square(w, dtype=np.float64).sum()) +
                         c.l1 * float(np.abs(w).sum(dtype=np.float64)) for w in weights))

    # -- arithmetic ---------------------------------------------------------------------------
    def _forward(self, x: torch.Tensor, train: bool = False) -> torch.Tensor:
        """Logits; with train=True, dropout switches off a share of each hidden layer's neurons
        (the others scaled up by 1 / (1 - p), so evaluation needs no change)."""
        act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[
            self.config.activation]
        p = self.params
        last = len(p) // 2 - 1
        drop = self.config.dropout if train else 0.0
        for i in range(last + 1):
            x = torch.addmm(p[2 * i + 1], x, p[2 * i].t())
            if i != last:
                x = act(x)
                if drop:
                    keep = (torch.rand(x.shape, generator=self._gen) >= drop).to(x.device, x.dtype)
                    x = x * keep / (1.0 - drop)
        return x

    def _loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.regression:  # identity output against the standardised target
            if self.config.loss == "mae":
                return F.l1_loss(logits, y)
            if self.config.loss == "huber":
                return F.huber_loss(logits, y)
            return F.mse_loss(logits, y)
        if self.config.loss == "cross-entropy":
            return F.cross_entropy(logits, y)
        return F.mse_loss(torch.softmax(logits, dim=1), self._onehot[y])

    def _hits(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Right answers per row (classification); zeros for regression (R² is computed apart)."""
        if self.regression:
            return torch.zeros(logits.shape[0], dtype=torch.bool, device=logits.device)
        return logits.argmax(1) == y

    def weights_numpy(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        p = [t.detach().cpu().numpy().copy() for t in self.params]
        return p[0::2], p[1::2]

    # -- training -----------------------------------------------------------------------------
    def train_epoch(self, snapshot: bool = True, cancel=None) -> EpochSnapshot | dict:
        """Train exactly one epoch. Returns an EpochSnapshot (or, with snapshot=False, the metrics).

        `cancel` (a threading.Event) is checked between batches: when set, the epoch is abandoned,
        the weights from before it are restored and EpochCancelled is raised.

        A non-finite loss restores the weights from before this epoch, resets the optimizer's
        state, and raises DivergenceError; the epoch count does not advance.
        """
        t0 = time.perf_counter()
        if self._reference_loss is None:
            with torch.no_grad():
                self._reference_loss = float(self._loss(self._forward(self.X), self.y))
        n = self.X.shape[0]
        bs = max(1, min(int(self.config.batch_size), n))
        for p, g in zip(self.params, self._grads, strict=True):
            if p.grad is not g:  # someone replaced a gradient: backward() must add into the buffer
                p.grad = g
        flat, size = self._flat, self._flat.numel()
        with torch.no_grad():
            before = flat.clone()
            if snapshot:
                out = self._snapshot_buffer
                grad_sum = out[5 + size:5 + 2 * size]
                grad_sum.zero_()
            losses, hits = [], []  # per batch, reduced once at the end of the epoch
        # the shuffle comes from the CPU generator on every device (same seed, same batches on CPU
        # and GPU); on CUDA it is copied from pinned memory, since a copy from pageable memory
        # waits for the stream to drain first
        perm = torch.randperm(n, generator=self._gen)
        if self.X.device.type == "cuda":
            perm = perm.pin_memory().to(self.X.device, non_blocking=True)
        opt = self.optimizer
        for idx in torch.split(perm, bs):
            if cancel is not None and cancel.is_set():
                self._restore(before)
                raise EpochCancelled()
            xb, yb = self.X[idx], self.y[idx]
            logits = self._forward(xb, train=True)
            loss = self._loss(logits, yb)  # the data loss: what the figures report
            penalty = self._penalty()
            opt.zero_grad()
            (loss if penalty is None else loss + penalty).backward()
            with torch.no_grad():
                k = idx.shape[0]
                if snapshot:  # the epoch-mean gradient: one add per batch, whatever the layers
                    grad_sum.add_(self._flat_grad, alpha=k / n)
                losses.append(loss.detach() * k)
                hits.append(self._hits(logits, yb).sum())
            opt.step()
        with torch.no_grad():
            metrics = [torch.stack(losses).sum() / n, torch.stack(hits).sum() / n]
            if self.Xv.shape[0]:
                lv = self._forward(self.Xv)
                metrics += [self._loss(lv, self.yv), self._hits(lv, self.yv).float().mean()]
            else:
                nan = torch.full((), float("nan"), device=self.X.device)
                metrics += [nan, nan]
            metrics.append(flat.abs().max())
            if snapshot:
                torch.stack(metrics, out=out[:5])
                out[5:5 + size].copy_(flat)
                torch.sub(flat, before, out=out[5 + 2 * size:])
            else:
                out = torch.stack(metrics).float()
            host = self._to_host(out)  # the epoch's one synchronisation
        train_loss, train_acc, val_loss, val_acc, max_weight = (float(v) for v in host[:5])
        problem = self._divergence(train_loss, val_loss, max_weight)
        if problem:
            self._restore(before)
            raise DivergenceError(
                f"training diverged at epoch {self.epoch + 1}: {problem} with learning rate "
                f"{self.config.learning_rate:g} ({self.config.optimizer}). The weights from epoch "
                f"{self.epoch} were restored; lower the learning rate (try "
                f"{self.config.learning_rate / 10:g}) and continue.", epoch=self.epoch + 1)
        self.epoch += 1
        seconds = time.perf_counter() - t0
        metrics = dict(epoch=self.epoch, train_loss=train_loss, train_accuracy=train_acc,
                       val_loss=val_loss, val_accuracy=val_acc)
        if self.regression:  # the accuracy slots carry R², the figures ride along
            figures = self.regression_figures()
            metrics.update(figures, train_accuracy=figures["train_r2"],
                           val_accuracy=figures["val_r2"])
        if not snapshot:
            return metrics
        parts = self._unflatten(host[5:])
        L = self.spec.n_layers
        # per layer ||dL/dW|| in float64, all layers in one pass over the flat gradient
        g = host[5 + size:5 + 2 * size].astype(np.float64)
        grad_norms = np.sqrt(np.add.reduceat(g * g, self._starts)[0::2])
        return EpochSnapshot(
            **{k: v for k, v in metrics.items() if k in _SNAPSHOT_METRICS},
            regression=self._figures_or_none(metrics),
            weights=tuple(parts[0:2 * L:2]), biases=tuple(parts[1:2 * L:2]),
            grad_weights=tuple(parts[2 * L:4 * L:2]), grad_biases=tuple(parts[2 * L + 1:4 * L:2]),
            delta_weights=tuple(parts[4 * L::2]), delta_biases=tuple(parts[4 * L + 1::2]),
            grad_norms=grad_norms,
            learning_rate=self.config.learning_rate, seconds=seconds, device=self.device,
            penalty=self.penalty_value(parts[0:2 * L:2]),
        )

    def _figures_or_none(self, metrics: dict) -> dict | None:
        if not self.regression:
            return None
        return {k: v for k, v in metrics.items() if k not in _SNAPSHOT_METRICS}

    def _divergence(self, train_loss: float, val_loss: float, max_weight: float) -> str:
        """Why this epoch counts as diverged, or '' if it does not."""
        if not math.isfinite(train_loss) or (self.Xv.shape[0] and not math.isfinite(val_loss)):
            return "the loss became infinite or NaN"
        if not math.isfinite(max_weight) or max_weight > MAX_WEIGHT:
            return f"a weight grew to {max_weight:.3g}"
        ref = self._reference_loss
        if ref is not None and math.isfinite(ref) and train_loss > max(10 * ref, ref + 10):
            return (f"the training loss rose to {train_loss:.4g}, over ten times the untrained "
                    f"network's {ref:.3g},")
        return ""

    def _to_host(self, flat: torch.Tensor) -> np.ndarray:
        if flat.device.type == "cpu":
            out = flat.numpy().copy()
        else:
            if self._pinned is None or self._pinned.numel() != flat.numel():
                self._pinned = torch.empty(flat.numel(), dtype=flat.dtype, pin_memory=True)
            self._pinned.copy_(flat, non_blocking=True)
            torch.cuda.current_stream(flat.device).synchronize()
            out = self._pinned.numpy().copy()
        out.setflags(write=False)
        return out

    def _unflatten(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of the host buffer: weights, biases, gradients and updates, each per parameter."""
        if getattr(self, "_slices", None) is None:
            shapes = [tuple(p.shape) for p in self.params] * 3
            offsets = np.cumsum([0] + [math.prod(s) for s in shapes])
            # 1-D slices (the biases) need no reshape
            self._slices = [(int(a), int(b), s if len(s) > 1 else None)
                            for a, b, s in zip(offsets[:-1], offsets[1:], shapes, strict=True)]
            self._starts = offsets[:len(self.params)].astype(np.intp)  # for grad norms' reduceat
        return [flat[a:b] if s is None else flat[a:b].reshape(s) for a, b, s in self._slices]

    def _restore(self, before: torch.Tensor):
        with torch.no_grad():
            self._flat.copy_(before)
            self._flat_grad.zero_()
        self.optimizer = self._make_optimizer()

    def snapshot(self) -> EpochSnapshot:
        """The network as it is now (e.g. epoch 0, before training): losses, no gradients."""
        with torch.no_grad():
            lt = self._forward(self.X)
            m = [self._loss(lt, self.y).item(), self._hits(lt, self.y).float().mean().item()]
            if self.Xv.shape[0]:
                lv = self._forward(self.Xv)
                m += [self._loss(lv, self.yv).item(), self._hits(lv, self.yv).float().mean().item()]
            else:
                m += [float("nan"), float("nan")]
        w, b = self.weights_numpy()
        figures = self.regression_figures() if self.regression else None
        if figures:
            m[1], m[3] = figures["train_r2"], figures["val_r2"]
        return EpochSnapshot(
            epoch=self.epoch, train_loss=m[0], train_accuracy=m[1], val_loss=m[2], val_accuracy=m[3],
            regression=figures,
            weights=tuple(w), biases=tuple(b),
            grad_weights=tuple(np.zeros_like(a) for a in w), grad_biases=tuple(np.zeros_like(a) for a in b),
            delta_weights=tuple(np.zeros_like(a) for a in w), delta_biases=tuple(np.zeros_like(a) for a in b),
            learning_rate=self.config.learning_rate, device=self.device,
        )
