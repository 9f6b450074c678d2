"""What a table's columns hold, and which to use: numeric or not, ID-like or not, the default
label column and the default features."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.table import check_cancel, display_name
from core.wording import one_line

LABEL_NAMES = ("label", "class", "target", "species", "y")
_ID_NAME = re.compile(r"(^|[\s_\-.])(id|idx|index|no|nr|number|row|rowid)$", re.IGNORECASE)


def numeric_column(series: pd.Series, decimal: str = ".") -> pd.Series:
    """Values as float64; cells that are not numbers become NaN."""
    if series.dtype != object and pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    codes, uniques = pd.factorize(series)  # text is parsed once per distinct value, not per row
    s = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype("string").str.strip()
    if decimal == ",":
        s = s.str.replace(",", ".", regex=False)
    values = pd.to_numeric(s, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    values = np.append(values, np.nan)  # code -1 (a missing cell) picks this NaN
    return pd.Series(values[codes], index=series.index, name=series.name, dtype="float64")


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    numeric: bool
    id_like: bool
    missing: int
    distinct: int


def describe_columns(df: pd.DataFrame, decimal: str = ".", distinct: bool = True, *, cancel=None
                     ) -> list[ColumnInfo]:
    """What each column holds: numeric or not, ID-like or not, missing cells, distinct values
    (-1 with distinct=False, which skips counting them: a hash of every cell). `cancel` as in
    load_csv, checked before each column."""
    return _describe_columns(df, decimal, distinct, cancel)


def _describe_columns(df: pd.DataFrame, decimal: str, distinct: bool, cancel, skip=None
                      ) -> list[ColumnInfo]:
    infos = []
    for name in df.columns:
        if skip is not None and name == skip:
            continue
        check_cancel(cancel, None)
        col = df[name]
        present = col.notna()
        n_present = int(present.sum())
        nums = numeric_column(col, decimal)
        parsed = int(nums.notna().sum())
        numeric = n_present > 0 and parsed >= 0.9 * n_present
        id_like = False
        if numeric:
            v = nums.to_numpy()
            v = v[np.isfinite(v)]
            if bool(_ID_NAME.search(str(name))):
                id_like = True
            elif len(v) > 10 and _consecutive_whole(v[:1024]) and _consecutive_whole(v):
                id_like = True  # (the first 1,024 values settle it cheaply for most columns)
        infos.append(ColumnInfo(name=str(name), numeric=numeric, id_like=id_like,
                                missing=int(len(col) - n_present),
                                distinct=int(col.nunique()) if distinct else -1))
    return infos


def _consecutive_whole(v: np.ndarray) -> bool:
    return bool(np.all(np.mod(v, 1) == 0) and np.all(np.diff(v) == 1))


def default_label(columns) -> str:
    for c in columns:
        if str(c).strip().lower() in LABEL_NAMES:
            return c
    return columns[-1]


def find_column(columns, name: str, path, role: str) -> str:
    if name in columns:
        return name
    for c in columns:
        if str(c).strip().lower() == name.strip().lower():
            return c
    shown = ", ".join(one_line(c, 40) for c in list(columns)[:20]) + (", …" if len(columns) > 20 else "")
    raise DataError(f"{display_name(path)} has no {role} column named '{one_line(name)}'. Its columns are: "
                    f"{shown}.")


def suggest_features(df: pd.DataFrame, label: str, decimal: str = ".", *, cancel=None) -> list[str]:
    """Default features: every numeric column but the label and ID-like columns; the ID-like ones
    when there is nothing else (see choose_features)."""
    return choose_features(df, label, decimal, cancel=cancel)[0]


def choose_features(df: pd.DataFrame, label: str, decimal: str = ".", *, cancel=None
                    ) -> tuple[list[str], bool]:
    """(features, only_ids): every numeric column but the label and ID-like columns; where that
    leaves none, the ID-like columns after all (only_ids True: a file of row numbers and a label
    trains, with a warning, rather than failing with "no numeric column", which would be false)."""
    numeric = [c for c in _describe_columns(df, decimal, False, cancel, skip=label)
               if c.name != label and c.numeric]
    plain = [c.name for c in numeric if not c.id_like]
    if plain or not numeric:
        return plain, False
    return [c.name for c in numeric], True


__all__ = ["ColumnInfo", "LABEL_NAMES", "choose_features", "default_label", "describe_columns",
           "find_column", "numeric_column", "suggest_features"]
