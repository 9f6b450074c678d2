"""The network view: every neuron and every weighted connection, animated epoch by epoch.

Edges are bucketed by sign and magnitude into a few pens; one scene item draws them all, one
drawLines call per bucket, never one item per edge. Past MAX_EDGES connections
only the strongest are drawn, and the header says how many are shown.
"""

from __future__ import annotations

import html
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
    QStaticText,
    QTextOption,
    QTransform,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.walkthrough import format_gradient, step_words
from gui import theme
from gui.theme import MODE_LABELS, MODE_SYMBOLS, MODES  # noqa: F401  (re-exported)

try:  # a QLineF* into numpy memory: drawLines without building Python QLineF objects
    from shiboken6 import wrapInstance as _wrap
except ImportError:  # pragma: no cover
    _wrap = None

MAX_EDGES = 3000
AA_EDGES = 1200  # above this many drawn lines, draw them without antialiasing
NODE_LEVELS = 16  # fill colours per sign for neurons
PEN_LEVELS = 9  # outline widths for a lit forward pass
MODE_SYMBOL = {"weights": "w", "gradients": "dL/dw", "updates": "Δw"}
NODE_SYMBOL = {"weights": "b", "gradients": "dL/db", "updates": "Δb"}


class _EdgeLines(pg.GraphicsObject):
    """Every drawn connection in one scene item: per bucket (sign x magnitude) one pen and one
    drawLines call, stroked in device pixels with the painter's transform reset.

    Qt's raster engine strokes an antialiased cosmetic pen wider than 1 px 15-20x slower under the
    view box's large scale transform (hundreds of px per unit) than in device coordinates. One item
    with a fixed bounding rectangle, instead of one pyqtgraph curve per bucket, spares the scene and
    pyqtgraph their per-item work (bounds from nanmin/nanmax, pixel padding, geometry changes): for
    the 60-edge penguins network that was more than half of the frame. The segments of all buckets
    are mapped to device pixels in one numpy operation into one buffer laid out as QLineF, and each
    bucket's drawLines reads its slice of that buffer in place.
    """

    def __init__(self, pens: list[tuple[QPen, QPen]], order: list[int]):
        super().__init__()
        self.pens = pens  # per bucket (smooth pen, dense pen)
        self.order = order  # buckets in painting order (weak under strong)
        self.antialias = True
        self.lines = np.zeros((0, 4))  # (x0, y0, x1, y1) in view units, sorted by bucket
        self.bounds = np.zeros(len(pens) + 1, dtype=np.int64)  # bucket b: lines[bounds[b]:bounds[b+1]]
        self._device = np.zeros((64, 4))  # QLineF layout: four doubles per line
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)

    def set_bounds(self, rect: QRectF):
        self.prepareGeometryChange()
        self._rect = QRectF(rect)

    def set_segments(self, lines: np.ndarray, bounds: np.ndarray, antialias: bool):
        """All drawn segments in view units, sorted by bucket, with the buckets' bounds; then repaint."""
        self.lines = np.ascontiguousarray(lines, dtype=np.float64)
        self.bounds = bounds
        self.antialias = antialias
        self.update()

    def pen(self, bucket: int) -> QPen:
        return self.pens[bucket][0 if self.antialias else 1]

    def boundingRect(self) -> QRectF:
        return self._rect

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        r = self._rect
        return (r.left(), r.right()) if ax == 0 else (r.top(), r.bottom())

    def pixelPadding(self):
        return 0

    def paint(self, p, opt, widget):
        n = self.lines.shape[0]
        t = p.transform()
        # (never compare t.type() with '>': PySide6 enums do not order, and an exception escaping
        # paint() takes the process down)
        if n == 0 or t.m12() != 0 or t.m21() != 0 or not t.isAffine():
            return  # the view box never rotates; nothing sensible to draw
        if self._device.shape[0] < n:
            self._device = np.empty((n, 4))
        dev = self._device[:n]
        np.multiply(self.lines, (t.m11(), t.m22(), t.m11(), t.m22()), out=dev)
        dev += (t.m31(), t.m32(), t.m31(), t.m32())
        base = dev.ctypes.data
        bounds = self.bounds
        k = 0 if self.antialias else 1
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for b in self.order:
            lo, hi = int(bounds[b]), int(bounds[b + 1])
            if hi > lo:
                p.setPen(self.pens[b][k])
                if _wrap is not None:
                    p.drawLines(_wrap(base + lo * 32, QLineF), hi - lo)
                else:
                    p.drawLines([QLineF(*row) for row in dev[lo:hi]])
        p.restore()


