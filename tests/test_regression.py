"""Regression: the task rule, the figures against numpy, training on real numeric data (diabetes
progression, penguin body mass), the model file round trip and the command line."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import PENGUINS, ROOT
from core.config import TrainConfig
from core.dataset import load_csv
from core.errors import DataError, UserError
from core.model import load_model, model_from_training, save_model
from core.regression_metrics import mae, r2, regression_figures, rmse
from core.split import split
from core.task import detect_task
from core.trainer import Trainer

PENGUIN_MASS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def diabetes_csv(tmp_path):
    from sklearn.datasets import load_diabetes

    path = tmp_path / "diabetes.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    return path


# -- figures ----------------------------------------------------------------------------------
def test_figures_against_numpy():
    rng = np.random.default_rng(0)
    y = rng.normal(50, 10, 200)
    p = y + rng.normal(0, 3, 200)
    assert r2(y, y) == 1.0
    assert abs(r2(y, np.full_like(y, y.mean()))) < 1e-12
    assert rmse(y, p) == pytest.approx(np.sqrt(np.mean((y - p) ** 2)), rel=1e-12)
    assert mae(y, p) == pytest.approx(np.mean(np.abs(y - p)), rel=1e-12)
    ss = np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2(y, p) == pytest.approx(1 - ss, rel=1e-12)
    assert r2(y, p + 100) < 0  # worse than the mean
    assert np.isnan(r2([3.0, 3.0], [1.0, 2.0]))  # constant target: undefined, not a crash
    assert set(regression_figures(y, p, "val_")) == {"val_rmse", "val_mae", "val_r2"}


# -- the task rule on borderline labels -------------------------------------------------------
@pytest.mark.parametrize("values,task", [
    (["Adelie", "Gentoo", "Chinstrap"] * 10, "classification"),  # text
    ([0, 1, 2] * 10, "classification"),  # integer codes
    (["0", "1", "2"] * 10, "classification"),  # integer codes read as text
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10] * 3, "classification"),  # a handful of codes (10)
    ([0.5, 1.0, 1.5] * 10, "regression"),  # few distinct values, but fractions
    ([0.1 * i for i in range(30)], "regression"),  # fractions
    ([i % 15 * 100 for i in range(30)], "regression"),  # many distinct whole numbers
    (list(range(30)), "classification"),  # 0..29, one per row: an ID, refused later
])
def test_task_rule(values, task):
    chosen, reason = detect_task(pd.Series(values), "y")
    assert chosen == task, reason
    assert "'y'" in reason


def test_numeric_label_with_many_classes_warns(write_csv):
    p = write_csv("a,label\n" + "".join(f"{i},{i % 25 * 10}\n" for i in range(200)))
    ds = load_csv(p, task="classification")
    assert ds.task == "classification" and ds.n_classes == 25
    assert any("--task regression" in w for w in ds.warnings)
    assert load_csv(p).task == "regression"


def test_forced_task_and_bad_labels(write_csv):
    p = write_csv("a,b,label\n" + "".join(f"{i},{i},{i * 0.37}\n" for i in range(10)))
    with pytest.raises(DataError, match="non-integer"):
        load_csv(p, task="classification")
    ds = load_csv(p)
    assert ds.task == "regression" and ds.y.dtype == np.float32 and ds.class_names == ("label",)
    text = write_csv("a,label\n" + "".join(f"{i},c{i % 3}\n" for i in range(10)), "t.csv")
    with pytest.raises(DataError, match="is not numeric .* cannot be predicted as a number"):
        load_csv(text, task="regression")
    flat = write_csv("a,label\n" + "".join(f"{i},2.5\n" for i in range(10)), "f.csv")
    with pytest.raises(DataError, match="same number"):
        load_csv(flat)
    assert TrainConfig(task="regression").loss == "mse"  # the default loss for numbers
    with pytest.raises(UserError, match="loss must be one of cross-entropy, mse"):
        TrainConfig(loss="huber")


# -- training on real data --------------------------------------------------------------------
def _train(ds, epochs=60, **kw):
    cfg = TrainConfig(task="regression", hidden=(8,), **kw)
    data = split(ds, cfg.val_fraction, cfg.seed)
    t = Trainer(data, cfg)
    for _ in range(epochs):
        m = t.train_epoch(snapshot=False)
    return t, data, m


def test_split_standardises_with_training_rows(diabetes_csv):
    ds = load_csv(diabetes_csv)
    data = split(ds, 0.3, 4)
    assert data.task == "regression" and len(data.y_val) == round(442 * 0.3)
    assert data.label_mean == pytest.approx(float(np.mean(data.y_train.astype(np.float64))))
    assert data.label_std == pytest.approx(float(np.std(data.y_train.astype(np.float64))))
    assert not set(data.train_index) & set(data.val_index)


def test_diabetes_beats_the_mean(diabetes_csv):
    ds = load_csv(diabetes_csv)
    assert ds.task == "regression" and ds.n_features == 10
    t, data, m = _train(ds)
    assert t.spec.layer_sizes == (10, 8, 1)
    assert m["val_r2"] > 0.3, m
    # the figures are numpy's on the network's own predictions
    model = model_from_training(t)
    X_val_raw = ds.X[data.val_index]
    pred = model.predict_values(X_val_raw)
    assert m["val_rmse"] == pytest.approx(rmse(data.y_val, pred), rel=1e-4)
    assert m["val_r2"] == pytest.approx(r2(data.y_val, pred), rel=1e-4, abs=1e-5)
    snap = t.snapshot()
    assert snap.regression["val_r2"] == pytest.approx(m["val_r2"], rel=1e-6)
    assert snap.val_accuracy == snap.regression["val_r2"]


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_penguin_body_mass(loss):
    ds = load_csv(PENGUINS, label="body_mass_g", features=PENGUIN_MASS)
    assert ds.task == "regression" and "94 distinct whole numbers" in ds.task_reason
    _, _, m = _train(ds, loss=loss)
    assert m["val_r2"] > 0.6, (loss, m)
    assert m["val_rmse"] < 450  # grams; predicting the mean is about 800


def test_model_file_round_trip(tmp_path):
    ds = load_csv(PENGUINS, label="body_mass_g", features=PENGUIN_MASS)
    t, data, _ = _train(ds, epochs=5)
    model = model_from_training(t)
    path = tmp_path / "mass.safetensors"
    save_model(model, path)
    back = load_model(path)
    assert back.task == "regression" and back.is_regression
    assert back.label_mean == pytest.approx(data.label_mean)
    assert back.label_std == pytest.approx(data.label_std)
    X = ds.X[:20]
    np.testing.assert_array_equal(back.predict_values(X), model.predict_values(X))
    assert 2500 < np.nanmean(back.predict_values(X)) < 6500  # grams, not standard units
    bad = np.array(X, dtype=np.float64)
    bad[3, 0] = np.nan
    assert np.isnan(back.predict_values(bad)[3]) and np.isfinite(back.predict_values(bad)[2])


def test_classifier_files_still_load_as_classifiers(tmp_path):
    ds = load_csv(PENGUINS)
    cfg = TrainConfig()
    t = Trainer(split(ds, 0.3, 4), cfg)
    t.train_epoch(snapshot=False)
    path = tmp_path / "c.safetensors"
    save_model(model_from_training(t), path)
    assert "task" not in model_from_training(t).metadata()  # written exactly as before
    back = load_model(path)
    assert back.task == "classification" and not back.is_regression


# -- command line -----------------------------------------------------------------------------
def test_cli_train_and_classify_regression(tmp_path, diabetes_csv):
    model = tmp_path / "d.safetensors"
    r = run("train", diabetes_csv, "--epochs", "60", "--hidden", "8", "--json", "--out", model)
    assert r.returncode == 0, r.stderr
    assert "task: regression (the label 'target' holds 214 distinct whole numbers" in r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["task"] == "regression" and res["layer_sizes"] == [10, 8, 1]
    for k in ("val_r2", "val_rmse", "val_mae", "train_r2", "train_rmse", "train_mae"):
        assert isinstance(res[k], float), k
    assert res["val_r2"] > 0.3
    # classify the validation rows: the same figures as training reported
    ds = load_csv(diabetes_csv)
    data = split(ds, 0.3, 4)
    val = pd.read_csv(diabetes_csv).iloc[data.val_index]
    val_csv = tmp_path / "val.csv"
    val.to_csv(val_csv, index=False)
    r = run("classify", model, val_csv, "--json")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout.strip().splitlines()[-1])
    assert c["task"] == "regression" and c["scored"] == len(val)
    assert c["rows"] == c["classified"] == c["predicted"] == len(val) and c["unclassified"] == 0
    assert c["r2"] == pytest.approx(res["val_r2"], abs=2e-4)
    assert c["rmse"] == pytest.approx(res["val_rmse"], rel=1e-4)
    assert c["mae"] == pytest.approx(res["val_mae"], rel=1e-4)
    out = tmp_path / "pred.csv"
    r = run("classify", model, val_csv, "--out", out)
    assert r.returncode == 0 and "R² " in r.stderr
    pred = pd.read_csv(out)
    assert list(pred.columns)[-1] == "predicted" and len(pred) == len(val)
    assert r2(pred["target"], pred["predicted"]) == pytest.approx(res["val_r2"], abs=2e-4)


def test_cli_task_override_and_loss_refusal(tmp_path):
    r = run("train", PENGUINS, "--label", "body_mass_g", "--loss", "cross-entropy")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "--loss mse, mae or huber" in r.stderr
    r = run("train", PENGUINS, "--task", "regression", "--epochs", "1")
    assert r.returncode == 2 and "'species' is not numeric" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("train", PENGUINS, "--epochs", "2", "--json", "--quiet")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["task"] == "classification" and "val_r2" not in res
    r = run("train", PENGUINS, "--label", "body_mass_g", "--features", ",".join(PENGUIN_MASS),
            "--epochs", "40", "--loss", "huber", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["task"] == "regression" and res["val_r2"] > 0.6
