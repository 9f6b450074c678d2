"""The network view's connections: every drawn edge in one scene item, and the pens it draws with.

Edges are bucketed by sign and magnitude into a few pens; one scene item draws them all, one
drawLines call per bucket, never one item per edge.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from gui import theme

try:  # a QLineF* into numpy memory: drawLines without building Python QLineF objects
    from shiboken6 import wrapInstance as _wrap
except ImportError:  # pragma: no cover
    _wrap = None


def edge_pens() -> list[tuple[QPen, QPen]]:
    """Per bucket (0..N-1 positive by magnitude, N..2N-1 negative) a smooth pen and a dense one."""
    pens = []
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
            pens.append((pen, dense))
    return pens


def paint_order() -> list[int]:
    """The buckets in painting order: weak ones first, under the strong."""
    return [lvl + sign * theme.N_LEVELS for lvl in range(theme.N_LEVELS) for sign in (0, 1)]


class EdgeLines(pg.GraphicsObject):
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
