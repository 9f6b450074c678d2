import numpy as np
import pytest
import torch

from core.walkthrough import walk


@pytest.mark.parametrize("act,loss", [("relu", "cross-entropy"), ("tanh", "mse"),
                                      ("sigmoid", "cross-entropy"), ("sigmoid", "mse")])
def test_gradients_match_autograd(act, loss):
    rng = np.random.default_rng(0)
    sizes = (4, 5, 5, 3)
    W = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)]
    B = [rng.normal(size=sizes[i + 1]) for i in range(3)]
    x = rng.normal(size=4)
    w = walk(W, B, act, x, 1, loss, lr=0.1)
    tw = [torch.tensor(a, requires_grad=True) for a in W]
    tb = [torch.tensor(a, requires_grad=True) for a in B]
    f = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[act]
    a = torch.tensor(x)
    for i in range(3):
        a = tw[i] @ a + tb[i]
        if i < 2:
            a = f(a)
    if loss == "cross-entropy":
        L = torch.nn.functional.cross_entropy(a[None], torch.tensor([1]))
    else:
        L = ((torch.softmax(a, 0) - torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)) ** 2).mean()
    L.backward()
    assert w.loss == pytest.approx(L.item())
    for i in range(3):
        assert np.allclose(w.dW[i], tw[i].grad.numpy(), atol=1e-10)
        assert np.allclose(w.db[i], tb[i].grad.numpy(), atol=1e-10)
        assert np.allclose(w.W_new[i], W[i] - 0.1 * tw[i].grad.numpy())
    assert np.isclose(w.probabilities.sum(), 1) and w.one_hot.tolist() == [0, 1, 0]


@pytest.mark.parametrize("loss,target", [("mse", 0.7), ("mae", -0.4), ("huber", 0.3), ("huber", 4.0)])
def test_regression_gradients_match_autograd(loss, target):
    """A regression network's walkthrough: identity output ŷ = z, the loss the trainer uses
    (F.mse_loss, l1_loss, huber_loss on the standardised target), and every gradient."""
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    sizes = (3, 5, 4, 1)
    W = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)]
    B = [rng.normal(size=sizes[i + 1]) for i in range(3)]
    x = rng.normal(size=3)
    w = walk(W, B, "tanh", x, 0, loss, lr=0.05, target=target)
    tw = [torch.tensor(a, requires_grad=True) for a in W]
    tb = [torch.tensor(a, requires_grad=True) for a in B]
    a = torch.tensor(x)
    for i in range(3):
        a = tw[i] @ a + tb[i]
        if i < 2:
            a = torch.tanh(a)
    t = torch.tensor([target], dtype=torch.float64)
    L = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss}[loss](a, t)
    L.backward()
    assert w.loss == pytest.approx(L.item()) and w.probabilities[0] == pytest.approx(a.item())
    for i in range(3):
        assert np.allclose(w.dW[i], tw[i].grad.numpy(), atol=1e-10)
        assert np.allclose(w.db[i], tb[i].grad.numpy(), atol=1e-10)
    assert w.target == target and w.one_hot.tolist() == [target]


def test_texts_example_numbers():
    from core.network import mse_against_one_hot

    diff, mse = mse_against_one_hot(np.array([0.4, 0.3, 0.3]), 0)
    assert np.allclose(diff, [0.6, 0.3, 0.3]) and mse == pytest.approx(0.18)


# -- the words: what gradient descent does to w (issue 17) --------------------------------------

def test_step_words_direction_and_size():
    from core.walkthrough import step_words

    t = step_words(-1.44632, 2.09e-4, 0.01)  # the edge tooltip's case: it said "should shrink"
    assert "moves w down" in t and "|w| grows" in t and "shrink" not in t
    t = step_words(0.5, 2e-4, 0.01)
    assert "moves w down" in t and "|w| shrinks" in t
    t = step_words(0.5, -2e-4)
    assert "moves w up" in t and "|w| grows" in t
    t = step_words(0.001, 1.0, lr=0.01)  # the step is larger than |w|
    assert "across 0" in t and "shrink" not in t and "grow" not in t
    for w in (0.0, -0.000001, 0.000002):  # shown as ±0.00000: nothing said about its size
        t = step_words(w, 0.3, 0.01)
        assert "moves w down" in t and "|w|" not in t
    for g in (0.0, -0.0, 1e-13):
        t = step_words(0.7, g, 0.01)
        assert "≈ 0" in t and "up" not in t and "down" not in t and "|w|" not in t


def _panel_context(weights, biases, names=("f1", "f2"), classes=("a", "b")):
    import pandas as pd

    from core.config import TrainConfig
    from core.dataset import dataset_from_frame
    from core.snapshot import EpochSnapshot
    from core.split import split

    rng = np.random.default_rng(1)
    df = pd.DataFrame({n: rng.normal(size=30) for n in names})
    df["label"] = [classes[k % len(classes)] for k in range(30)]
    sp = split(dataset_from_frame(df, "label"), 0.3, 0)
    z = tuple(np.zeros_like(w) for w in weights)
    zb = tuple(np.zeros_like(b) for b in biases)
    snap = EpochSnapshot(epoch=4, train_loss=1, train_accuracy=.5, val_loss=1, val_accuracy=.5,
                         weights=weights, biases=biases, grad_weights=z, grad_biases=zb,
                         delta_weights=z, delta_biases=zb, learning_rate=0.01)
    return snap, sp, TrainConfig(learning_rate=0.01)


