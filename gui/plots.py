"""Loss/accuracy per epoch, and the gradient view (per-layer norms over time, this epoch's spread)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import theme


class OpaqueGridAxis(pg.AxisItem):
    """An axis whose grid lines are opaque colours faded into the background.

    pyqtgraph draws the grid with translucent pens (alpha by tick level); Qt's raster engine draws
    those about twice as slowly as the same lines in opaque colours, and the grid is drawn again on
    every range change. On the plot's plain background the look is the same.
    """

    MIN_LABEL_PX = 20  # vertical axes: a label's height and a little air

    def tickValues(self, minVal, maxVal, size):
        """pyqtgraph's ticks, with labelled ticks thinned on a short vertical axis (0.3, 0.2 and
        0.1 overlapped in a 25 px histogram)."""
        levels = super().tickValues(minVal, maxVal, size)
        if self.orientation not in ("left", "right") or not levels or self.logMode:
            return levels
        fit = max(2, int(size // self.MIN_LABEL_PX))
        spacing, values = levels[0]
        if len(values) <= fit:
            return levels
        for k in (2, 5, 10, 20, 50):
            step = spacing * k
            kept = [v for v in values if abs(v / step - round(v / step)) < 1e-6]
            if len(kept) <= fit:
                rest = [v for v in values if v not in kept]  # grid lines, labelled if room
                return [(step, kept), (spacing, rest)] + list(levels[1:])
        return levels

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None or self.grid is False:
            return specs
        axis_spec, tick_specs, text_specs = specs
        opaque: dict = {}
        out = []
        for pen, p1, p2 in tick_specs:
            c = pen.color()
            if c.alpha() < 255:
                key = (c.rgb(), c.alpha())
                if key not in opaque:
                    q = QPen(pen)
                    q.setColor(QColor(*theme.faded((c.red(), c.green(), c.blue()), c.alphaF())))
                    opaque[key] = q
                pen = opaque[key]
            out.append((pen, p1, p2))
        return axis_spec, out, text_specs


def _plot(title: str | None = None, left_axis: type[pg.AxisItem] = OpaqueGridAxis) -> pg.PlotWidget:
    """A plot on the app's background with plain-number axes.

    No pyqtgraph title: a title item is as wide as its text, and a plot item wider than its view
    (a long title in a 400 px dock) cut the right of the plot off, and Qt's device cache of the
    axes then repainted only the newly exposed strip, so the tick labels stayed those of an
    earlier height (the y axis disagreed with the curve). Titles are `plot_title` labels, which
    wrap. (`title` is accepted and ignored, for old callers.)
    """
    w = pg.PlotWidget(background=theme.BACKGROUND,
                      axisItems={"left": left_axis("left"), "bottom": OpaqueGridAxis("bottom"),
                                 "right": OpaqueGridAxis("right"), "top": OpaqueGridAxis("top")})
    for ax in ("right", "top"):  # given axes are shown; the loss plot shows its right axis itself
        w.hideAxis(ax)
    # room on the right for the frame and the last tick's label (they touched the dock's edge),
    # and above for the top tick's label (half of it lies above the frame)
    w.getPlotItem().layout.setContentsMargins(1, 8, 14, 1)
    w.setMenuEnabled(False)
    # thousands of epochs: draw what is in view, at most about one point per pixel
    w.getPlotItem().setClipToView(True)
    w.getPlotItem().setDownsampling(auto=True, mode="peak")
    w.showGrid(x=True, y=True, alpha=0.15)
    for ax in ("left", "bottom"):
        w.getAxis(ax).setTextPen(pg.mkPen(theme.TEXT))
        w.getAxis(ax).setPen(pg.mkPen(150, 150, 150))
    for ax in ("left", "bottom", "right", "top"):
        # plain numbers: a loss of 0.68 read as 682.5-684 under "loss (x0.001)"
        w.getAxis(ax).enableAutoSIPrefix(False)
        cache_axis(w.getAxis(ax))
        # under the view box (z -100): the grid, now opaque, goes behind the curves and the legend
        w.getAxis(ax).setZValue(-200)
    elide_axis_labels(w)
    return w


def plot_title(text: str) -> QLabel:
    """A plot's title above it: centred, wrapping instead of widening the dock."""
    t = QLabel(text)
    t.setAlignment(Qt.AlignmentFlag.AlignCenter)
    t.setWordWrap(True)
    t.setStyleSheet(f"color: {theme.hex_colour(theme.TEXT)}; font-size: 9pt; padding: 3px 6px 0 6px;")
    return t


