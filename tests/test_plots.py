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


# -- issue 17: readable and true at a dock's size -------------------------------------------------
def shown(w, width, height, qtbot):
    qtbot.addWidget(w)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    return w


def tick_texts(plot_widget, side: str) -> list[str]:
    """The tick labels the axis draws now, with the scale it applies."""
    ax = plot_widget.getPlotItem().getAxis(side)
    length = ax.height() if side in ("left", "right") else ax.width()
    out = []
    for spacing, values in ax.tickValues(*ax.range, length):
        out += ax.tickStrings(values, ax.autoSIPrefixScale * ax.scale, spacing)
    return out


def test_axes_show_plain_numbers_without_an_si_scale(loss_plot):
    """A loss of 0.68 read as 682.5-684 under 'loss (x0.001)'."""
    m = metrics(3)
    m[:, 1] = [0.6843, 0.6835, 0.6825]
    m[:, 3] = [0.6841, 0.6834, 0.6826]
    loss_plot.set_metrics(m)
    p = loss_plot.plot.getPlotItem()
    for side in ("left", "bottom", "right"):
        ax = p.getAxis(side)
        assert not ax.autoSIPrefix and ax.autoSIPrefixScale == 1.0, side
        assert "x0.001" not in ax.labelString() and "(x" not in ax.labelString()
    values = [float(t) for t in tick_texts(loss_plot.plot, "left")]
    assert values and all(0.6 < v < 0.7 for v in values), values


def test_a_short_log_axis_labels_fewer_decades():
    from gui.plots import Pow10Axis

    ax = Pow10Axis("left")
    short = ax.tickValues(-9.2, -0.4, 70)[0][1]
    assert 2 <= len(short) <= 3 and all(v == int(v) for v in short)  # 8 decades in 70 px
    tall = ax.tickValues(-9.2, -0.4, 300)[0][1]
    assert tall == [float(v) for v in range(-9, 0)]  # every decade where there is room
    assert len(ax.tickValues(-9.2, -0.4, 40)[0][1]) >= 1


def test_a_branch_stays_in_view_after_continuing_from_an_earlier_epoch(loss_plot):
    """'Continue from here' at epoch 100 of 300: the grey old branch (the reason to branch) kept
    whole inside the range while the new branch is short."""
    m = metrics(300)
    loss_plot.set_metrics(m)
    loss_plot.add_branch(m[100:])
    new = m[:111].copy()
    new[101:, 1] *= 1.5  # the new branch goes elsewhere
    loss_plot.set_metrics(new)
    x0, x1, y0, y1 = view_range(loss_plot.plot)
    assert x0 <= 0 and x1 >= 299
    assert y0 <= m[100:, 1].min() and y1 >= new[:, 1].max()
    loss_plot.set_log(True)
    x0, x1, y0, y1 = view_range(loss_plot.plot)
    assert x1 >= 299 and y0 <= np.log10(m[100:, 1].min())
    loss_plot.set_log(False)
    loss_plot.clear_branches()  # a reset: the range follows the data alone again
    loss_plot.range.current = None
    loss_plot.set_metrics(new)
    assert view_range(loss_plot.plot)[1] < 299


def test_hover_readout_and_cursor_go_when_the_mouse_leaves(loss_plot):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from gui.plots import HOVER_HINT

    loss_plot.set_metrics(metrics(50))
    vb = loss_plot.plot.getPlotItem().vb
    loss_plot._hover(vb.mapViewToScene(pg.Point(20.2, 0.9)))
    assert loss_plot.cursor.isVisible()
    QApplication.sendEvent(loss_plot.plot, QEvent(QEvent.Type.Leave))
    assert not loss_plot.cursor.isVisible() and loss_plot.readout.text() == HOVER_HINT
    loss_plot._hover(vb.mapViewToScene(pg.Point(20.2, 0.9)))
    assert loss_plot.cursor.isVisible()
    # onto the axis (still inside the widget): no stale epoch either
    p = loss_plot.plot.getPlotItem()
    loss_plot._hover(p.mapToScene(p.getAxis("left").geometry().center()))
    assert not loss_plot.cursor.isVisible() and loss_plot.readout.text() == HOVER_HINT


def legend_items_whole(html: str) -> bool:
    """Each swatch joined to its label by a non-breaking space (it wrapped away from it)."""
    import re

    return all(after.startswith("&nbsp;") for after in re.split(r"</span>", html)[1:])


