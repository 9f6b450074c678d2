"""The loss along one weight (core/teaching.py) and its panel (gui/weight_study.py)."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import PENGUINS
from core.dataset import load_csv
from core.errors import UserError
from core.split import split
from core.teaching import LossSlice, loss_slice
from core.trainer import TrainConfig, Trainer

SCREENSHOT = "/tmp/weight_study.png"


@pytest.fixture(scope="module")
def data():
    return split(load_csv(PENGUINS))


def differing_pixels(a, b) -> int:
    from PySide6.QtGui import QImage

    def rgb(im):
        im = im.convertToFormat(QImage.Format.Format_RGB32)
        flat = np.frombuffer(im.constBits(), np.uint8)
        return flat.reshape(im.height(), im.bytesPerLine() // 4, 4)[:, :im.width(), :3]

    if a.size() != b.size():
        return a.width() * a.height()
    return int(np.any(rgb(a) != rgb(b), axis=2).sum())


def make(data, **cfg) -> Trainer:
    cfg.setdefault("device", "cpu")
    return Trainer(data, TrainConfig(**cfg))


def full_loss(t: Trainer) -> float:
    with torch.no_grad():
        return float(t._loss(t._forward(t.X), t.y))


def naive(t: Trainer, layer: int, out: int, inp: int, values) -> np.ndarray:
    """Set the weight, compute the loss, one value at a time; restore the weight."""
    W = t.params[2 * layer]
    keep = float(W.detach()[out, inp])
    res = []
    with torch.no_grad():
        try:
            for v in values:
                W[out, inp] = float(v)
                res.append(float(t._loss(t._forward(t.X), t.y)))
        finally:
            W[out, inp] = keep
    return np.array(res)


# network, weight: first layer, middle layer, output layer; relu+CE, tanh+MSE, sigmoid+CE
CASES = [
    (dict(activation="relu", loss="cross-entropy"), (0, 2, 1)),
    (dict(activation="relu", loss="cross-entropy"), (1, 4, 3)),
    (dict(activation="relu", loss="cross-entropy"), (2, 1, 0)),
    (dict(activation="tanh", loss="mse"), (0, 0, 3)),
    (dict(activation="tanh", loss="mse"), (1, 2, 2)),
    (dict(activation="tanh", loss="mse"), (2, 2, 4)),
    (dict(activation="sigmoid", loss="cross-entropy", hidden=(3,)), (0, 1, 2)),
    (dict(activation="sigmoid", loss="cross-entropy", hidden=(3,)), (1, 0, 2)),
]


@pytest.fixture(scope="module")
def trained(data):
    """One trainer per network of CASES, two epochs in, with its latest snapshot."""
    out = {}
    for cfg, _ in CASES:
        key = tuple(sorted(cfg.items()))
        if key not in out:
            t = make(data, optimizer="sgd", learning_rate=0.1, **cfg)
            snap = [t.train_epoch() for _ in range(2)][-1]
            out[key] = (t, snap)
    return out


def case_id(c):
    cfg, (layer, o, i) = c
    return f"{cfg['activation']}-{cfg['loss']}-W{layer}[{o},{i}]"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_vectorised_equals_a_loop_over_values_and_slope_matches_the_curve(trained, case):
    cfg, (layer, o, i) = case
    t, snap = trained[tuple(sorted(cfg.items()))]
    s = loss_slice(t, layer, o, i, n=41, snapshot=snap)
    assert isinstance(s, LossSlice) and s.values.shape == s.losses.shape == (41,)
    assert s.values[20] == s.w0 and np.allclose(np.diff(s.values), s.values[1] - s.values[0])
    pick = [0, 7, 20, 33, 40]
    assert np.allclose(s.losses[pick], naive(t, layer, o, i, s.values[pick]), rtol=0, atol=1e-5)
    # the loss at w0 is the trainer's own full-training-set loss, and lies on the curve
    assert s.loss0 == pytest.approx(full_loss(t), abs=1e-6)
    assert s.losses[20] == pytest.approx(s.loss0, abs=1e-5)
    # the previous value's loss, evaluated in the same pass
    assert s.w_prev == pytest.approx(s.w0 - s.delta)
    assert s.loss_prev == pytest.approx(naive(t, layer, o, i, [s.w_prev])[0], abs=1e-5)
    # the tangent's slope is the curve's central finite difference at w0 (a fine grid this time)
    fine = loss_slice(t, layer, o, i, n=5, span=4e-3)
    h = fine.values[3] - fine.values[2]
    fd = (fine.losses[3] - fine.losses[1]) / (2 * h)
    assert fine.grad == pytest.approx(s.grad, rel=1e-6, abs=1e-9)
    assert fd == pytest.approx(s.grad, rel=0.02, abs=5e-4)
    assert s.tangent(s.w0) == s.loss0
    assert s.tangent(s.w0 + 0.5) == pytest.approx(s.loss0 + 0.5 * s.grad)


def test_slope_is_the_derivative_where_the_curve_is_smooth(data):
    """tanh + MSE is smooth everywhere: the slope and the difference quotient agree closely."""
    t = make(data, activation="tanh", loss="mse", optimizer="sgd", learning_rate=0.5)
    t.train_epoch()
    for layer, o, i in [(0, 1, 1), (1, 3, 0), (2, 0, 2)]:
        s = loss_slice(t, layer, o, i, n=3, span=2e-2)
        fd = (s.losses[2] - s.losses[0]) / (s.values[2] - s.values[0])
        assert fd == pytest.approx(s.grad, rel=5e-3, abs=2e-5)
        assert s.downhill == ("left" if s.grad > 0 else "right")


def test_slice_changes_nothing_and_training_goes_on_identically(data):
    a, b = (make(data, optimizer="adam", learning_rate=0.01, batch_size=64) for _ in range(2))
    snap = a.train_epoch()
    b.train_epoch()
    weights = [p.detach().clone() for p in a.params]
    grads = [p.grad.clone() for p in a.params]
    grad_objects = [p.grad for p in a.params]
    gen = a._gen.get_state().clone()
    for layer, o, i in [(0, 0, 0), (1, 2, 3), (2, 2, 4)]:
        loss_slice(a, layer, o, i, snapshot=snap)
    assert all(torch.equal(p, w) for p, w in zip(a.params, weights, strict=True))
    assert all(p.requires_grad and p.is_leaf for p in a.params)
    assert all(p.grad is g for p, g in zip(a.params, grad_objects, strict=True))
    assert all(torch.equal(p.grad, g) for p, g in zip(a.params, grads, strict=True))
    assert torch.equal(a._gen.get_state(), gen) and a.epoch == 1
    for _ in range(2):
        a.train_epoch()
        b.train_epoch()
    assert all(torch.equal(p, q) for p, q in zip(a.params, b.params, strict=True))


def test_sgd_full_batch_predicted_step_is_the_actual_step(data):
    t = make(data, optimizer="sgd", learning_rate=0.1, batch_size=10_000)
    for _ in range(3):
        snap = t.train_epoch()
    for layer, o, i in [(0, 3, 1), (1, 0, 4), (2, 2, 0)]:
        s = loss_slice(t, layer, o, i, snapshot=snap)
        assert s.steps == 1 and s.grad_mean == pytest.approx(float(snap.grad_weights[layer][o, i]))
        assert s.predicted_step == pytest.approx(s.delta, rel=1e-4, abs=1e-8)
        assert s.delta == pytest.approx(-0.1 * s.grad_mean, rel=1e-4, abs=1e-8)
        # the default span shows the step
        assert s.values[0] <= s.w_prev <= s.values[-1]


def test_step_fields_follow_the_optimizer_and_the_snapshot(data):
    t = make(data, optimizer="sgd", learning_rate=0.1, batch_size=64)
    assert loss_slice(t, 0, 0, 0, snapshot=t.snapshot()).w_prev is None  # epoch 0: no step yet
    snap = t.train_epoch()
    s = loss_slice(t, 0, 0, 0, snapshot=snap)
    assert s.steps == math.ceil(len(data.X_train) / 64) and s.predicted_step is not None
    assert s.rule.startswith("w ← w") and s.rows == len(data.X_train)
    t.train_epoch()
    stale = loss_slice(t, 0, 0, 0, snapshot=snap)  # a snapshot of another epoch is ignored
    assert stale.w_prev is None and stale.delta is None and stale.predicted_step is None
    assert loss_slice(t, 0, 0, 0).w_prev is None
    t.set_optimizer("sgd", momentum=0.9)
    s = loss_slice(t, 0, 0, 0, snapshot=t.train_epoch())
    assert s.delta is not None and s.predicted_step is None and s.momentum == 0.9
    t.set_optimizer("adam", lr=0.01)
    s = loss_slice(t, 2, 1, 1, snapshot=t.train_epoch())
    assert s.optimizer == "adam" and s.lr == 0.01 and s.predicted_step is None


def test_bad_weights_are_refused(data):
    t = make(data)
    for args in [(3, 0, 0), (-1, 0, 0), (0, 5, 0), (0, 0, 4), (2, 3, 0)]:
        with pytest.raises(UserError):
            loss_slice(t, *args)
    with pytest.raises(UserError):
        loss_slice(t, 0, 0, 0, n=2)
    with pytest.raises(UserError):
        loss_slice(t, 0, 0, 0, span=0.0)


def test_many_candidates_go_through_in_chunks(data, monkeypatch):
    import core.teaching as teaching

    t = make(data, hidden=(6,))
    whole = loss_slice(t, 0, 1, 2, n=21)
    monkeypatch.setattr(teaching, "CHUNK_ELEMENTS", 1)  # one candidate per chunk
    chunked = loss_slice(t, 0, 1, 2, n=21)
    assert np.allclose(whole.losses, chunked.losses, atol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu(data):
    c, g = make(data, device="cpu", optimizer="sgd"), make(data, device="cuda", optimizer="sgd")
    sc, sg = c.train_epoch(), g.train_epoch()
    for layer, o, i in [(0, 1, 1), (1, 2, 2), (2, 0, 3)]:
        a, b = loss_slice(c, layer, o, i, snapshot=sc), loss_slice(g, layer, o, i, snapshot=sg)
        assert np.allclose(a.losses, b.losses, atol=1e-4)
        assert b.grad == pytest.approx(a.grad, rel=1e-3, abs=1e-5)
        assert b.loss0 == pytest.approx(full_loss(g), abs=1e-6)


# -- the panel ------------------------------------------------------------------------------------
def test_panel_draws_the_curve_and_keeps_a_trail_per_weight(qtbot, data):
    from gui.weight_study import MAX_TRAIL, WeightStudyPanel

    panel = WeightStudyPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 450)
    t = make(data, optimizer="sgd", learning_rate=0.1, batch_size=64)
    for k in range(3):
        s = loss_slice(t, 1, 2, 3, n=61, snapshot=t.train_epoch())
        panel.show_slice(s, names=("h1.4", "h2.3"))
        assert len(panel.trail_points) == k + 1
    x, y = panel.curve.getData()
    assert len(x) == 61 and np.allclose(y, s.losses)
    tx, ty = panel.tangent.getData()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(s.grad, rel=1e-6)
    assert tx[0] < s.w0 < tx[1]
    assert panel.trail_points[-1] == (s.w0, s.loss0)
    assert "h1.4 → h2.3" in panel.title.text()
    assert "learning rate 0.1" in panel.text.text() and "SGD" in panel.text.text()
    panel.show_slice(s)  # the same epoch again: no duplicate point
    assert len(panel.trail_points) == 3
    other = loss_slice(t, 0, 0, 0, n=11)
    panel.show_slice(other)  # another weight: a fresh trail
    assert len(panel.trail_points) == 1
    for k in range(1, MAX_TRAIL + 5):  # later epochs of that weight (made up: no training needed)
        panel.show_slice(replace(other, epoch=other.epoch + k, w0=other.w0 + 0.01 * k))
    assert len(panel.trail_points) == MAX_TRAIL
    assert panel.trail_points[-1][0] == pytest.approx(other.w0 + 0.01 * (MAX_TRAIL + 4))
    panel.show_slice(replace(other, epoch=1))  # back in time (a reset): a fresh trail
    assert len(panel.trail_points) == 1
    panel.clear()
    x = panel.curve.getData()[0]
    assert panel.trail_points == [] and (x is None or len(x) == 0)
    assert not panel.step_head.isVisible() and panel.slice is None


def test_panel_screenshot_after_five_epochs(qtbot, data):
    """Five epochs of the penguins network, the panel at 600×450, saved for a look."""
    from gui.weight_study import WeightStudyPanel

    panel = WeightStudyPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 450)
    panel.show()
    t = make(data, optimizer="sgd", learning_rate=0.1)
    names = (data.feature_names[1], "hidden 1.2")
    for _ in range(5):
        s = loss_slice(t, 0, 1, 1, snapshot=t.train_epoch())
        panel.show_slice(s, names=names)
    assert len(panel.trail_points) == 5 and panel.step_head.isVisible()
    assert "moved w by" in panel.text.text()
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # let the layout give the wrapped text its height
    assert panel.grab().save(SCREENSHOT)


def test_panel_docked_small_axis_agrees_with_the_text(qtbot, data):
    """In a 400×300 dock (Adam, 60 epochs, an output weight): the plot fits the panel (a long
    title made it 636 px wide: title, x axis and curve cut) and the cached axes show the same
    ticks as a fresh drawing (Qt repainted only a newly exposed strip of the overflowing axis, so
    the y axis kept an earlier height's labels: curve at 0.0145 on the axis, loss 0.0077 in the
    text). The words fit without scrolling and the labels stay inside the frame."""
    from PySide6.QtWidgets import QApplication, QGraphicsItem

    from gui.weight_study import WeightStudyPanel

    t = make(data, optimizer="adam", learning_rate=0.01, batch_size=16)
    for _ in range(60):
        snap = t.train_epoch()
    s = loss_slice(t, 2, 0, 0, snapshot=snap)
    for size in ((400, 300), (300, 200), (800, 500)):
        panel = WeightStudyPanel()
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        qtbot.waitExposed(panel)
        panel.show_slice(s, names=("hidden 2, neuron 1", "output Adelie Penguin (Pygoscelis adeliae)"))
        for _ in range(3):
            QApplication.processEvents()
        p = panel.plot.getPlotItem()
        (y0, y1) = p.vb.viewRange()[1]
        assert y0 < s.loss0 < y1
        cached = panel.grab().toImage()
        for side in ("left", "bottom"):
            p.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.NoCache)
        QApplication.processEvents()
        # a stale axis differs by whole tick labels (hundreds of pixels); anti-aliasing of a cached
        # axis against a fresh one may differ in a pixel or two
        assert differing_pixels(panel.grab().toImage(), cached) <= 8, f"stale axis at {size}"
        assert p.geometry().width() <= panel.plot.viewport().width() + 0.5, size
        assert p.geometry().height() <= panel.plot.viewport().height() + 0.5, size
        assert "Adelie Penguin (Pygoscelis adeliae)" in panel.title.text()
        assert panel.title.height() >= panel.title.heightForWidth(panel.title.width()) - 1
        frame = p.vb.sceneBoundingRect().adjusted(-1, -1, 1, 1)
        for label in (panel.slope_label, panel.step_label):
            r = label.mapRectToScene(label.boundingRect())
            assert frame.contains(r), (size, label.toPlainText(), r, frame)
        if size != (300, 200):  # the words whole, no scrolling, where a dock has ~400×300
            assert panel.text_area.verticalScrollBar().maximum() == 0, size
        assert panel.plot.height() >= 100


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_regression_slice_equals_a_loop_over_values(loss):
    """A regression network (one identity output, a standardised label) gets its loss slice too:
    the batched pass equals setting the weight and asking the trainer's own loss."""
    reg = split(load_csv(PENGUINS, label="body_mass_g",
                         features=["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]))
    t = make(reg, optimizer="sgd", learning_rate=0.1, loss=loss, task="regression")
    assert t.regression
    snap = [t.train_epoch() for _ in range(2)][-1]
    for layer, o, i in ((0, 1, 2), (2, 0, 3)):
        s = loss_slice(t, layer, o, i, n=21, span=3.0, snapshot=snap)
        pick = [0, 4, 10, 15, 20]
        assert np.allclose(s.losses[pick], naive(t, layer, o, i, s.values[pick]), rtol=0, atol=1e-5)
        assert s.loss0 == pytest.approx(full_loss(t), abs=1e-6)
        assert s.loss_name == loss


def test_the_study_says_its_loss_is_not_the_loss_docks(data):
    """The slice's loss is the full training set's at the epoch's end weights; the Loss dock's
    training loss is the mean over the epoch's batches while the weights moved: they differ, and
    the words say why (a user saw 0.4735 here beside 0.4877 in the status bar)."""
    from gui.weight_study import WeightStudyPanel

    t = make(data, optimizer="sgd", learning_rate=0.1)
    snap = t.train_epoch()
    s = loss_slice(t, 0, 0, 0, n=11, snapshot=snap)
    assert s.loss0 != pytest.approx(snap.train_loss, abs=1e-6)  # they do differ
    text = WeightStudyPanel.describe(s)
    assert "mean over the epoch's batches" in text
