"""Decision regions: the predicted class over two chosen features, the others held at their median."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.network import forward
from gui import theme

GRID = 140


def class_colours(n: int) -> np.ndarray:
    base = theme.LAYER_COLOURS
    return np.array([base[i % len(base)] for i in range(n)], dtype=np.float64)


def region_image(snap, activation: str, scaler, X_raw: np.ndarray, fx: int, fy: int,
                 grid: int = GRID):
    """(rgb (grid, grid, 3) uint8, extent (x0, x1, y0, y1), predicted (grid, grid), confidence)."""
    lo, hi = X_raw.min(axis=0), X_raw.max(axis=0)
    pad = (hi - lo) * 0.05 + 1e-9
    x0, x1 = lo[fx] - pad[fx], hi[fx] + pad[fx]
    y0, y1 = lo[fy] - pad[fy], hi[fy] + pad[fy]
    gx, gy = np.meshgrid(np.linspace(x0, x1, grid), np.linspace(y0, y1, grid))
    pts = np.tile(np.median(X_raw, axis=0), (grid * grid, 1))
    pts[:, fx] = gx.ravel()
    pts[:, fy] = gy.ravel()
    p = forward(snap.weights, snap.biases, activation, scaler.transform(pts)).probabilities
    pred = p.argmax(axis=1)
    conf = p.max(axis=1)
    n = p.shape[1]
    cols = class_colours(n)[pred]
    # confidence shading: 1/n (a guess) is near white, certainty is the full class colour
    t = np.clip((conf - 1.0 / n) / (1.0 - 1.0 / n), 0, 1)[:, None] * 0.75 + 0.1
    rgb = (255 * (1 - t) + cols * t).reshape(grid, grid, 3).astype(np.uint8)
    return rgb, (x0, x1, y0, y1), pred.reshape(grid, grid), conf.reshape(grid, grid)


class RegionsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.fx = QComboBox()
        self.fy = QComboBox()
        for c, tip in ((self.fx, "Feature on the horizontal axis"),
                       (self.fy, "Feature on the vertical axis")):
            c.setToolTip(tip + "; the other features are held at their training median.")
            c.currentIndexChanged.connect(lambda _: self.refresh())
        row = QHBoxLayout()
        row.addWidget(QLabel("x:"))
        row.addWidget(self.fx, 1)
        row.addWidget(QLabel("y:"))
        row.addWidget(self.fy, 1)
        self.plot = pg.PlotWidget(background=theme.BACKGROUND)
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(40, 40, 40, 160))
        self.plot.addItem(self.points)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #444; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.legend)
        self.snapshot = self.data = self.config = None
        self.X_raw = None
        self.rgb = None

    def set_data(self, data, config):
        """A new Split: fill the feature choices (first two features by default)."""
        self.data, self.config = data, config
        self.X_raw = data.scaler.inverse(data.X_train)
        names = list(data.feature_names)
        for c, default in ((self.fx, 0), (self.fy, min(1, len(names) - 1))):
            c.blockSignals(True)
            c.clear()
            c.addItems(names)
            c.setCurrentIndex(default)
            c.blockSignals(False)
        cols = class_colours(len(data.class_names))
        self.legend.setText("Shading: the predicted class, paler where the network is less sure. "
                            "Points: training rows. " + " ".join(
                                f"<span style='color:{theme.hex_colour(c)}'>●</span> {n}"
                                for n, c in zip(data.class_names, cols, strict=True)))
        self.plot.getPlotItem().setLabel("bottom", names[0])
        self.plot.getPlotItem().setLabel("left", names[min(1, len(names) - 1)])

    def set_snapshot(self, snap, config=None):
        self.snapshot = snap
        if config is not None:
            self.config = config
        if self.isVisible():
            self.refresh()

    def refresh(self):
        if self.snapshot is None or self.data is None or self.fx.count() == 0:
            return
        fx, fy = self.fx.currentIndex(), self.fy.currentIndex()
        rgb, (x0, x1, y0, y1), _, _ = region_image(self.snapshot, self.config.activation,
                                                   self.data.scaler, self.X_raw, fx, fy)
        self.rgb = rgb
        self.image.setImage(np.transpose(rgb, (1, 0, 2)), levels=(0, 255))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        cols = class_colours(len(self.data.class_names))[self.data.y_train]
        brushes = [pg.mkBrush(*c) for c in cols]
        self.points.setData(self.X_raw[:, fx], self.X_raw[:, fy], brush=brushes)
        p = self.plot.getPlotItem()
        p.setLabel("bottom", self.data.feature_names[fx])
        p.setLabel("left", self.data.feature_names[fy])

    def showEvent(self, ev):
        super().showEvent(ev)
        self.refresh()
