"""Classify observations with a trained network: columns matched by name, training scaling applied."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.dataset import _find_column, numeric_column, read_observations
from core.errors import DataError
from core.model import TrainedModel

_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Predictions:
    table: pd.DataFrame  # the input observations as read
    predicted: np.ndarray  # (n,) class name per row, "" where the row could not be classified
    probabilities: np.ndarray  # (n, classes), NaN where the row could not be classified
    valid: np.ndarray  # (n,) bool: False for rows with a missing, non-numeric or out-of-range feature
    class_names: tuple[str, ...]
    features: np.ndarray  # (n, f) the raw feature values used, in the model's order

    @property
    def n_invalid(self) -> int:
        return int((~self.valid).sum())

    def counts(self) -> dict[str, int]:
        k = np.bincount(self.probabilities[self.valid].argmax(axis=1),
                        minlength=len(self.class_names)) if self.valid.any() else \
            np.zeros(len(self.class_names), dtype=int)
        return {c: int(n) for c, n in zip(self.class_names, k, strict=True)}

    def invalid_rows(self) -> list[int]:
        """File line numbers (header = line 1) of rows left unclassified."""
        return [int(i) + 2 for i in np.flatnonzero(~self.valid)]

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["predicted"] = self.predicted
        for j, c in enumerate(self.class_names):
            out[f"p_{c}"] = self.probabilities[:, j]
        return out


def feature_matrix(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = "."):
    """(X, valid): the model's features from a table by column name, any order, extras ignored."""
    missing = [f for f in model.feature_names if not _has_column(df, f)]
    if missing:
        name = str(path) if path is not None else "the observations"
        raise DataError(f"{name} has no column {', '.join(repr(m) for m in missing)}, which the "
                        f"network needs (it was trained on {', '.join(model.feature_names)}). "
                        f"Add or rename the column.")
    columns = list(df.columns)
    # by position: a frame may name two columns alike (df[name] would then be a table, not a column)
    at = [columns.index(_find_column(columns, f, path, "feature")) for f in model.feature_names]
    X = np.column_stack([numeric_column(df.iloc[:, i], decimal).to_numpy() for i in at]) if len(df) \
        else np.zeros((0, len(at)))
    # the network computes in float32: a value beyond its range would turn into inf, then NaN
    valid = (np.abs(X) <= _FLOAT32_MAX).all(axis=1)  # False for NaN and inf too
    return X, valid


def _has_column(df, name: str) -> bool:
    low = {str(c).strip().lower() for c in df.columns}
    return name in df.columns or name.strip().lower() in low


def classify_frame(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = ".") -> Predictions:
    X, valid = feature_matrix(model, df, path, decimal)
    n_classes = len(model.class_names)
    all_valid = bool(valid.all())
    with np.errstate(over="ignore", invalid="ignore"):
        if all_valid:  # the usual case: no row copies
            probs = np.asarray(model.probabilities(X), dtype=np.float64) if len(df) else \
                np.zeros((0, n_classes))
        else:
            probs = np.full((len(df), n_classes), np.nan)
            if valid.any():
                probs[valid] = model.probabilities(X[valid])
    # scaling can still overflow float32 (a huge value, a tiny spread in training): no answer
    bad = ~np.isfinite(probs).all(axis=1)
    if bad.any():
        valid = valid & ~bad
        probs[bad] = np.nan
    names = np.array([*model.class_names, ""], dtype=object)
    index = np.where(valid, probs.argmax(axis=1) if len(df) else 0, n_classes)
    predicted = names.take(index)
    return Predictions(table=df, predicted=predicted, probabilities=probs, valid=valid,
                       class_names=model.class_names, features=X)


def classify_file(model: TrainedModel, path) -> Predictions:
    df, fmt = read_observations(path)
    if not fmt.header and not all(_has_column(df, f) for f in model.feature_names):
        raise DataError(f"{path} has no header line (its first line holds values, not column names): "
                        f"add one naming the columns the network needs, "
                        f"{', '.join(model.feature_names)}.")
    return classify_frame(model, df, path=path, decimal=fmt.decimal)
