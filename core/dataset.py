"""The Dataset to train on: a table's usable rows as features and class labels.

dataset_from_frame builds it from a table read by core.table (the columns chosen as in
core.columns) and refuses, with a DataError naming the file and the column, a table that cannot be
trained on; load_csv reads a file and builds it, with progress and cancel. Splitting and scaling
are in core.split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.columns import choose_features, default_label, describe_columns, find_column, numeric_column
from core.errors import DataError, LoadCancelled
from core.table import Watch, check_cancel, clean_names, display_name, read_with_watch
from core.wording import one_line, plural, quoted

MIN_ROWS = 5
MAX_CLASSES = 1000
# load_csv's progress: reading the bytes fills this share, converting the columns the rest (on a
# 500 MB numeric file the conversion takes about as long as the parse)
LOAD_READ_SHARE = 0.6
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Dataset:
    """Usable rows of a table: features X (n, f) float32, labels y (n,) int64, and their names."""

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    label_name: str
    rows_total: int
    rows_dropped: int
    dropped_by_column: dict = field(default_factory=dict)
    source: str | None = None
    # things that train but deserve a look (ID-like or constant features), one sentence each, shown
    # by the import dialog's summary and on the command line's stderr
    warnings: tuple[str, ...] = ()
    # "classification" (y: class index) or "regression" (y: the label as float32, class_names: the
    # label's name, one output); task_reason says why it was chosen (core.task)
    task: str = "classification"
    task_reason: str = ""

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=self.n_classes)
        return {c: int(k) for c, k in zip(self.class_names, counts, strict=True)}

    def drop_note(self) -> str:
        if not self.rows_dropped:
            return "no rows dropped"
        parts = ", ".join(f"{c}: {k}" for c, k in self.dropped_by_column.items() if k)
        return (f"{self.rows_dropped} of {self.rows_total} rows dropped for missing or non-finite "
                f"values ({parts})")


def dataset_from_frame(df: pd.DataFrame, label: str | None = None, features=None, path=None,
                       decimal: str = ".", *, cancel=None, task: str | None = None) -> Dataset:
    """The Dataset to train on from a table, or DataError saying why it cannot be used.

    cancel: as in load_csv, checked between columns (LoadCancelled once it is set)."""
    try:
        return _dataset_from_frame(df, label, features, path, decimal, cancel, None, task)
    except LoadCancelled:
        Watch(path, cancel=cancel).check()  # the same, naming the file
        raise


def _dataset_from_frame(df: pd.DataFrame, label, features, path, decimal: str, cancel, step,
                        task: str | None = None) -> Dataset:
    """dataset_from_frame; step(fraction), if given, is told how much of the conversion is done."""
    name = display_name(path)
    df = _checked_shape(df, name)
    columns = list(df.columns)
    label = find_column(columns, label, path, "label") if label else default_label(columns)
    features, notes = _features(df, label, features, path, decimal, cancel)
    X, finite = _feature_matrix(df, features, decimal, cancel, path, step)
    check_cancel(cancel, path)
    from core.regression_data import choose_task, regression_dataset
    task, reason = choose_task(df[label], label, task, name)
    if task == "regression":
        return regression_dataset(df, label, features, X, finite, notes, path, reason)
    codes, texts = _text_codes(df[label])
    if step is not None:
        step((len(features) + 2) / (len(features) + 3))
    check_cancel(cancel, path)
    lab_ok = (codes >= 0) & np.append((texts != "").to_numpy(dtype=bool), False)[codes]
    keep = finite.all(axis=1) & lab_ok
    dropped_by = {f: int((~finite[:, i]).sum()) for i, f in enumerate(features)}
    dropped_by[label] = int((~lab_ok).sum())
    n_total = int(len(df))
    n_keep = int(keep.sum())
    if n_keep < MIN_ROWS:
        raise DataError(_too_few_rows(name, label, n_keep, n_total, dropped_by))
    y, classes = _encode_labels(codes[keep], texts, label, name)
    _check_classes(name, label, classes, n_keep)
    X = (X if n_keep == n_total else X[keep]).astype(np.float32)
    notes += _constant_note(X, features) + _many_classes(df[label], label, classes)
    return Dataset(X=read_only(X), y=read_only(y), feature_names=tuple(features),
                   class_names=tuple(classes), label_name=str(label), rows_total=n_total,
                   rows_dropped=n_total - n_keep, dropped_by_column=dropped_by,
                   source=str(path) if path is not None else None, warnings=tuple(notes),
                   task_reason=reason)


def _many_classes(series: pd.Series, label: str, classes) -> list[str]:
    """A warning when a numeric label gives dozens of classes (a number to predict?)."""
    from core.task import many_classes_warning, numeric_label
    w = many_classes_warning(label, len(classes), numeric_label(series) is not None)
    return [w] if w else []


def _checked_shape(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table, with clean unique column names, or DataError if it has too few rows or columns."""
    if df.shape[1] == 0:
        raise DataError(f"{name} has no columns: it needs feature columns and a label column.")
    if df.shape[0] == 0:
        raise DataError(f"{name} has a header but no rows of data: add at least {MIN_ROWS} rows.")
    if df.shape[1] < 2:
        raise DataError(f"{name} has only one column ('{one_line(df.columns[0])}'): it needs feature "
                        f"columns and a label column, separated by commas, semicolons or tabs.")
    if not all(isinstance(c, str) for c in df.columns) or df.columns.duplicated().any():
        df = df.set_axis(clean_names(df.columns), axis=1)  # a frame not from read_table
    return df


