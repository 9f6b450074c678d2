"""Derived inputs: squares (x²), products (xi·xj) and sines (sin x) of the raw features, as extra
input neurons.

They are computed from the RAW feature values (before standardisation) and then standardised with
everything else, so a network without hidden layers can draw a circle (x1² + x2² < r² is a straight
line in the plane of x1² and x2²).

One function, `network_inputs`, turns raw rows into the network's unscaled inputs, and both
training (`with_derived`, on the Dataset's float32 values) and classifying
(core.model.TrainedModel.probability_blocks, on the file's values rounded to float32) compute the
derived columns the same way: in float64 from the float32 raw value, rounded to float32. So training
and classifying see exactly the same inputs.

The network's inputs are the raw features first, in their order, then the derived ones: the squares
(one per feature), the products (each pair i < j), the sines (one per feature). Model files keep the
raw feature names and the kinds (core.model), and classifying reads only the raw columns.

No numpy at import time: core.config imports this module and the window's first frame must stay
light.
"""

from __future__ import annotations

from core.errors import DataError, UserError
from core.wording import one_line, plural

KINDS = ("squares", "products", "sines")
# what each kind computes, for tooltips and help
WHAT = {"squares": "x² of every feature", "products": "xi·xj of every pair of features",
        "sines": "sin x of every feature (of its raw value, in the column's own units)"}
# more derived inputs than this is a mistake (products of 45 features are 990)
MAX_DERIVED = 1000


def parse_kinds(kinds) -> tuple[str, ...]:
    """The kinds in canonical order (squares, products, sines), each once, from a comma-separated
    text ('sines,squares') or an iterable of names; '' / 'none' / None: no derived inputs.
    A name not in KINDS: UserError naming the allowed values."""
    if kinds is None:
        return ()
    if isinstance(kinds, str):
        text = kinds.strip().lower()
        items = [] if text in ("", "none") else [t.strip() for t in text.split(",")]
    else:
        items = [str(k).strip().lower() for k in kinds]
    bad = [k for k in items if k not in KINDS]
    if bad:
        raise UserError(f"unknown derived input '{one_line(bad[0], 30)}': use any of "
                        f"{', '.join(KINDS)}, separated by commas.")
    return tuple(k for k in KINDS if k in items)


