"""No hidden layer (`train --hidden none`, every hidden layer removed in the window): the inputs go
straight to the outputs, a linear model."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT
from core.config import TrainConfig
from core.dataset import dataset_from_frame
from core.generators import generate
from core.split import split
from core.trainer import Trainer
from gui_helpers import make_window, ready, wait_until


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _train(name, epochs=30, hidden=()):
    ds = dataset_from_frame(generate(name, 300, noise=0.05, seed=0), path=name)
    trainer = Trainer(split(ds, 0.3, 4), TrainConfig(hidden=hidden, learning_rate=0.03, device="cpu"))
    for _ in range(epochs):
        m = trainer.train_epoch(snapshot=False)
    return trainer, m


def test_config_and_trainer_without_hidden_layers():
    assert TrainConfig(hidden=()).hidden == ()
    trainer, m = _train("gauss")
    assert trainer.spec.layer_sizes == (2, 2) and trainer.spec.n_layers == 1
    assert m["val_accuracy"] >= 0.97  # two clusters: a straight line separates them
    snap = trainer.train_epoch()  # a full snapshot: one weight matrix, its gradient and update
    assert [w.shape for w in snap.weights] == [(2, 2)] and snap.grad_weights[0].shape == (2, 2)
    # it is linear: the logits are W·x + b exactly
    w, b = trainer.weights_numpy()
    with torch.no_grad():
        logits = trainer._forward(trainer.Xv).numpy()
    assert np.allclose(logits, trainer.Xv.numpy() @ w[0].T + b[0], atol=1e-5)
    # and so it cannot draw a circle (a hidden layer can: tests/test_generators.py)
    _, m = _train("circle")
    assert m["val_accuracy"] < 0.8, m


def test_cli_hidden_none_and_model_round_trip(tmp_path):
    from core.model import load_model

    data, model = tmp_path / "moons.csv", tmp_path / "lin.safetensors"
    assert run("example", "moons", "--rows", "100", "--out", data).returncode == 0
    r = run("train", data, "--hidden", "none", "--epochs", "5", "--quiet", "--json", "--out", model)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["layer_sizes"] == [2, 2] and res["model"] == str(model)
    m = load_model(model)
    assert m.spec.hidden == () and m.spec.layer_sizes == (2, 2) and len(m.weights) == 1
    r = run("classify", model, data, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["classified"] == 100
    X = np.array([[0.5, -1.0], [-2.0, 1.5]])
    p = m.probabilities(X)
    z = m.scaler.transform(X) @ m.weights[0].T + m.biases[0]
    expected = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert np.allclose(p, expected, atol=1e-5)


@pytest.mark.parametrize("loss", ["cross-entropy", "mse"])
def test_walkthrough_without_hidden_layers_matches_autograd(loss):
    from core.walkthrough import walk

    rng = np.random.default_rng(2)
    W, B, x = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4)
    w = walk([W], [B], "relu", x, 2, loss, lr=0.1)
    tw, tb = torch.tensor(W, requires_grad=True), torch.tensor(B, requires_grad=True)
    z = tw @ torch.tensor(x) + tb
    if loss == "cross-entropy":
        L = torch.nn.functional.cross_entropy(z[None], torch.tensor([2]))
    else:
        L = ((torch.softmax(z, 0) - torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)) ** 2).mean()
    L.backward()
    assert w.loss == pytest.approx(L.item())
    assert np.allclose(w.dW[0], tw.grad.numpy()) and np.allclose(w.db[0], tb.grad.numpy())


def test_window_without_hidden_layers(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    c, s = w.controls, w.session
    gen = s.generation
    c.remove_layer.click()
    assert wait_until(lambda: ready(w) and s.generation == gen + 1, 30)
    c.remove_layer.click()
    assert wait_until(lambda: ready(w) and s.generation == gen + 2, 30)
    assert not c.remove_layer.isEnabled() and c.shape_label.text() == "4-3 (linear)"
    assert s.config.hidden == () and w.view.sizes == (4, 3)
    for _ in range(3):
        w.step()
    assert wait_until(lambda: s.epoch == 3, 30)
    w._draw(force=True)
    assert len(w.view.node_centres()) == 7
    img = w.view.grab().toImage()
    assert img.width() > 100 and not img.isNull()
    # the walkthrough goes through every stage of the one layer
    w.show_dock("walkthrough")
    panel = w.panel("walkthrough").widget
    walk = getattr(panel, "walk", panel)
    kinds = [k for k, _, _ in walk.stages()]
    assert kinds == ["x", "z", "a", "loss", "dz", "dw", "update"]
    for i in range(len(kinds)):
        walk.set_stage(i)
        assert walk.text.toPlainText().strip()
    c.add_layer.click()  # and back: a hidden layer again
    assert wait_until(lambda: ready(w) and s.generation == gen + 3, 30)
    assert w.view.sizes == (4, 5, 3)
    w.close()
