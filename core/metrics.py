"""How well a classifier does: the confusion matrix and the figures read from it.

Qt-free and torch-free (plain numpy), so the command line, the window's docks and scripts report the
same numbers. Classes are indices 0..k-1 in the model's class order; every figure is well defined:
where a ratio would divide by zero (a class never predicted, a class with no rows, no rows at all)
the figure is 0, as scikit-learn reports it with zero_division=0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts (n_classes, n_classes) int64: row = true class, column = predicted class, both in class
    order. Entries of y_true or y_pred outside 0..n_classes-1 raise ValueError (count unknown labels
    apart before calling)."""
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} entries, y_pred {p.size}")
    k = int(n_classes)
    if t.size and (t.min() < 0 or p.min() < 0 or t.max() >= k or p.max() >= k):
        raise ValueError(f"class indices must lie in 0..{k - 1}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True)
class ClassReport:
    """The figures of one confusion matrix. Arrays are per class, in class order."""

    confusion: np.ndarray  # (k, k) counts, row = true, column = predicted
    precision: np.ndarray  # of the rows predicted as the class, the share truly in it (0: none predicted)
    recall: np.ndarray  # of the rows truly in the class, the share predicted as it (0: no such rows)
    f1: np.ndarray  # harmonic mean of precision and recall (0 where both are 0)
    support: np.ndarray  # rows truly in the class (int)

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        """Share of rows predicted as their true class; 0 when there are no rows."""
        n = self.total
        return float(np.trace(self.confusion)) / n if n else 0.0

    def row_shares(self) -> np.ndarray:
        """The matrix with each row divided by its sum (the share of a true class predicted as each
        class); a row with no rows is all 0."""
        return _ratio(self.confusion, self.confusion.sum(axis=1, keepdims=True))

    def per_class(self, class_names) -> dict[str, dict]:
        """{class: {precision, recall, f1, support}} in class order, plain Python numbers."""
        return {str(c): dict(precision=float(self.precision[i]), recall=float(self.recall[i]),
                             f1=float(self.f1[i]), support=int(self.support[i]))
                for i, c in enumerate(class_names)}


def report_from_confusion(confusion) -> ClassReport:
    """Precision, recall, F1 and support per class from a confusion matrix (row = true class).

    precision = TP / (TP + FP), 0 for a class never predicted; recall = TP / (TP + FN), 0 for a
    class with no rows; F1 = 2·P·R / (P + R), 0 where P + R is 0."""
    c = np.asarray(confusion, dtype=np.int64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"a confusion matrix is square, not {c.shape}")
    tp = np.diag(c)
    support = c.sum(axis=1)
    precision = _ratio(tp, c.sum(axis=0))
    recall = _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    return ClassReport(confusion=c, precision=precision, recall=recall, f1=f1, support=support)


def classification_report(y_true, y_pred, n_classes: int) -> ClassReport:
    """The confusion matrix of class indices and its figures (see report_from_confusion)."""
    return report_from_confusion(confusion_matrix(y_true, y_pred, n_classes))