def _features(df: pd.DataFrame, label: str, features, path, decimal: str, cancel
              ) -> tuple[list[str], list[str]]:
    """The feature columns (those named, checked, else the default choice) and warnings on them."""
    name = display_name(path)
    if not features:
        features, only_ids = choose_features(df, label, decimal, cancel=cancel)
        if not features:
            raise DataError(f"{name} has no numeric feature column besides the label "
                            f"'{one_line(label)}': a network needs numbers as input, so add columns of "
                            f"numbers or choose another label column.")
        return features, [_id_note(features, only=True)] if only_ids else []
    features = [find_column(list(df.columns), f, path, "feature") for f in features]
    if label in features:
        raise DataError(f"{name}: '{one_line(label)}' is the label column and cannot also be a "
                        f"feature: choose other features or another label.")
    twice = next((f for i, f in enumerate(features) if f in features[:i]), None)
    if twice is not None:
        raise DataError(f"{name}: the feature column '{one_line(twice)}' is named twice: name each "
                        f"feature once.")
    infos = {c.name: c for c in describe_columns(df[features], decimal, distinct=False, cancel=cancel)}
    for f in features:
        if not infos[f].numeric:
            raise DataError(f"{name}: feature column '{one_line(f)}' is not numeric (e.g. "
                            f"'{one_line(_example(df[f], decimal), 40)}'). Choose numeric feature "
                            f"columns.")
    ids = [f for f in features if infos[f].id_like]
    if not ids:
        return features, []
    # every feature ID-like: are they all there is (as the default choice would find)?
    only = len(ids) == len(features) and choose_features(df, label, decimal, cancel=cancel)[1]
    return features, [_id_note(ids, only)]


def _id_note(ids: list[str], only: bool) -> str:
    """The warning for features that look like row numbers or IDs."""
    one = len(ids) == 1
    what = "a row number or an ID" if one else "row numbers or IDs"
    it = "it" if one else "them"
    harm = (f"a network can learn from {it} only where a row sits in the file, which says nothing "
            f"about new data")
    if only:
        used = "it is used as a feature" if one else "they are used as features"
        return (f"{quoted(ids)} {'looks' if one else 'look'} like {what}, but every numeric column "
                f"here does (besides the label), so {used}: {harm}. Add columns of measurements, or "
                f"choose another label column.")
    return f"{quoted(ids)} {'looks' if one else 'look'} like {what}: {harm}."


