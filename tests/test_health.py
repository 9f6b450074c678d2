"""core/health.py: dead ReLU neurons, saturated tanh/sigmoid neurons and the gradient ratio, on a
hand-made network with known faults and on the default penguins run."""

import numpy as np
import pytest

from core.health import MAX_ROWS, health_of, summary
from core.snapshot import EpochSnapshot

X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0], [2.0, 1.0]])


def snapshot(weights, biases, epoch=5, grad_scale=(1.0, 1.0)):
    grads = [np.full_like(w, g) for w, g in zip(weights, grad_scale, strict=True)]
    zeros_b = [np.zeros_like(b) for b in biases]
    return EpochSnapshot(epoch, 0.5, 0.5, np.nan, np.nan, tuple(weights), tuple(biases),
                         tuple(grads), tuple(zeros_b), tuple(np.zeros_like(w) for w in weights),
                         tuple(zeros_b))


def hand_made(grad_scale=(1.0, 1.0)):
    # hidden neuron 1 follows x1 (alive), neuron 2 has no weights and bias -1 (always z = -1),
    # neuron 3 has bias +9 (z = 9 + small: saturated for tanh and sigmoid, alive for ReLU)
    w1 = np.array([[1.0, 0.0], [0.0, 0.0], [0.1, 0.1]])
    b1 = np.array([0.0, -1.0, 9.0])
    w2 = np.array([[1.0, 1.0, 1.0], [-1.0, 0.5, 0.2]])
    b2 = np.zeros(2)
    return snapshot([w1, w2], [b1, b2], grad_scale=grad_scale)


def test_dead_relu_neuron_found_and_named():
    h = health_of(hand_made(), X, "relu")
    assert h.rows == h.total_rows == 4
    assert h.dead[0].tolist() == [False, True, False]
    assert not h.saturated[0].any()
    assert h.n_dead == 1
    assert h.notes[0] == ("hidden 1: 1 of 3 neurons dead (never active on the 4 training rows: "
                          "neuron 2).")
    assert "dead: never active on the 4 training rows" in h.neuron_words(1, 1)
    assert h.neuron_words(1, 0) == ""
    assert summary(h) == "Health: hidden 1: 1 of 3 neurons dead."


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_saturated_neuron_found(activation):
    h = health_of(hand_made(), X, activation)
    assert h.saturated[0].tolist() == [False, False, True]
    assert not h.dead[0].any()
    assert any("1 of 3 neurons saturated" in n and "neuron 3" in n for n in h.notes)
    assert h.neuron_words(1, 2).startswith("saturated")


def test_neuron_dead_on_all_but_one_row_is_alive():
    s = hand_made()
    w1 = s.weights[0].copy()
    w1[1] = [1.0, 0.0]  # z = x1 - 1: positive only on the row x1 = 2
    h = health_of(snapshot([w1, s.weights[1]], list(s.biases)), X, "relu")
    assert not h.dead[0][1]
    assert summary(h) == "Health: no dead neuron on the 4 training rows."


def test_gradient_ratio_words_match_the_gradient_plot():
    assert health_of(hand_made((1.0, 1.0)), X, "relu").gradient_trend == "healthy"
    vanish = health_of(hand_made((1e-4, 1.0)), X, "relu")
    assert vanish.gradient_trend == "vanishing towards the input"
    assert any(n.startswith("First ÷ output layer ‖dL/dW‖: 0.000") and "vanishing" in n
               for n in vanish.notes)
    explode = health_of(hand_made((1e3, 1.0)), X, "relu")
    assert "exploding towards the input" in " ".join(explode.notes)
    # epoch 0 has no gradients: nothing is said about them
    s = hand_made()
    s0 = snapshot(list(s.weights), list(s.biases), epoch=0)
    assert np.isnan(health_of(s0, X, "relu").gradient_ratio)


def test_big_tables_are_capped():
    rng = np.random.default_rng(0)
    big = rng.normal(size=(MAX_ROWS + 500, 2))
    h = health_of(hand_made(), big, "relu")
    assert (h.rows, h.total_rows) == (MAX_ROWS, MAX_ROWS + 500)
    assert "the first 2,000 of 2,500 training rows" in h.notes[0]


def test_default_penguins_run():
    """The default run (TrainConfig() on penguins): which neurons die, epoch by epoch, checked
    against a direct count of active rows."""
    from core.dataset import load_csv, penguins_path
    from core.network import forward
    from core.split import split
    from core.trainer import TrainConfig, Trainer

    cfg = TrainConfig()
    data = split(load_csv(penguins_path()), cfg.val_fraction, cfg.seed)
    trainer = Trainer(data, cfg)
    for _ in range(12):
        snap = trainer.train_epoch()
        h = health_of(snap, data.X_train, cfg.activation)
        fp = forward(snap.weights, snap.biases, cfg.activation, data.X_train)
        for layer, a in enumerate(fp.a[:-1]):
            assert h.dead[layer].tolist() == (a.max(axis=0) <= 0).tolist()
    assert h.rows == len(data.X_train) == 240
    # with today's defaults every hidden neuron is active on some training row at epoch 12
    assert h.n_dead == 0 and h.gradient_trend == "healthy"
    assert summary(h) == "Health: no dead neuron on the 240 training rows."


def test_summary_counts_every_layer_and_the_gradients():
    s = hand_made((1e-4, 1.0))
    w1 = s.weights[0].copy()
    w1[:] = 0.0  # every first-layer neuron gets z = its bias: -1 (dead), 0 (dead), 9 (alive)
    b1 = np.array([-1.0, 0.0, 9.0])
    h = health_of(snapshot([w1, s.weights[1]], [b1, s.biases[1]], grad_scale=(1e-4, 1.0)), X, "relu")
    assert h.dead[0].tolist() == [True, True, False]
    assert summary(h) == "Health: hidden 1: 2 of 3 neurons dead; gradients vanishing."
    assert summary(None) == ""


def test_summary_short_for_several_layers():
    w1 = np.zeros((3, 2))
    w2 = np.zeros((2, 3))
    b1 = np.array([-1.0, 2.0, 3.0])
    b2 = np.array([-1.0, 5.0])
    w3 = np.ones((2, 2))
    h = health_of(snapshot([w1, w2, w3], [b1, b2, np.zeros(2)], grad_scale=(1.0, 1.0, 1.0)), X,
                  "relu")
    assert [d.tolist() for d in h.dead] == [[True, False, False], [True, False]]
    assert summary(h) == "Health: dead neurons: 1 of 3 in hidden 1, 1 of 2 in hidden 2."
    assert h.notes[1] == ("hidden 2: 1 of 2 neurons dead (never active on the 4 training rows: "
                          "neuron 1).")
