"""The texts' central figure, live: the loss as a function of one weight, its slope, and the step.

Shows a core.teaching.LossSlice: the loss curve along one weight (every other weight frozen), the
present point with its tangent (slope dL/dw), the step the optimizer took this epoch as an arrow
from the previous value, and a fading trail of the earlier epochs' points for the same weight.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui import theme
from gui.plots import _plot, plot_title

MAX_TRAIL = 30
TITLE = "Loss as a function of one weight"
HINT = ("Choose a weight (an edge of the network) to see the training loss as a function of that "
        "one weight.")
OPT_NAMES = {"sgd": "SGD", "adam": "Adam", "adadelta": "Adadelta"}
STEP = theme.ACCENT
CURVE = (85, 85, 85)  # neutral, so the signed (blue/orange) tangent stands out against it
TRAIL = theme.LAYER_COLOURS[3]
MARKER_PX = 12  # diameter of the present point
PLOT_MIN_HEIGHT = 100  # the frame, both axes with their labels, and room for the curve


def _num(v: float) -> str:
    return f"{v:+.3g}".replace("-", "−")


def _plain(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


def _tangent_colour(grad: float) -> tuple[int, int, int]:
    return theme.POSITIVE if grad >= 0 else theme.NEGATIVE


def _opt_name(s) -> str:
    name = OPT_NAMES.get(s.optimizer, s.optimizer)
    if s.optimizer == "sgd" and s.momentum:
        name += f" with momentum {s.momentum:g}"
    return name


def _is_plain_sgd(s) -> bool:
    return s.optimizer == "sgd" and not s.momentum


def _label_rect(label: pg.TextItem, at: QPointF) -> QRectF:
    """The scene rectangle a label anchored at scene point `at` covers (it is not scaled)."""
    br = label.textItem.boundingRect()
    a = label.anchor
    return QRectF(at.x() - a.x() * br.width(), at.y() - a.y() * br.height(), br.width(), br.height())


def _place(label: pg.TextItem, vb: pg.ViewBox, at: QPointF, avoid: QRectF | None = None) -> QRectF:
    """Put a label at scene point `at`; above the point where it would stick out below the frame
    (the slope's label went under the x axis when the tangent ended at the bottom), inside the
    frame sideways, and above `avoid` (the other label) where they would overlap. Returns the
    rectangle it covers."""
    frame = vb.sceneBoundingRect()
    r = _label_rect(label, at)
    if r.bottom() > frame.bottom():
        r.moveBottom(at.y() - 4)  # above the point instead
    r.moveLeft(max(frame.left(), min(r.left(), frame.right() - r.width())))
    if avoid is not None and r.intersects(avoid):
        r.moveBottom(avoid.top() - 2)
    r.moveTop(max(frame.top(), min(r.top(), frame.bottom() - r.height())))
    a = label.anchor
    label.setPos(vb.mapSceneToView(QPointF(r.left() + a.x() * r.width(), r.top() + a.y() * r.height())))
    return r


class WeightStudyPanel(QWidget):
    """Loss along one weight: curve, present point, tangent, this epoch's step, earlier points."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # the title above the plot wraps (as a pyqtgraph title it widened the plot past a 400 px
        # dock: title, x axis and curve were cut, and the y axis kept stale tick labels)
        self.title = plot_title(TITLE)
        self.plot = _plot()
        p = self.plot.getPlotItem()
        p.setLabel("bottom", "weight w (all others frozen)")
        p.setLabel("left", "training loss")
        self.plot.setToolTip(
            "The training loss if only this one weight were changed, every other weight held as it "
            "is now. Gradient descent slides the weight downhill along this curve; the other weights "
            "move too, so next epoch's curve is a little different. Scroll to zoom.")
        self.trail_line = pg.PlotCurveItem(pen=pg.mkPen((*TRAIL, 110), width=1))
        self.trail_dots = pg.ScatterPlotItem(size=7, pen=None)
        self.trail_dots.setToolTip("Earlier epochs: the weight and the loss after each epoch (older "
                                   "ones fainter). They need not lie on today's curve: the other "
                                   "weights have moved since.")
        self.curve = pg.PlotDataItem(pen=pg.mkPen(CURVE, width=2.5))
        self.curve.setToolTip("The training loss over all training rows with this weight set to w "
                              "and every other weight as it is now.")
        self.tangent = pg.PlotDataItem(pen=pg.mkPen(theme.NEGATIVE, width=2,
                                                    style=Qt.PenStyle.DashLine))
        self.tangent.setToolTip("The tangent at the present value: its slope is the gradient dL/dw "
                                "that backpropagation computes. Downhill is the way to move.")
        self.step_line = pg.PlotCurveItem(pen=pg.mkPen(STEP, width=3))
        self.step_head = pg.ArrowItem(headLen=13, tipAngle=34, tailLen=None, pen=None,
                                      brush=pg.mkBrush(STEP))
        self.step_line.setToolTip("The step the optimizer took this epoch: from the value before "
                                  "the epoch to the value now (drawn on today's curve).")
        self.prev_point = pg.ScatterPlotItem(size=9, pen=pg.mkPen(STEP, width=2),
                                             brush=pg.mkBrush(theme.BACKGROUND))
        self.prev_point.setToolTip("The weight's value before this epoch.")
        self.point = pg.ScatterPlotItem(size=MARKER_PX, pen=pg.mkPen("w", width=1.5),
                                        brush=pg.mkBrush(theme.TEXT))
        self.point.setToolTip("The weight's present value and the present training loss.")
        self.slope_label = pg.TextItem(anchor=(0, 1))
        self.step_label = pg.TextItem(anchor=(1, 1))
        for item in (self.trail_line, self.trail_dots, self.curve, self.tangent, self.step_line,
                     self.prev_point, self.point):
            p.addItem(item)
        for item in (self.step_head, self.slope_label, self.step_label):
            p.addItem(item, ignoreBounds=True)
        p.vb.sigRangeChanged.connect(self._place_overlays)
        p.vb.sigResized.connect(self._place_overlays)
        self.text = QLabel(HINT)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setStyleSheet("color: #444; padding: 2px 6px;")
        self.text.setToolTip("What the figure shows, with this epoch's numbers.")
        # the words scroll when the dock is too short for them and the plot (see _fit_text)
        self.text_area = QScrollArea()
        self.text_area.setWidget(self.text)
        self.text_area.setWidgetResizable(True)
        self.text_area.setFrameShape(QFrame.Shape.NoFrame)
        self.text_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text_area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget "
                                     "{ background: transparent; }")
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.text_area)
        self.setMinimumWidth(260)
        self.slice = None
        self._key = None
        self._trail: list[tuple[int, float, float]] = []  # (epoch, w, loss), oldest first
        self.clear()

    # -- public ---------------------------------------------------------------------------------
    @property
    def trail_points(self) -> list[tuple[float, float]]:
        """(w, loss) of every epoch shown for this weight, oldest first; the last is the present."""
        return [(w, loss) for _, w, loss in self._trail]

    def clear(self):
        """Nothing to show (e.g. after a reset): empty plot, the hint, no trail."""
        self.slice = None
        self._key = None
        self._trail = []
        for item in (self.curve, self.tangent):
            item.setData([], [])
        for item in (self.trail_line, self.step_line):
            item.setData([], [])
        for item in (self.trail_dots, self.point, self.prev_point):
            item.setData([], [])
        for item in (self.step_head, self.slope_label, self.step_label):
            item.hide()
        self.title.setText(TITLE)
        self.text.setText(HINT)
        self._fit_text()

    def show_slice(self, s, names: tuple[str, str] | None = None):
        """Draw a LossSlice; `names`: (from, to) neuron names for the title."""
        key = (s.layer, s.out, s.inp)
        if key != self._key or (self._trail and s.epoch < self._trail[-1][0]):
            self._trail = []  # another weight, or the network went back in time
        self._key = key
        if self._trail and self._trail[-1][0] == s.epoch:
            self._trail[-1] = (s.epoch, s.w0, s.loss0)
        else:
            self._trail.append((s.epoch, s.w0, s.loss0))
        del self._trail[:-MAX_TRAIL]
        self.slice = s
        self._draw(s, names)

    # -- layout ---------------------------------------------------------------------------------
    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit_text()

    def _fit_text(self):
        """All the words if the plot keeps PLOT_MIN_HEIGHT; else what fits (two lines at least),
        scrolling. (A wrapped label's height depends on its width, which a layout does not ask.)"""
        width = max(1, self.width() - self.text_area.verticalScrollBar().sizeHint().width())
        full = self.text.heightForWidth(width)
        if full < 0:
            full = self.text.sizeHint().height()
        spacing = 2 * self.layout().spacing()
        room = self.height() - self.title.heightForWidth(self.width()) - PLOT_MIN_HEIGHT - spacing
        some = 2 * self.text.fontMetrics().lineSpacing() + 4
        h = full if full <= room else max(min(full, some), room)
        if self.text_area.height() != h or self.text_area.minimumHeight() != h:
            self.text_area.setFixedHeight(h)

    # -- drawing --------------------------------------------------------------------------------
    def _draw(self, s, names):
        x, y = np.asarray(s.values), np.asarray(s.losses)
        self.curve.setData(x, y, connect="finite")
        self.point.setData([s.w0], [s.loss0])
        src = f"{names[0]} → {names[1]}" if names else f"neuron {s.inp + 1} → {s.out + 1}"
        where = "output layer" if s.is_output_layer else f"weight layer {s.layer + 1}"
        self.title.setText(f"Loss as a function of the weight {src} ({where}), epoch {s.epoch}")

        past = self._trail[:-1]
        if past:
            k = len(past)
            alphas = np.linspace(50, 200, k) if k > 1 else np.array([200.0])
            self.trail_dots.setData([w for _, w, _ in past], [lo for _, _, lo in past],
                                    brush=[pg.mkBrush(*TRAIL, int(a)) for a in alphas])
            pts = self._trail
            self.trail_line.setData([w for _, w, _ in pts], [lo for _, _, lo in pts])
        else:
            self.trail_dots.setData([], [])
            self.trail_line.setData([], [])

        finite = y[np.isfinite(y)]
        lo = float(finite.min()) if finite.size else s.loss0
        hi = float(finite.max()) if finite.size else s.loss0
        lo, hi = min(lo, s.loss0), max(hi, s.loss0)
        if s.loss_prev is not None and math.isfinite(s.loss_prev):
            lo, hi = min(lo, s.loss_prev), max(hi, s.loss_prev)
        height = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
        # earlier epochs' points too, unless they would squash the curve (then they run off the top)
        if past:
            top = max(lo_ for _, _, lo_ in past if math.isfinite(lo_)) if any(
                math.isfinite(lo_) for _, _, lo_ in past) else hi
            if hi < top <= hi + 0.5 * height:
                hi = top
                height = hi - lo

        # the tangent over a window around w0, short enough to stay within the curve's height
        half = 0.3 * s.span
        if s.grad != 0 and math.isfinite(s.grad):
            half = min(half, 0.45 * height / abs(s.grad))
        tx = np.array([s.w0 - half, s.w0 + half])
        col = _tangent_colour(s.grad)
        self.tangent.setData(tx, s.tangent(tx))
        self.tangent.setPen(pg.mkPen(col, width=2.5, style=Qt.PenStyle.DashLine))
        falls = f"<br>the loss falls if w moves {s.downhill}" if s.downhill else ""
        self.slope_label.setHtml(
            f"<span style='color:{theme.hex_colour(col)}; font-size:9pt'><b>dL/dw = "
            f"{_num(s.grad)}</b>{falls}</span>")
        self.slope_label.show()

        if s.has_step:
            self.prev_point.setData([s.w_prev], [s.loss_prev])
            self.step_line.setData([s.w_prev, s.w0], [s.loss_prev, s.loss0])
            lines = [f"Δw = {_num(s.delta)}"]
            if _is_plain_sgd(s) and s.predicted_step is not None:
                if s.steps > 1:
                    lines.append(f"≈ −lr × slope × {s.steps} batches = {_num(s.predicted_step)}")
                else:
                    lines.append(f"= −lr × slope = {_num(s.predicted_step)}")
            self.step_label.setHtml(f"<div style='color:{theme.hex_colour(STEP)}; font-size:9pt'>"
                                    f"{'<br>'.join(lines)}</div>")
            self.step_label.show()
        else:
            self.prev_point.setData([], [])
            self.step_line.setData([], [])
            self.step_label.hide()
            self.step_head.hide()

        vb = self.plot.getPlotItem().vb
        vb.disableAutoRange()
        x0, x1 = (float(x[0]), float(x[-1])) if x.size else (s.w0 - 1, s.w0 + 1)
        vb.setXRange(x0, x1, padding=0.02)
        vb.setYRange(lo - 0.12 * height, hi + 0.08 * height, padding=0)
        self.text.setText(self.describe(s, len(self._trail) - 1))
        self._fit_text()
        self._place_overlays()

    def _place_overlays(self, *_):
        """Arrow head and labels live in pixels: place them after every change of scale."""
        s = self.slice
        if s is None:
            return
        vb = self.plot.getPlotItem().vb
        cur = vb.mapViewToScene(QPointF(s.w0, s.loss0))
        # the slope's label just below the tangent's upper end (below: away from a convex curve)
        tx, ty = self.tangent.getData()
        slope_at = None
        if tx is not None and len(tx) == 2:
            i = 0 if ty[0] > ty[1] else 1
            self.slope_label.setAnchor((1, 0) if i == 0 else (0, 0))
            slope_at = vb.mapViewToScene(QPointF(float(tx[i]), float(ty[i])))
        step_rect = None
        if s.has_step:
            prev = vb.mapViewToScene(QPointF(s.w_prev, s.loss_prev))
            dx, dy = cur.x() - prev.x(), cur.y() - prev.y()
            length = math.hypot(dx, dy)
            if length == 0 or not math.isfinite(length):
                self.step_head.hide()
            else:
                ux, uy = dx / length, dy / length
                r = MARKER_PX / 2 + 1
                tip = vb.mapSceneToView(QPointF(cur.x() - ux * r, cur.y() - uy * r))
                self.step_head.setStyle(angle=math.degrees(math.atan2(dy, dx)) + 180)
                self.step_head.setPos(tip)
                self.step_head.show()
            # the step's label above the present point, on the downhill side, where the curve falls
            # away (and the trail, which lies uphill, is not)
            left = s.downhill == "left" or (not s.downhill and s.delta < 0)
            self.step_label.setAnchor((1, 1) if left else (0, 1))
            top = min(cur.y(), prev.y())
            step_rect = _place(self.step_label, vb, QPointF(cur.x() + (-10 if left else 10), top - 12))
        if slope_at is not None:
            _place(self.slope_label, vb, slope_at, avoid=step_rect)

    # -- words ----------------------------------------------------------------------------------
    @staticmethod
    def describe(s, earlier: int = 0) -> str:
        """One or two sentences on what is shown, with the live numbers."""
        c = theme.hex_colour
        opt = _opt_name(s)
        rows = f"all {s.rows} training rows" if s.rows else "the training rows"
        lines = [
            f"<span style='color:{c(CURVE)}'>━</span> The {s.loss_name} loss on {rows} if only "
            f"this weight changed, every other weight held as it is at epoch {s.epoch}. "
            f"Now w = {_plain(s.w0)}, loss {_plain(s.loss0)} (the weights at the epoch's end; the "
            f"Loss dock's training loss is the mean over the epoch's batches as they moved)."
            + (f" <span style='color:{c(TRAIL)}'>●</span> the {earlier} epochs before." if earlier else "")
        ]
        col = c(_tangent_colour(s.grad))
        if s.downhill:
            move = ("decreases it" if s.downhill == "left" else "increases it")
            lines.append(f"<span style='color:{col}'>╍</span> Slope dL/dw = {_num(s.grad)}: the loss "
                         f"falls if w moves to the <b>{s.downhill}</b>, so gradient descent {move}.")
        else:
            lines.append(f"<span style='color:{col}'>╍</span> Slope dL/dw = 0: this weight alone does "
                         f"not change the loss here (e.g. the neuron it feeds is silent for every row).")
        if s.has_step:
            lr = s.step_lr if s.step_lr is not None else s.lr
            step = (f"<span style='color:{c(STEP)}'>➜</span> This epoch {opt} (learning rate "
                    f"{lr:g}) moved w by Δw = {_num(s.delta)}")
            if _is_plain_sgd(s) and s.predicted_step is not None:
                if s.steps > 1:
                    step += (f"; −lr × mean slope {_num(s.grad_mean)} × {s.steps} batches ≈ "
                             f"{_num(s.predicted_step)} (each batch has its own slope).")
                else:
                    step += f" = −lr × slope {_num(s.grad_mean)} = {_num(s.predicted_step)}."
            elif s.optimizer == "sgd":
                step += "; momentum adds the earlier steps' velocity to −lr × slope."
            else:
                step += f"; {opt} scales each step by the gradient's recent size, not just lr × slope."
            lines.append(step)
        else:
            lines.append(f"Optimizer: {opt}, learning rate {s.lr:g}.")
        return "<br>".join(lines)
