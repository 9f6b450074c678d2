"""The loss and gradient plots: ranges that follow growing data in steps, zoom, log axis, histograms."""

import numpy as np
import pyqtgraph as pg
import pytest

from core.snapshot import EpochSnapshot
from gui.plots import GradientView, LossPlot

SIZES = (4, 5, 5, 3)


def snapshot(epoch: int, scale: float) -> EpochSnapshot:
    rng = np.random.default_rng(epoch)
    pairs = zip(SIZES[:-1], SIZES[1:], strict=True)
    w = tuple(rng.standard_normal((o, i)).astype(np.float32) for i, o in pairs)
    b = tuple(np.zeros(o, np.float32) for o in SIZES[1:])
    g = tuple((scale * rng.standard_normal(a.shape)).astype(np.float32) for a in w)
    return EpochSnapshot(epoch=epoch, train_loss=1.0, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                         weights=w, biases=b, grad_weights=g, grad_biases=b, delta_weights=g,
                         delta_biases=b, learning_rate=0.01)


def metrics(n: int, start: int = 0) -> np.ndarray:
    ep = np.arange(start, start + n, dtype=float)
    loss = 1.0 / (1.0 + 0.01 * ep) + 0.05
    return np.column_stack([ep, loss, 1 - loss / 2, loss * 1.1, 1 - loss / 2])


@pytest.fixture
def loss_plot(qtbot):
    w = LossPlot()
    qtbot.addWidget(w)
    w.resize(460, 320)
    w.show()
    qtbot.waitExposed(w)
    return w


def view_range(plot_widget):
    (x0, x1), (y0, y1) = plot_widget.getPlotItem().vb.viewRange()
    return x0, x1, y0, y1


def test_the_range_holds_all_data_and_moves_in_few_steps(loss_plot):
    changes, last = 0, None
    for n in range(1, 2001, 10):  # an update every 10 epochs, as 4 updates a second would
        m = metrics(n)
        loss_plot.set_metrics(m)
        x0, x1, y0, y1 = view_range(loss_plot.plot)
        assert x0 <= m[0, 0] and m[-1, 0] <= x1
        both = np.concatenate([m[:, 1], m[:, 3]])
        assert y0 <= both.min() and both.max() <= y1
        assert y0 >= -0.03 * (y1 - y0)  # a loss axis shows no negative values beyond a margin
        if (x0, x1, y0, y1) != last:
            changes += 1
            last = (x0, x1, y0, y1)
    assert changes <= 25, changes  # 200 updates; auto-range would change the axes on every one
    # the data fills a good part of the view: no runaway headroom
    assert (x1 - x0) < 1.6 * 2000


def test_first_epochs_on_a_ten_epoch_axis(loss_plot):
    loss_plot.set_metrics(metrics(1))
    x0, x1, _, _ = view_range(loss_plot.plot)
    assert -0.3 <= x0 < 0 and 10 <= x1 <= 13  # room for the first epoch's point left of it


def test_a_zoom_stops_the_following_and_the_auto_button_resumes_it(loss_plot):
    loss_plot.set_metrics(metrics(100))
    vb = loss_plot.plot.getPlotItem().vb
    vb.setRange(xRange=(20, 30), padding=0)
    vb.sigRangeChangedManually.emit([True, True])  # as a mouse wheel or drag does
    loss_plot.set_metrics(metrics(500))
    assert view_range(loss_plot.plot)[:2] == pytest.approx((20, 30))
    loss_plot.plot.getPlotItem().autoBtn.clicked.emit(loss_plot.plot.getPlotItem().autoBtn)
    x0, x1, _, _ = view_range(loss_plot.plot)
    assert -0.03 * x1 <= x0 < 0 and x1 >= 499


def test_log_axis_range_in_decades(loss_plot):
    m = metrics(300)
    loss_plot.set_log(True)
    loss_plot.set_metrics(m)
    _, _, y0, y1 = view_range(loss_plot.plot)
    logs = np.log10(np.concatenate([m[:, 1], m[:, 3]]))
    assert y0 <= logs.min() and logs.max() <= y1 and y0 < 0


def test_gradient_histogram_survives_a_zoomed_view(qtbot):
    g = GradientView()
    qtbot.addWidget(g)
    g.resize(400, 400)
    g.show()
    g.set_layers(3)
    g.set_snapshot(snapshot(1, scale=1e-3))
    vb = g.dist.getPlotItem().vb
    vb.setRange(xRange=(-3.2, -3.0), padding=0)  # a few bins only
    vb.sigRangeChangedManually.emit([True, True])
    g.set_snapshot(snapshot(2, scale=1e-6))  # bins far outside the view
    assert all(h.curve.xData.size == h.curve.yData.size + 1 for h in g._hists)
    # epoch 0 has no gradients: a plain 0-1 frame, not a negative axis
    g.dist_range.resume()
    g.set_snapshot(snapshot(0, scale=0.0))
    x0, x1, y0, y1 = view_range(g.dist)
    assert -0.05 <= x0 <= 0.0 and -0.05 <= y0 <= 0.0 and x1 >= 1 and y1 >= 1


def test_epoch_zero_shows_dots_and_says_gradients_come_later(loss_plot, qtbot):
    """The untrained network's one epoch: its losses as dots (a line needs two points), and the
    gradient plots say why they are empty instead of drawing a flat line."""
    from gui.plots import NO_GRADIENTS_YET, GradientView

    loss_plot.set_metrics(metrics(1))
    assert loss_plot.train.opts["symbol"] == "o" and loss_plot.val.opts["symbol"] == "o"
    x0, x1, _, _ = view_range(loss_plot.plot)
    assert x0 < 0 < x1  # the dot at epoch 0 is inside the view
    loss_plot.set_metrics(metrics(5))
    assert loss_plot.train.opts["symbol"] is None
    g = GradientView()
    qtbot.addWidget(g)
    g.set_layers(3)
    g.set_snapshot(None)
    g.set_norms(np.array([0]), np.zeros((1, 3)))
    assert g.note.text() == NO_GRADIENTS_YET and not any(h.isVisible() for h in g._hists)


def test_hover_reads_an_epoch_and_shows_the_cursor_only_then(loss_plot):
    loss_plot.set_metrics(metrics(50))
    assert not loss_plot.cursor.isVisible()  # no dotted line at epoch 0 before the mouse comes
    vb = loss_plot.plot.getPlotItem().vb
    loss_plot._hover(vb.mapViewToScene(pg.Point(20.2, 0.9)))
    assert loss_plot.cursor.isVisible() and loss_plot.cursor.value() == 20
    assert loss_plot.readout.text().startswith("epoch 20: train loss")
