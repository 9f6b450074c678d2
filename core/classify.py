"""Classify observations with a trained network: columns matched by name, training scaling applied."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.columns import find_column, numeric_column
from core.errors import DataError
from core.model import TrainedModel
from core.table import read_observations


@dataclass(frozen=True)
class Predictions:
    table: pd.DataFrame  # the input observations as read
    # (n,) class name per row, "" where the row could not be classified: a pandas Categorical from
    # classify_frame (codes and names; an object array of 200k strings took 3 ms, this 0.3 ms)
    predicted: pd.Categorical | np.ndarray
    probabilities: np.ndarray  # (n, classes), NaN where the row could not be classified
    valid: np.ndarray  # (n,) bool: False for rows with a missing, non-numeric or out-of-range feature
    class_names: tuple[str, ...]
    features: np.ndarray  # (n, f) the raw feature values used, in the model's order
    # where each row is in its file: on line `first_line + row`, or, where located() found blank
    # lines or quoted line breaks, on lines[row] (core.table.data_row_lines)
    first_line: int = 2
    lines: np.ndarray | None = None
    # a regression network's predicted number per row (label units, NaN where unanswered); its
    # class_names are then () and probabilities (n, 0)
    values: np.ndarray | None = None

    @property
    def n_invalid(self) -> int:
        return int((~self.valid).sum())

    def counts(self) -> dict[str, int]:
        if self.values is not None:  # numbers, not classes
            return {}
        k = np.bincount(self.probabilities[self.valid].argmax(axis=1),
                        minlength=len(self.class_names)) if self.valid.any() else \
            np.zeros(len(self.class_names), dtype=int)
        return {c: int(n) for c, n in zip(self.class_names, k, strict=True)}

    def line(self, row: int) -> int:
        """The file line (the first line is 1) that table row `row` was read from."""
        return int(self.lines[row]) if self.lines is not None else row + self.first_line

    def invalid_rows(self) -> list[int]:
        """File line numbers (the first line is 1) of rows left unclassified."""
        return [self.line(i) for i in np.flatnonzero(~self.valid)]

    def located(self, fmt, path) -> Predictions:
        """These predictions with the file lines of their rows, from how the file was read (a count
        of its newlines: 1 ms for 200k rows; a csv-module scan where rows and lines differ)."""
        from core.table import data_row_lines

        first = 2 if fmt.header else 1
        lines = data_row_lines(path, fmt, len(self.valid))
        simple = len(lines) == 0 or lines[-1] == first + len(lines) - 1  # rising: one line a row
        return replace(self, first_line=first, lines=None if simple else lines)

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["predicted"] = self.values if self.values is not None else self.predicted
        for j, c in enumerate(self.class_names):
            out[f"p_{c}"] = self.probabilities[:, j]
        return out


def feature_matrix(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = "."):
    """X: the model's features from a table by column name, any order, extras ignored.

    X is (n, features) float64, stored feature by feature (X.T is contiguous): the forward pass
    computes on (features, n), and a column of numbers is copied in without a pandas conversion.
    Which rows the network can take in (finite float32 values) is found block by block while it
    runs (TrainedModel.probability_blocks)."""
    missing = [f for f in model.feature_names if not _has_column(df, f)]
    if missing:
        name = str(path) if path is not None else "the observations"
        raise DataError(f"{name} has no column {', '.join(repr(m) for m in missing)}, which the "
                        f"network needs (it was trained on {', '.join(model.feature_names)}). "
                        f"Add or rename the column.")
    columns = list(df.columns)
    # by position: a frame may name two columns alike (df[name] would then be a table, not a column)
    at = [columns.index(find_column(columns, f, path, "feature")) for f in model.feature_names]
    X_t = np.empty((len(at), len(df)), dtype=np.float64)
    for j, i in enumerate(at):
        X_t[j] = _float_values(df.iloc[:, i], decimal)
    return X_t.T


def _float_values(series: pd.Series, decimal: str) -> np.ndarray:
    """numeric_column(series, decimal) as a numpy array; plain numpy numbers are used as they are
    (numeric_column would convert them with the same result, through a pandas copy)."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":
        return series.to_numpy()
    return numeric_column(series, decimal).to_numpy()


def _has_column(df, name: str) -> bool:
    low = {str(c).strip().lower() for c in df.columns}
    return name in df.columns or name.strip().lower() in low


