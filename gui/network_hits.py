"""What the mouse is over in the network view: the neuron or connection under a point, the tooltip
that describes it (gui/network_texts.py words it), clicks that study a weight or light a neuron.

A mixin of NetworkView (gui/network_view.py), which holds the positions it reads: `sizes`, `_pos`
(node centres per layer, view coordinates), `_node_px`, the drawn edges' ends `_ex0 … _ey1` with
their flat indices `_drawn_idx` and each layer's `_offsets`, the snapshot and the activations.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolTip

from gui import network_texts


class NetworkHits:
    """Hit-testing, hover and click for NetworkView."""

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
        return network_texts.neuron_name(self.sizes, self._input_names, self._output_names, layer, j)

    def describe_edge(self, layer: int, o: int, i: int) -> str:
        src, dst = self.neuron_name(layer, i), self.neuron_name(layer + 1, o)
        return network_texts.describe_edge(self.snapshot, self._activations, src, dst, layer, o, i)

    def describe_node(self, layer: int, j: int) -> str:
        h = self._current_health()
        return network_texts.describe_node(self.snapshot, self._activations, self.neuron_name(layer, j),
                                           layer, j, len(self.sizes), self.activation,
                                           h.neuron_words(layer, j) if h is not None else "",
                                           getattr(self, "_value", None))

    def _hover(self, scene_pos):
        if not self.sizes:
            return
        node = self._node_at(scene_pos)
        if self.maps is not None:
            self.maps.hover(node)
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