def _stage(panel, kind, layer):
    return [k for k, (kk, _, ll) in enumerate(panel.stages()) if kk == kind and ll == layer][0]


def test_walkthrough_dead_layer_says_nothing_moves(qtbot):
    """A hidden layer whose ReLUs are all off for the sample: every dL/dw is 0. It picked a 0 as
    'largest here' and said the weight should shrink."""
    from gui.walkthrough_panel import WalkthroughPanel

    W = (np.array([[1.0, 1.0], [0.5, -0.5]]), np.array([[1.0, -1.0], [0.3, 0.2]]))
    B = (np.array([-100.0, -100.0]), np.zeros(2))  # hidden layer dead for every sample
    snap, sp, cfg = _panel_context(W, B)
    p = WalkthroughPanel()
    qtbot.addWidget(p)
    p.set_context(snap, sp, cfg)
    p.set_stage(_stage(p, "dw", 0))
    text = p.text.toPlainText()
    assert "every gradient of this layer is 0" in text
    assert "shrink" not in text and "grow" not in text and "Largest" not in text
    p.set_stage(_stage(p, "dw", 1))  # the output layer: its inputs (the dead ReLUs) are all 0
    assert "every input it multiplies is 0" in p.text.toPlainText()


def test_walkthrough_words_agree_with_the_sign(qtbot):
    from core.walkthrough import step_words
    from gui.walkthrough_panel import WalkthroughPanel

    rng = np.random.default_rng(3)
    W = (rng.normal(size=(3, 2)), rng.normal(size=(2, 3)))
    B = (np.full(3, 5.0), np.zeros(2))  # every hidden ReLU on
    snap, sp, cfg = _panel_context(W, B)
    p = WalkthroughPanel()
    qtbot.addWidget(p)
    p.set_context(snap, sp, cfg)
    for layer in (0, 1):
        p.set_stage(_stage(p, "dw", layer))
        g = p.result.dW[layer]
        o, i = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)
        assert step_words(W[layer][o, i], g[o, i], cfg.learning_rate) in p.text.toPlainText()


def test_changing_the_sample_keeps_the_stage(qtbot):
    from gui.walkthrough_panel import WalkthroughPanel

    rng = np.random.default_rng(3)
    W = (rng.normal(size=(3, 2)), rng.normal(size=(2, 3)))
    B = (np.zeros(3), np.zeros(2))
    snap, sp, cfg = _panel_context(W, B)
    p = WalkthroughPanel()
    qtbot.addWidget(p)
    p.show()
    p.set_context(snap, sp, cfg)
    k = _stage(p, "dz", 1)
    p.set_stage(k)
    lit = []
    p.highlightLayer.connect(lit.append)
    p.sample.setValue(5)
    assert p.stage == k and p.stage_label.text().startswith(f"{k + 1}/")
    assert lit and lit[-1] == 1  # the view keeps showing this stage's layer
    p.sample.stepBy(1)
    p.set_context(snap, sp, cfg)  # a new epoch's snapshot
    assert p.stage == k and p.sample.value() == 6


