"""The overfitting demonstration's window (from the Teach menu) and the loss plot's overfitting
note and penalty curve."""

import numpy as np
import pytest

from core.config import TrainConfig
from core.dataset import load_csv
from core.history import History
from core.split import split
from core.trainer import Trainer
from gui_helpers import make_window, wait_until


@pytest.fixture
def win(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.close()


def test_teach_menu_runs_the_overfitting_demonstration(win):
    act = next(a for a in win.actions() if a.text() == "Overfitting demonstration…")
    act.trigger()
    assert wait_until(lambda: win.overfit_demo_window is not None, 90)
    d = win.overfit_demo_window
    assert set(d.curves) == {"no cure", "L2", "dropout", "early stopping"}
    data = {k: c.getData()[1] for k, c in d.curves.items()}
    starts = [v[0] for v in data.values()]
    assert np.allclose(starts, starts[0], atol=1e-6)  # one starting network
    assert len(data["early stopping"]) < len(data["no cure"])
    x, y = d.stop_marks["early stopping"].getData()
    assert x[0] == len(data["early stopping"]) - 1 and y[0] == pytest.approx(data["early stopping"][-1])
    assert "stopped at epoch" in d.note.text() and "no cure:" in d.note.text()
    d.close()


def _history(**kw):
    from conftest import PENGUINS

    t = Trainer(split(load_csv(PENGUINS), 0.3, 0), TrainConfig(device="cpu", **kw))
    h = History()
    h.add(t.snapshot())
    for _ in range(160):
        h.add(t.train_epoch())
    return h


def test_loss_plot_notes_overfitting_and_shows_the_penalty(qtbot):
    from gui.plots import LossPlot

    w = LossPlot()
    qtbot.addWidget(w)
    w.resize(420, 360)
    w.show()
    h = _history()  # the default run overfits: validation loss climbs from about epoch 40
    w.set_metrics(h.metrics()[:30], h.penalties()[:30])
    assert w.note.isHidden() and w.note.text() == ""
    w.set_metrics(h.metrics(), h.penalties())
    assert w.note.isVisible() and w.note.text().startswith("Overfitting: validation loss up ")
    assert w.penalty.getData()[0] is None or len(w.penalty.getData()[0]) == 0  # no penalty: no curve
    assert "penalty" not in w.legend.text()
    h2 = _history(l2=0.003)
    w.set_metrics(h2.metrics(), h2.penalties())
    x, y = w.penalty.getData()
    assert len(x) == len(h2) and np.allclose(y, h2.penalties())
    assert "penalty" in w.legend.text() and "train&nbsp;(data)" in w.legend.text()
    w.set_metrics(np.zeros((0, 5)), np.zeros(0))  # cleared: no note, no penalty
    assert w.note.isHidden() and "penalty" not in w.legend.text()