def legend_html(items, group: str | None = None) -> str:
    """A legend row: (swatch, colour, label) items; a swatch never wraps away from its label, nor
    `group` (a heading such as 'loss:') from the first item."""
    parts = [f"<span style='color:{theme.hex_colour(col)}'>{sw}</span>&nbsp;"
             f"{label.replace(' ', '&nbsp;')}" for sw, col, label in items]
    if group is not None and parts:
        parts[0] = group.replace(" ", "&nbsp;") + "&nbsp;" + parts[0]
    return " &nbsp; ".join(parts)


def legend_label(html: str = "") -> QLabel:
    lab = QLabel(html)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setStyleSheet("color: #444; padding: 0 6px;")
    return lab


def elide_axis_label(axis: pg.AxisItem) -> pg.AxisItem:
    """Keep an axis title within the axis's length: elided in the middle, the whole title in its
    tooltip, re-fitted whenever the axis is resized. The title is escaped (pyqtgraph puts it in
    HTML as it is: a feature named 'a<b' lost its end).

    pyqtgraph lays a title out at its full width, centred: in a 900x600 window a long feature name
    ran off both ends of the regions plot and over the tick numbers of the other axis.
    """
    import html

    from PySide6.QtGui import QFontMetricsF

    if getattr(axis, "_elides", False):
        return axis

    def label_string() -> str:
        text = str(axis.labelText)
        units = f" ({axis.labelUnitPrefix}{axis.labelUnits})" if axis.labelUnits else ""
        full = text + units
        room = _label_room(axis)
        shown = full
        if room > 30:
            shown = QFontMetricsF(axis.label.font()).elidedText(full, Qt.TextElideMode.ElideMiddle,
                                                                room)
        axis.label.setToolTip(full if shown != full else "")
        style = ";".join(f"{k}: {v}" for k, v in axis.labelStyle.items())
        return f"<span style='{style}'>{html.escape(shown)}</span>"

    def refit():
        if axis.label is None or not axis.labelText:
            return
        new = label_string()
        if new != getattr(axis, "_shown_label", None):
            axis._shown_label = new
            axis.label.setHtml(new)
            axis.picture = None
            axis.update()
        axis.resizeEvent()  # pyqtgraph centres the title on the axis ...
        _keep_label_inside(axis)  # ... which may run past the plot: slide it back in

    axis.labelString = label_string  # what pyqtgraph's setLabel asks for
    axis.geometryChanged.connect(refit)
    axis._elides = True
    return axis


def _label_room(axis: pg.AxisItem) -> float:
    """How long an axis title may be: it may run past the axis's ends into the plot's empty
    corners (_keep_label_inside slides it off-centre for that), not past the plot item's edges."""
    vertical = axis.orientation in ("left", "right")
    g = axis.geometry()
    length = g.height() if vertical else g.width()
    parent = axis.parentItem()
    if parent is None or not hasattr(parent, "size"):
        return length - 8
    total = parent.size().height() if vertical else parent.size().width()
    return max(length, total) - 8  # the text item's document margins, 4 px each side


def _keep_label_inside(axis: pg.AxisItem):
    """Move an axis title that pyqtgraph centred on its axis back within the plot item (a 17-letter
    feature name on an 80 px axis of a 120 px plot ran off the top)."""
    parent = axis.parentItem()
    if parent is None or not hasattr(parent, "size") or axis.label is None:
        return
    vertical = axis.orientation in ("left", "right")
    g, br, pos = axis.geometry(), axis.label.boundingRect(), axis.label.pos()
    if vertical:  # rotated: the text runs upwards from pos.y() over br.width()
        top, bottom = g.top() + pos.y() - br.width(), g.top() + pos.y()
        total = parent.size().height()
        shift = -top if top < 0 else (total - bottom if bottom > total else 0.0)
        if shift:
            axis.label.setPos(pos.x(), pos.y() + shift)
    else:
        left, right = g.left() + pos.x(), g.left() + pos.x() + br.width()
        total = parent.size().width()
        shift = -left if left < 0 else (total - right if right > total else 0.0)
        if shift:
            axis.label.setPos(pos.x() + shift, pos.y())


def elide_axis_labels(plot) -> None:
    """elide_axis_label for the four axes of a PlotWidget or PlotItem."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    for name in ("left", "bottom", "right", "top"):
        elide_axis_label(item.getAxis(name))


CAPTION_FROM = 330  # px of a plot dock's height: below it, its caption moves into the plot's tooltip


def fold_caption(caption: QLabel, plot: QWidget, height: int) -> None:
    """Show a plot's caption below it only in a dock at least CAPTION_FROM px tall; in a shorter one
    (a 900x600 window) the caption's words and its own tooltip become the plot's tooltip, and the
    plot gets the room (it was a 30 px strip under three lines of caption). Call it on resize and
    after the caption's text changes."""
    show = height >= CAPTION_FROM
    if show != caption.isVisibleTo(caption.parentWidget()):
        caption.setVisible(show)
    tip = ""
    if not show and caption.text():
        tip = caption.text() + (f"<br><br>{caption.toolTip()}" if caption.toolTip() else "")
    if plot.toolTip() != tip:
        plot.setToolTip(tip)


