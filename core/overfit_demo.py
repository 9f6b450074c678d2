"""The overfitting demonstration: one network, trained from the same start on a small training share,
with no cure, with L2, with dropout and with early stopping; their validation-loss curves."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from core.errors import DivergenceError

TRAIN_SHARE = 0.12  # of all rows: few enough that the network learns them by heart
EPOCHS = 150  # about a second on the penguins
HIDDEN = (64, 64)  # big for ~40 rows: room to memorise them
OPTIMIZER, LEARNING_RATE = "adam", 0.01
L2_RATE = 0.003  # 0.01 over-shrinks this 64-64 network on ~40 rows for some seeds
DROPOUT = 0.3
PATIENCE = 10
LABELS = ("no cure", "L2", "dropout", "early stopping")


@dataclass(frozen=True)
class CureRun:
    label: str  # one of LABELS
    setting: str  # e.g. "l2 = 0.01"; "" for no cure
    val_loss: np.ndarray  # index = epoch, 0 = the untrained network
    train_loss: np.ndarray
    stopped_at: int | None = None  # early stopping: the epoch it stopped at
    best_epoch: int | None = None  # the epoch of the lowest validation loss
    train_rows: int = 0  # the training rows it learnt from
    val_rows: int = 0


def small_share(data, share: float = TRAIN_SHARE, seed: int = 0):
    """The split with its training rows cut to about `share` of all rows (at least one per class,
    stratified); the validation rows and the scaling are kept."""
    y = np.asarray(data.y_train)
    total = len(y) + len(data.y_val)
    frac = min(1.0, share * total / max(1, len(y)))
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        keep.append(idx[:max(1, int(round(len(idx) * frac)))])
    k = np.sort(np.concatenate(keep))
    return replace(data, X_train=data.X_train[k], y_train=y[k],
                   train_index=np.asarray(data.train_index)[k])


def cure_configs(config) -> list[tuple[str, str, object]]:
    """(label, setting, config) for each run: the cures all off, then one at a time."""
    base = config.with_(hidden=HIDDEN, optimizer=OPTIMIZER, learning_rate=LEARNING_RATE, momentum=0.0,
                        l1=0.0, l2=0.0, dropout=0.0, early_stopping=0)
    return [("no cure", "", base),
            ("L2", f"L2 rate {L2_RATE:g}", base.with_(l2=L2_RATE)),
            ("dropout", f"dropout {DROPOUT:g}", base.with_(dropout=DROPOUT)),
            ("early stopping", f"patience {PATIENCE}", base.with_(early_stopping=PATIENCE))]


def run_demo(data, config, epochs: int = EPOCHS, share: float = TRAIN_SHARE) -> list[CureRun]:
    """Train copies of the same initial network on a small training share, once per cure."""
    from core.trainer import Trainer

    if len(data.y_val) == 0:
        from core.errors import UserError

        raise UserError("The overfitting demonstration needs validation rows: set a validation "
                        "share above 0 in the Training dock.")
    small = small_share(data, share, config.seed)
    runs = []
    start = None
    for label, setting, cfg in cure_configs(config):
        t = Trainer(small, cfg, initial=start)
        if start is None:
            start = t.weights_numpy()
        s0 = t.snapshot()
        val, train = [s0.val_loss], [s0.train_loss]
        best_epoch, best, stopped = None, math.inf, None
        for _ in range(epochs):
            try:
                m = t.train_epoch(snapshot=False)
            except DivergenceError:
                break
            val.append(m["val_loss"])
            train.append(m["train_loss"])
            if math.isfinite(m["val_loss"]) and m["val_loss"] < best:
                best_epoch, best = m["epoch"], m["val_loss"]
            patience = cfg.early_stopping
            if patience and best_epoch is not None and m["epoch"] - best_epoch >= patience:
                stopped = m["epoch"]
                break
        runs.append(CureRun(label, setting, np.asarray(val), np.asarray(train), stopped, best_epoch,
                            len(small.y_train), len(small.y_val)))
    return runs


def summary(run: CureRun, reference: CureRun | None = None) -> str:
    """One plain line about a run: its final and lowest validation loss, compared with no cure."""
    v = run.val_loss
    finite = np.isfinite(v)
    if len(v) < 2 or not finite[1:].any():
        return f"{run.label}: no trained epoch"
    trained = np.where(finite[1:], v[1:], np.inf)
    low = int(np.argmin(trained)) + 1
    text = f"{run.label}: lowest validation loss {v[low]:.3f} (epoch {low})"
    if run.stopped_at:
        text += f", stopped at epoch {run.stopped_at} and keeps epoch {run.best_epoch}'s network"
        end = v[run.best_epoch] if run.best_epoch is not None else v[-1]
    else:
        end = v[-1]
        text += f", final {end:.3f}"
    if reference is not None and reference is not run and np.isfinite(reference.val_loss[-1]):
        ref = reference.val_loss[-1]
        text += (" — better than" if end < ref else " — no better than") + f" no cure's final {ref:.3f}"
    return text
