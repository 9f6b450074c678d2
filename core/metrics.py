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


def label_indices(values, class_names) -> tuple[np.ndarray, dict[str, int]]:
    """Class index per row from a file's label values: -1 where the value is missing (empty, NaN),
    -2 where it names no class of the model; and {unknown name: rows}, most frequent first.

    Values are compared as stripped text; where every class name is a whole number (classes coded
    1, 2, 3) a value such as "2.0" is class "2"."""
    import pandas as pd

    names = [str(c) for c in class_names]
    where = {c: i for i, c in enumerate(names)}
    numeric = bool(names) and all(_whole(c) is not None for c in names)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))  # -1: missing (None, NaN, NA)
    per_unique = np.empty(len(uniques) + 1, dtype=np.int64)
    per_unique[-1] = -1
    texts = []
    for j, v in enumerate(uniques):
        text = str(v).strip()
        texts.append(text)
        if text.lower() in ("", "nan", "na", "n/a", "<na>", "none", "null"):
            per_unique[j] = -1
            continue
        i = where.get(text, -2)
        if i == -2 and numeric and _whole(text) is not None:
            i = where.get(str(_whole(text)), -2)
        per_unique[j] = i
    out = per_unique[codes]
    unknown: dict[str, int] = {}
    bad = np.flatnonzero(per_unique[:-1] == -2)
    if len(bad):
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        for j in bad:
            unknown[texts[j]] = unknown.get(texts[j], 0) + int(counts[j])
    return out, dict(sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0])))


def _whole(text: str):
    try:
        f = float(text)
    except (TypeError, ValueError):
        return None
    return int(f) if f == f and abs(f) < 2.0**53 and f == int(f) else None


@dataclass(frozen=True)
class LabelScore:
    """Observations that carry their true labels, scored against the network's predictions.

    Only rows that were classified and whose label names a class of the model are scored; rows with
    a label the model does not know are counted in `unknown` by name, rows without a label in
    `unlabelled`, and labelled rows the network could not classify in `unclassified`."""

    label: str  # the label column's name in the file
    report: ClassReport  # over the scored rows
    truth: np.ndarray  # (n,) class index per row; -1 no label, -2 a class the model does not know
    correct: np.ndarray  # (n,) int8: 1 right, 0 wrong, -1 not scored
    unknown: dict[str, int]
    unlabelled: int
    unclassified: int

    @property
    def scored(self) -> int:
        return self.report.total

    def to_json(self, class_names) -> dict:
        r = self.report
        return dict(label=self.label, scored=self.scored, accuracy=r.accuracy,
                    confusion=r.confusion.tolist(), per_class=r.per_class(class_names),
                    unknown_labels=dict(self.unknown), unlabelled=self.unlabelled,
                    labelled_unclassified=self.unclassified)


def score_labels(values, predicted, valid, class_names, label: str = "label") -> LabelScore:
    """Score predicted class indices (n,) against a file's label values (n,); `valid` (n,) bool
    says which rows were classified (the others' predictions are ignored)."""
    truth, unknown = label_indices(values, class_names)
    valid = np.asarray(valid, dtype=bool)
    predicted = np.asarray(predicted)
    known = truth >= 0
    use = known & valid
    k = len(class_names)
    report = classification_report(truth[use], predicted[use].astype(np.int64), k)
    correct = np.full(len(truth), -1, dtype=np.int8)
    correct[use] = truth[use] == predicted[use]
    return LabelScore(label=str(label), report=report, truth=truth, correct=correct, unknown=unknown,
                      unlabelled=int((truth == -1).sum()), unclassified=int((known & ~valid).sum()))


def find_label_column(columns, label: str):
    """The file's column holding the model's label (same name, or differing only in case and
    surrounding spaces), or None."""
    columns = list(columns)
    if label in columns:
        return label
    low = str(label).strip().lower()
    return next((c for c in columns if str(c).strip().lower() == low), None)


def lowest_validation(metrics) -> tuple[int, float] | None:
    """(epoch, validation loss) of the lowest finite validation loss in an epoch-metrics table
    (n, 5: epoch, train loss, train accuracy, validation loss, validation accuracy), the earliest
    epoch on a tie; the untrained network (epoch 0) does not count. None without a trained epoch
    with a validation loss."""
    m = np.asarray(metrics, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] == 0:
        return None
    m = m[m[:, 0] > 0]
    ok = np.isfinite(m[:, 3]) if len(m) else np.zeros(0, dtype=bool)
    if not ok.any():
        return None
    m = m[ok]
    i = int(np.argmin(m[:, 3]))
    return int(m[i, 0]), float(m[i, 3])


def overfitting_note(metrics, rise: float = 0.2, epochs: int = 10) -> str:
    """A plain-language note when the validation loss has stayed over `rise` (a share) above its
    lowest for the last `epochs` epochs while the training loss still falls; '' otherwise.

    `metrics`: the epoch-metrics table (epoch, train loss, train accuracy, val loss, val accuracy)."""
    m = np.asarray(metrics, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] == 0 or m.shape[1] < 4:
        return ""
    m = m[m[:, 0] > 0]
    low = lowest_validation(m)
    if low is None or len(m) < epochs + 1:
        return ""
    best_epoch, best = low
    recent = m[-epochs:]
    if not (best > 0 and np.isfinite(recent[:, 3]).all() and np.isfinite(recent[:, 1]).all()):
        return ""
    if not (recent[:, 3] > best * (1 + rise)).all():
        return ""
    # the training loss still falls: lower now than `epochs` epochs ago, and below its value at
    # the lowest validation loss
    train_then = m[m[:, 0] == best_epoch, 1]
    if not (recent[-1, 1] < recent[0, 1] and (len(train_then) == 0 or recent[-1, 1] < train_then[0])):
        return ""
    up = (recent[-1, 3] / best - 1) * 100
    return (f"Overfitting: validation loss up {up:.0f} % from its lowest (epoch {best_epoch}) while "
            f"training loss still falls — try L2, dropout or early stopping (Training dock)")
