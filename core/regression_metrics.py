"""Figures for a network that predicts a number: RMSE, MAE and R², in the label's units."""

from __future__ import annotations

import numpy as np


def rmse(y_true, y_pred) -> float:
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    return float(np.sqrt(np.mean(d * d))) if d.size else float("nan")


def mae(y_true, y_pred) -> float:
    d = np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)
    return float(np.mean(np.abs(d))) if d.size else float("nan")


def r2(y_true, y_pred) -> float:
    """1 - SS_res / SS_tot: 1 for a perfect predictor, 0 for predicting the mean, below 0 worse.
    NaN for fewer than two rows or a constant target."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if y.size < 2:
        return float("nan")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0:
        return float("nan")
    return 1.0 - float(np.sum((y - p) ** 2)) / ss_tot


def regression_figures(y_true, y_pred, prefix: str = "") -> dict:
    """{prefix}rmse, {prefix}mae, {prefix}r2."""
    return {f"{prefix}rmse": rmse(y_true, y_pred), f"{prefix}mae": mae(y_true, y_pred),
            f"{prefix}r2": r2(y_true, y_pred)}


__all__ = ["mae", "r2", "regression_figures", "rmse"]
