"""A Dataset split into training and validation rows, stratified by class and seeded, and
standardised with a Scaler fitted on the training rows only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.dataset import Dataset, read_only
from core.errors import DataError


@dataclass(frozen=True)
class Scaler:
    """Standardisation: (x - mean) / std, fitted on the training split only."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Scaler:
        X = np.asarray(X, dtype=np.float64)  # float32 squares overflow from about 1e19
        if not len(X):
            raise ValueError("Scaler.fit needs at least one row")
        constant = X.min(axis=0) == X.max(axis=0)
        # a constant column (one value on every training row) becomes 0 exactly: its own value as the
        # mean, and 1 as the spread, never a division by 0 or by a rounding error's tiny std
        mean = np.where(constant, X[0], X.mean(axis=0)).astype(np.float32)
        std = X.std(axis=0).astype(np.float32)
        std = np.where(constant | ~(std > 0), 1.0, std).astype(np.float32)
        return cls(read_only(mean), read_only(std))

    def transform(self, X: np.ndarray) -> np.ndarray:
        # in float64: x - mean can exceed float32's range even where both are within it
        return ((np.asarray(X, dtype=np.float64) - self.mean) / self.std).astype(np.float32)

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        return (Z * self.std + self.mean).astype(np.float32)


@dataclass(frozen=True)
class Split:
    """Scaled training and validation arrays, ready for the trainer."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    scaler: Scaler
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    train_index: np.ndarray
    val_index: np.ndarray
    label_name: str = "label"
    # regression: y_* are the label in its units; the training split's mean and std standardise it
    task: str = "classification"
    label_mean: float = 0.0
    label_std: float = 1.0


def stratified_indices(y: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per class, a shuffled val_fraction goes to validation; each class keeps a training row."""
    if not 0.0 <= val_fraction < 1.0:
        raise DataError(f"the validation fraction must be at least 0 and below 1, not {val_fraction}.")
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        k = int(round(len(idx) * val_fraction))
        k = min(k, len(idx) - 1)
        val.append(idx[:k])
        train.append(idx[k:])
    tr = np.sort(np.concatenate(train))
    va = np.sort(np.concatenate(val)) if val else np.array([], dtype=np.int64)
    return tr, va


def split(ds: Dataset, val_fraction: float = 0.3, seed: int = 0, scaler: Scaler | None = None) -> Split:
    """`scaler`: a given feature scaling (an imported network's), not one fitted on the training rows."""
    task = getattr(ds, "task", "classification")
    if task == "regression":
        from core.regression_data import label_scaling, random_indices
        tr, va = random_indices(len(ds.y), val_fraction, seed)
        mean, std = label_scaling(ds.y[tr])
    else:
        tr, va = stratified_indices(ds.y, val_fraction, seed)
        mean, std = 0.0, 1.0
    scaler = Scaler.fit(ds.X[tr]) if scaler is None else scaler
    return Split(
        X_train=read_only(scaler.transform(ds.X[tr])), y_train=read_only(ds.y[tr].copy()),
        X_val=read_only(scaler.transform(ds.X[va])), y_val=read_only(ds.y[va].copy()),
        scaler=scaler, feature_names=ds.feature_names, class_names=ds.class_names,
        train_index=read_only(tr), val_index=read_only(va), label_name=ds.label_name,
        task=task, label_mean=mean, label_std=std,
    )


__all__ = ["Scaler", "Split", "split", "stratified_indices"]
