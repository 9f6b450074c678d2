"""Derived inputs (core/derived.py): their values, the same inputs at training and at classifying,
model files keeping them, the command line, and the lesson: a circle without hidden layers."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import PENGUINS, ROOT
from core.classify import classify_file
from core.config import TrainConfig
from core.dataset import load_csv
from core.derived import (
    KINDS,
    derived_columns,
    derived_count,
    derived_names,
    network_inputs,
    parse_kinds,
    raw_count,
    with_derived,
)
from core.errors import DataError, ModelFileError, UserError
from core.model import load_model, model_from_training, save_model
from core.split import split
from core.trainer import Trainer


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def circle_csv(path, rows=300, seed=7):
    """The playground's circle: half the points inside radius 1, half in a ring outside it."""
    rng = np.random.default_rng(seed)
    inside = np.arange(rows) % 2 == 0
    r = np.where(inside, rng.uniform(0, 0.9, rows), rng.uniform(1.1, 2.0, rows))
    angle = rng.uniform(0, 2 * np.pi, rows)
    pd.DataFrame({"x1": r * np.cos(angle), "x2": r * np.sin(angle),
                  "label": np.where(inside, "inside", "outside")}).to_csv(path, index=False)
    return path


# -- the values ----------------------------------------------------------------------------------

def test_names_are_what_they_compute():
    names = ("bill", "depth", "mass")
    assert derived_names(names, ["squares"]) == ("bill²", "depth²", "mass²")
    assert derived_names(names, "products") == ("bill·depth", "bill·mass", "depth·mass")
    assert derived_names(names, ("sines",)) == ("sin bill", "sin depth", "sin mass")
    # canonical order whatever order asked: squares, products, sines
    both = derived_names(("a", "b"), "sines,squares,products")
    assert both == ("a²", "b²", "a·b", "sin a", "sin b")
    assert derived_count(3, KINDS) == 3 + 3 + 3 and derived_count(4, ("products",)) == 6
    for f in range(1, 7):
        for kinds in [(), ("squares",), ("products",), KINDS, ("products", "sines")]:
            assert raw_count(f + derived_count(f, kinds), kinds) == f


def test_values_checked_by_hand():
    X = np.array([[1.0, 2.0, -3.0],
                  [0.5, 0.0, np.pi / 2]])
    D = derived_columns(X, KINDS)
    assert D.shape == (2, 3 + 3 + 3)
    assert D[0].tolist() == pytest.approx([1, 4, 9,  2, -3, -6,  np.sin(1), np.sin(2), np.sin(-3)])
    assert D[1].tolist() == pytest.approx([0.25, 0, np.pi ** 2 / 4,  0, np.pi / 4, 0,
                                           np.sin(0.5), 0, 1])
    full = network_inputs(X, ("squares",))
    assert full.dtype == np.float32 and full.shape == (2, 6)
    assert full[0].tolist() == [1, 2, -3, 1, 4, 9]