class _Label:
    """One text of `_Labels`: where it is anchored (view units) and how it is aligned there."""

    def __init__(self, owner: _Labels, x: float, y: float, text: str, color: QColor, font: QFont,
                 anchor: tuple[float, float], dx: float = 0.0):
        self.owner, self.x, self.y, self.color, self.font, self.anchor = owner, x, y, color, font, anchor
        self.dx = dx  # px right of the anchor point (beside a neuron, whatever the zoom)
        self.full = text  # the whole name, for the tooltip when the text shown is elided
        self.static = QStaticText()
        self.static.setTextFormat(Qt.TextFormat.PlainText)
        self._text = ""
        self.setText(text)

    def setText(self, text: str):
        if text != self._text:
            self._text = text
            if "\n" in text:  # lines centred on each other (a layer title: name, then activation)
                lines = text.split("\n")
                fm = QFontMetricsF(self.font)
                self.static.setTextFormat(Qt.TextFormat.RichText)
                self.static.setTextWidth(max(fm.horizontalAdvance(t) for t in lines) + 1)
                self.static.setTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
                self.static.setText("<br>".join(html.escape(t) for t in lines))
            else:
                self.static.setTextFormat(Qt.TextFormat.PlainText)
                self.static.setTextWidth(-1)
                self.static.setText(text)
            self.static.prepare(QTransform(), self.font)
            self.owner.changed()

    def text(self) -> str:
        return self._text


class _Labels(pg.GraphicsObject):
    """The view's texts (input and output names, layer titles, probabilities) in one scene item.

    Drawn as QStaticText in device pixels: fourteen pyqtgraph TextItems (a QGraphicsTextItem each,
    re-transformed before every paint) cost about a sixth of the 4-5-5-3 network's frame.
    """

    MARGIN = 4.0  # px around each text, as a TextItem's document margin

    def __init__(self):
        super().__init__()
        self.items: list[_Label] = []
        self._rect: QRectF | None = None

    def add(self, x, y, text, color, font, anchor, dx: float = 0.0) -> _Label:
        lbl = _Label(self, float(x), float(y), text, QColor(*color), QFont(font), anchor, float(dx))
        self.items.append(lbl)
        self.changed()
        return lbl

    def clear(self):
        self.items = []
        self.changed()

    def changed(self):
        self.prepareGeometryChange()
        self._rect = None
        self.update()

    def viewTransformChanged(self):  # text keeps its pixel size: its extent in view units changes
        self.changed()

    def boundingRect(self) -> QRectF:
        if self._rect is None:
            if not self.items:
                self._rect = QRectF()
                return self._rect
            xs = [lbl.x for lbl in self.items]
            ys = [lbl.y for lbl in self.items]
            w = max(lbl.static.size().width() + abs(lbl.dx) for lbl in self.items) + 2 * self.MARGIN
            h = max(lbl.static.size().height() for lbl in self.items) + 2 * self.MARGIN
            px, py = self.pixelVectors()
            sx = px.length() if px is not None else 0.01
            sy = py.length() if py is not None else 0.01
            self._rect = QRectF(min(xs) - w * sx, min(ys) - h * sy,
                                max(xs) - min(xs) + 2 * w * sx, max(ys) - min(ys) + 2 * h * sy)
        return self._rect

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None, None  # the view's range is set from the network, not from its labels

    def paint(self, p, opt, widget):
        t = p.transform()
        if t.m12() != 0 or t.m21() != 0 or not t.isAffine():
            return
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        m = self.MARGIN
        for lbl in self.items:
            if not lbl._text:
                continue
            size = lbl.static.size()
            dx = lbl.x * t.m11() + t.m31() + lbl.dx - lbl.anchor[0] * (size.width() + 2 * m) + m
            dy = lbl.y * t.m22() + t.m32() - lbl.anchor[1] * (size.height() + 2 * m) + m
            p.setFont(lbl.font)
            p.setPen(lbl.color)
            p.drawStaticText(QPointF(dx, dy), lbl.static)
        p.restore()

    def device_rect(self, lbl: _Label, t: QTransform) -> QRectF:
        """Where `lbl` is painted, in the device pixels of transform t (as paint computes it)."""
        m = self.MARGIN
        size = lbl.static.size()
        x = lbl.x * t.m11() + t.m31() + lbl.dx - lbl.anchor[0] * (size.width() + 2 * m)
        y = lbl.y * t.m22() + t.m32() - lbl.anchor[1] * (size.height() + 2 * m)
        return QRectF(x, y, size.width() + 2 * m, size.height() + 2 * m)


def _ease(p: np.ndarray | float):
    p = np.clip(p, 0.0, 1.0)
    return p * p * (3 - 2 * p)