def derived_count(n_features: int, kinds) -> int:
    """How many derived inputs `kinds` add to n_features raw features."""
    kinds = parse_kinds(kinds)
    f = int(n_features)
    return (f if "squares" in kinds else 0) + (f * (f - 1) // 2 if "products" in kinds else 0) + \
        (f if "sines" in kinds else 0)


def raw_count(n_inputs: int, kinds) -> int:
    """The number of raw features that, with `kinds`, make n_inputs network inputs; ValueError when
    no number does."""
    kinds = parse_kinds(kinds)
    f = 0
    while f + derived_count(f, kinds) < n_inputs:
        f += 1
    if f + derived_count(f, kinds) != n_inputs:
        raise ValueError(f"{n_inputs} inputs are not raw features plus {', '.join(kinds)}")
    return f


def derived_names(names, kinds) -> tuple[str, ...]:
    """The derived inputs' names, named for what they compute: 'x1²', 'x1·x2', 'sin x1'."""
    kinds = parse_kinds(kinds)
    names = [str(n) for n in names]
    out: list[str] = []
    if "squares" in kinds:
        out += [f"{n}²" for n in names]
    if "products" in kinds:
        out += [f"{a}·{b}" for i, a in enumerate(names) for b in names[i + 1:]]
    if "sines" in kinds:
        out += [f"sin {n}" for n in names]
    return tuple(out)


def input_names(names, kinds) -> tuple[str, ...]:
    """Every input neuron's name: the raw features, then the derived inputs."""
    return (*map(str, names), *derived_names(names, kinds))


def check_count(names, kinds) -> None:
    """UserError when the kinds would add more than MAX_DERIVED inputs."""
    n = derived_count(len(names), kinds)
    if n > MAX_DERIVED:
        raise UserError(f"derived inputs ({', '.join(parse_kinds(kinds))}) of {len(names)} features "
                        f"would add {n:,} inputs, more than {MAX_DERIVED:,}: choose fewer features or "
                        f"turn products off.")


def derived_columns_t(X_t, kinds, out=None):
    """The derived inputs of raw features given as rows (features, n): (derived, n), computed in
    float64 from the values as given, stored in `out`'s dtype (float64 by default)."""
    import numpy as np

    kinds = parse_kinds(kinds)
    X_t = np.asarray(X_t)
    f, n = X_t.shape
    d = derived_count(f, kinds)
    if out is None:
        out = np.empty((d, n))
    x = X_t.astype(np.float64, copy=False)
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        if "squares" in kinds:
            out[k:k + f] = x * x
            k += f
        if "products" in kinds:
            for i in range(f - 1):
                m = f - 1 - i
                out[k:k + m] = x[i] * x[i + 1:]
                k += m
        if "sines" in kinds:
            out[k:k + f] = np.sin(x)
            k += f
    return out


def derived_columns(X, kinds):
    """The derived inputs of raw rows X (n, features): (n, derived) float64, computed in float64
    from the values as given."""
    import numpy as np

    return derived_columns_t(np.asarray(X).T, kinds).T


def network_inputs(X_raw, kinds):
    """The network's unscaled inputs (n, features + derived), float32, for raw rows (n, features):
    the raw values rounded to float32, then the derived inputs computed from those float32 values
    (in float64) and rounded to float32. Training and classifying both come here (or do the same)."""
    import numpy as np

    x32 = np.asarray(X_raw, dtype=np.float32)
    if x32.ndim == 1:
        x32 = x32[None, :]
    kinds = parse_kinds(kinds)
    if not kinds:
        return x32.copy()
    f = x32.shape[1]
    out = np.empty((x32.shape[0], f + derived_count(f, kinds)), dtype=np.float32)
    out[:, :f] = x32
    with np.errstate(over="ignore"):
        out[:, f:] = derived_columns(x32, kinds)
    return out


def complete_rows(rows, kinds, n_raw: int):
    """Rows over every input (n, inputs), float64, whose raw part (the first n_raw columns) is set:
    their derived columns recomputed from it, in place (returns `rows`). For slices through the
    input space (decision regions, neuron pictures): the derived inputs follow the raw ones."""
    kinds = parse_kinds(kinds)
    if kinds:
        rows[:, n_raw:] = derived_columns(rows[:, :n_raw], kinds)
    return rows


def with_derived(ds, kinds):
    """The Dataset (core.dataset) with its derived inputs as extra feature columns (float32, from its
    float32 raw values), named for what they compute; the same Dataset when kinds is empty.

    DataError when a derived value is beyond float32's range (a square of a value over 1.8e19)."""
    import dataclasses

    import numpy as np

    from core.dataset import read_only

    kinds = parse_kinds(kinds)
    if not kinds:
        return ds
    check_count(ds.feature_names, kinds)
    X = network_inputs(ds.X, kinds)
    f = len(ds.feature_names)
    names = derived_names(ds.feature_names, kinds)
    bad = ~np.isfinite(X[:, f:]).all(axis=0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        rows = int((~np.isfinite(X[:, f + j])).sum())
        raise DataError(f"the derived input '{one_line(names[j], 40)}' is beyond the network's number "
                        f"range on {plural(rows, 'row')}: rescale the features (e.g. other units) or "
                        f"turn {_kind_of(j, f, kinds)} off.")
    return dataclasses.replace(ds, X=read_only(X), feature_names=(*ds.feature_names, *names))


def _kind_of(j: int, f: int, kinds) -> str:
    """The kind that derived input j (0-based among the derived) belongs to."""
    for k in kinds:
        n = derived_count(f, (k,))
        if j < n:
            return k
        j -= n
    return kinds[-1]


__all__ = ["KINDS", "MAX_DERIVED", "WHAT", "check_count", "complete_rows", "derived_columns",
           "derived_columns_t", "derived_count", "derived_names", "input_names", "network_inputs",
           "parse_kinds", "raw_count", "with_derived"]
