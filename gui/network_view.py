"""The network view: every neuron and every weighted connection, animated epoch by epoch.

Edges are bucketed by sign and magnitude into a few pens; one scene item draws them all, one
drawLines call per bucket, never one item per edge (gui/network_edges.py). Past MAX_EDGES
connections only the strongest are drawn, and the header says how many are shown (the header and
legend: gui/network_panel.py). Names and titles: gui/network_labels.py; hover texts:
gui/network_texts.py; what the mouse is over, hover and click: gui/network_hits.py.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel

from gui import network_export, theme
from gui.network_edges import EdgeLines, edge_pens, paint_order
from gui.network_hits import NetworkHits
from gui.network_labels import SceneLabel, SceneLabels, fit_names, layer_titles
from gui.network_nodes import NodeStyles
from gui.theme import MODES

MAX_EDGES = 3000
AA_EDGES = 1200  # above this many drawn lines, draw them without antialiasing


def _ease(p: np.ndarray | float):
    p = np.clip(p, 0.0, 1.0)
    return p * p * (3 - 2 * p)


class NetworkView(NetworkHits, pg.PlotWidget):
    """Draws a layered network from per-layer edge values (out, in) and node values (out,)."""

    edgeClicked = Signal(int, int, int)  # layer, out neuron, in neuron
    nodeClicked = Signal(int, int)  # neuron layer (0 = inputs), index
    shownChanged = Signal(int, int)  # edges drawn, edges in the network
    healthChanged = Signal()  # set_health: other neurons greyed (or none)

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
        self._pens: list[tuple[QPen, QPen]] = edge_pens()
        self._edges = EdgeLines(self._pens, paint_order())
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
        self._labels = SceneLabels()
        self._labels.setZValue(30)
        self.addItem(self._labels)
        self._message = QLabel(self.viewport())  # what is happening while there is nothing to draw
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setStyleSheet("color: #777; font-size: 13px;")
        self._message.hide()
        self._prob_labels: list[SceneLabel] = []
        self._in_labels: list[SceneLabel] = []
        self._out_labels: list[SceneLabel] = []
        self._titles: list[SceneLabel] = []
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
        self.health = None  # core.health.Health of self._health_for (dead neurons greyed)
        self._health_for = None
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._tick)
        self.scene().sigMouseMoved.connect(self._hover)
        self.getViewBox().sigResized.connect(self._vb_resized)
        self.scene().sigMouseClicked.connect(self._click)
        self.frames_drawn = 0
        self.maps = None  # gui/network_maps.NeuronPictures: pictures in the neurons (it sets this)

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
        self.health = self._health_for = None
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
        if self.maps is not None:  # pictures in the neurons: larger circles where there is room
            self.maps.structure_changed()

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
        self._title_texts = layer_titles(sizes, self.activation)  # shorter ones when layers stand close
        for i, title in enumerate(self._title_texts):
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
        m = SceneLabels.MARGIN
        gap = self._node_px / 2 + 4
        cap = max(40.0, self.NAME_SHARE * width)

        left_names = fit_names(self._in_labels, fm, cap)
        right_names = fit_names(self._out_labels, fm, cap)
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
        if self.maps is not None and self.sizes:
            self.maps.resized()
        if self.sizes and abs(float(vb.width()) - getattr(self, "_layout_width", -1.0)) > 0.5:
            self._layout()

    def label_at(self, pos) -> SceneLabel | None:
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
        if self.maps is not None:
            self.maps.snapshot_shown(snap)
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
        """Node fills (quantised colours) and outlines from shared QBrush/QPen objects (NodeStyles).

        Positions are set once per structure; a frame only changes brushes (and pens when lit).
        """
        if not hasattr(self, "_node_styles"):
            self._node_styles = NodeStyles()
        sizes = self.sizes
        brushes = self._node_styles.fills(sizes, nodes, self._node_scale)
        pens = self._node_styles.outlines(sizes, self._activations)
        lit = pens is not None
        plain = self._node_styles.pens[0]
        dead = self.dead_mask()
        if dead is not None and dead.any():  # greyed: per-neuron pens, as when lit
            brushes, pens = self._node_styles.mark_dead(brushes, pens if lit else [plain] * len(brushes),
                                                        dead)
            lit = True
        self._node_style = (brushes, pens if lit else [plain] * len(brushes))
        if getattr(self, "_nodes_for", None) != (sizes, lit):
            self._nodes.setData(pos=np.concatenate(self._pos), brush=brushes,
                                pen=pens if lit else plain, size=self._node_px, symbol="o")
            self._nodes_for = (sizes, lit)
        elif lit:
            self._nodes.setBrush(brushes, update=False)
            self._nodes.setPen(pens)
        else:
            self._nodes.setBrush(brushes)

    def set_node_px(self, px: float):
        """The neurons' diameter in px (larger with pictures inside them: gui/network_maps.py); the
        names and layer titles move out of the way."""
        self._node_px = float(px)
        self._build_labels()
        ppu = max(float(self.getViewBox().height()), 50.0) / 2.1  # px per view unit, vertically
        for i, lbl in enumerate(self._titles):
            lbl.y = float(self._pos[i][0, 1]) + max(0.09, (self._node_px / 2 + 3) / ppu)
        if self._probabilities is not None:  # the lit observation's numbers, as they were
            for t, p in zip(self._prob_labels, self._probabilities, strict=False):
                t.setText(f"p = {p:.3f}")
        elif getattr(self, "_value", None) is not None and self._prob_labels:
            self._prob_labels[0].setText(f"= {self._value[1]:.5g}")
        self._labels.changed()
        self._layout()
        self._nodes_for = None
        self._draw_nodes(self._shown[1] if self._shown is not None
                         else [np.zeros(s) for s in self.sizes[1:]])

    # -- health -----------------------------------------------------------------------------------
    def set_health(self, health, snap=None):
        """Grey the dead neurons of `health` (core.health.Health) while `snap` (the snapshot it was
        computed for; default the one shown) is the one on screen; None clears."""
        self.health = health
        self._health_for = None if health is None else (snap if snap is not None else self.snapshot)
        if self.sizes:
            self._draw_nodes(self._shown[1] if self._shown is not None
                             else [np.zeros(s) for s in self.sizes[1:]])
        self.healthChanged.emit()

    def _current_health(self):
        h = self.health
        if h is None or self._health_for is not self.snapshot or self.snapshot is None:
            return None  # computed for another snapshot than the one shown: say nothing
        if tuple(d.size for d in h.dead) != tuple(self.sizes[1:-1]):
            return None
        return h

    def n_dead_shown(self) -> int:
        """How many neurons are greyed as dead now."""
        mask = self.dead_mask()
        return 0 if mask is None else int(mask.sum())

    def dead_mask(self) -> np.ndarray | None:
        """One flag per neuron (inputs, hidden, outputs): dead on the training rows; None if unknown."""
        h = self._current_health()
        if h is None:
            return None
        return np.concatenate([np.zeros(self.sizes[0], dtype=bool), *h.dead,
                               np.zeros(self.sizes[-1], dtype=bool)])

    # -- export -----------------------------------------------------------------------------------
    def render_svg(self, path: str, title: str = "NeuroWatch network view") -> None:
        """Write the view as it is on screen to an SVG file, neurons as plain circles (see
        gui/network_export.py); OSError when it cannot be written."""
        network_export.render_svg(self, path, title)

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

    # -- an observation's forward pass --------------------------------------------------------
    def set_forward_pass(self, inputs, activations, probabilities=None, value=None):
        """Light one observation: per neuron layer its values (inputs, then each layer's a).
        `value`: (label name, number) of a regression network, shown beside its output neuron (its
        activation is then the standardised output)."""
        self._value = value if inputs is not None else None
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
            elif value is not None and self._prob_labels:
                self._prob_labels[0].setText(f"= {value[1]:.5g}")
            else:  # not reached the output yet: no number from another observation
                for t in self._prob_labels:
                    t.setText("")
        if not self.sizes:
            return
        if self._shown is not None:
            self._draw_nodes(self._shown[1])
        else:
            self._draw_nodes([np.zeros(s) for s in self.sizes[1:]])