def classify_frame(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = ".") -> Predictions:
    X = feature_matrix(model, df, path, decimal)
    X_t = X.T  # (features, n), contiguous
    n, n_classes = len(df), len(model.class_names)
    probs = np.empty((n_classes, n)).T  # (n, classes), stored class by class like the network's output
    index = np.empty(n, dtype=np.uint8 if n_classes < 255 else np.intp)  # n_classes: no class
    # block by block, so the temporaries stay small and in the CPU cache; every row goes through the
    # network, invalid ones too (NaN stays in its own row): no row copies, their answers are dropped
    # the network computes in float32: a value beyond its range (or NaN, inf) leaves a row unanswered
    valid = np.empty(n, dtype=bool)
    for s, P in model.probability_blocks(X_t, representable=valid):  # P: (classes, block) float32
        e = s + P.shape[1]
        # scaling can still overflow float32 (a huge value, a tiny spread in training): no answer
        valid[s:e] &= np.isfinite(P).all(axis=0)
        probs.T[:, s:e] = P
        _argmax_rows(P, index[s:e])
    if not valid.all():
        probs[~valid] = np.nan
        index[~valid] = n_classes
    predicted = _class_column(index, tuple(model.class_names))
    return Predictions(table=df, predicted=predicted, probabilities=probs, valid=valid,
                       class_names=model.class_names, features=X)


def predict_values_frame(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = ".") -> Predictions:
    """A regression network's predictions for a table, as Predictions with `values` (the predicted
    number per row) and, for the table's "predicted" column, that number as text."""
    X = feature_matrix(model, df, path, decimal)
    values = model.predict_values(X)
    valid = np.isfinite(values)
    text = np.array([f"{v:.6g}" if ok else "" for v, ok in zip(values, valid, strict=True)], dtype=object)
    return Predictions(table=df, predicted=text, probabilities=np.zeros((len(df), 0)), valid=valid,
                       class_names=(), features=X, values=values)


def _class_column(index: np.ndarray, class_names: tuple[str, ...]):
    """Class name per row from class indices (len(class_names) for none, shown as "")."""
    if "" in class_names:  # a class named "" would clash with "no class": plain strings
        return np.array([*class_names, ""], dtype=object)[index]  # (take() with uint8 is 3x slower)
    codes = index.astype(np.int8 if len(class_names) < 127 else np.int32)
    return pd.Categorical.from_codes(codes, categories=[*class_names, ""], validate=False)


def _argmax_rows(P: np.ndarray, index: np.ndarray) -> np.ndarray:
    """P.argmax(axis=0) into index, for a few rows (classes) and many columns: numpy's argmax over
    axis 0 copies P transposed, then runs once per column, and a masked copy is not vectorised
    either; this is plain arithmetic, 4-8x faster. The first maximum wins, as in argmax."""
    index[...] = 0
    if len(P) > 1:
        best = P[0].copy()
        higher = np.empty(P.shape[1], dtype=bool)
        step = np.empty(P.shape[1], dtype=index.dtype)
        for c in range(1, len(P)):
            np.greater(P[c], best, out=higher)
            np.subtract(index.dtype.type(c), index, out=step)  # wraps around: index + step is c
            step *= higher
            index += step
            np.maximum(best, P[c], out=best)
    return index


def check_header(model: TrainedModel, df: pd.DataFrame, header: bool, path) -> None:
    """A file read without a header line is told so, not that it lacks the feature columns (they
    are named column_1, column_2... then). Raises DataError."""
    if not header and not all(_has_column(df, f) for f in model.feature_names):
        raise DataError(f"{path} has no header line (its first line holds values, not column names): "
                        f"add one naming the columns the network needs, "
                        f"{', '.join(model.feature_names)}.")


def classify_file(model: TrainedModel, path) -> Predictions:
    df, fmt = read_observations(path)
    check_header(model, df, fmt.header, path)
    pred = classify_frame(model, df, path=path, decimal=fmt.decimal)
    # the lines of unclassified rows are named in messages: find them past any blank lines (the
    # window's table shows every row's line and always locates; here it would cost 2% of a clean run)
    return pred.located(fmt, path) if pred.n_invalid else replace(pred, first_line=1 + fmt.header)


def score_predictions(pred: Predictions, label_name):
    """The predictions scored against the file's own labels (core.metrics.LabelScore) when its table
    has the model's label column (matched as core.metrics.find_label_column matches it); else None.

    The command line's `classify` and the Classify dock report these same figures."""
    from core.metrics import find_label_column, score_labels

    if not label_name:
        return None
    column = find_label_column(pred.table.columns, label_name)
    if column is None:
        return None
    at = list(pred.table.columns).index(column)
    if pred.valid.any():
        predicted = np.where(pred.valid, np.nan_to_num(pred.probabilities).argmax(axis=1), -1)
    else:
        predicted = np.full(len(pred.valid), -1)
    return score_labels(pred.table.iloc[:, at].to_numpy(dtype=object), predicted, pred.valid,
                        pred.class_names, label=str(column))
