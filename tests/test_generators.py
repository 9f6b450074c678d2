"""Generated 2-D problems (core/generators.py) and `main.py example`."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from core.config import TrainConfig
from core.dataset import dataset_from_frame, load_csv
from core.errors import UserError
from core.generators import CLASS_PROBLEMS as PROBLEMS
from core.generators import REGRESSION_PROBLEMS, classes, describe, generate
from core.split import split
from core.trainer import Trainer


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def loo_1nn_accuracy(frame: pd.DataFrame) -> float:
    """Leave-one-out 1-nearest-neighbour accuracy: how cleanly the classes are apart."""
    X = frame[["x1", "x2"]].to_numpy()
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    y = frame["label"].to_numpy()
    return float((y[d.argmin(1)] == y).mean())


@pytest.mark.parametrize("name", PROBLEMS)
def test_shape_classes_and_seed(name):
    df = generate(name, rows=101, noise=0.1, seed=3)
    assert list(df.columns) == ["x1", "x2", "label"] and len(df) == 101
    assert df["x1"].dtype == np.float64 and df["x2"].dtype == np.float64
    counts = df["label"].value_counts()
    assert set(counts.index) == set(classes(name)) and len(classes(name)) == 2
    assert sorted(counts.tolist()) == [50, 51]
    assert np.isfinite(df[["x1", "x2"]].to_numpy()).all()
    assert df[["x1", "x2"]].abs().max().max() < 10
    assert generate(name, rows=101, noise=0.1, seed=3).equals(df)  # same seed, same rows
    assert not generate(name, rows=101, noise=0.1, seed=4).equals(df)
    assert df["label"].iloc[:20].nunique() == 2  # shuffled: the classes interleave
    text = describe(name)
    assert text.endswith(".") and "\n" not in text and len(text) < 200


@pytest.mark.parametrize("name", PROBLEMS)
def test_noise_blurs_the_classes(name):
    clean = loo_1nn_accuracy(generate(name, 300, noise=0.0, seed=1))
    some = loo_1nn_accuracy(generate(name, 300, noise=0.2, seed=1))
    lots = loo_1nn_accuracy(generate(name, 300, noise=1.0, seed=1))
    assert clean >= 0.97, clean
    assert lots < some <= clean + 0.01, (clean, some, lots)  # (1-NN on 300 points: a little chance)
    assert lots < 0.85, lots


def test_clean_circle_is_clean():
    df = generate("circle", 400, noise=0.0, seed=0)
    r = np.hypot(df["x1"], df["x2"])
    assert r[df["label"] == "inside"].max() <= 2.0 and r[df["label"] == "outside"].min() >= 3.0
    noisy = generate("circle", 400, noise=0.5, seed=0)
    r = np.hypot(noisy["x1"], noisy["x2"])
    assert r[noisy["label"] == "inside"].max() > r[noisy["label"] == "outside"].min()  # overlap


@pytest.mark.parametrize("args,needle", [
    (("nope",), "unknown example problem 'nope': choose one of circle, xor"),
    (("circle", 5), "from 10 to"),
    (("circle", 2.5), "whole number"),
    (("circle", 100, -0.1), "noise must be a number from 0 to 2"),
    (("circle", 100, float("nan")), "noise"),
    (("circle", 100, "x"), "noise"),
    (("circle", 100, 0.1, -1), "seed"),
])
def test_bad_arguments(args, needle):
    with pytest.raises(UserError) as e:
        generate(*args)
    assert needle in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(UserError):
        describe("nope")


@pytest.mark.parametrize("name,hidden,activation,lr,epochs,least", [
    ("circle", (8, 8), "tanh", 0.03, 30, 0.95),
    ("xor", (8, 8), "tanh", 0.03, 30, 0.93),
    ("gauss", (8, 8), "tanh", 0.03, 30, 0.97),
    ("moons", (8, 8), "tanh", 0.03, 30, 0.95),
    # the spiral needs a wider network and more epochs (with 8-8 tanh, 300 epochs reach ~0.81)
    ("spiral", (32, 32), "relu", 0.01, 200, 0.85),
])
def test_every_problem_trains(name, hidden, activation, lr, epochs, least):
    ds = dataset_from_frame(generate(name, 300, noise=0.1, seed=0), path=name)
    assert ds.feature_names == ("x1", "x2") and ds.label_name == "label"
    assert set(ds.class_names) == set(classes(name))
    trainer = Trainer(split(ds, 0.3, 4), TrainConfig(hidden=hidden, activation=activation,
                                                     learning_rate=lr, device="cpu"))
    for _ in range(epochs):
        m = trainer.train_epoch(snapshot=False)
    assert m["val_accuracy"] >= least, m


def test_cli_writes_a_csv_train_reads(tmp_path):
    out = tmp_path / "xor.csv"
    r = run("example", "xor", "--rows", "120", "--noise", "0.05", "--seed", "7", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "wrote 120 rows of the xor problem" in r.stderr
    assert pd.read_csv(out).equals(generate("xor", 120, 0.05, 7))  # exact, through the CSV
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temporary file
    ds = load_csv(out)
    assert ds.feature_names == ("x1", "x2") and len(ds.y) == 120
    r = run("train", out, "--epochs", "3", "--quiet", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["features"] == ["x1", "x2"] and sorted(res["classes"]) == sorted(classes("xor"))
    r = run("example", "gauss", "--rows", "10")  # no --out: the CSV on stdout
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "x1,x2,label"
    assert len(r.stdout.splitlines()) == 11


@pytest.mark.parametrize("args,needle", [
    (["example", "nope"], "invalid choice"),
    (["example", "circle", "--rows", "3"], "from 10 to"),
    (["example", "circle", "--rows", "x"], "not a whole number"),
    (["example", "circle", "--noise", "5"], "noise must be a number from 0 to 2"),
    (["example", "circle", "--noise", "-1"], "0 or more"),
    (["example", "circle", "--out", "/no/such/folder/x.csv"], "does not exist"),
    (["example"], "required"),
])
def test_cli_bad_arguments(args, needle):
    r = run(*args)
    assert r.returncode == 2, r
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr


def test_cli_keeps_the_old_file_on_failure(tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    r = run("example", "circle", "--rows", "3", "--out", out)
    assert r.returncode == 2 and out.read_text() == "precious\n"


@pytest.mark.parametrize("name", REGRESSION_PROBLEMS)
def test_regression_problems_are_numbers_the_task_rule_takes_as_numbers(name, tmp_path):
    """plane and bump: a numeric label, the same seed the same rows, noise jitters the label only;
    written as a CSV, `load_csv` decides regression and a network trains on it."""
    from core.dataset import load_csv
    from core.generators import is_regression

    assert is_regression(name) and classes(name) == () and "number" in describe(name)
    clean = generate(name, rows=300, noise=0.0, seed=3)
    assert list(clean.columns) == ["x1", "x2", "label"] and clean["label"].dtype.kind == "f"
    f = {"plane": lambda a, b: (a + b) / 2, "bump": lambda a, b: 10 * np.exp(-(a ** 2 + b ** 2) / 8)}[name]
    assert np.allclose(clean["label"], f(clean["x1"], clean["x2"]), atol=1e-3)
    noisy = generate(name, rows=300, noise=0.2, seed=3)
    assert np.array_equal(noisy[["x1", "x2"]], clean[["x1", "x2"]])
    assert 0.3 < np.std(noisy["label"] - clean["label"]) < 0.7  # 0.2 × 2.5
    assert generate(name, rows=300, noise=0.2, seed=3).equals(noisy)
    path = tmp_path / f"{name}.csv"
    noisy.to_csv(path, index=False)
    ds = load_csv(path)
    assert ds.task == "regression" and ds.label_name == "label"


def test_a_plane_is_fitted_by_a_linear_model_and_a_bump_needs_hidden_neurons():
    from core.dataset import dataset_from_frame
    from core.split import split
    from core.trainer import TrainConfig, Trainer

    def r2(name, hidden, epochs):
        ds = dataset_from_frame(generate(name, rows=400, noise=0.05, seed=0), path=name)
        tr = Trainer(split(ds, 0.3, 4), TrainConfig(hidden=hidden, activation="tanh", learning_rate=0.03,
                                                    task="regression"))
        for _ in range(epochs):
            r = tr.train_epoch(snapshot=False)
        return r["val_accuracy"]  # R² in the accuracy slot

    assert r2("plane", (), 40) > 0.97
    linear, hidden = r2("bump", (), 40), r2("bump", (16,), 60)
    assert linear < 0.2 and hidden > 0.8, (linear, hidden)
