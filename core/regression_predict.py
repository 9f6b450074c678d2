"""Predicting a number for each row of a table with a regression network, and scoring a file that
carries the label column (R², RMSE, MAE in the label's units). The command line's `classify` and
the Classify dock report these same figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.classify import check_header, feature_matrix
from core.columns import numeric_column
from core.metrics import find_label_column
from core.model import TrainedModel
from core.regression_metrics import regression_figures
from core.table import read_observations


@dataclass(frozen=True)
class ValuePredictions:
    table: pd.DataFrame  # the input observations as read
    predicted: np.ndarray  # (n,) float64 in the label's units, NaN where the row has no answer
    valid: np.ndarray  # (n,) bool: False for rows with a missing, non-numeric or out-of-range feature
    first_line: int = 2  # table row i was read from file line first_line + i (blank lines aside)

    @property
    def n_invalid(self) -> int:
        return int((~self.valid).sum())

    def invalid_rows(self) -> list[int]:
        return [int(i) + self.first_line for i in np.flatnonzero(~self.valid)]

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["predicted"] = self.predicted
        return out


@dataclass(frozen=True)
class ValueScore:
    label: str  # the file's label column
    rows: int  # rows scored: a prediction and a numeric label
    unscored: int  # rows with no prediction or no numeric label
    r2: float
    rmse: float
    mae: float

    def to_json(self) -> dict:
        def num(v):
            return None if not np.isfinite(v) else round(float(v), 6)
        return {"label": self.label, "scored": self.rows, "unscored": self.unscored,
                "r2": num(self.r2), "rmse": num(self.rmse), "mae": num(self.mae)}

    def summary(self, path) -> str:
        text = (f"{path}: scored {self.rows} rows against its '{self.label}' column: R² "
                f"{self.r2:.3f}, RMSE {self.rmse:.4g}, MAE {self.mae:.4g}")
        if self.unscored:
            text += f" ({self.unscored} rows not scored: no prediction or no numeric label)"
        return text


def predict_frame(model: TrainedModel, df: pd.DataFrame, path=None, decimal: str = "."
                  ) -> ValuePredictions:
    X = feature_matrix(model, df, path, decimal)
    predicted = model.predict_values(X)
    valid = np.isfinite(predicted)
    return ValuePredictions(table=df, predicted=predicted, valid=valid)


def predict_file(model: TrainedModel, path) -> ValuePredictions:
    df, fmt = read_observations(path)
    check_header(model, df, fmt.header, path)
    pred = predict_frame(model, df, path=path, decimal=fmt.decimal)
    return ValuePredictions(pred.table, pred.predicted, pred.valid, first_line=1 + fmt.header)


def label_values(table: pd.DataFrame, label_name: str, decimal: str = "."):
    """(the table's label column's name, its numbers (n,) float64, NaN where not a number), or None
    when the table has no column of that name (any case)."""
    column = find_label_column(table.columns, label_name) if label_name else None
    if column is None:
        return None
    at = list(table.columns).index(column)
    return str(column), numeric_column(table.iloc[:, at], decimal).to_numpy(dtype=np.float64,
                                                                            na_value=np.nan)


def score_values(pred, label_name: str, decimal: str = ".") -> ValueScore | None:
    """The predictions (ValuePredictions, or core.classify.Predictions with values) scored against
    the table's own label column (same name, any case), or None where it has none."""
    found = label_values(pred.table, label_name, decimal)
    if found is None:
        return None
    column, truth = found
    predicted = pred.values if getattr(pred, "values", None) is not None else pred.predicted
    ok = pred.valid & np.isfinite(truth)
    f = regression_figures(truth[ok], predicted[ok])
    return ValueScore(label=str(column), rows=int(ok.sum()), unscored=int((~ok).sum()),
                      r2=f["r2"], rmse=f["rmse"], mae=f["mae"])


__all__ = ["ValuePredictions", "ValueScore", "label_values", "predict_file", "predict_frame",
           "score_values"]
