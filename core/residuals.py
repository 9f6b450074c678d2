"""Predicted against true for a regression network's snapshot: the points the Residuals dock draws
(the window only draws; the numbers are these)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.network import forward
from core.regression_metrics import regression_figures


@dataclass(frozen=True)
class ResidualPoints:
    train_true: np.ndarray
    train_pred: np.ndarray
    val_true: np.ndarray
    val_pred: np.ndarray
    figures: dict  # train_/val_ rmse, mae, r2, in the label's units

    def limits(self) -> tuple[float, float]:
        both = np.concatenate([self.train_true, self.train_pred, self.val_true, self.val_pred])
        both = both[np.isfinite(both)]
        return (float(both.min()), float(both.max())) if len(both) else (0.0, 1.0)


def predicted_values(weights, biases, activation: str, X_scaled, data) -> np.ndarray:
    """The network's output in the label's units for scaled rows (float32, as trained)."""
    if len(X_scaled) == 0:
        return np.zeros(0)
    z = forward(weights, biases, activation, X_scaled, dtype=np.float32).z[-1][:, 0]
    return z.astype(np.float64) * data.label_std + data.label_mean


def residual_points(snap, data, activation: str) -> ResidualPoints:
    """The snapshot's predictions for the training and validation rows of a regression Split."""
    tp = predicted_values(snap.weights, snap.biases, activation, data.X_train, data)
    vp = predicted_values(snap.weights, snap.biases, activation, data.X_val, data)
    tt = np.asarray(data.y_train, dtype=np.float64)
    vt = np.asarray(data.y_val, dtype=np.float64)
    figures = {**regression_figures(tt, tp, "train_"), **regression_figures(vt, vp, "val_")}
    return ResidualPoints(tt, tp, vt, vp, figures)


__all__ = ["ResidualPoints", "predicted_values", "residual_points"]