class NetworkView(pg.PlotWidget):
    """Draws a layered network from per-layer edge values (out, in) and node values (out,)."""

    edgeClicked = Signal(int, int, int)  # layer, out neuron, in neuron
    nodeClicked = Signal(int, int)  # neuron layer (0 = inputs), index
    shownChanged = Signal(int, int)  # edges drawn, edges in the network

    def __init__(self, parent=None):
        super().__init__(parent=parent, background=theme.BACKGROUND)
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()  # pyqtgraph's "A" (auto-range): the view lays itself out
        for ax in ("left", "bottom"):
            self.hideAxis(ax)
        self.getViewBox().setMouseEnabled(True, True)
        self.setAntialiasing(True)
        self.mode = "weights"
        self.duration = 0.35  # seconds of interpolation between snapshots
        self.sizes: tuple[int, ...] = ()
        self._input_names: list[str] = []
        self._output_names: list[str] = []
        self._pens: list[tuple[QPen, QPen]] = []
        for sign in (1, -1):
            for lvl in range(theme.N_LEVELS):
                t = (lvl + 0.5) / theme.N_LEVELS
                rgb = theme.signed_rgb(sign * t, 1.0)
                # opaque colours faded into the background, not translucent ones: Qt's raster engine
                # strokes translucent antialiased lines about 7x slower (3,000 lines: 440 vs 65 ms)
                a = (70 + 185 * t) / 255
                pen = QPen(QColor(*theme.faded(rgb, a)))
                pen.setWidthF(1.1 + 2.9 * t * t)
                pen.setCosmetic(True)
                dense = QPen(pen)  # for thousands of lines: thinner, or they merge into a block
                dense.setWidthF(1.0 + 1.0 * t * t)
                self._pens.append((pen, dense))
        # buckets: 0..N-1 positive by magnitude, N..2N-1 negative; weak ones painted first
        order = [lvl + sign * theme.N_LEVELS for lvl in range(theme.N_LEVELS) for sign in (0, 1)]
        self._edges = _EdgeLines(self._pens, order)
        self.addItem(self._edges)
        self._nodes = pg.ScatterPlotItem(pxMode=True, hoverable=False)
        self._nodes.setZValue(20)
        self.addItem(self._nodes)
        self._sweep = QGraphicsRectItem()
        self._sweep.setBrush(QColor(*theme.ACCENT, 40))
        self._sweep.setPen(QPen(Qt.PenStyle.NoPen))
        self._sweep.setZValue(-1)
        self._sweep.hide()
        self.addItem(self._sweep)
        self._labels = _Labels()
        self._labels.setZValue(30)
        self.addItem(self._labels)
        self._message = QLabel(self.viewport())  # what is happening while there is nothing to draw
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setStyleSheet("color: #777; font-size: 13px;")
        self._message.hide()
        self._prob_labels: list[_Label] = []
        self._in_labels: list[_Label] = []
        self._out_labels: list[_Label] = []
        self._titles: list[_Label] = []
        self._scale = 1.0
        self._node_scale = 1.0
        self._from: tuple[np.ndarray, list[np.ndarray]] | None = None
        self._to: tuple[np.ndarray, list[np.ndarray]] | None = None
        self._shown: tuple[np.ndarray, list[np.ndarray]] | None = None
        self._t0 = 0.0
        self._sweep_mode = False
        self._drawn_idx = np.zeros(0, dtype=np.int64)
        self._activations: list[np.ndarray] | None = None
        self._probabilities: np.ndarray | None = None
        self.snapshot = None
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._tick)
        self.scene().sigMouseMoved.connect(self._hover)
        self.getViewBox().sigResized.connect(self._vb_resized)
        self.scene().sigMouseClicked.connect(self._click)
        self.frames_drawn = 0

    # -- structure ----------------------------------------------------------------------------
    def set_structure(self, sizes, input_names=(), output_names=(), activation="relu"):
        sizes = tuple(int(s) for s in sizes)
        self.sizes = sizes
        self.activation = activation
        self._input_names = list(input_names)
        self._output_names = list(output_names)
        self._pos = []
        for i, n in enumerate(sizes):
            spacing = min(0.34, 1.7 / max(n, 1))
            y = ((n - 1) / 2 - np.arange(n)) * spacing
            self._pos.append(np.column_stack([np.full(n, float(i)), y]))
        # edge endpoints, layer by layer, in the (out, in) row-major order of the weight matrices
        x0, y0, x1, y1, offsets = [], [], [], [], [0]
        for i in range(len(sizes) - 1):
            src, dst = self._pos[i], self._pos[i + 1]
            o, k = np.meshgrid(np.arange(sizes[i + 1]), np.arange(sizes[i]), indexing="ij")
            x0.append(src[k.ravel(), 0])
            y0.append(src[k.ravel(), 1])
            x1.append(dst[o.ravel(), 0])
            y1.append(dst[o.ravel(), 1])
            offsets.append(offsets[-1] + sizes[i] * sizes[i + 1])
        self._ex0, self._ey0 = np.concatenate(x0), np.concatenate(y0)
        self._ex1, self._ey1 = np.concatenate(x1), np.concatenate(y1)
        self._seg = np.column_stack([self._ex0, self._ey0, self._ex1, self._ey1])  # QLineF order
        self._offsets = np.array(offsets)
        self.n_edges = int(offsets[-1])
        self._from = self._to = self._shown = None
        self._activations = None
        self._probabilities = None
        self.snapshot = None
        largest = max(sizes)
        self._node_px = float(np.clip(260 / largest, 3, 26))
        self._build_labels()
        self._layout()
        self._nodes_for = None
        self._draw_nodes([np.zeros(s) for s in sizes[1:]])
        ys = np.concatenate([pos[:, 1] for pos in self._pos])
        self._edges.set_bounds(QRectF(-0.05, float(ys.min()) - 0.05, len(sizes) - 1 + 0.1,
                                      float(ys.max() - ys.min()) + 0.1))
        self._edges.set_segments(np.zeros((0, 4)), np.zeros(len(self._pens) + 1, dtype=np.int64), True)

    def _build_labels(self):
        self._labels.clear()
        sizes = self.sizes
        font = QFont()
        font.setPointSizeF(8.5)
        self._name_font = font
        add = self._labels.add
        gap = self._node_px / 2 + 4  # px between a neuron's centre and its name
        self._in_labels, self._out_labels = [], []
        if sizes[0] <= 40:
            for j, name in enumerate(self._input_names[: sizes[0]]):
                self._in_labels.append(add(0.0, self._pos[0][j, 1], str(name), theme.TEXT, font,
                                           (1, 0.5), -gap))
        if sizes[-1] <= 40:
            for j, name in enumerate(self._output_names[: sizes[-1]]):
                self._out_labels.append(add(len(sizes) - 1, self._pos[-1][j, 1], str(name), theme.TEXT,
                                            font, (0, 0.5), gap))
        bold = QFont()
        bold.setPointSizeF(8.5)
        bold.setBold(True)
        self._titles = []
        self._title_texts = []  # (full, short, tiny) per layer: shorter ones when layers stand close
        for i, n in enumerate(sizes):
            if i == 0:
                title = (f"inputs x ({n})", f"x ({n})", "x")
            elif i == len(sizes) - 1:
                title = (f"outputs softmax ({n})", f"softmax\n({n})", "out")
            else:
                # two short lines: side by side, one-line titles ran into each other
                title = (f"hidden {i}\n{self.activation} ({n})", f"h{i} ({n})\n{self.activation}", f"h{i}")
            self._title_texts.append(title)
            self._titles.append(add(float(i), float(self._pos[i][0, 1]) + 0.09, title[0], (90, 90, 90),
                                    bold, (0.5, 1)))
        self._prob_labels = []
        if sizes[-1] <= 40:
            for j in range(sizes[-1]):
                self._prob_labels.append(add(len(sizes) - 1, self._pos[-1][j, 1] - 0.08, "",
                                             theme.ACCENT, font, (0, 0.5), gap))

    # the share of the view's width the input names (and the output names) may take at most
    NAME_SHARE = 0.26

    def _layout(self):
        """Fit the network and its names into the view's width, in pixels: input and output names
        are elided in the middle to at most NAME_SHARE of the width each (the whole name shows on
        hover), and the x range leaves exactly the room the names and the layer titles need, so no
        name is cut by the view's edge at any width. Called on every resize."""
        if not self.sizes:
            return
        vb = self.getViewBox()
        width = float(vb.width()) if vb.width() > 10 else float(max(self.width(), 200))
        fm = QFontMetricsF(self._name_font)
        m = _Labels.MARGIN
        gap = self._node_px / 2 + 4
        cap = max(40.0, self.NAME_SHARE * width)

        def elide(labels, mode):
            return [lbl.full if fm.horizontalAdvance(lbl.full) <= cap else
                    fm.elidedText(lbl.full, mode, cap) for lbl in labels]

        def fit(labels):
            texts = elide(labels, Qt.TextElideMode.ElideMiddle)
            if len(set(texts)) < len(texts):  # two names elided alike: try keeping their starts
                right = elide(labels, Qt.TextElideMode.ElideRight)
                if len(set(right)) > len(set(texts)):
                    texts = right
            for lbl, text in zip(labels, texts, strict=True):
                lbl.setText(text)
            return max((fm.horizontalAdvance(t) for t in texts), default=0.0)

        left_names = fit(self._in_labels)
        right_names = fit(self._out_labels)
        if self._prob_labels:
            right_names = max(right_names, fm.horizontalAdvance("p = 0.000"))
        span = len(self.sizes) - 1

        def place(level: int):
            for lbl, texts in zip(self._titles, self._title_texts, strict=True):
                lbl.setText(texts[level])
            tw = [lbl.static.size().width() + 2 * m for lbl in self._titles]
            left = max(gap + left_names + 2 * m + 2 if self._in_labels else self._node_px / 2 + 6,
                       tw[0] / 2 + 2)
            right = max(gap + right_names + 2 * m + 2 if self._out_labels else self._node_px / 2 + 6,
                        tw[-1] / 2 + 2)
            inner = max(width - left - right, 0.25 * width)  # px for the layers themselves
            unit = inner / max(span, 1)
            # neighbouring titles need their half widths between the layers
            fits = all(unit >= (tw[i] + tw[i + 1]) / 2 for i in range(span))
            return left, right, unit, fits

        for level in range(3):  # the longest titles that fit side by side (the tiniest regardless)
            left, right, unit, fits = place(level)
            if fits:
                break
        self._layout_width = width
        vb.setRange(QRectF(-left / unit, -1.0, span + (left + right) / unit, 2.1), padding=0)

    def _vb_resized(self):
        vb = self.getViewBox()
        if self.sizes and abs(float(vb.width()) - getattr(self, "_layout_width", -1.0)) > 0.5:
            self._layout()

    def label_at(self, pos) -> _Label | None:
        """The input or output name under a point of the view (widget coordinates), if any."""
        t = self._labels.deviceTransform(self.viewportTransform())
        if t is None:
            return None
        for lbl in self._in_labels + self._out_labels:
            if self._labels.device_rect(lbl, t).contains(QPointF(pos)):
                return lbl
        return None

    # -- values -------------------------------------------------------------------------------
    def set_mode(self, mode: str):
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot, animate=False)

    def set_message(self, text: str):
        """A centred note over the view, e.g. while the first network is being built; '' hides it."""
        self._message.setText(text)
        self._place_message()
        self._message.setVisible(bool(text))

    def _place_message(self):
        self._message.setGeometry(self.viewport().rect().adjusted(40, 0, -40, 0))

    @property
    def message(self) -> str:
        return self._message.text() if self._message.isVisible() else ""

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        if hasattr(self, "_message"):  # pyqtgraph calls this from its __init__, before ours
            self._place_message()

    def show_snapshot(self, snap, animate: bool = True):
        """Show a snapshot in the current mode; animate from what is on screen now."""
        if snap is None or tuple(snap.layer_sizes) != self.sizes:
            return
        self.snapshot = snap
        edges = np.concatenate([np.asarray(v, dtype=np.float64).ravel()
                                for v in snap.edge_values(self.mode)])
        nodes = [np.asarray(v, dtype=np.float64) for v in snap.node_values(self.mode)]
        if edges.size > MAX_EDGES:  # widths spread over the edges actually drawn (the strongest)
            target_scale = theme.robust_scale([np.partition(np.abs(edges), edges.size - MAX_EDGES)
                                               [edges.size - MAX_EDGES:]])
        else:
            target_scale = theme.robust_scale([edges])
        node_scale = theme.robust_scale(nodes)
        self._to = (edges, nodes)
        if not animate or self._shown is None or self.duration <= 0 or \
                self._shown[0].shape != edges.shape:
            self._scale, self._node_scale = target_scale, node_scale
            self._sweep.hide()
            self._timer.stop()
            self._render(edges, nodes)
            return
        self._from = self._shown
        # the scale follows smoothly, so a growing weight grows on screen rather than the rest shrinking
        self._scale_from, self._scale_to = self._scale, target_scale
        self._node_scale_from, self._node_scale_to = self._node_scale, node_scale
        self._sweep_mode = self.mode == "gradients"
        self._t0 = time.perf_counter()
        if not self._timer.isActive():
            self._timer.start()
            self._tick()
        # else the running timer draws towards the new target on its next tick: one render per tick

    def _tick(self):
        if self._to is None:
            self._timer.stop()
            return
        p = (time.perf_counter() - self._t0) / max(self.duration, 1e-6)
        e0, n0 = self._from
        e1, n1 = self._to
        L = len(self.sizes) - 1
        if self._sweep_mode and L > 0:
            # backpropagation's direction: the output layer first, then layer by layer to the input
            per = np.empty(L)
            for i in range(L):
                start = (L - 1 - i) / L * 0.7
                per[i] = 1.0 if p >= 1 else float(_ease((p - start) / 0.3))
            counts = np.diff(self._offsets)
            w = np.repeat(per, counts)
            edges = e0 + (e1 - e0) * w
            nodes = [a + (b - a) * per[i] for i, (a, b) in enumerate(zip(n0, n1, strict=True))]
            active = [i for i in range(L) if 0 < per[i] < 1]
            if active and p < 1:
                i = min(active)
                self._sweep.setRect(QRectF(i - 0.08, -1.0, 1.16, 2.0))
                self._sweep.show()
            else:
                self._sweep.hide()
        else:
            k = float(_ease(p))
            edges = e0 + (e1 - e0) * k
            nodes = [a + (b - a) * k for a, b in zip(n0, n1, strict=True)]
        k = float(_ease(p))
        self._scale = self._scale_from + (self._scale_to - self._scale_from) * k
        self._node_scale = self._node_scale_from + (self._node_scale_to - self._node_scale_from) * k
        self._render(edges, nodes)
        if p >= 1:
            self._timer.stop()
            self._sweep.hide()

    def highlight_layer(self, layer: int | None):
        """Shade one weight layer (between neuron layers `layer` and `layer`+1); None/-1 clears."""
        if layer is None or layer < 0 or not self.sizes:
            self._sweep.hide()
            return
        self._sweep.setRect(QRectF(layer - 0.08, -1.0, 1.16, 2.0))
        self._sweep.show()

    def finish_animation(self):
        """Jump to the target values (used by tests and benchmarks)."""
        if self._timer.isActive():
            self._t0 = -1e9
            self._tick()

    def _render(self, edges: np.ndarray, nodes: list[np.ndarray]):
        self._shown = (edges, nodes)
        n = edges.shape[0]
        if n > MAX_EDGES:
            idx = np.argpartition(np.abs(edges), n - MAX_EDGES)[n - MAX_EDGES:]
        else:
            idx = np.arange(n)
        self._drawn_idx = idx
        smooth = idx.size <= AA_EDGES  # antialiasing thousands of lines costs 10x the frame
        vals = edges[idx]
        lv = theme.levels(vals, self._scale)
        bucket = np.where(vals >= 0, lv, lv + theme.N_LEVELS)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(2 * theme.N_LEVELS + 1))
        sel_all = idx[order]
        self._edges.set_segments(self._seg[sel_all], bounds, smooth)
        self._draw_nodes(nodes)
        self.frames_drawn += 1
        self.shownChanged.emit(int(idx.size), int(n))

    def _draw_nodes(self, nodes: list[np.ndarray]):
        """Node fills (quantised colours) and outlines from shared QBrush/QPen objects.

        pyqtgraph's symbol atlas keys its cache on the pen and brush objects' ids: shared objects
        render each distinct symbol once, a fresh mkBrush/mkPen per node re-renders every node every
        frame. Positions are set once per structure; a frame only changes brushes (and pens when lit).
        """
        if not hasattr(self, "_node_brushes"):
            L = NODE_LEVELS
            self._node_brushes = [pg.mkBrush(*theme.signed_rgb(sign * (lvl + 0.5) / L, 1.0))
                                  for sign in (1, -1) for lvl in range(L)]
            self._input_brush = pg.mkBrush(255, 255, 255)
            self._node_pens = [pg.mkPen((90, 90, 90), width=1.0), pg.mkPen((170, 170, 170), width=1.0)] + \
                [pg.mkPen((0, 158, 115), width=1.0 + 4.0 * lvl / (PEN_LEVELS - 1))
                 for lvl in range(PEN_LEVELS)]
        sizes = self.sizes
        vals = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in nodes]) if nodes \
            else np.zeros(0)
        scale = self._node_scale if self._node_scale > 0 else 1.0
        t = np.clip(np.abs(vals) / scale, 0.0, 1.0)
        lv = np.minimum((t * NODE_LEVELS).astype(np.int64), NODE_LEVELS - 1)
        k = np.where(vals >= 0, lv, lv + NODE_LEVELS)
        nb = self._node_brushes
        brushes = [self._input_brush] * sizes[0] + [nb[i] for i in k]
        act = self._activations
        pens = None  # None: the plain outline on every node
        if act is not None:
            amax = max((float(np.abs(a).max()) for a in act[:-1]), default=1.0)
            last = len(sizes) - 1
            ta = np.concatenate([np.minimum(1.0, np.abs(a) / (1.0 if i == last else max(amax, 1e-9)))
                                 for i, a in enumerate(act)])
            pl = np.where(ta > 0.02, 2 + np.rint(ta * (PEN_LEVELS - 1)).astype(np.int64), 1)
            pens = [self._node_pens[i] for i in pl]
        lit = pens is not None
        self._node_style = (brushes, pens if lit else [self._node_pens[0]] * len(brushes))
        if getattr(self, "_nodes_for", None) != (sizes, lit):
            self._nodes.setData(pos=np.concatenate(self._pos), brush=brushes,
                                pen=pens if lit else self._node_pens[0], size=self._node_px, symbol="o")
            self._nodes_for = (sizes, lit)
        elif lit:
            self._nodes.setBrush(brushes, update=False)
            self._nodes.setPen(pens)
        else:
            self._nodes.setBrush(brushes)

    # -- export -----------------------------------------------------------------------------------
    def render_svg(self, path: str, title: str = "NeuroWatch network view") -> None:
        """Write the view as it is on screen to an SVG file; OSError when it cannot be written.

        The neurons are drawn here as plain circles in pixels, not through the scatter item: its
        symbols are unit paths scaled up to the node size with a cosmetic pen, which QSvgGenerator
        writes as a stroke as wide as the node (26 px) marked vector-effect="non-scaling-stroke";
        renderers that ignore that attribute (most outside Qt) painted every neuron a grey disc.
        """
        from PySide6.QtCore import QRect
        from PySide6.QtSvg import QSvgGenerator

        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(self.size())
        gen.setViewBox(QRect(0, 0, self.width(), self.height()))
        gen.setTitle(title)
        painter = QPainter(gen)
        if not painter.isActive():
            raise OSError("the SVG could not be written")
        shown = self._nodes.isVisible()
        self._nodes.hide()
        try:
            self.render(painter)
            self.paint_nodes(painter)
        finally:
            self._nodes.setVisible(shown)
            ok = painter.end()
        if not ok:
            raise OSError("the SVG could not be written")

    def node_centres(self) -> list[QPointF]:
        """Every neuron's centre in this widget's pixels, layer by layer."""
        if not self.sizes:
            return []
        vb = self.getViewBox()
        off = self.viewport().pos()
        out = []
        for pos in self._pos:
            for x, y in pos:
                q = self.mapFromScene(vb.mapViewToScene(QPointF(float(x), float(y))))
                out.append(QPointF(q.x() + off.x(), q.y() + off.y()))
        return out

    def paint_nodes(self, painter: QPainter):
        """The neurons as circles of the node size, strokes in pixels (no scaled pens)."""
        style = getattr(self, "_node_style", None)
        if style is None:
            return
        brushes, pens = style
        r = self._node_px / 2.0
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for c, brush, pen in zip(self.node_centres(), brushes, pens, strict=False):
            p = QPen(pen)
            p.setCosmetic(False)
            painter.setPen(p)
            painter.setBrush(brush)
            painter.drawEllipse(c, r, r)
        painter.restore()

    # -- an observation's forward pass --------------------------------------------------------
    def set_forward_pass(self, inputs, activations, probabilities=None):
        """Light one observation: per neuron layer its values (inputs, then each layer's a)."""
        if inputs is None:
            self._activations = None
            self._probabilities = None
            for t in self._prob_labels:
                t.setText("")
        else:
            self._activations = [np.asarray(inputs, dtype=np.float64).ravel()] + \
                [np.asarray(a, dtype=np.float64).ravel() for a in activations]
            self._probabilities = None if probabilities is None else np.asarray(probabilities).ravel()
            if self._probabilities is not None:
                for t, p in zip(self._prob_labels, self._probabilities, strict=False):
                    t.setText(f"p = {p:.3f}")
        if not self.sizes:
            return
        if self._shown is not None:
            self._draw_nodes(self._shown[1])
        else:
            self._draw_nodes([np.zeros(s) for s in self.sizes[1:]])

    # -- hover and click ----------------------------------------------------------------------
    def _node_at(self, scene_pos):
        vb = self.getViewBox()
        p = vb.mapSceneToView(scene_pos)
        px = vb.viewPixelSize()
        best = None
        for i, pos in enumerate(getattr(self, "_pos", [])):
            if abs(p.x() - i) * 1.0 / max(px[0], 1e-12) > self._node_px:
                continue
            d = np.hypot((pos[:, 0] - p.x()) / px[0], (pos[:, 1] - p.y()) / px[1])
            j = int(np.argmin(d))
            if d[j] <= self._node_px / 2 + 2 and (best is None or d[j] < best[2]):
                best = (i, j, d[j])
        return None if best is None else best[:2]

    def _edge_at(self, scene_pos):
        if self._drawn_idx.size == 0:
            return None
        vb = self.getViewBox()
        p = vb.mapSceneToView(scene_pos)
        px, py = vb.viewPixelSize()
        idx = self._drawn_idx
        ax, ay = self._ex0[idx] / px, self._ey0[idx] / py
        bx, by = self._ex1[idx] / px, self._ey1[idx] / py
        qx, qy = p.x() / px, p.y() / py
        dx, dy = bx - ax, by - ay
        t = np.clip(((qx - ax) * dx + (qy - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        d = np.hypot(ax + t * dx - qx, ay + t * dy - qy)
        k = int(np.argmin(d))
        if d[k] > 4:
            return None
        flat = int(idx[k])
        layer = int(np.searchsorted(self._offsets, flat, side="right") - 1)
        r = flat - self._offsets[layer]
        n_in = self.sizes[layer]
        return layer, int(r // n_in), int(r % n_in)

    def neuron_name(self, layer: int, j: int) -> str:
        if layer == 0 and j < len(self._input_names):
            return f"x{j + 1} {self._input_names[j]}"
        if layer == len(self.sizes) - 1 and j < len(self._output_names):
            return f"output {j + 1} '{self._output_names[j]}'"
        return f"hidden {layer}, neuron {j + 1}"

    def describe_edge(self, layer: int, o: int, i: int) -> str:
        s = self.snapshot
        src, dst = self.neuron_name(layer, i), self.neuron_name(layer + 1, o)
        lines = [f"<b>connection</b> {src} → {dst}"]
        if s is not None:
            w, g = float(s.weights[layer][o, i]), float(s.grad_weights[layer][o, i])
            lines += [f"weight w = {w:+.5f}",
                      f"gradient dL/dw = {format_gradient(g)}: {step_words(w, g, s.learning_rate)}",
                      f"last update Δw = {s.delta_weights[layer][o, i]:+.3e} (epoch {s.epoch})"]
        if self._activations is not None:
            a_in = self._activations[layer][i]
            lines.append(f"carries w·a = {s.weights[layer][o, i]:+.4f} × {a_in:+.4f} = "
                         f"{s.weights[layer][o, i] * a_in:+.4f} into {dst}")
        lines.append("<i>click to study the loss as a function of this weight</i>")
        return "<br>".join(lines)

    def describe_node(self, layer: int, j: int) -> str:
        s = self.snapshot
        lines = [f"<b>{self.neuron_name(layer, j)}</b>"]
        if layer == 0:
            lines.append("an input: one feature of the observation, standardised")
        elif s is not None:
            b = layer - 1
            lines += [f"bias b = {s.biases[b][j]:+.5f}", f"dL/db = {s.grad_biases[b][j]:+.3e}",
                      f"last update Δb = {s.delta_biases[b][j]:+.3e}"]
        if self._activations is not None:
            a = self._activations[layer][j]
            if layer == 0:
                lines.append(f"x = {a:+.4f}")
            elif layer == len(self.sizes) - 1:
                lines.append(f"softmax probability p = {a:.4f}")
            else:
                lines.append(f"activation a = {self.activation}(z) = {a:+.4f}")
        return "<br>".join(lines)

    def _hover(self, scene_pos):
        if not self.sizes:
            return
        node = self._node_at(scene_pos)
        text = None
        lbl = self.label_at(self.mapFromScene(scene_pos)) if node is None else None
        if node is not None:
            text = self.describe_node(*node)
        elif lbl is not None:
            text = html.escape(lbl.full)
        else:
            edge = self._edge_at(scene_pos)
            if edge is not None:
                text = self.describe_edge(*edge)
        if text:
            gp = self.mapToGlobal(self.mapFromScene(scene_pos))
            QToolTip.showText(gp, text, self)
        else:
            QToolTip.hideText()

    def _click(self, ev):
        if ev.button() != Qt.MouseButton.LeftButton or not self.sizes:
            return
        node = self._node_at(ev.scenePos())
        if node is not None:
            self.nodeClicked.emit(*node)
            return
        edge = self._edge_at(ev.scenePos())
        if edge is not None:
            self.edgeClicked.emit(*edge)

    def scene_pos_of_edge(self, layer: int, o: int, i: int, t: float = 0.3) -> QPointF:
        """Scene coordinates of a point on an edge, a share t from its input end (tests, tours)."""
        a, b = self._pos[layer][i], self._pos[layer + 1][o]
        p = a + (b - a) * t
        return self.getViewBox().mapViewToScene(QPointF(float(p[0]), float(p[1])))


class ModeButton(QToolButton):
    """A checkable button with its words where they fit, else its symbol (the words in the tooltip)."""

    def __init__(self, words: str, symbol: str, parent=None):
        super().__init__(parent)
        self.words, self.symbol = words, symbol
        self.setCheckable(True)
        self.setText(words)
        # (a tool button's policy is Fixed: its layout would never give it less than the words)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _width_for(self, text: str) -> int:
        pad = super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())
        return self.fontMetrics().horizontalAdvance(text) + pad

    def sizeHint(self):
        return QSize(self._width_for(self.words), super().sizeHint().height())

    def minimumSizeHint(self):
        return QSize(self._width_for(self.symbol), super().minimumSizeHint().height())

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        text = self.words if self.width() >= self._width_for(self.words) else self.symbol
        if text != self.text():
            self.setText(text)


class NetworkPanel(QWidget):
    """The network view with its header: what edges show, how many are drawn, and a legend."""

    modeChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = NetworkView(self)
        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 8, 0)
        head.addWidget(QLabel("<b>Edges show:</b>"))
        self._group = QButtonGroup(self)
        self.mode_buttons = {}
        tips = {
            "weights": "Each line's colour and width: the weight w it multiplies its input by.",
            "gradients": "dL/dw, the epoch-mean gradient backpropagation computed: how the loss "
                         "changes when this weight grows. Animated from the output layer back to "
                         "the input, the direction backpropagation runs.",
            "updates": "Δw, the change the optimizer made to each weight in the last epoch "
                       "(for plain SGD: −learning rate × dL/dw).",
        }
        for i, m in enumerate(MODES):
            # toggles that show the symbol alone where the words do not fit (three radio buttons
            # kept the view at least 416 px wide, and the window over 1,000 px)
            b = ModeButton(MODE_LABELS[m], MODE_SYMBOLS[m])
            b.setToolTip(f"<b>{MODE_LABELS[m]}</b> (Ctrl+{i + 1}): {tips[m]}")
            self._group.addButton(b, i)
            head.addWidget(b)
            self.mode_buttons[m] = b
        self.mode_buttons["weights"].setChecked(True)
        self._group.idToggled.connect(self._toggled)
        head.addStretch(1)
        self.shown_label = QLabel("")
        self.shown_label.setStyleSheet("color: #8a5a00;")
        self.shown_label.setWordWrap(True)
        head.addWidget(self.shown_label)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setContentsMargins(8, 0, 8, 0)
        self.legend.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.legend)
        lay.addWidget(self.view, 1)
        self.view.shownChanged.connect(self._shown)
        self._update_legend()

    def _toggled(self, idx: int, checked: bool):
        if checked:
            mode = MODES[idx]
            self.view.set_mode(mode)
            self._update_legend()
            self.modeChanged.emit(mode)

    def set_mode(self, mode: str):
        self.mode_buttons[mode].setChecked(True)

    def _shown(self, k: int, m: int):
        self.shown_label.setText(f"showing the {k:,} strongest of {m:,} connections" if k < m else "")
        self._update_legend()

    def _update_legend(self):
        pos, neg = theme.hex_colour(theme.POSITIVE), theme.hex_colour(theme.NEGATIVE)
        sym = MODE_SYMBOL[self.view.mode]
        scale = self.view._scale
        self.legend.setText(
            f"<span style='color:{pos}'>━━</span> {sym} &gt; 0 &nbsp; "
            f"<span style='color:{neg}'>━━</span> {sym} &lt; 0 &nbsp; width ∝ |{sym}| "
            f"(full at {scale:.3g}) &nbsp; fill = {NODE_SYMBOL[self.view.mode]}")
