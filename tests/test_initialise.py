"""Initial weights (core/initialise.py, TrainConfig.init / init_scale, `train --init`)."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import PENGUINS, ROOT
from core.config import INITS, TrainConfig
from core.dataset import dataset_from_frame, load_csv
from core.errors import UserError
from core.generators import generate
from core.initialise import initial_parameters, weight_std
from core.split import split
from core.trainer import Trainer


def _data(name="moons", rows=120):
    return split(dataset_from_frame(generate(name, rows, 0.1, 0), path=name), 0.3, 4)


def test_default_is_what_the_trainer_always_did():
    assert TrainConfig().init == "default" and TrainConfig().init_scale == 1.0
    data = _data()
    trainer = Trainer(data, TrainConfig(hidden=(5, 4), seed=9, device="cpu"))
    gen = torch.Generator().manual_seed(9)  # the trainer's former code, verbatim
    sizes = (2, 5, 4, 2)
    for i, (w, b) in enumerate(zip(*trainer.weights_numpy(), strict=True)):
        bound = 1.0 / math.sqrt(sizes[i])
        w0 = (torch.rand(sizes[i + 1], sizes[i], generator=gen) * 2 - 1) * bound
        b0 = (torch.rand(sizes[i + 1], generator=gen) * 2 - 1) * bound
        assert np.array_equal(w, w0.numpy()) and np.array_equal(b, b0.numpy())
    scaled = Trainer(data, TrainConfig(hidden=(5, 4), seed=9, device="cpu", init_scale=3.0))
    for w, w3, b, b3 in zip(trainer.weights_numpy()[0], scaled.weights_numpy()[0],
                            trainer.weights_numpy()[1], scaled.weights_numpy()[1], strict=True):
        assert np.allclose(w3, 3 * w) and np.array_equal(b3, b)  # the scale: weights, not biases


@pytest.mark.parametrize("init,std", [
    ("he", lambda i, o: math.sqrt(2 / i)),
    ("xavier", lambda i, o: math.sqrt(2 / (i + o))),
    ("uniform", lambda i, o: 0.5 / math.sqrt(3)),
    ("default", lambda i, o: 1 / math.sqrt(i) / math.sqrt(3)),
])
def test_weights_have_the_right_spread(init, std):
    sizes = (400, 300, 200)
    for scale in (1.0, 0.5):
        params = initial_parameters(sizes, init, scale, torch.Generator().manual_seed(0))
        for i, w in enumerate(params[0::2]):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            want = scale * std(fan_in, fan_out)
            assert weight_std(init, fan_in, fan_out, scale) == pytest.approx(want)
            assert w.shape == (fan_out, fan_in) and w.dtype == torch.float32
            assert float(w.std()) == pytest.approx(want, rel=0.02)
            assert abs(float(w.mean())) < 0.02 * want
        if init != "default":
            assert all(float(b.abs().max()) == 0 for b in params[1::2])
    if init == "uniform":
        assert float(params[0].abs().max()) <= 0.25  # ±0.5 × scale 0.5


@pytest.mark.parametrize("optimizer,lr", [("adam", 0.01), ("sgd", 0.5)])
def test_zeros_keep_every_neuron_of_a_layer_the_same(optimizer, lr):
    """Every neuron of a layer starts the same and gets the same gradient: its weight matrix's rows
    stay equal for ever (sigmoid, so that they do move)."""
    trainer = Trainer(_data(), TrainConfig(hidden=(6, 4), activation="sigmoid", init="zeros",
                                           optimizer=optimizer, learning_rate=lr, device="cpu"))
    w0, _ = trainer.weights_numpy()
    assert all(not w.any() for w in w0)
    for _ in range(15):
        trainer.train_epoch(snapshot=False)
    weights, biases = trainer.weights_numpy()
    for layer in (0, 1):  # the hidden layers: every row (neuron) the same
        w, b = weights[layer], biases[layer]
        assert np.abs(w).max() > 1e-4, "the weights did move"
        assert np.allclose(w, w[0], rtol=1e-5, atol=1e-7) and np.allclose(b, b[0], rtol=1e-5, atol=1e-7)
    # the output layer's columns (what it reads from the identical neurons) are equal too
    out = weights[-1]
    assert np.allclose(out, out[:, :1], rtol=1e-5, atol=1e-7)


def test_zeros_with_relu_moves_nothing_but_the_output_biases():
    trainer = Trainer(_data(), TrainConfig(hidden=(5, 5), init="zeros", device="cpu"))
    for _ in range(5):
        trainer.train_epoch(snapshot=False)
    weights, biases = trainer.weights_numpy()
    assert all(not w.any() for w in weights) and all(not b.any() for b in biases[:-1])
    assert biases[-1].any()


def test_config_refuses_bad_values():
    for bad in (dict(init="ones"), dict(init_scale=0.0), dict(init_scale=-1.0),
                dict(init_scale=float("nan")), dict(init_scale=1000.0)):
        with pytest.raises(UserError):
            TrainConfig(**bad)
    c = TrainConfig(init="he", init_scale=0.5)
    assert TrainConfig.from_dict(c.to_dict()) == c
    assert TrainConfig.from_dict({"hidden": [3]}).init == "default"  # files from before the choice
    assert set(INITS) == {"default", "zeros", "uniform", "xavier", "he"}


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_init_options(tmp_path):
    from core.model import load_model

    model = tmp_path / "he.safetensors"
    r = run("train", PENGUINS, "--init", "he", "--init-scale", "0.5", "--epochs", "2", "--json",
            "--out", model)
    assert r.returncode == 0, r.stderr
    assert "initial weights he × 0.5" in r.stderr
    m = load_model(model)
    assert m.settings["init"] == "he" and m.settings["init_scale"] == 0.5
    r = run("train", PENGUINS, "--init", "zeros", "--epochs", "3", "--quiet", "--json")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    ds = load_csv(PENGUINS)
    majority = max(ds.class_counts().values()) / len(ds.y)
    assert res["train_accuracy"] == pytest.approx(majority, abs=0.02)  # one class for every row
    for args, needle in ((["--init", "ones"], "invalid choice"), (["--init-scale", "0"], "positive"),
                         (["--init-scale", "500"], "at most 100")):
        r = run("train", PENGUINS, *args)
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_training_dock_control_applies_on_reset(qtbot, tmp_path):
    from gui.concepts import concepts_html
    from gui_helpers import make_window, ready, wait_until

    w = make_window(qtbot, tmp_path)
    c, s = w.controls, w.session
    assert c.values()["init"] == "default" and c.values()["init_scale"] == 1.0
    assert s.config.init == "default"
    c.set_values(dict(activation="sigmoid"))  # (rebuilds on its own when not quiet; here: quiet)
    c.init.kind.setCurrentIndex(c.init.kind.findData("zeros"))
    assert not c.init.scale.isEnabled() and "same gradient" in c.init.kind.toolTip()
    assert "applies on Reset" in w.statusBar().currentMessage()
    gen = s.generation
    w.reset()
    assert wait_until(lambda: ready(w) and s.generation == gen + 1, 30)
    assert s.config.init == "zeros" and s.config.activation == "sigmoid"
    assert all(not a.any() for a in s.latest.weights)
    for _ in range(4):
        w.step()
    assert wait_until(lambda: s.epoch == 4, 30)
    for layer in (0, 1):  # what the network view draws: every neuron of a layer the same
        W = s.latest.weights[layer]
        assert np.abs(W).max() > 0 and np.allclose(W, W[0], rtol=1e-5, atol=1e-7)
    text = concepts_html(s.latest, s.config)
    assert "initial weights" in text and "stays the same as its neighbours for ever" in text
    assert "Now: zeros." in text
    c.init.set_values(dict(init="he", init_scale=0.5))
    assert c.init.scale.isEnabled() and c.values()["init"] == "he" and c.values()["init_scale"] == 0.5
    w.reset()
    assert wait_until(lambda: ready(w) and s.generation == gen + 2, 30)
    assert s.config.init == "he" and s.config.init_scale == 0.5
    w.close()