def test_legends_sit_outside_the_plots_and_keep_swatches_by_labels(loss_plot, qtbot):
    g = shown(GradientView(), 400, 300, qtbot)
    g.set_layers(3)
    for plot in (loss_plot.plot, g.norms, g.dist):
        assert not any(isinstance(i, pg.LegendItem) for i in plot.scene().items())
    for lab in (loss_plot.legend, g.norm_legend):
        assert legend_items_whole(lab.text()) and lab.isVisible()
        assert lab.geometry().bottom() < lab.parentWidget().findChild(pg.PlotWidget).geometry().top() or \
            lab is g.norm_legend
    assert "layer&nbsp;3&nbsp;(output)" in g.norm_legend.text()


def test_accuracy_curves_are_clearly_visible_and_still_cheap(loss_plot):
    from gui import theme

    def contrast(rgb):
        return sum(abs(c - b) for c, b in zip(rgb, theme.BACKGROUND, strict=True))

    for curve, full in ((loss_plot.train_acc, theme.TRAIN), (loss_plot.val_acc, theme.VALID)):
        pen = curve.opts["pen"]
        c = pen.color()
        assert pen.widthF() <= 1 and c.alpha() == 255  # 1 px, opaque: fast (see theme.faded)
        assert contrast((c.red(), c.green(), c.blue())) >= 0.85 * contrast(full)


SMALL = ((300, 200), (380, 250), (400, 300))


@pytest.mark.parametrize("size", SMALL, ids=[f"{w}x{h}" for w, h in SMALL])
def test_plots_fit_a_small_dock(qtbot, size):
    """At the right dock's sizes every plot fits its widget (a plot wider than its view is cut
    and its cached axes go stale), its axis labels fit their axes, and the gradient plots keep a
    frame with room for data (they collapsed to an axis line at 900×600)."""
    w, h = size
    lp = shown(LossPlot(), w, h, qtbot)
    lp.set_metrics(metrics(300))
    g = shown(GradientView(), w, h, qtbot)
    g.set_layers(3)
    ep = np.arange(0, 300, dtype=float)
    g.set_norms(ep, np.column_stack([10.0 ** -(1 + ep / 40 + k) for k in range(3)]))
    g.set_snapshot(snapshot(300, scale=1e-4))
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    for owner in (lp, g):
        assert owner.minimumSizeHint().height() <= h, (owner, owner.minimumSizeHint())
    assert g.dist.isVisible() == (h >= GradientView.DIST_FROM)  # a short dock: the norms only
    for plot in (p for p in (lp.plot, g.norms, g.dist) if p.isVisible()):
        pi = plot.getPlotItem()
        assert pi.geometry().width() <= plot.viewport().width() + 0.5
        assert pi.geometry().height() <= plot.viewport().height() + 0.5
        assert pi.vb.height() >= 20, (plot, pi.vb.height())  # a frame for the data
        for side in ("left", "right", "bottom"):
            ax = pi.getAxis(side)
            if ax.isVisible() and ax.label.isVisible():
                # a title may run past its axis into the plot's corner, not past the plot
                length = pi.height() if side in ("left", "right") else pi.width()
                assert ax.label.boundingRect().width() <= length, (side, ax.labelString())
    for lab in (x for x in (lp.title, g.norms_title, g.dist_title, g.norm_legend, g.note)
                if x.isVisible()):
        assert lab.height() >= lab.heightForWidth(lab.width()) - 1, lab.text()


def test_learning_rate_demo_legend_outside_the_plot(qtbot):
    from core.lr_demo import RateRun
    from gui.lr_demo import LearningRateDemo

    loss = np.linspace(1.0, 0.001, 60)
    runs = [RateRun(0.0001, "too low", loss + 0.5, None), RateRun(0.01, "good", loss, None),
            RateRun(1.0, "too high", np.where(np.arange(60) < 12, 2.0, np.nan), 12)]
    d = shown(LearningRateDemo(runs, "adam"), 720, 480, qtbot)
    plot = d.findChild(pg.PlotWidget)
    assert not any(isinstance(i, pg.LegendItem) for i in plot.scene().items())
    assert legend_items_whole(d.legend.text()) and "diverged&nbsp;at&nbsp;epoch&nbsp;12" in d.legend.text()
    assert not plot.getPlotItem().getAxis("left").autoSIPrefix


