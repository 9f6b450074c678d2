"""The regression side of building a Dataset and splitting it (the label is a number to predict).

choose_task settles the task (asked for, or by core.task's rule); regression_dataset builds the
Dataset whose y is the label as float32; regression_split splits it at random (no classes to
stratify by) and records the training split's label mean and standard deviation, which the
trainer standardises the target with and the model file keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import DataError
from core.task import TASKS, detect_task, numeric_label
from core.wording import one_line


def choose_task(series: pd.Series, label: str, task: str | None, name: str) -> tuple[str, str]:
    """(task, reason): `task` as asked ('classification' / 'regression'), or by the rule (None or
    'auto'). A text label cannot be regressed: DataError."""
    if task in (None, "auto"):
        return detect_task(series, label)
    if task not in TASKS:
        raise DataError(f"unknown task '{one_line(task)}': choose classification or regression.")
    if task == "regression":
        if numeric_label(series) is None:
            example = next((str(v) for v in series.dropna() if pd.isna(pd.to_numeric(
                str(v).strip(), errors="coerce"))), "")
            raise DataError(f"{name}: the label column '{one_line(label)}' is not numeric (e.g. "
                            f"'{one_line(example, 30)}'), so it cannot be predicted as a number: "
                            f"use classification or choose a numeric label column.")
        return "regression", "as asked"
    return "classification", "as asked"


def regression_dataset(df: pd.DataFrame, label: str, features, X: np.ndarray, finite: np.ndarray,
                       notes: list, path, reason: str):
    """The Dataset for predicting the numeric label column from the feature matrix X."""
    from core.dataset import MIN_ROWS, Dataset, _constant_note, _too_few_rows, read_only
    from core.table import display_name

    name = display_name(path)
    y = numeric_label(df[label])
    lab_ok = np.isfinite(y) & (np.abs(np.nan_to_num(y)) <= float(np.finfo(np.float32).max))
    keep = finite.all(axis=1) & lab_ok
    dropped_by = {f: int((~finite[:, i]).sum()) for i, f in enumerate(features)}
    dropped_by[label] = int((~lab_ok).sum())
    n_total, n_keep = int(len(df)), int(keep.sum())
    if n_keep < MIN_ROWS:
        raise DataError(_too_few_rows(name, label, n_keep, n_total, dropped_by))
    y = y[keep]
    if y.min() == y.max():
        raise DataError(f"{name}: the label column '{one_line(label)}' holds the same number "
                        f"({y[0]:g}) on every usable row: there is nothing to predict. Choose "
                        f"another label column.")
    X = (X if n_keep == n_total else X[keep]).astype(np.float32)
    notes = list(notes) + _constant_note(X, list(features))
    return Dataset(X=read_only(X), y=read_only(y.astype(np.float32)),
                   feature_names=tuple(features), class_names=(str(label),),
                   label_name=str(label), rows_total=n_total, rows_dropped=n_total - n_keep,
                   dropped_by_column=dropped_by, source=str(path) if path is not None else None,
                   warnings=tuple(notes), task="regression", task_reason=reason)


def random_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle: round(n * val_fraction) rows to validation (at least one row trains)."""
    if not 0.0 <= val_fraction < 1.0:
        raise DataError(f"the validation fraction must be at least 0 and below 1, not {val_fraction}.")
    perm = np.random.default_rng(seed).permutation(n)
    k = min(int(round(n * val_fraction)), n - 1)
    return np.sort(perm[k:]), np.sort(perm[:k])


def label_scaling(y_train: np.ndarray) -> tuple[float, float]:
    """(mean, std) of the training split's label; std 1 where it is constant."""
    y = np.asarray(y_train, dtype=np.float64)
    mean = float(y.mean()) if len(y) else 0.0
    std = float(y.std()) if len(y) else 1.0
    return mean, (std if std > 0 and np.isfinite(std) else 1.0)


__all__ = ["choose_task", "label_scaling", "random_indices", "regression_dataset"]
