"""Per-neuron pictures, computed (core/neuron_maps.py): every neuron's value over a plane of two
inputs agrees with a direct torch forward pass of the same weights at grid points."""

import numpy as np
import pytest
import torch

from core.config import TrainConfig
from core.dataset import dataset_from_frame, load_csv, penguins_path
from core.derived import derived_columns, raw_count, with_derived
from core.generators import generate
from core.neuron_maps import map_plane, neuron_maps, value_range
from core.regions import held_values
from core.split import split
from core.trainer import Trainer


def trained(ds, cfg, epochs=5):
    data = split(with_derived(ds, cfg.derived), cfg.val_fraction, cfg.seed)
    tr = Trainer(data, cfg)
    for _ in range(epochs):
        tr.train_epoch(snapshot=False)
    return data, tr.snapshot()


def torch_layers(snap, activation, x_scaled, regression=False):
    """Every layer's activation for scaled inputs, by torch, straight from the weights."""
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
    a = torch.tensor(x_scaled, dtype=torch.float64)
    out = []
    last = len(snap.weights) - 1
    for i, (w, b) in enumerate(zip(snap.weights, snap.biases, strict=True)):
        z = torch.nn.functional.linear(a, torch.tensor(w, dtype=torch.float64),
                                       torch.tensor(b, dtype=torch.float64))
        a = act(z) if i < last else (z if regression else torch.softmax(z, dim=1))
        out.append(a.numpy())
    return out


def check_points(data, snap, cfg, fx, fy, grid=24, regression=False):
    X_raw = data.scaler.inverse(data.X_train)
    plane = map_plane(data.scaler, X_raw, fx, fy, grid, cfg.derived)
    maps = neuron_maps(plane, snap.weights, snap.biases, cfg.activation, regression)
    assert [m.shape for m in maps.layers] == [(n, grid, grid) for n in snap.layer_sizes[1:]]
    x0, x1, y0, y1 = maps.extent
    held = held_values(X_raw, "median")
    raw_f = raw_count(X_raw.shape[1], cfg.derived)
    for r, c in [(0, 0), (grid - 1, grid - 1), (3, grid - 5), (grid // 2, 7)]:
        raw = held[:raw_f].copy()
        raw[fx] = x0 + (x1 - x0) * c / (grid - 1)  # column = x index
        raw[fy] = y0 + (y1 - y0) * r / (grid - 1)  # row = y index
        # the derived inputs from this point's raw values (in float64, as the plane does)
        x = np.concatenate([raw[None, :], derived_columns(raw[None, :], cfg.derived)], axis=1)
        want = torch_layers(snap, cfg.activation, data.scaler.transform(x), regression)
        for layer, w_ in enumerate(want):
            np.testing.assert_allclose(maps.layers[layer][:, r, c], w_[0], rtol=1e-9, atol=1e-12)
    return maps


def test_heatmap_penguins_against_torch_forward():
    ds = load_csv(penguins_path())
    cfg = TrainConfig(seed=2)
    data, snap = trained(ds, cfg)
    maps = check_points(data, snap, cfg, 0, 2)
    out = maps.layers[-1]
    np.testing.assert_allclose(out.sum(axis=0), 1.0, rtol=1e-12)  # softmax probabilities
    assert (maps.layers[0] >= 0).all()  # relu
    assert np.array_equal(maps.picture(1, 0), maps.layers[0][0])
    # the inputs' pictures: each input standardised, x along the columns, y along the rows
    assert maps.inputs.shape == (4, 24, 24)
    x = maps.picture(0, 0)
    assert np.all(np.diff(x, axis=1) > 0) and np.allclose(np.diff(x, axis=0), 0)
    assert np.all(np.diff(maps.picture(0, 2), axis=0) > 0) and np.ptp(maps.picture(0, 1)) == 0


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_heatmap_derived_inputs_recomputed_per_point(activation):
    ds = dataset_from_frame(generate("circle", rows=200, noise=0.05, seed=3), "label")
    cfg = TrainConfig(hidden=(3,), derived=("squares", "products", "sines"), activation=activation,
                      seed=1)
    data, snap = trained(ds, cfg, epochs=3)
    assert len(data.feature_names) == 2 + 2 + 1 + 2
    maps = check_points(data, snap, cfg, 0, 1, grid=16)
    # the derived inputs' pictures: x1² is a parabola along x, constant along y
    sq = maps.picture(0, 2)
    assert np.allclose(np.diff(sq, axis=0), 0) and sq[0, 0] > sq[0, 8] < sq[0, -1]
    assert maps.layers[0].std() > 0


def test_heatmap_regression_output_is_the_identity():
    df = generate("circle", rows=120, noise=0.05, seed=3)
    df["label"] = df.iloc[:, 0] * 2.0 + df.iloc[:, 1]
    ds = dataset_from_frame(df, "label", task="regression")
    cfg = TrainConfig(hidden=(4,), task="regression", seed=0)
    data, snap = trained(ds, cfg, epochs=3)
    maps = check_points(data, snap, cfg, 0, 1, grid=12, regression=True)
    assert maps.output == "identity" and maps.layers[-1].shape == (1, 12, 12)


def test_heatmap_colour_scales():
    v = np.array([[-3.0, 2.0]])
    assert value_range("relu", 1, 4, v) == (0.0, 3.0)
    assert value_range("tanh", 2, 4, v) == (0.0, 1.0)
    assert value_range("sigmoid", 1, 4, v) == (0.5, 0.5)
    assert value_range("relu", 3, 4, v) == (0.5, 0.5)  # probabilities
    assert value_range("relu", 3, 4, v, regression=True) == (0.0, 3.0)
    assert value_range("relu", 1, 3, np.zeros((2, 2))) == (0.0, 1.0)  # a dead neuron: all pale
    assert value_range("tanh", 0, 3, v) == (0.0, 3.0)  # an input