def test_the_epoch_of_lowest_validation_loss_is_marked(loss_plot):
    """Overfitting: validation loss falls to epoch 12, then climbs while training loss falls on.
    The triangle sits on the validation curve there, hovering it says so, and it moves with the
    log axis and when a later epoch does better."""
    m = metrics(40)
    m[:, 3] = 0.5 + 0.002 * (m[:, 0] - 12) ** 2
    m[0, 3] = 0.01  # the untrained network never counts as the best epoch
    loss_plot.set_metrics(m)
    assert loss_plot.best == (12, 0.5)
    xs, ys = loss_plot.best_dot.getData()
    assert list(xs) == [12] and list(ys) == [0.5]
    assert "lowest validation loss: 0.5000 at epoch 12" == loss_plot._best_tip()
    vb = loss_plot.plot.getPlotItem().vb
    loss_plot._hover(vb.mapViewToScene(pg.Point(12.1, 0.5)))
    assert loss_plot.readout.text().endswith("(the lowest validation loss)")
    loss_plot._hover(vb.mapViewToScene(pg.Point(20.1, 0.5)))
    assert "lowest" not in loss_plot.readout.text()
    loss_plot.set_log(True)
    assert list(loss_plot.best_dot.getData()[1]) == [pytest.approx(np.log10(0.5))]
    loss_plot.set_log(False)
    m2 = np.vstack([m, [40, 0.1, 0.9, 0.2, 0.9]])
    loss_plot.set_metrics(m2)
    assert loss_plot.best == (40, 0.2)
    loss_plot.set_metrics(m[:1])  # the untrained network alone: nothing marked
    assert loss_plot.best is None and len(loss_plot.best_dot.getData()[0]) == 0


def test_lowest_validation_from_metrics():
    from core.metrics import lowest_validation

    m = metrics(5)
    m[:, 3] = [0.1, 0.9, 0.4, 0.4, np.nan]
    assert lowest_validation(m) == (2, 0.4)  # epoch 0 left out; the earliest of a tie
    m[:, 3] = np.nan
    assert lowest_validation(m) is None and lowest_validation(np.zeros((0, 5))) is None


@pytest.mark.parametrize("top", [1.0, 0.5])
def test_a_flat_accuracy_curve_is_drawn_whole(qtbot, top):
    """Accuracy that stays at 1.0 (or at 0.5, as with zero initial weights) lies on a grid line of
    the accuracy axis: the opaque grid, drawn above the accuracy view, hid it; every epoch of it
    must be drawn."""
    from PySide6.QtCore import QPointF

    from gui.waiting import wait_ms

    lp = LossPlot()
    qtbot.addWidget(lp)
    lp.resize(400, 330)
    lp.show()
    ep = np.arange(30.0)
    acc = np.minimum(top, 0.3 + ep * 0.1)
    m = np.column_stack([ep, 0.4 * np.exp(-ep / 5), acc, 0.4 * np.exp(-ep / 5), np.full(30, np.nan)])
    lp.set_metrics(m)
    wait_ms(100)
    img = lp.grab().toImage()
    missing = []
    for e in range(12, 30):  # the flat part, one epoch at a time
        scene = lp.acc_view.mapViewToScene(QPointF(e, top))
        pt = lp.plot.mapFromScene(scene)
        pt = lp.plot.mapTo(lp, pt)
        # the train accuracy's blue (antialiased: paler, over two rows); the background and the
        # grid are grey (blue - red about 0)
        colours = [img.pixelColor(pt.x() + dx, pt.y() + dy) for dx in (-1, 0, 1) for dy in (-2, -1, 0, 1, 2)]
        blue = [c.blue() - c.red() for c in colours]
        if max(blue) < 25:
            missing.append(e)
    assert not missing, f"no accuracy curve drawn at epochs {missing}"


def test_gradients_of_exactly_zero_are_said_not_left_blank(qtbot):
    """Zero initial weights with tanh: every dL/dW is 0, a log axis draws nothing; the note says so
    and names the layers, and goes back to the first-to-output ratio once they move."""
    g = GradientView()
    qtbot.addWidget(g)
    g.set_layers(3)
    s = snapshot(3, 0.0)  # all gradients 0
    g.set_snapshot(s)
    g.set_norms(np.array([0, 1, 2, 3]), np.zeros((4, 3)))
    assert "exactly 0 in every layer" in g.note.text() and not any(h.isVisible() for h in g._hists)
    g.set_norms(np.array([0, 1, 2]), np.array([[0, 0, 0], [0, 0, 0.2], [0, 0, 0.1]]))
    assert "exactly 0 in layers 1, 2:" in g.note.text()
    g.set_snapshot(snapshot(4, 1.0))
    g.set_norms(np.array([0, 1]), np.array([[0, 0, 0], [0.1, 0.2, 0.3]]))
    assert g.note.text().startswith("First ÷ output layer") and all(h.isVisible() for h in g._hists)