def test_derived_from_raw_values_then_standardised():
    ds = load_csv(PENGUINS)
    d = with_derived(ds, "squares,products")
    assert d.feature_names[:4] == ds.feature_names and len(d.feature_names) == 4 + 4 + 6
    assert d.feature_names[4] == "bill_length_mm²"
    assert "bill_length_mm·bill_depth_mm" in d.feature_names
    raw = ds.X.astype(np.float64)
    # squares of the raw millimetres (not of standardised values)
    assert np.array_equal(d.X[:, 4], (raw[:, 0] ** 2).astype(np.float32))
    assert np.array_equal(d.X[:, 8], (raw[:, 0] * raw[:, 1]).astype(np.float32))
    s = split(d, 0.3, 4)
    # every input, derived ones too, standardised on the training rows
    assert np.allclose(s.X_train.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(s.X_train.std(axis=0), 1, atol=1e-3)
    assert with_derived(ds, ()) is ds


def test_bad_kinds_and_overflow_are_clear():
    with pytest.raises(UserError, match="squares, products, sines"):
        parse_kinds("squares,cubes")
    with pytest.raises(UserError, match="cubes"):
        TrainConfig(derived=("cubes",))
    assert TrainConfig(derived=["sines", "squares"]).derived == ("squares", "sines")
    assert TrainConfig.from_dict(TrainConfig(derived=("products",)).to_dict()).derived == ("products",)
    ds = load_csv(PENGUINS)
    big = ds.__class__(**{**ds.__dict__, "X": ds.X * np.float32(1e19)})
    with pytest.raises(DataError, match="bill_length_mm².*squares off"):
        with_derived(big, ("squares",))


# -- training and classifying see the same inputs --------------------------------------------------

@pytest.fixture(scope="module")
def derived_model(tmp_path_factory):
    ds = load_csv(PENGUINS)
    cfg = TrainConfig(hidden=(4,), derived=KINDS, seed=1)
    data = split(with_derived(ds, cfg.derived), cfg.val_fraction, cfg.seed)
    tr = Trainer(data, cfg)
    for _ in range(5):
        tr.train_epoch(snapshot=False)
    path = tmp_path_factory.mktemp("derived") / "m.safetensors"
    save_model(model_from_training(tr), path)
    return ds, data, tr, load_model(path), path


def test_model_file_keeps_raw_names_and_kinds(derived_model):
    ds, data, tr, model, path = derived_model
    assert model.feature_names == ds.feature_names  # the raw columns a file must have
    assert model.derived == KINDS and model.spec.layer_sizes == (4 + 14, 4, 3)
    assert model.input_names == data.feature_names
    assert model.settings["derived"] == list(KINDS)
    lo, hi = model.feature_range
    assert lo.shape == (4,) and lo[2] == pytest.approx(ds.X[data.train_index, 2].min())


def test_classifying_sees_the_training_inputs(derived_model):
    ds, data, tr, model, path = derived_model
    # the network's scaled inputs for the file's raw rows: bit for bit the trainer's
    X_raw = ds.X[data.train_index].astype(np.float64)
    scaled = model.scaler.transform(network_inputs(X_raw, model.derived))
    assert np.array_equal(scaled, data.X_train)
    # classify the file (raw columns only): the trainer's own forward pass, row for row
    pred = classify_file(model, PENGUINS)
    keep = np.flatnonzero(pred.valid)
    assert len(keep) == len(ds.y)
    with torch.no_grad():
        ours = torch.softmax(tr._forward(tr.X), dim=1).numpy()
    np.testing.assert_allclose(pred.probabilities[keep][data.train_index], ours, atol=2e-6)
    # one observation (the Classify dock's form) gives its row's answer
    one = model.probabilities(X_raw[0])[0]
    np.testing.assert_allclose(one, ours[0], atol=2e-6)


def test_classify_file_needs_only_the_raw_columns(derived_model, tmp_path):
    ds, data, tr, model, path = derived_model
    df = pd.read_csv(PENGUINS)[list(ds.feature_names)].dropna()
    df.to_csv(tmp_path / "raw.csv", index=False)
    pred = classify_file(model, tmp_path / "raw.csv")
    assert pred.valid.all() and pred.features.shape == (len(df), 4)


def test_old_files_still_load_and_damaged_kinds_are_refused(derived_model, tmp_path):
    ds, data, tr, model, path = derived_model
    from dataclasses import replace

    from safetensors.numpy import load, save

    plain = Trainer(split(ds, 0.3, 4), TrainConfig(hidden=(3,)))
    old = model_from_training(plain)
    assert old.derived == ()
    meta = old.metadata()
    assert "derived" not in meta and meta["version"] == 1  # unchanged for networks without them
    save_model(old, tmp_path / "old.safetensors")
    back = load_model(tmp_path / "old.safetensors")
    assert back.derived == () and back.input_names == ds.feature_names
    # a file whose kinds were edited away no longer fits its layers: refused, named
    blob = (path).read_bytes()
    tensors = load(blob)
    meta = model.metadata()
    meta.pop("derived")
    (tmp_path / "edited.safetensors").write_bytes(save(tensors, {"neurowatch": json.dumps(meta)}))
    with pytest.raises(ModelFileError, match="4 inputs"):
        load_model(tmp_path / "edited.safetensors")
    assert replace(model, derived=()).input_names == ds.feature_names


# -- the command line ------------------------------------------------------------------------------

def test_train_derived_then_classify_on_the_command_line(tmp_path):
    csv = circle_csv(tmp_path / "circle.csv")
    out = tmp_path / "c.safetensors"
    r = run("train", csv, "--hidden", "none", "--derived", "squares,products,sines", "--epochs", "5",
            "--json", "--quiet", "--out", out)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["derived"] == ["squares", "products", "sines"] and res["layer_sizes"] == [7, 2]
    assert res["inputs"] == ["x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"]
    assert res["features"] == ["x1", "x2"]
    r = run("classify", out, csv, "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    # the file's accuracy is the trainer's, row for row: its training and validation hits together
    n_val = res["val_rows"]
    hits = round(res["train_accuracy"] * (300 - n_val)) + round(res["val_accuracy"] * n_val)
    assert got["classified"] == 300 and round(got["accuracy"] * 300) == hits


@pytest.mark.parametrize("value", ["cubes", "squares,,x", "Squares;sines"])
def test_bad_derived_value_exits_2_naming_the_allowed(value):
    r = run("train", PENGUINS, "--derived", value, "--epochs", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "squares, products, sines" in lines[0], r.stderr


# -- the lesson --------------------------------------------------------------------------------------

def test_a_circle_without_hidden_layers_needs_squares(tmp_path):
    csv = circle_csv(tmp_path / "circle.csv")
    acc = {}
    for derived in ((), ("squares",)):
        ds = load_csv(csv)
        cfg = TrainConfig(hidden=(), derived=derived, learning_rate=0.05, seed=4)
        data = split(with_derived(ds, derived), cfg.val_fraction, cfg.seed)
        tr = Trainer(data, cfg)
        for _ in range(40):
            m = tr.train_epoch(snapshot=False)
        acc[derived] = m["val_accuracy"]
    # a straight line cannot separate a disc from the ring round it; x1² + x2² < 1 is a straight
    # line in the plane of x1² and x2²
    assert acc[()] < 0.7, acc
    assert acc[("squares",)] > 0.9, acc
