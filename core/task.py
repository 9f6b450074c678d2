"""Which task a label column asks for: classes to tell apart, or a number to predict.

Rule: a label that is text, or a handful of whole-number codes (species coded 0/1/2), is a class;
a numeric label with fractions, or with many distinct whole numbers, is a number to predict
(regression). detect_task says which and why, in a sentence the import dialog and the command line
show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.wording import one_line

TASKS = ("classification", "regression")
# whole-number labels with more distinct values than this are a measurement, not codes
MAX_CODES = 10
# past this many classes from a numeric label, a classifier is suspicious: say so
WARN_CLASSES = 20


def numeric_label(series: pd.Series) -> np.ndarray | None:
    """The label as float64 (NaN where missing), or None if any present value is not a number."""
    s = series.dropna()
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub":
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    text = s.astype(str).str.strip()
    text = text[text != ""]
    nums = pd.to_numeric(text, errors="coerce")
    if not len(text) or nums.isna().any():
        return None
    stripped = series.astype(object).where(series.notna(), None)
    out = pd.to_numeric(pd.Series([str(v).strip() if v is not None else np.nan for v in stripped],
                                  dtype=object), errors="coerce")
    return out.to_numpy(dtype=np.float64, na_value=np.nan)


def detect_task(series: pd.Series, label: str = "label") -> tuple[str, str]:
    """(task, reason): 'classification' or 'regression', and one sentence saying why."""
    name = f"'{one_line(label)}'"
    values = numeric_label(series)
    if values is None:
        return "classification", f"the label {name} is text, so each distinct value is a class"
    v = values[np.isfinite(values)]
    if not len(v):
        return "classification", f"the label {name} holds no numbers"
    distinct = np.unique(v)
    if (np.mod(v, 1) != 0).any():
        return "regression", (f"the label {name} holds numbers with fractions ({len(distinct)} "
                              f"distinct values), so it is a number to predict")
    if len(distinct) == len(v) > MAX_CODES and distinct[-1] - distinct[0] == len(v) - 1:
        # 0, 1, 2, ... one per row: a row number or an ID, neither classes nor a measurement (the
        # classifier's checks refuse it with a clear sentence)
        return "classification", (f"the label {name} counts the rows one by one, like a row number "
                                  f"or an ID")
    if len(distinct) > MAX_CODES:
        return "regression", (f"the label {name} holds {len(distinct)} distinct whole numbers (more "
                              f"than {MAX_CODES}), so it is a number to predict, not class codes")
    return "classification", (f"the label {name} holds {len(distinct)} whole-number codes "
                              f"({', '.join(f'{d:g}' for d in distinct[:MAX_CODES])}), so each is "
                              f"a class")


def many_classes_warning(label: str, n_classes: int, numeric: bool) -> str | None:
    """A warning for a numeric label trained as a classifier with many classes, or None."""
    if not numeric or n_classes <= WARN_CLASSES:
        return None
    return (f"the label '{one_line(label)}' is numeric and gives {n_classes} classes: it looks like "
            f"a number to predict: choose Task → Regression (in the import dialog) or give "
            f"--task regression (on the command line).")


__all__ = ["MAX_CODES", "TASKS", "WARN_CLASSES", "detect_task", "many_classes_warning",
           "numeric_label"]