def test_the_r2_axis_goes_below_zero_when_r2_does(loss_plot):
    """A regression network's first epochs predict worse than the mean (R² < 0): the right axis
    follows down to -1 (beyond that the hover reads the value); accuracy keeps 0 to 1."""
    m = metrics(20)
    m[:, 2] = np.linspace(-0.7, 0.8, 20)
    m[:, 4] = np.linspace(-3.0, 0.7, 20)
    loss_plot.set_task("regression")
    loss_plot.set_metrics(m)
    lo, hi = loss_plot.acc_view.viewRange()[1]
    assert lo == pytest.approx(-1.0) and hi == pytest.approx(1.02)
    m[:, 2] = m[:, 4] = np.linspace(-0.3, 0.9, 20)
    loss_plot.set_metrics(m)
    assert loss_plot.acc_view.viewRange()[1][0] == pytest.approx(-0.4)
    loss_plot.set_task("classification")
    loss_plot.set_metrics(metrics(20))
    assert loss_plot.acc_view.viewRange()[1] == pytest.approx([0.0, 1.02])


def test_a_long_axis_title_is_elided_to_the_plot_with_the_whole_in_its_tooltip(qtbot):
    """A feature named as in a paper's table ran off both ends of a small plot and over the other
    axis's numbers; now the title fits, elided in the middle, re-fitted on resize, escaped."""
    from PySide6.QtGui import QFontMetricsF

    from gui.plots import elide_axis_labels

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    elide_axis_labels(w)
    long = "worst (largest) value of the perimeter of the cell nuclei <µm> & more"
    w.setLabel("bottom", long)
    w.setLabel("left", "a<b")
    w.resize(260, 180)
    w.show()
    qtbot.waitExposed(w)

    def shown(ax):
        return ax.label.toPlainText().strip()

    bottom, left = w.getAxis("bottom"), w.getAxis("left")
    qtbot.waitUntil(lambda: "…" in shown(bottom))
    fm = QFontMetricsF(bottom.label.font())
    assert fm.horizontalAdvance(shown(bottom)) <= w.getPlotItem().size().width()
    assert shown(bottom)[:4] == long[:4] and shown(bottom)[-4:] == long[-4:]
    assert bottom.label.toolTip() == long
    assert shown(left) == "a<b" and left.label.toolTip() == ""  # whole, escaped, no tooltip
    item = w.getPlotItem()

    def along(ax):  # the title's extent along its axis, in the plot item's coordinates
        r = ax.label.mapRectToItem(item, ax.label.boundingRect())
        return (r.top(), r.bottom()) if ax.orientation == "left" else (r.left(), r.right())

    def inside(ax):
        lo, hi = along(ax)
        size = item.size().height() if ax.orientation == "left" else item.size().width()
        return lo >= -1 and hi <= size + 1

    assert inside(bottom) and inside(left)  # within the plot, not off its edges
    title = "flipper_length_mm of the bird"
    left.setLabel(title)
    w.resize(600, int(QFontMetricsF(left.label.font()).horizontalAdvance(title)) + 30)
    qtbot.waitUntil(lambda: shown(left) == title)
    lo, hi = along(left)
    assert hi - lo > left.geometry().height()  # longer than its axis: it uses the corner ...
    assert inside(left)  # ... and stays in the plot
    w.resize(900, 300)  # room again: the whole title
    qtbot.waitUntil(lambda: shown(bottom) == long)
    assert bottom.label.toolTip() == ""


def test_gradient_histogram_gives_way_in_a_short_dock(qtbot):
    """At 900x600 the Gradients dock has about 210 px: the histogram hides (its title too) and the
    norms plot takes the room; taller, it is back."""
    g = GradientView()
    qtbot.addWidget(g)
    g.resize(300, 200)
    g.show()
    qtbot.waitExposed(g)
    qtbot.waitUntil(lambda: not g.dist.isVisible())
    assert not g.dist_title.isVisible() and "taller" in g.norms.toolTip()
    g.resize(300, 420)
    qtbot.waitUntil(lambda: g.dist.isVisible())
    assert g.dist_title.isVisible() and g.norms.toolTip() == ""
