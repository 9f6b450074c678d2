"""Decision regions over two features, computed: which pair to show, where the other features are
held, the predicted class over a grid, and how far that slice agrees with the full rows.

A network on f > 2 features draws its regions on a 2-D slice: the two chosen features vary over
the plane, every other feature is held at one value (by default the training median). A training
point drawn on the slice is a real row, whose other features are its own, not the held ones, so it
can sit in a region the network does not give it: `slice_agreement` counts how often the slice and
the full row get the same class, and the view says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.network import forward

HOLD_MODES = ("median", "mean", "row")


def fisher_scores(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per feature, between-class over within-class variance (the Fisher ratio) on these rows.

    Σ_c n_c (mean_c − mean)² / Σ_c Σ_{i∈c} (x_i − mean_c)²: large when the class means lie far
    apart compared with the spread inside each class. A constant feature scores 0.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise ValueError("X must be (rows, features) with one label per row")
    mu = X.mean(axis=0)
    between = np.zeros(X.shape[1])
    within = np.zeros(X.shape[1])
    for c in np.unique(y):
        Xc = X[y == c]
        mc = Xc.mean(axis=0)
        between += Xc.shape[0] * (mc - mu) ** 2
        within += ((Xc - mc) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(within > 0, between / np.where(within > 0, within, 1.0),
                         np.where(between > 0, np.inf, 0.0))
    return score


def best_pair(X: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """The two features that separate the classes best on their own (highest Fisher ratios),
    in column order; (0, 1) or (0, 0) when there are fewer than two features."""
    f = np.asarray(X).shape[1]
    if f < 2:
        return 0, 0
    s = fisher_scores(X, y)
    order = np.argsort(-s, kind="stable")[:2]
    i, j = sorted(int(k) for k in order)
    return i, j


def held_values(X_raw: np.ndarray, how: str = "median", row: int = 0) -> np.ndarray:
    """The value every feature not on the plane is held at: the training median, mean, or one
    training row's own values (`row`)."""
    X_raw = np.asarray(X_raw, dtype=np.float64)
    if how == "median":
        return np.median(X_raw, axis=0)
    if how == "mean":
        return X_raw.mean(axis=0)
    if how == "row":
        if not 0 <= row < X_raw.shape[0]:
            raise ValueError(f"there is no training row {row}: there are {X_raw.shape[0]}")
        return X_raw[row].copy()
    raise ValueError(f"hold features at one of {HOLD_MODES}, not {how!r}")


@dataclass(frozen=True)
class RegionGrid:
    pred: np.ndarray  # (grid, grid) predicted class, row = y index, column = x index
    conf: np.ndarray  # (grid, grid) the predicted class's probability
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 in raw feature units
    n_classes: int


def region_grid(weights, biases, activation: str, scaler, X_raw: np.ndarray, fx: int, fy: int,
                held: np.ndarray, grid: int = 140, derived=()) -> RegionGrid:
    """The network's predicted class over the (fx, fy) plane, the other features at `held`.

    derived: the network's derived inputs (core.derived), which follow the raw features in X_raw's
    columns and are recomputed at every point from its raw values (fx, fy are raw features)."""
    pts, extent = plane_points(X_raw, fx, fy, held, grid, derived)
    p = forward(weights, biases, activation, scaler.transform(pts)).probabilities
    return RegionGrid(pred=p.argmax(axis=1).reshape(grid, grid), conf=p.max(axis=1).reshape(grid, grid),
                      extent=extent, n_classes=int(p.shape[1]))


def plane_points(X_raw: np.ndarray, fx: int, fy: int, held: np.ndarray, grid: int, derived=()):
    """(points (grid², features) raw, extent (x0, x1, y0, y1)): a grid over the (fx, fy) plane of
    the training rows' range (5 % margin), the other features at `held`, row = y index."""
    lo, hi = X_raw.min(axis=0), X_raw.max(axis=0)
    pad = (hi - lo) * 0.05 + 1e-9
    x0, x1 = lo[fx] - pad[fx], hi[fx] + pad[fx]
    y0, y1 = lo[fy] - pad[fy], hi[fy] + pad[fy]
    gx, gy = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    pts = np.tile(np.asarray(held, dtype=np.float64), (grid * grid, 1))
    pts[:, fx] = gx.ravel()
    pts[:, fy] = gy.ravel()
    _derive(pts, derived)
    return pts, (float(x0), float(x1), float(y0), float(y1))


@dataclass(frozen=True)
class ValueGrid:
    values: np.ndarray  # (grid, grid) the predicted number in the label's units, row = y index
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 in raw feature units


def value_grid(weights, biases, activation: str, scaler, X_raw: np.ndarray, fx: int, fy: int,
               held: np.ndarray, label_mean: float, label_std: float, grid: int = 100,
               derived=()) -> ValueGrid:
    """A regression network's predicted number over the (fx, fy) plane, the other features at
    `held`: its one identity output × the label's standard deviation + its mean."""
    pts, extent = plane_points(np.asarray(X_raw, dtype=np.float64), fx, fy, held, grid, derived)
    out = forward(weights, biases, activation, scaler.transform(pts)).z[-1][:, 0]
    return ValueGrid(values=(out * label_std + label_mean).reshape(grid, grid), extent=extent)


def best_pair_for_number(X: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """The two features most correlated (either sign) with a numeric label, in column order."""
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] < 2:
        return 0, 0
    y = np.asarray(y, dtype=np.float64).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        xc, yc = X - X.mean(axis=0), y - y.mean()
        r = np.abs((xc * yc[:, None]).sum(axis=0) / np.sqrt((xc ** 2).sum(axis=0) * (yc ** 2).sum()))
    r = np.nan_to_num(r)
    i, j = sorted(int(k) for k in np.argsort(-r, kind="stable")[:2])
    return i, j


@dataclass(frozen=True)
class SliceAgreement:
    full: np.ndarray  # (rows,) the class the network gives each full training row
    on_slice: np.ndarray  # (rows,) the class the slice gives the row's point (others held)
    labels: np.ndarray  # (rows,) the true classes

    @property
    def rows(self) -> int:
        return int(self.full.shape[0])

    @property
    def same(self) -> int:
        """Rows whose point lies, on the slice, in the region of the class the network gives the
        full row."""
        return int(np.sum(self.full == self.on_slice))

    @property
    def misclassified(self) -> np.ndarray:
        """Boolean (rows,): the network's class for the full row is not the true class."""
        return self.full != self.labels


def _derive(pts: np.ndarray, derived) -> None:
    """Recompute the derived inputs' columns of slice points from their raw ones, in place."""
    if derived:
        from core.derived import complete_rows, raw_count

        complete_rows(pts, derived, raw_count(pts.shape[1], derived))


def slice_agreement(weights, biases, activation: str, scaler, X_raw: np.ndarray, y: np.ndarray,
                    fx: int, fy: int, held: np.ndarray, derived=()) -> SliceAgreement:
    X_raw = np.asarray(X_raw, dtype=np.float64)
    full = forward(weights, biases, activation, scaler.transform(X_raw)).probabilities.argmax(axis=1)
    pts = np.tile(np.asarray(held, dtype=np.float64), (X_raw.shape[0], 1))
    pts[:, fx] = X_raw[:, fx]
    pts[:, fy] = X_raw[:, fy]
    _derive(pts, derived)
    sl = forward(weights, biases, activation, scaler.transform(pts)).probabilities.argmax(axis=1)
    return SliceAgreement(full=full, on_slice=sl, labels=np.asarray(y).ravel().astype(np.int64))
