"""The Confusion matrix dock: its counts are core.metrics' on the network's own predictions, a cell
lists exactly its rows, a listed row lights its forward pass, and it follows the timeline."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.metrics import classification_report
from core.network import forward
from gui_helpers import make_window, wait_until


def _expected(w, snap, split="validation"):
    s = w.session
    X, y = (s.data.X_val, s.data.y_val) if split == "validation" else (s.data.X_train, s.data.y_train)
    probs = forward(snap.weights, snap.biases, s.config.activation, X).probabilities
    pred = probs.argmax(axis=1)
    return classification_report(y, pred, len(s.data.class_names)), y, pred, probs


def _train(w, epochs):
    target = w.session.epoch + epochs
    for _ in range(epochs):
        w.step()
    assert wait_until(lambda: w.session.epoch == target and w.session._runs == 0, 60)


def _show(w):
    d = w.docks["confusion"]
    d.show()
    d.raise_()
    v = w.widgets["confusion"]
    assert wait_until(lambda: v.snapshot is w.session.displayed_snapshot(), 10)
    return v


def test_counts_cells_rows_and_lighting(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    _train(w, 2)  # early: the network still makes mistakes, so off-diagonal cells hold rows
    v = _show(w)
    snap = w.session.displayed_snapshot()
    rep, y, pred, probs = _expected(w, snap)
    assert v.matrix.confusion.tolist() == rep.confusion.tolist()
    assert v.matrix.confusion.sum() == len(w.session.data.X_val)
    for i in range(len(rep.support)):
        assert v.per_class.item(i, 0).text() == w.session.data.class_names[i]
        assert v.per_class.item(i, 1).text() == f"{rep.precision[i]:.3f}"
        assert v.per_class.item(i, 3).text() == f"{rep.f1[i]:.3f}"
        assert v.per_class.item(i, 4).text() == str(rep.support[i])
    assert f"accuracy {rep.accuracy:.3f}" in v.summary.text()

    # a cell with rows in it, off the diagonal where there is one: clicked with the mouse
    off = [(i, j) for i in range(3) for j in range(3) if i != j and rep.confusion[i, j]]
    i, j = off[0] if off else (0, 0)
    QTest.mouseClick(v.matrix, Qt.MouseButton.LeftButton, pos=v.matrix.cell_rect(i, j).center())
    want = np.flatnonzero((y == i) & (pred == j))
    assert len(want) == rep.confusion[i, j] > 0
    assert v.listed.tolist() == want.tolist() and v.rows.rowCount() == len(want)
    names = w.session.data.class_names
    index = w.session.data.val_index
    for r, pos in enumerate(want):
        assert v.rows.item(r, 0).text() == str(index[pos] + 1)
        assert (v.rows.item(r, 1).text(), v.rows.item(r, 2).text()) == (names[i], names[j])
        assert v.rows.item(r, 3 + j).text() == f"{probs[pos, j]:.3f}"

    # selecting a listed row lights that observation's forward pass in the network view
    v.rows.selectRow(len(want) - 1)
    pos = want[-1]
    raw = w.session.data.scaler.inverse(w.session.data.X_val[pos][None, :])[0]
    assert np.allclose(w.session.observation, raw)
    assert wait_until(lambda: w.forward_pass is not None, 5)
    assert np.allclose(w.forward_pass.probabilities[0], probs[pos], atol=1e-5)

    # shares: each row of the matrix sums to 100 %
    v.share_box.setChecked(True)
    assert v.matrix.cell_text(i, j) == f"{100 * rep.confusion[i, j] / rep.support[i]:.0f}%"
    # the training rows
    v.set_split("train")
    rep_t, *_ = _expected(w, snap, "train")
    assert v.matrix.confusion.tolist() == rep_t.confusion.tolist()
    assert v.matrix.confusion.sum() == len(w.session.data.X_train)
    assert v.rows.rowCount() == 0  # the cell chosen on the other rows is gone
    w.close()


def test_follows_the_timeline(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    v = _show(w)
    _train(w, 6)
    assert wait_until(lambda: v.snapshot is w.session.latest, 10)
    rep6, *_ = _expected(w, w.session.latest)
    assert v.matrix.confusion.tolist() == rep6.confusion.tolist()
    v.matrix.select(0, 0)
    w.session.view_epoch(1)
    snap1 = w.session.displayed_snapshot()
    assert snap1.epoch == 1
    assert wait_until(lambda: v.snapshot is snap1, 10)
    rep1, y, pred, _ = _expected(w, snap1)
    assert v.matrix.confusion.tolist() == rep1.confusion.tolist()
    assert "epoch 1:" in v.summary.text()
    # the cell chosen stays chosen, and lists the rows of the epoch shown
    assert v.listed.tolist() == np.flatnonzero((y == 0) & (pred == 0)).tolist()
    w.session.view_epoch(None)
    assert wait_until(lambda: v.snapshot is w.session.latest, 10)
    assert v.matrix.confusion.tolist() == rep6.confusion.tolist()
    w.close()
