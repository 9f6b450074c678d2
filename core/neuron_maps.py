"""What each neuron computes: every hidden and output neuron's activation over the plane of two
chosen raw inputs, the other inputs held at one value (the training median), as the decision
regions dock does (core/regions.py: the same grid and held values).

Two steps, so that a view pays only the forward pass per epoch:

    plane = map_plane(scaler, X_raw, fx, fy, grid=24, derived=cfg.derived)   # once per pair
    maps = neuron_maps(plane, snap.weights, snap.biases, "relu")            # per drawn epoch

`maps.inputs` is (inputs, grid, grid): each input as the network sees it (standardised, derived
inputs computed from the point); `maps.layers[i]` is (neurons, grid, grid). Row = y index (the
vertical input growing with the row), column = x index. Hidden layers hold their activation
a = f(w·a + b); a classifier's output layer holds the softmax probabilities, a regression
network's its one identity output (standardised units).
Derived inputs (core/derived.py) are recomputed at every grid point from its raw values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.network import activate
from core.regions import held_values, plane_points

GRID = 24


@dataclass(frozen=True)
class MapPlane:
    """The grid of one (fx, fy) slice, scaled as the network sees it."""

    fx: int
    fy: int
    grid: int
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 in raw units
    held: np.ndarray  # (raw features,) the value the others are held at
    scaled_t: np.ndarray  # (inputs, grid²) the scaled network inputs, one column per grid point


def map_plane(scaler, X_raw: np.ndarray, fx: int, fy: int, grid: int = GRID, derived=(),
              held: np.ndarray | None = None) -> MapPlane:
    """The (fx, fy) plane over the training rows' range (core.regions.plane_points), every other
    input at `held` (default: the training median of X_raw, whose columns are all the network's
    inputs, derived ones included; the derived columns are recomputed per point)."""
    X_raw = np.asarray(X_raw, dtype=np.float64)
    if held is None:
        held = held_values(X_raw, "median")
    pts, extent = plane_points(X_raw, fx, fy, held, int(grid), tuple(derived or ()))
    scaled = np.ascontiguousarray(np.asarray(scaler.transform(pts), dtype=np.float64).T)
    return MapPlane(fx=int(fx), fy=int(fy), grid=int(grid), extent=extent,
                    held=np.asarray(held, dtype=np.float64), scaled_t=scaled)


@dataclass(frozen=True)
class NeuronMaps:
    layers: tuple[np.ndarray, ...]  # per weight layer (neurons, grid, grid)
    extent: tuple[float, float, float, float]
    output: str  # "softmax" (probabilities) or "identity" (a regression network's number)
    inputs: np.ndarray | None = None  # (inputs, grid, grid) the scaled inputs

    def picture(self, layer: int, j: int) -> np.ndarray:
        """Neuron j of neuron layer `layer` (0 = the inputs, 1 = the first hidden layer, as in the
        network view)."""
        return self.inputs[j] if layer == 0 else self.layers[layer - 1][j]


def neuron_maps(plane: MapPlane, weights, biases, activation: str,
                regression: bool = False) -> NeuronMaps:
    """Every neuron's activation over `plane`, one matrix product per layer over all grid points."""
    a = plane.scaled_t
    g = plane.grid
    out = []
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = np.asarray(w, dtype=np.float64) @ a
        z += np.asarray(b, dtype=np.float64)[:, None]
        if i < last:
            a = activate(activation, z)
        elif regression:
            a = z
        else:
            a = np.exp(z - z.max(axis=0))
            a /= a.sum(axis=0)
        out.append(a.reshape(a.shape[0], g, g))
    return NeuronMaps(layers=tuple(out), extent=plane.extent,
                      output="identity" if regression else "softmax",
                      inputs=plane.scaled_t.reshape(plane.scaled_t.shape[0], g, g))


def value_range(activation: str, layer: int, n_layers: int, values: np.ndarray,
                regression: bool = False) -> tuple[float, float]:
    """(centre, half width) of the colour scale for one neuron's picture: fixed for activations of
    a fixed range (tanh: 0 ± 1, sigmoid and probabilities: 0.5 ± 0.5), else 0 ± the largest |value|
    (inputs, relu, a regression output). layer: neuron layer (0 = inputs), n_layers: in all."""
    if layer == 0:
        pass
    elif layer == n_layers - 1:
        if not regression:
            return 0.5, 0.5
    elif activation == "tanh":
        return 0.0, 1.0
    elif activation == "sigmoid":
        return 0.5, 0.5
    m = float(np.max(np.abs(values))) if values.size else 0.0
    return 0.0, m if np.isfinite(m) and m > 0 else 1.0


__all__ = ["GRID", "MapPlane", "NeuronMaps", "map_plane", "neuron_maps", "value_range"]