def test_walkthrough_header_elides_a_long_class_name(qtbot):
    from gui.walkthrough_panel import WalkthroughPanel

    name = "Chinstrap penguin (Pygoscelis antarctica) from the Palmer station field notes"
    W = (np.ones((3, 2)), np.ones((2, 3)))
    B = (np.zeros(3), np.zeros(2))
    snap, sp, cfg = _panel_context(W, B, classes=(name, "Gentoo"))
    p = WalkthroughPanel()
    qtbot.addWidget(p)
    p.resize(260, 400)
    p.show()
    qtbot.waitExposed(p)
    p.set_context(snap, sp, cfg)
    k = int(np.flatnonzero(np.asarray(sp.y_train) == sp.class_names.index(name))[0])
    p.sample.setValue(k)
    truth = p.truth
    shown = truth.shown_name()
    assert shown != name and "…" in shown and shown[:4] == name[:4] and shown[-3:] == name[-3:]
    assert name in truth.toolTip()
    # the text fits the label: nothing cut at its edge, and the panel did not grow for it
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(truth.font())
    doc.setHtml(truth.text())
    doc.setDocumentMargin(0)
    assert doc.idealWidth() <= truth.contentsRect().width() + 1
    assert p.width() == 260


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_dropout_pass_matches_autograd_with_the_same_mask(act):
    from core.walkthrough import dropout_keep

    rng = np.random.default_rng(1)
    sizes = (4, 6, 6, 3)
    W = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)]
    B = [rng.normal(size=sizes[i + 1]) for i in range(3)]
    x = rng.normal(size=4)
    p = 0.5
    keep = dropout_keep(sizes[1:-1], p, seed=3)
    assert all(k.shape == (6,) for k in keep) and 0 < sum(k.sum() for k in keep) < 12
    w = walk(W, B, act, x, 2, "cross-entropy", lr=0.1, keep=keep, dropout=p)
    tw = [torch.tensor(a, requires_grad=True) for a in W]
    tb = [torch.tensor(a, requires_grad=True) for a in B]
    f = {"relu": torch.relu, "tanh": torch.tanh}[act]
    a = torch.tensor(x)
    for i in range(3):
        a = tw[i] @ a + tb[i]
        if i < 2:
            a = f(a) * torch.tensor(keep[i]) / (1 - p)
    L = torch.nn.functional.cross_entropy(a[None], torch.tensor([2]))
    L.backward()
    assert w.loss == pytest.approx(L.item())
    for i in range(3):
        assert np.allclose(w.dW[i], tw[i].grad.numpy(), atol=1e-10)
    for layer in range(2):
        dropped = w.dropped(layer)
        assert dropped == [int(j) for j in np.flatnonzero(keep[layer] == 0)]
        assert np.all(w.a[layer][dropped] == 0)  # switched off: outputs 0
        assert np.all(w.dz[layer][dropped] == 0)  # and sends no gradient back
        assert np.all(w.dW[layer][dropped] == 0)
    # evaluation: no mask, every neuron on (differs from the training pass)
    ev = walk(W, B, act, x, 2, "cross-entropy")
    assert ev.keep is None and ev.dropped(0) == [] and not np.allclose(ev.a[0], w.a[0])


def test_walkthrough_panel_follows_a_dropout_training_pass(qtbot):
    from gui.walkthrough_panel import WalkthroughPanel

    rng = np.random.default_rng(5)
    W = (rng.normal(size=(8, 2)), rng.normal(size=(2, 8)))
    B = (np.zeros(8), np.zeros(2))
    snap, sp, cfg = _panel_context(W, B)
    p = WalkthroughPanel()
    qtbot.addWidget(p)
    p.show()
    p.set_context(snap, sp, cfg)
    assert not p.dropout_row.isVisible()  # no dropout: nothing to follow
    p.set_context(snap, sp, cfg.with_(dropout=0.5))
    assert p.dropout_row.isVisible() and p.result.keep is None  # evaluation until asked
    p.dropout_box.setChecked(True)
    r = p.result
    assert r.keep is not None and r.dropout == 0.5
    dropped = r.dropped(0)
    p.set_stage(_stage(p, "a", 0))
    text = p.text.toPlainText()
    assert "Dropout" in text and "1/(1 − p) = 2" in text
    for j in dropped:
        assert f"{j + 1} ✗" in text
    lit = []
    p.lightForward.connect(lambda x, acts, probs, value: lit.append(acts))
    p.set_stage(_stage(p, "a", 0))
    assert np.all(lit[-1][0][dropped] == 0)  # the network view shows them off
    before = [k.copy() for k in r.keep]
    for _ in range(5):  # another draw gives another mask (5 tries: 8 neurons, p = 0.5)
        p.redraw_button.click()
        if not np.array_equal(p.result.keep[0], before[0]):
            break
    assert not np.array_equal(p.result.keep[0], before[0])
    p.dropout_box.setChecked(False)
    assert p.result.keep is None


def test_walkthrough_header_keeps_a_regression_value_whole(qtbot):
    """'true disease progression one year after baseline: 151 (epoch 5)': the label's name gives
    way, the value stays whole (it was the value that was elided to '…')."""
    from PySide6.QtGui import QTextDocument

    from gui.walkthrough_panel import TruthLabel

    t = TruthLabel()
    qtbot.addWidget(t)
    t.resize(300, 20)
    t.show()
    qtbot.waitExposed(t)
    what = "true disease progression one year after baseline"
    t.set_truth("151", 5, what)
    assert t.shown_name() == "151"
    assert "<b>151</b>" in t.text() and "(epoch 5)" in t.text() and "…" in t.text()
    assert t.text().startswith("true ") and what in t.toolTip()
    doc = QTextDocument()
    doc.setDefaultFont(t.font())
    doc.setHtml(t.text())
    doc.setDocumentMargin(0)
    assert doc.idealWidth() <= t.contentsRect().width() + 1


def test_tiny_gradients_are_not_shown_as_zero():
    """A sure softmax leaves dL/dz = p − y of about ±2e-6: it read [0.0000, -0.0000]."""
    from gui.walkthrough_panel import _num, _vec

    assert _vec([2.06e-6, -2.06e-6], 4, small=True) == "[2.06e-06, -2.06e-06]"
    assert _vec([0.0, 0.25, -1.5], 4, small=True) == "[0.0000, 0.2500, -1.5000]"
    assert _vec([2.06e-6], 3) == "[0.000]"  # probabilities keep their fixed decimals
    assert _num(0.00004, 4) == "4.00e-05" and _num(0.00005, 4) == "0.0001"
