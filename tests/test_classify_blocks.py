"""The block-by-block classification (core.model.probability_blocks, core.classify.classify_frame)
against the plain arithmetic it replaced: the whole table scaled by Scaler.transform, then
network.forward in float32, invalid rows left out."""

import numpy as np
import pandas as pd
import pytest

import core.model as cm
from core.classify import _argmax_rows, classify_frame
from core.dataset import load_csv
from core.model import model_from_training
from core.network import activate, forward
from core.split import split
from core.trainer import TrainConfig, Trainer

_FLOAT32_MAX = float(np.finfo(np.float32).max)


@pytest.fixture(scope="module", params=[("relu", (5, 5)), ("tanh", (7, 3, 4)), ("sigmoid", (6,))])
def model(request):
    from conftest import PENGUINS

    activation, hidden = request.param
    t = Trainer(split(load_csv(PENGUINS), 0.3, 0), TrainConfig(activation=activation, hidden=hidden))
    for _ in range(5):
        t.train_epoch(snapshot=False)
    return model_from_training(t)


def _table(model, n: int, seed: int) -> pd.DataFrame:
    """Penguin-like rows with values over many magnitudes, some NaN, inf, and beyond float32 or
    beyond what the training scaling keeps in float32; the columns shuffled and an extra one."""
    rng = np.random.default_rng(seed)
    mean, std = model.scaler.mean.astype(np.float64), model.scaler.std.astype(np.float64)
    X = mean + std * rng.normal(0, 2, (n, len(mean)))
    wild = rng.random(n) < 0.05
    X[wild] *= 10.0 ** rng.uniform(-3, 37, (int(wild.sum()), 1))
    for value in (np.nan, np.inf, -np.inf, 1e39, -1e300, _FLOAT32_MAX, -_FLOAT32_MAX):
        X[rng.integers(0, n, 3), rng.integers(0, len(mean), 3)] = value
    df = pd.DataFrame(X, columns=list(model.feature_names))
    df = df[list(reversed(model.feature_names))].assign(note="x")
    df[model.feature_names[0]] = df[model.feature_names[0]].astype(object)  # a text column too
    df.iloc[1, df.columns.get_loc(model.feature_names[0])] = "abc"
    return df


def _plain(model, df):
    """The arithmetic before the block version: whole-table scaling and forward pass, valid rows only."""
    X = np.column_stack([pd.to_numeric(df[f], errors="coerce").to_numpy(dtype=np.float64)
                         for f in model.feature_names])
    with np.errstate(over="ignore"):  # the network's inputs: finite float32 numbers
        valid = np.isfinite(X.astype(np.float32)).all(axis=1)
    probs = np.full((len(df), len(model.class_names)), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = model.scaler.transform(X[valid].astype(np.float32))
        probs[valid] = forward(model.weights, model.biases, model.spec.activation, Z,
                               np.float32).probabilities
    bad = ~np.isfinite(probs).all(axis=1)
    probs[bad] = np.nan
    return X, valid & ~bad, probs


@pytest.mark.parametrize("block", [37, 8192])
def test_blocks_match_the_plain_forward_pass(model, monkeypatch, block):
    monkeypatch.setattr(cm, "BLOCK", block)
    df = _table(model, 20_000 if block > 1000 else 2_000, seed=block)
    X, valid, probs = _plain(model, df)
    pred = classify_frame(model, df)
    assert np.array_equal(pred.valid, valid) and 0 < (~valid).sum() < len(df) // 5
    assert np.array_equal(pred.features, X, equal_nan=True)
    assert np.allclose(pred.probabilities, probs, rtol=1e-6, atol=1e-7, equal_nan=True)
    # the same class wherever the plain answer is not a near tie
    top2 = np.sort(probs[valid], axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-5
    expected = np.array(model.class_names, dtype=object)[probs[valid].argmax(axis=1)]
    assert np.array_equal(pred.predicted[valid][clear], expected[clear])
    assert (pred.predicted[~valid] == "").all()


def test_a_block_gives_the_same_answer_wherever_it_starts(model, monkeypatch):
    monkeypatch.setattr(cm, "BLOCK", 64)
    df = _table(model, 500, seed=1)
    whole = classify_frame(model, df)
    for a in (0, 1, 63, 64, 200):
        part = classify_frame(model, df.iloc[a:a + 77])
        assert np.array_equal(part.probabilities, whole.probabilities[a:a + 77], equal_nan=True)
        assert np.array_equal(part.predicted, whole.predicted[a:a + 77])


def test_one_row_probabilities_match_the_table(model):
    df = _table(model, 300, seed=2)
    pred = classify_frame(model, df)
    i = int(np.flatnonzero(pred.valid)[0])
    assert np.array_equal(model.probabilities(pred.features[i]), pred.probabilities[i:i + 1])


def test_argmax_rows_is_numpy_argmax_ties_included():
    rng = np.random.default_rng(0)
    for k in (1, 2, 3, 7):
        P = rng.integers(0, 3, (k, 1000)).astype(np.float32)  # many ties
        for dtype in (np.uint8, np.intp):
            index = _argmax_rows(P, np.empty(1000, dtype=dtype))
            assert np.array_equal(index, P.argmax(axis=0))


def test_in_place_activations_match_activate():
    from core.network import _activate_in_place

    z = np.random.default_rng(0).normal(0, 30, 1000).astype(np.float32)
    for name in ("relu", "tanh", "sigmoid"):
        assert np.array_equal(_activate_in_place(name, z.copy()), activate(name, z))