def cache_axis(axis: pg.AxisItem):
    """Keep an axis (its labels and grid lines) as a pixmap between range changes.

    pyqtgraph replays an axis from a QPicture on every repaint of its plot: with the translucent
    grid that was 2-7 ms an axis per repaint, a blit is about 0.1 ms.
    """
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _stepped(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened outwards to whole steps of a tenth to a fiftieth of a power of ten."""
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        pad = max(abs(lo), 1.0) * 0.05 if np.isfinite(lo) else 1.0
        return (lo - pad, lo + pad) if np.isfinite(lo) else (0.0, 1.0)
    step = 10.0 ** np.floor(np.log10(span)) / 5
    return float(np.floor(lo / step - 0.02) * step), float(np.ceil(hi / step + 0.02) * step)


class SteppedRange:
    """Follows a plot's growing data with a view range that moves in whole steps.

    pyqtgraph lays every axis out again (tick values, label text, grid; 3-5 ms an axis) whenever
    the view range changes, and auto-range changes it with every update while training plays. Here
    the range stays put while the data fills at least half of it, and then jumps a step (at most
    about a third of the span), so the axes are laid out a few times a minute instead of 4 times a
    second. A mouse zoom or pan stops the following; the plot's auto-range button ('A') resumes it.
    """

    def __init__(self, plot_item: pg.PlotItem, min_x_span: float = 0.0, epochs_on_x: bool = True):
        self.vb = plot_item.vb
        self.min_x_span = min_x_span
        self.epochs_on_x = epochs_on_x  # x starts at the first epoch and grows; else x moves as y
        self.follow = True
        self.current: tuple | None = None
        self.extent: tuple | None = None
        self.vb.disableAutoRange()
        self.vb.sigRangeChangedManually.connect(self._manual)
        plot_item.autoBtn.clicked.connect(self.resume)

    def _manual(self, *_):
        self.follow = False

    def resume(self):
        self.follow = True
        self.vb.disableAutoRange()  # the 'A' button turned pyqtgraph's own auto-range on
        self.current = None
        if self.extent is not None:
            self.show(*self.extent)

    def reset(self):
        self.follow, self.current, self.extent = True, None, None

    def show(self, x0: float, x1: float, y0: float, y1: float):
        """The data's extent now (non-finite y: nothing to show on that axis yet)."""
        self.extent = (x0, x1, y0, y1)
        if not self.follow:
            return
        cur = self.current
        x_ok = cur is not None and self._fits(cur[0:2], x0, max(x1, x0 + self.min_x_span))
        y_ok = cur is not None and self._fits(cur[2:4], y0, y1)
        if x_ok and y_ok:
            return
        if x_ok:
            xr = cur[0:2]
        elif self.epochs_on_x:  # headroom to grow into: the x axis changes every ~50 % more epochs
            # (doubling while short, when a playing network adds 100 epochs a second)
            grow = 2.0 if x1 - x0 < 100 else 1.5
            end = _stepped(x0, x0 + max(self.min_x_span, grow * (x1 - x0)))[1]
            xr = (x0 - 0.02 * (end - x0), end)  # the first epoch's point clear of the axis
        else:
            xr = self._padded(x0, x1, None if cur is None else cur[0:2])
        if y_ok:
            yr = cur[2:4]
        elif not (np.isfinite(y0) and np.isfinite(y1)):
            yr = (0.0, 1.0)
        else:
            yr = self._padded(y0, y1, None if cur is None else cur[2:4])
        self.current = (*xr, *yr)
        self.vb.setRange(xRange=xr, yRange=yr, padding=0)

    @staticmethod
    def _padded(lo: float, hi: float, cur) -> tuple[float, float]:
        """[lo, hi] in steps, with a quarter of headroom on a side the data outgrew (falling
        gradient norms, a histogram moving with them)."""
        pad, edge = 0.25 * (hi - lo), 0.04 * (hi - lo)  # edge: points clear of the frame
        r = _stepped(lo - edge - (pad if cur is not None and lo < cur[0] else 0.0),
                     hi + edge + (pad if cur is not None and hi > cur[1] else 0.0))
        if lo >= 0:  # a loss or a share is never negative: the axis starts just below zero
            r = (max(-0.02 * (r[1] - r[0]), r[0]), r[1])
        return r

    @staticmethod
    def _fits(r, lo, hi) -> bool:
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return True
        return r[0] <= lo and hi <= r[1] and (hi - lo) >= 0.5 * (r[1] - r[0])


class Pow10Axis(OpaqueGridAxis):
    """An axis for log10 data: ticks at whole decades, labelled 0.01, 0.1, 1, ..."""

    MIN_TICK_PX = 22  # a label's height and a little air: 8 decades in 70 px overlapped

    def tickValues(self, minVal, maxVal, size):
        lo, hi = int(np.ceil(minVal)), int(np.floor(maxVal))  # the decades in view
        fit = max(2, int(size // self.MIN_TICK_PX))  # labels that fit on the axis
        for step in (1, 2, 3, 4, 5, 10, 20, 50, 100, 10 ** 9):
            first = -(-lo // step) * step  # whole multiples: 1e-06, 0.001, 1 for every 3rd decade
            values = [float(v) for v in range(first, hi + 1, step)]
            if len(values) <= fit:
                return [(step, values)]
        return [(1, [])]

    def tickStrings(self, values, scale, spacing):
        return [f"{10.0 ** v:g}" for v in values]


TRAIN_ACC = theme.faded(theme.TRAIN, 0.9)  # opaque (see theme.faded) and close to the full colour:
VALID_ACC = theme.faded(theme.VALID, 0.9)  # at 0.6-0.75 the 1 px accuracy curves were too faint
PENALTY = (204, 121, 167)  # reddish purple (Okabe-Ito): the L1/L2 penalty curve
HOVER_HINT = "Hover the plot to read an epoch's values."


class _Leave(QObject):
    """Calls `fn` when the watched widget loses the mouse."""

    def __init__(self, widget: QWidget, fn):
        super().__init__(widget)
        self.fn = fn
        widget.installEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Leave:
            self.fn()
        return False


class LossPlot(QWidget):
    """Train and validation loss per epoch (left axis) with accuracy (right axis, 0-1)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.second = "accuracy"  # the right axis' figure: "R²" for a regression network
        self.title = plot_title("Loss and accuracy per epoch")
        self.plot = _plot()
        p = self.plot.getPlotItem()
        self.range = SteppedRange(p, min_x_span=10)
        p.setLabel("bottom", "epoch")
        p.setLabel("left", "loss")
        p.showAxis("right")
        p.layout.setContentsMargins(1, 8, 1, 1)  # the right axis gives the room
        p.setLabel("right", "accuracy")
        self.acc_view = pg.ViewBox()
        p.scene().addItem(self.acc_view)
        p.getAxis("right").linkToView(self.acc_view)
        self.acc_view.setXLink(p)
        self.acc_view.setYRange(0, 1.02, padding=0)
        self.acc_view.setMouseEnabled(False, False)
        # above the axes' grid (z 0.5), which is opaque and was drawn over the accuracy curves:
        # accuracy 1.0 or a flat 0.5 lies on a grid line and vanished; mouse events go through to
        # the loss view below (zoom, pan, hover)
        self.acc_view.setZValue(1)
        self.acc_view.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        p.vb.sigResized.connect(self._sync)
        self.train = p.plot(pen=pg.mkPen(theme.TRAIN, width=2))
        self.val = p.plot(pen=pg.mkPen(theme.VALID, width=2, style=Qt.PenStyle.DashLine))
        # thin and opaque: a translucent 1.5 px dotted curve of 1,000 epochs took 16 ms to draw,
        # this 0.3 ms (see theme.faded)
        self.train_acc = pg.PlotDataItem(pen=pg.mkPen(TRAIN_ACC, width=1))
        self.val_acc = pg.PlotDataItem(pen=pg.mkPen(VALID_ACC, width=1, style=Qt.PenStyle.DotLine))
        for c in (self.train_acc, self.val_acc):  # as the loss curves: about one point per pixel
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
        self.acc_view.addItem(self.train_acc)
        self.acc_view.addItem(self.val_acc)
        # the L1/L2 penalty (train loss is the data loss alone): shown once a snapshot has one
        self.penalty = p.plot(pen=pg.mkPen(PENALTY, width=2, style=Qt.PenStyle.DotLine))
        self._penalties = np.zeros(0)
        self._penalty_shown = False
        self.legend = legend_label()
        self._set_legend(False)
        self.branches: list[pg.PlotDataItem] = []
        self._branch_extent: tuple[float, float, float, float] | None = None  # x0, x1, y lo, y hi
        self.cursor = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DotLine))
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.ACCENT, width=1.5))
        self.marker.hide()
        # the epoch of the lowest validation loss: a small triangle on the validation curve
        self.best: tuple[int, float] | None = None
        self.best_dot = pg.ScatterPlotItem(size=11, symbol="t1", pen=pg.mkPen(theme.TEXT, width=1),
                                           brush=pg.mkBrush(*theme.VALID), hoverable=True,
                                           tip=self._best_tip)
        self.best_dot.setZValue(10)
        p.addItem(self.best_dot)
        self.cursor.hide()  # until the mouse is over the plot (a dotted line at epoch 0 otherwise)
        p.addItem(self.cursor, ignoreBounds=True)
        p.addItem(self.marker, ignoreBounds=True)
        self.readout = QLabel(HOVER_HINT)
        self.readout.setStyleSheet("color: #444; padding: 2px 6px;")
        self.readout.setWordWrap(True)
        self.log_box = QCheckBox("log loss axis")
        self.log_box.setToolTip("Show the loss on a logarithmic axis: late, small improvements "
                                "stay visible.")
        self.log_box.toggled.connect(self.set_log)
        row = QHBoxLayout()
        row.addWidget(self.readout, 1)
        row.addWidget(self.log_box)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.legend)  # above the plot: a legend inside it covered the curves
        lay.addWidget(self.plot, 1)
        # a plain-language note when the validation loss has risen for a while (core.metrics)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.hex_colour(theme.VALID)}; font-size: 8pt; padding: 1px 6px;")
        self.note.hide()
        lay.addWidget(self.note)
        lay.addLayout(row)
        # frame, both axes' labels and a few ticks. The labels above and below wrap to the dock's
        # width, which the dock's minimum does not know of: in a 900x600 window the legend and
        # the hint took two lines each, and a 110 px minimum made the plot's axis title run
        # under the hint. The plot gives way down to 90 px instead.
        self.plot.setMinimumHeight(90)
        # two lines always: the hint and a hovered epoch's figures take the same room, so the plot
        # never changes size under the mouse
        fm = self.readout.fontMetrics()
        self.readout.setMinimumHeight(2 * fm.lineSpacing() + 4)
        self.setMinimumWidth(260)
        self._m = np.zeros((0, 5))
        self._dots = False  # the loss curves drawn as dots (a single epoch)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self._leave = _Leave(self.plot, self.end_hover)

    def _sync(self):
        self.acc_view.setGeometry(self.plot.getPlotItem().vb.sceneBoundingRect())
        self.acc_view.linkedViewChanged(self.plot.getPlotItem().vb, self.acc_view.XAxis)

    def set_log(self, on: bool):
        self.plot.getPlotItem().setLogMode(x=False, y=on)
        self.log_box.setChecked(on)
        self.range.current = None  # the loss axis changed units
        self.set_metrics(self._m)

    def _set_legend(self, penalty: bool):
        loss = [("━━", theme.TRAIN, "train" + (" (data)" if penalty else "")),
                ("╍╍", theme.VALID, "validation")]
        if penalty:
            loss.append(("┈┈", PENALTY, "penalty"))
        self.legend.setText(
            legend_html(loss, "loss:") + " &nbsp; "
            + legend_html([("──", TRAIN_ACC, "train"), ("┈┈", VALID_ACC, "validation")],
                          f"{self.second} (right axis):"))
        self._penalty_shown = penalty

    def set_task(self, task: str):
        """Classification: accuracy on the right axis; regression: R² (the figures' accuracy slot)."""
        self.second = "R²" if task == "regression" else "accuracy"
        self.title.setText(f"Loss and {self.second} per epoch")
        self.plot.getPlotItem().setLabel("right", self.second)
        self._set_legend(self._penalty_shown)

    def set_metrics(self, m: np.ndarray, penalties: np.ndarray | None = None):
        """m: (n, 5) epoch, train loss, train acc, val loss, val acc. Non-finite values are gaps.
        penalties: (n,) the L1/L2 penalty per epoch (History.penalties()); its curve shows when any
        is above 0. None keeps the last ones given while their length still matches."""
        from core.metrics import overfitting_note

        self._m = m
        if penalties is not None:
            self._penalties = np.asarray(penalties, dtype=np.float64)
        pen = self._penalties if len(self._penalties) == m.shape[0] else np.zeros(0)
        has_penalty = bool(pen.size and (pen > 0).any())
        if has_penalty != self._penalty_shown:
            self._set_legend(has_penalty)
        note = overfitting_note(m)
        if note != self.note.text():
            self.note.setText(note)
            self.note.setVisible(bool(note))
        if m.shape[0] == 0 or not has_penalty:
            self.penalty.setData([], [])
        if m.shape[0] == 0:
            self.best = None
            self.best_dot.setData([], [])
            self.range.reset()
            for c in (self.train, self.val):
                c.setData([], [])
            self.train_acc.setData([], [])
            self.val_acc.setData([], [])
            return
        ep = m[:, 0]
        log = self.log_box.isChecked()
        def clean(v):
            v = np.where(np.isfinite(v), v, np.nan)
            return np.where(v > 0, v, np.nan) if log else v

        train, val = clean(m[:, 1]), clean(m[:, 3])
        single = len(ep) == 1  # one epoch (the untrained network): a dot, since a line needs two
        if single != self._dots:
            self._dots = single
            for c, col, size in ((self.train, theme.TRAIN, 7), (self.val, theme.VALID, 7),
                                 (self.train_acc, theme.faded(theme.TRAIN, 0.6), 5),
                                 (self.val_acc, theme.faded(theme.VALID, 0.75), 5)):
                c.setSymbol("o" if single else None)
                c.setSymbolSize(size)
                c.setSymbolBrush(pg.mkBrush(*col))
                c.setSymbolPen(None)
        self.train.setData(ep, train, connect="finite")
        self.val.setData(ep, val, connect="finite")
        shown = np.concatenate([train, val])
        if has_penalty:
            pv = clean(pen)
            self.penalty.setData(ep, pv, connect="finite")
            shown = np.concatenate([shown, pv])
        shown = shown[np.isfinite(shown)]
        if log:
            shown = np.log10(shown)
        x0, x1 = ep[0], ep[-1]
        y0, y1 = (shown.min(), shown.max()) if shown.size else (np.nan, np.nan)
        b = self._branch_view()
        if b is not None:  # an abandoned branch stays in view: it is why one branched
            x0, x1 = min(x0, b[0]), max(x1, b[1])
            y0, y1 = (np.fmin(y0, b[2]), np.fmax(y1, b[3])) if np.isfinite(b[2]) else (y0, y1)
        # the first epochs on a 10-epoch axis (auto-range around one point would be ±500 epochs)
        self.range.show(x0, x1, y0, y1)
        if self.second == "R²":  # R² falls below 0 for a worse guess than the mean: show down to -1
            r2 = m[:, [2, 4]][np.isfinite(m[:, [2, 4]])]
            low = float(r2.min()) if r2.size else 0.0
            self.acc_view.setYRange(max(-1.0, np.floor(min(low, 0.0) * 5) / 5), 1.02, padding=0)
        else:
            self.acc_view.setYRange(0, 1.02, padding=0)
        self.train_acc.setData(ep, np.nan_to_num(m[:, 2]), connect="finite")
        self.val_acc.setData(ep, np.nan_to_num(m[:, 4]), connect="finite")
        self._mark_best(m, log)

    def _mark_best(self, m: np.ndarray, log: bool):
        from core.metrics import lowest_validation

        best = lowest_validation(m) if len(m) > 1 else None
        self.best = best
        if best is None or (log and best[1] <= 0):
            self.best_dot.setData([], [])
            return
        y = np.log10(best[1]) if log else best[1]
        self.best_dot.setData([best[0]], [y])

    def _best_tip(self, x=None, y=None, data=None) -> str:
        if self.best is None:
            return ""
        return f"lowest validation loss: {self.best[1]:.4f} at epoch {self.best[0]}"

    def add_branch(self, m: np.ndarray):
        """Keep an abandoned branch of training visible (after 'continue from here'): drawn grey,
        and kept inside the view's range."""
        if m.shape[0] == 0:
            return
        c = self.plot.getPlotItem().plot(m[:, 0], m[:, 1], pen=pg.mkPen((160, 160, 160), width=1.5))
        self.branches.append(c)
        loss = m[:, 1][np.isfinite(m[:, 1])]
        pos = loss[loss > 0]  # (for the log axis)
        e = (float(m[0, 0]), float(m[-1, 0]),
             float(loss.min()) if loss.size else np.nan, float(loss.max()) if loss.size else np.nan,
             float(pos.min()) if pos.size else np.nan, float(pos.max()) if pos.size else np.nan)
        old = self._branch_extent
        self._branch_extent = e if old is None else (
            min(old[0], e[0]), max(old[1], e[1]), *(f(a, b) for f, a, b in zip(
                (np.fmin, np.fmax, np.fmin, np.fmax), old[2:], e[2:], strict=True)))
        if self._m.shape[0]:
            self.set_metrics(self._m)

    def _branch_view(self) -> tuple[float, float, float, float] | None:
        """The branches' extent in the loss axis's units (log10 on the log axis)."""
        b = self._branch_extent
        if b is None:
            return None
        if self.log_box.isChecked():
            return (b[0], b[1], *(np.log10(b[4:6]) if np.isfinite(b[4]) else (np.nan, np.nan)))
        return b[:4]

    def clear_branches(self):
        for c in self.branches:
            self.plot.getPlotItem().removeItem(c)
        self.branches = []
        self._branch_extent = None

    def set_marker(self, epoch: int | None):
        if epoch is None:
            self.marker.hide()
        else:
            self.marker.setValue(epoch)
            self.marker.show()

    def _hover(self, pos):
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos) or self._m.shape[0] == 0:
            self.end_hover()  # over an axis or the title: no stale epoch
            return
        x = vb.mapSceneToView(pos).x()
        i = int(np.clip(np.searchsorted(self._m[:, 0], x), 0, self._m.shape[0] - 1))
        if i > 0 and abs(self._m[i - 1, 0] - x) < abs(self._m[i, 0] - x):
            i -= 1
        e, tl, ta, vl, va = self._m[i]
        self.cursor.setValue(e)
        self.cursor.show()
        text = self.describe(int(e), tl, ta, vl, va, self.second)
        if self._penalty_shown and i < len(self._penalties):
            text += f"; penalty {self._penalties[i]:.4f}"
        if self.best is not None and int(e) == self.best[0]:
            text += " (the lowest validation loss)"
        self.readout.setText(text)

    def end_hover(self):
        """The mouse left the plot: no cursor line, and the readout back to its hint."""
        if self.cursor.isVisible():
            self.cursor.hide()
        if self.readout.text() != HOVER_HINT:
            self.readout.setText(HOVER_HINT)

    @staticmethod
    def describe(e, tl, ta, vl, va, a: str = "accuracy") -> str:
        val = f"validation loss {vl:.4f}, {a} {va:.3f}" if np.isfinite(vl) else "no validation"
        return f"epoch {e}: train loss {tl:.4f}, {a} {ta:.3f}; {val}"


NO_GRADIENTS_YET = ("No gradients yet: dL/dw is computed by the backward pass of each batch, so "
                    "these plots fill from the first epoch on (Step one epoch, →).")


class GradientView(QWidget):
    """Per-layer gradient norm ||dL/dW|| over epochs (log scale), and this epoch's distribution."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # titles of one line at 260 px that say what the axes show: at 900×600 the dock has about
        # 200 px for both plots, and axis labels took height
        self.norms_title = plot_title("‖dL/dW‖ per layer by epoch (log axis)")
        self.norms_title.setToolTip("The gradient norm of each weight layer, ‖dL/dW‖, after each "
                                    "epoch, on a logarithmic axis.")
        self.norms = _plot(left_axis=Pow10Axis)
        # the layers' colours in a row above the plots (a legend inside covered the curves)
        self.norm_legend = legend_label()
        self.dist_title = plot_title("This epoch: share by log10 |dL/dw|")
        self.dist_title.setToolTip("For each layer, the share of its weights whose gradient "
                                   "|dL/dw| falls in each bin of log10 |dL/dw|, this epoch.")
        self.dist = _plot()
        # 30 bins need no clipping or downsampling; clipping a stepMode curve to a view that does not
        # hold all its bins leaves one bin edge too few, and pyqtgraph raises
        self.dist.getPlotItem().setClipToView(False)
        self.dist.getPlotItem().setDownsampling(auto=False)
        self.norms_range = SteppedRange(self.norms.getPlotItem(), min_x_span=10)
        self.dist_range = SteppedRange(self.dist.getPlotItem(), epochs_on_x=False)
        self._curves: list = []
        self._hists: list = []
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #444; padding: 2px 6px;")
        # never below a frame with its axes and a few ticks (at 900×600 they collapsed to a line)
        self.norms.setMinimumHeight(70)
        self.dist.setMinimumHeight(52)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.norms_title)
        lay.addWidget(self.norm_legend)
        lay.addWidget(self.norms, 3)
        lay.addWidget(self.dist_title)
        lay.addWidget(self.dist, 2)
        lay.addWidget(self.note)
        self.setMinimumWidth(260)

    # px of height: below it this epoch's histogram hides and the norms get its room (in a 900x600
    # window the dock had about 210 px, and the wrapped note and histogram title ran over the
    # norms' epoch numbers)
    DIST_FROM = 260

    def resizeEvent(self, ev):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        show = ev.size().height() >= self.DIST_FROM
        if show != self.dist.isVisibleTo(self):
            self.dist.setVisible(show)
            self.dist_title.setVisible(show)
            self.norms.setToolTip("" if show else "This epoch's histogram of log10 |dL/dw| shows "
                                  "when the dock is taller: drag its edge or float it.")

    def set_layers(self, n_layers: int):
        p, d = self.norms.getPlotItem(), self.dist.getPlotItem()
        for c in self._curves:
            p.removeItem(c)
        for c in self._hists:
            d.removeItem(c)
        self._curves, self._hists = [], []
        items = []
        for i in range(n_layers):
            col = theme.LAYER_COLOURS[i % len(theme.LAYER_COLOURS)]
            name = f"layer {i + 1}" + (" (output)" if i == n_layers - 1 else "")
            items.append(("━━", col, name))
            self._curves.append(p.plot(pen=pg.mkPen(col, width=2), name=name))
            self._hists.append(d.plot(pen=pg.mkPen(col, width=2), stepMode="center"))
        self.norm_legend.setText(legend_html(items))

    def set_norms(self, epochs: np.ndarray, norms: np.ndarray):
        if norms.size == 0 or epochs[-1] <= 0:  # nothing yet, or only the untrained epoch 0
            self.norms_range.reset()
            for c in self._curves:
                c.setData([], [])
            self.norms_range.show(1.0, 1.0, np.nan, np.nan)  # epochs 1-11, ready for the first
            return
        keep = epochs > 0  # epoch 0 has no gradients
        logs = np.log10(np.where(norms[keep] > 0, norms[keep], np.nan))
        for i, c in enumerate(self._curves):
            if i < norms.shape[1]:
                c.setData(epochs[keep], logs[:, i], connect="finite")
        finite = logs[np.isfinite(logs)]
        if finite.size:
            self.norms_range.show(epochs[keep][0], epochs[-1], finite.min(), finite.max())
        last = norms[-1]
        zero = [i + 1 for i, v in enumerate(last) if v == 0]
        if zero:  # no curve on a log axis says nothing: say it
            which = ("every layer" if len(zero) == len(last) else
                     f"layer{'s' if len(zero) > 1 else ''} {', '.join(map(str, zero))}")
            self.note.setText(f"‖dL/dW‖ is exactly 0 in {which}: those weights cannot change.")
            self.note.setToolTip("A gradient of exactly 0 leaves the weights where they are, epoch "
                                 "after epoch (no point on the log axis). Usual causes: every weight "
                                 "started at zero (with tanh or ReLU a zero weight passes on a zero "
                                 "signal and gets a zero gradient), or every neuron feeding the "
                                 "layer is a dead ReLU (never active).")
        elif epochs[-1] > 0 and len(last) > 1 and np.all(last > 0):
            ratio = last[0] / last[-1]
            trend = ("vanishing towards the input" if ratio < 1e-2 else
                     "exploding towards the input" if ratio > 1e2 else "healthy")
            # one line (the plots need the height in a small dock); the why in the tooltip
            self.note.setText(f"First ÷ output layer ‖dL/dW‖: {ratio:.3g} ({trend}).")
            self.note.setToolTip("Backpropagation multiplies by each layer's weights and activation "
                                 "slopes on the way back, so norms can shrink or grow layer by "
                                 "layer: below 0.01 they vanish towards the input, above 100 they "
                                 "explode.")

    def set_snapshot(self, snap):
        if snap is None or snap.epoch == 0:
            for h in self._hists:
                h.hide()  # (a flat line at zero said nothing)
            self.dist_range.show(0.0, 1.0, 0.0, 1.0)  # no gradients yet: a plain 0-1 frame
            self.note.setText(NO_GRADIENTS_YET)
            return
        for h in self._hists:
            h.show()
        if self.note.text() == NO_GRADIENTS_YET:
            self.note.setText("")
        logs = []
        for g in snap.grad_weights:
            a = np.abs(np.asarray(g, dtype=np.float64)).ravel()
            a = a[a > 0]
            logs.append(np.log10(a) if a.size else np.zeros(0))
        allv = np.concatenate(logs) if logs else np.zeros(0)
        if allv.size == 0:  # every gradient exactly 0 (the note says so): no bars
            for h in self._hists:
                h.hide()
            return
        lo, hi = np.floor(allv.min()), np.ceil(allv.max())
        if hi <= lo:
            hi = lo + 1
        bins = np.linspace(lo, hi, 31)
        top = 0.0
        for h, v in zip(self._hists, logs, strict=False):
            share = np.histogram(v, bins=bins)[0] / max(1, v.size)
            h.setData(bins, share)
            top = max(top, float(share.max()))
        self.dist_range.show(lo, hi, 0.0, top)


def demo_plot(y_label: str):
    """The plot of a Teach-menu demonstration window: epochs across, plain numbers, a light grid."""
    plot = pg.PlotWidget(background=theme.BACKGROUND)
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.15)
    p = plot.getPlotItem()
    p.setLabel("bottom", "epoch")
    p.setLabel("left", y_label)
    for ax in ("left", "bottom"):  # plain numbers, no "(x0.001)" scale
        p.getAxis(ax).enableAutoSIPrefix(False)
    return plot