def _feature_matrix(df: pd.DataFrame, features: list[str], decimal: str, cancel, path, step
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The features as float64 (n, f), and where they are finite numbers within float32's range
    (NaN, inf and numbers beyond float32, the network's, are out); column by column, in one buffer."""
    X = np.empty((len(df), len(features)), dtype=np.float64)
    finite = np.empty(X.shape, dtype=bool)
    buffer = np.empty(len(df), dtype=np.float64)
    for j, f in enumerate(features):
        check_cancel(cancel, path)
        X[:, j] = column = numeric_column(df[f], decimal).to_numpy()
        np.less_equal(np.abs(column, out=buffer), _FLOAT32_MAX, out=finite[:, j])
        if step is not None:  # the label's text codes take about as long as two numeric columns
            step((j + 1) / (len(features) + 3))
    return X, finite


def _too_few_rows(name: str, label: str, n_keep: int, n_total: int, dropped_by: dict) -> str:
    worst = sorted((k, c) for c, k in dropped_by.items() if k)[::-1][:3]
    why = "; ".join(f"'{one_line(c)}' is {'missing' if c == label else 'missing or not a finite number'}"
                    f" in {plural(k, 'row')}" for k, c in worst)
    return (f"{name} has only {plural(n_keep, 'usable row')} (of {n_total:,}; rows with missing or "
            f"non-finite values are dropped{': ' + why if why else ''}): at least {MIN_ROWS} are "
            f"needed.")


def _check_classes(name: str, label: str, classes: list[str], n_keep: int):
    """DataError unless the label holds a few classes, each on several rows."""
    if len(classes) < 2:
        raise DataError(f"{name}: the label column '{one_line(label)}' holds a single class "
                        f"('{one_line(classes[0])}'): classification needs at least two. Choose another "
                        f"label column.")
    if len(classes) == n_keep:
        raise DataError(f"{name}: every one of the {n_keep:,} usable rows has a different value in the "
                        f"label column '{one_line(label)}', so there are as many classes as rows and "
                        f"nothing to learn (a name, an ID or a measurement?): a class must be shared by "
                        f"many rows. Choose another label column.")
    if len(classes) > MAX_CLASSES or len(classes) * 2 > n_keep:
        raise DataError(f"{name}: the label column '{one_line(label)}' has {len(classes):,} distinct "
                        f"values in {plural(n_keep, 'row')}: too many to be classes (an ID or a "
                        f"measurement?). Choose another label column.")


def _constant_note(X: np.ndarray, features: list[str]) -> list[str]:
    """A warning naming the features that hold one value on every usable row, if any."""
    if not len(X):
        return []
    same = np.flatnonzero(X.min(axis=0) == X.max(axis=0))
    if not len(same):
        return []
    names = [features[j] for j in same]
    values = "; ".join(f"{X[0, j]:g}" for j in same[:5])
    one = len(same) == 1
    return [f"{quoted(names)} {'has' if one else 'each have'} the same value on every usable row "
            f"({values}): {'it' if one else 'they'} cannot help tell the classes apart. Leave "
            f"{'it' if one else 'them'} out of the features."]


def _example(series: pd.Series, decimal: str) -> str:
    bad = series[series.notna() & numeric_column(series, decimal).isna()]
    return str(bad.iloc[0])[:40] if len(bad) else ""


def _encode_labels(codes: np.ndarray, texts: pd.Series, label: str, name: str
                   ) -> tuple[np.ndarray, list[str]]:
    """Class index per row and class names, from _text_codes of the kept rows (no -1 codes).

    Whole numbers are classes in numeric order; anything else is text, in text order."""
    used = np.unique(codes)
    t = texts.to_numpy(dtype=object)[used]
    nums = pd.to_numeric(pd.Series(t, dtype=object), errors="coerce").to_numpy(dtype=np.float64,
                                                                             na_value=np.nan)
    if len(t) and not np.isnan(nums).any():  # every label is a number
        finite = np.isfinite(nums)
        whole = finite & (np.mod(np.where(finite, nums, 0.0), 1) == 0)
        if not whole.all():
            raise DataError(f"{name}: the label column '{one_line(label)}' holds non-integer numbers "
                            f"(e.g. {one_line(t[np.flatnonzero(~whole)[0]], 30)}): it looks like a "
                            f"measurement, not a class. Choose the column that names the class.")
        if np.abs(nums).max() < 2.0**53:  # exact as float64: equal numbers are equal classes
            uniq = np.unique(nums)
            per_used = np.searchsorted(uniq, nums)
            classes = [str(int(u)) for u in uniq]
            return _lookup(codes, used, per_used), classes
    classes = sorted(set(t))
    index = {c: i for i, c in enumerate(classes)}
    per_used = np.array([index[c] for c in t], dtype=np.int64)
    return _lookup(codes, used, per_used), classes


def _lookup(codes: np.ndarray, used: np.ndarray, per_used: np.ndarray) -> np.ndarray:
    return per_used[np.searchsorted(used, codes)].astype(np.int64)


def load_csv(path, label: str | None = None, features=None, *, progress=None, cancel=None,
             task: str | None = None) -> Dataset:
    """Read a CSV and build the Dataset to train on, or raise a UserError saying why not.

    label, features: column names (any case); by default the label is found by name (label, class,
    target, species, y) or is the last column, and the features are the other numeric, non-ID
    columns.

    For a caller in another thread (the window's training worker):
      progress: called as progress(fraction: float) from the calling thread, at most ~10 times a
        second, never falling, below 1.0 while working, and 1.0 exactly once, when the Dataset is
        built. The share of the file's bytes read fills 0 to LOAD_READ_SHARE (0.6); converting
        the columns to numbers fills the rest (it takes about as long as parsing them).
      cancel: any object with is_set() (threading.Event, multiprocessing Event), checked before each
        block of READ_BLOCK bytes (1 MB) is parsed and between columns afterwards. Once it is set,
        core.errors.LoadCancelled (a UserError: "Reading FILE was cancelled; the current data and
        network are unchanged.") is raised within about a block's parse time (the last step, pandas
        assembling the columns, cannot be interrupted), and nothing is kept.
    Bad input raises DataError (also a UserError) naming the file, line or column.
    """
    watch = Watch(path, progress, cancel, share=LOAD_READ_SHARE)
    df, fmt = read_with_watch(path, watch)
    try:
        ds = _dataset_from_frame(df, label, features, path, fmt.decimal, cancel,
                                 lambda f: watch.at(LOAD_READ_SHARE + (1 - LOAD_READ_SHARE) * f),
                                 task)
    except LoadCancelled:
        watch.check()  # the same, naming the file
        raise
    watch.done()
    return ds


def _text_codes(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(codes, texts): stripped text per distinct value, and each row's index into it (-1: missing)."""
    codes, uniques = pd.factorize(series)
    texts = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    return codes, texts.astype(object)


def read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def resource_path(name: str) -> Path:
    return Path(__file__).resolve().parent.parent / "resources" / name


def penguins_path() -> Path:
    return resource_path("penguins.csv")


__all__ = ["Dataset", "MIN_ROWS", "dataset_from_frame", "load_csv", "penguins_path",
           "read_only", "resource_path"]
