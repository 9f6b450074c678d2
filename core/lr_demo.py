"""The learning-rate demonstration: one network, trained from the same start at three rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import DivergenceError

GOOD_RATE = {"sgd": 0.1, "adam": 0.01, "adadelta": 1.0}


def demo_rates(optimizer: str) -> tuple[float, float, float]:
    """(too low, good, too high) for an optimizer, as the texts show them."""
    good = GOOD_RATE[optimizer]
    return good / 100, good, good * 100


@dataclass(frozen=True)
class RateRun:
    learning_rate: float
    label: str  # "too low" / "good" / "too high"
    train_loss: np.ndarray  # per epoch, NaN after a divergence
    diverged_at: int | None


def run_demo(data, config, epochs: int = 60, rates=None) -> list[RateRun]:
    """Train copies of the same initial network at each rate; returns their loss curves."""
    from core.trainer import Trainer

    rates = rates or demo_rates(config.optimizer)
    labels = ("too low", "good", "too high")
    start = Trainer(data, config).weights_numpy()
    runs = []
    for lr, label in zip(rates, labels, strict=False):
        t = Trainer(data, config.with_(learning_rate=float(lr)), initial=start)
        losses = np.full(epochs, np.nan)
        diverged = None
        for e in range(epochs):
            try:
                losses[e] = t.train_epoch(snapshot=False)["train_loss"]
            except DivergenceError:
                diverged = e + 1
                break
        runs.append(RateRun(float(lr), label, losses, diverged))
    return runs
