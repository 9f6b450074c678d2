"""Decision regions: the pair shown by default, the held values, and what the slice says."""

import numpy as np
import pandas as pd
import pytest

from core.config import TrainConfig
from core.dataset import dataset_from_frame
from core.regions import best_pair, fisher_scores, held_values, slice_agreement
from core.snapshot import EpochSnapshot
from core.split import split


def sk_split(name):
    from sklearn import datasets

    d = getattr(datasets, "load_" + name)()
    df = pd.DataFrame(d.data, columns=[str(c) for c in d.feature_names])
    df["label"] = [str(d.target_names[t]) for t in d.target]
    return split(dataset_from_frame(df, "label"), 0.3, 0)


def snap_of(W, B):
    z = tuple(np.zeros_like(w) for w in W)
    zb = tuple(np.zeros_like(b) for b in B)
    return EpochSnapshot(epoch=5, train_loss=1, train_accuracy=.5, val_loss=1, val_accuracy=.5,
                         weights=W, biases=B, grad_weights=z, grad_biases=zb, delta_weights=z,
                         delta_biases=zb, learning_rate=0.01)


def test_best_pair_on_iris_is_the_petals():
    sp = sk_split("iris")
    X = sp.scaler.inverse(sp.X_train)
    names = sp.feature_names
    i, j = best_pair(X, sp.y_train)
    assert {names[i], names[j]} == {"petal length (cm)", "petal width (cm)"}
    s = fisher_scores(X, sp.y_train)
    assert s[names.index("petal length (cm)")] > 5 * s[names.index("sepal width (cm)")]


def test_fisher_score_of_a_constant_feature_is_zero_and_a_separating_one_high():
    y = np.array([0, 0, 1, 1])
    X = np.array([[1.0, 0.0], [1.0, 0.1], [1.0, 5.0], [1.0, 5.1]])
    s = fisher_scores(X, y)
    assert s[0] == 0 and s[1] > 100


def test_held_values():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [9.0, 90.0]])
    assert held_values(X, "median").tolist() == [2.0, 20.0]
    assert held_values(X, "mean").tolist() == [4.0, 40.0]
    assert held_values(X, "row", 2).tolist() == [9.0, 90.0]
    with pytest.raises(ValueError):
        held_values(X, "row", 3)


def test_slice_agreement_counts_rows_whose_slice_class_differs():
    # a one-layer "network" that looks only at feature 2: the (0, 1) slice with feature 2 held
    # at the median gives every row the same class; the full rows split by feature 2
    from core.split import Scaler

    X = np.array([[0.0, 0.0, -1.0], [1.0, 1.0, -2.0], [2.0, 2.0, 1.0], [3.0, 3.0, 2.0], [4.0, 4.0, 3.0]])
    y = np.array([0, 0, 1, 1, 0])
    W = (np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]]),)
    B = (np.zeros(2),)
    sc = Scaler(mean=np.zeros(3), std=np.ones(3))
    ag = slice_agreement(W, B, "relu", sc, X, y, 0, 1, held_values(X, "median"))
    assert ag.full.tolist() == [0, 0, 1, 1, 1]
    assert len(set(ag.on_slice.tolist())) == 1
    assert ag.same == int(np.sum(ag.full == ag.on_slice)) and 0 < ag.same < 5
    assert ag.misclassified.tolist() == [False, False, False, False, True]


@pytest.fixture
def trained_cancer():
    import torch

    sp = sk_split("breast_cancer")
    torch.manual_seed(0)
    X = torch.tensor(np.asarray(sp.X_train, np.float64))
    y = torch.tensor(np.asarray(sp.y_train))
    net = torch.nn.Sequential(torch.nn.Linear(30, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2)).double()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(X), y).backward()
        opt.step()
    W = tuple(m.weight.detach().numpy().copy() for m in (net[0], net[2]))
    B = tuple(m.bias.detach().numpy().copy() for m in (net[0], net[2]))
    return sp, snap_of(W, B)


def _shown_view(qtbot, trained, width: int, height: int):
    """A RegionsView of the given size, shown, on the trained network's data and snapshot."""
    from gui.regions import RegionsView

    sp, snap = trained
    r = RegionsView()
    qtbot.addWidget(r)
    r.resize(width, height)
    r.show()
    r.set_data(sp, TrainConfig())
    r.set_snapshot(snap, TrainConfig())
    return r


def test_view_with_30_features_says_what_the_slice_is(qtbot, trained_cancer):
    sp, _ = trained_cancer
    r = _shown_view(qtbot, trained_cancer, 460, 440)
    names = sp.feature_names
    # the default pair is the best separating one, not the first two columns
    assert (r.fx.currentIndex(), r.fy.currentIndex()) == best_pair(r.X_raw, sp.y_train) != (0, 1)
    text = r.caption.text()
    assert "28 features" in text and "median" in text
    ag = r.agreement
    assert f"{ag.same} of {ag.rows}" in text
    assert ag.rows == len(sp.y_train)
    if ag.same < ag.rows:
        assert f"other {ag.rows - ag.same}" in r.caption.toolTip()  # why, on hover
    # every held value is named in the tooltip
    tip = r.caption.toolTip()
    assert all(names[k] in tip for k in range(len(names)) if k not in (r.fx.currentIndex(),
                                                                         r.fy.currentIndex()))
    # misclassified rows are ringed
    assert len(r.wrong.data) == int(ag.misclassified.sum())
    # held at the mean instead: the caption and the slice follow
    before = r.rgb.copy()
    r.set_hold("mean")
    assert "mean" in r.caption.text() and np.allclose(r.held, r.X_raw.mean(axis=0))
    r.set_hold("row", 7)
    assert r.hold_row.isVisible()
    assert np.allclose(r.held, r.X_raw[7]) and "training row 7" in r.caption.text()
    assert r.rgb.shape == before.shape


def test_view_with_two_features_has_no_hold_control(qtbot):
    from gui.regions import RegionsView

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40),
                       "label": ["p", "q"] * 20})
    sp = split(dataset_from_frame(df, "label"), 0.3, 0)
    W = (rng.normal(size=(3, 2)), rng.normal(size=(2, 3)))
    B = (np.zeros(3), np.zeros(2))
    r = RegionsView()
    qtbot.addWidget(r)
    r.show()
    r.set_data(sp, TrainConfig())
    r.set_snapshot(snap_of(W, B), TrainConfig())
    assert not r.hold_box.isVisible()
    assert "misclassified" in r.caption.text() and "held" not in r.caption.text()


def test_a_short_dock_folds_the_caption_into_the_plots_tooltip(qtbot, trained_cancer):
    """In a 900x600 window the regions dock is about 240 px: three lines of caption left the plot a
    30 px strip. Below 330 px the caption's words are the plot's tooltip; taller, they are back."""
    from gui.plots import CAPTION_FROM

    r = _shown_view(qtbot, trained_cancer, 300, 240)
    qtbot.waitUntil(lambda: not r.caption.isVisible())
    assert "28 features" in r.plot.toolTip() and "Held values" in r.plot.toolTip()
    r.resize(300, CAPTION_FROM + 120)
    qtbot.waitUntil(lambda: r.caption.isVisible())
    assert r.plot.toolTip() == "" and "28 features" in r.caption.text()
    r.resize(300, 240)
    qtbot.waitUntil(lambda: not r.caption.isVisible())
    qtbot.waitUntil(lambda: r.plot.height() >= 90)  # the caption's room went to the plot
