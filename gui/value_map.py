"""The Decision regions dock of a regression network: its predicted number over two chosen features
(the others held at their training median) as a colour map with a colour bar in the label's units,
and the training rows coloured by their true value on the same scale.

The numbers (the grid, the pair most correlated with the label) are core/regions.py's; this draws.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.regions import best_pair_for_number, held_values, value_grid
from gui import theme
from gui.elided import ElidingComboBox, WrappingLabel
from gui.plots import OpaqueGridAxis, elide_axis_label, elide_axis_labels, fold_caption

GRID = 100
COLOUR_MAP = "viridis"  # perceptually even, readable in grey, no red/green


class ValueMapView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        held = "; the other features are held at their training median."
        self.fx = ElidingComboBox("Feature on the horizontal axis" + held)
        self.fy = ElidingComboBox("Feature on the vertical axis" + held)
        for c in (self.fx, self.fy):
            c.currentIndexChanged.connect(lambda _: self.refresh())
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addWidget(QLabel("x:"))
        row.addWidget(self.fx, 1)
        row.addWidget(QLabel("y:"))
        row.addWidget(self.fy, 1)
        # OpaqueGridAxis: labelled ticks thinned on a short axis (160-240 in steps of 20 overlapped
        # in a 60 px plot)
        self.plot = pg.PlotWidget(background=theme.BACKGROUND,
                                  axisItems={"left": OpaqueGridAxis("left"),
                                             "bottom": OpaqueGridAxis("bottom")})
        self.plot.setMenuEnabled(False)
        p = self.plot.getPlotItem()
        p.hideButtons()
        for ax in ("left", "bottom"):
            p.getAxis(ax).enableAutoSIPrefix(False)
        self.cmap = pg.colormap.get(COLOUR_MAP)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(255, 255, 255, 200))
        self.plot.addItem(self.points)
        self.bar = pg.ColorBarItem(colorMap=self.cmap, interactive=False, width=12)
        self.bar.setImageItem(self.image, insert_in=p)
        self.bar.getAxis("right").enableAutoSIPrefix(False)
        elide_axis_labels(self.plot)
        elide_axis_label(self.bar.getAxis("right"))
        self.plot.setMinimumHeight(120)
        self.caption = WrappingLabel()
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet("color: #444; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.caption)
        self.data = self.config = self.snapshot = None
        self.X_raw = self.held = None
        self.grid: np.ndarray | None = None  # the last values drawn (grid, grid), label units
        self.levels: tuple[float, float] | None = None

    def set_data(self, data, config):
        """A new regression Split: the feature choices (the pair most correlated with the label)."""
        self.data, self.config, self.snapshot = data, config, None
        self.X_raw = data.scaler.inverse(data.X_train)
        names = list(self._raw_names())
        fx, fy = best_pair_for_number(self.X_raw[:, :len(names)], data.y_train) \
            if len(names) > 2 else (0, min(1, len(names) - 1))
        self.fx.set_choices(names, fx)
        self.fy.set_choices(names, fy)
        self.held = held_values(self.X_raw, "median")
        y = np.asarray(data.y_train, dtype=np.float64)
        self.levels = (float(y.min()), float(y.max())) if y.size else (0.0, 1.0)
        self.bar.setLevels(self.levels)
        self.bar.getAxis("right").setLabel(data.label_name)
        self.caption.setText("")

    def _raw_names(self) -> tuple[str, ...]:
        from core.derived import raw_count

        names, kinds = tuple(self.data.feature_names), tuple(getattr(self.config, "derived", ()) or ())
        return names[:raw_count(len(names), kinds)] if kinds else names

    def set_snapshot(self, snap, config=None):
        self.snapshot = snap
        if config is not None:
            self.config = config
        if self.isVisible():
            self.refresh()

    def refresh(self):
        if self.snapshot is None or self.data is None or self.fx.count() == 0:
            return
        d, fx, fy = self.data, self.fx.currentIndex(), self.fy.currentIndex()
        kinds = tuple(getattr(self.config, "derived", ()) or ())
        g = value_grid(self.snapshot.weights, self.snapshot.biases, self.config.activation, d.scaler,
                       self.X_raw, fx, fy, self.held, float(d.label_mean), float(d.label_std), GRID,
                       kinds)
        self.grid = g.values
        # the colour scale: the training labels' range, widened to what the plane predicts
        lo = min(self.levels[0], float(np.nanmin(g.values)))
        hi = max(self.levels[1], float(np.nanmax(g.values)))
        self.image.setImage(g.values.T, levels=(lo, hi))
        self.image.setColorMap(self.cmap)
        x0, x1, y0, y1 = g.extent
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.bar.setLevels((lo, hi))
        y = np.asarray(d.y_train, dtype=np.float64)
        t = np.clip((y - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        cols = self.cmap.map(t, mode="byte")
        self.points.setData(self.X_raw[:, fx], self.X_raw[:, fy],
                            brush=[pg.mkBrush(*c) for c in cols])
        names = self._raw_names()
        p = self.plot.getPlotItem()
        p.setLabel("bottom", names[fx])
        p.setLabel("left", names[fy])
        others = [k for k in range(len(names)) if k not in (fx, fy)]
        held = "; ".join(f"{html.escape(names[k])} = {self.held[k]:.4g}" for k in others)
        self.caption.setText(
            f"Colour: the predicted {html.escape(d.label_name)} over the plane"
            + (f", {html.escape(names[others[0]])} held at its training median "
               f"({self.held[others[0]]:.4g})" if len(others) == 1 else
               f", the other {len(others)} features held at their training median (hover)"
               if others else "")
            + ". Points: the training rows, coloured by their true value.")
        self.caption.setToolTip(
            "The network's predicted number at each point of the plane, in the label's units (the "
            "colour bar). A point whose colour matches the shading around it is predicted well."
            + (f"<br><br>Held values:<br>{held}" if others else ""))
        fold_caption(self.caption, self.plot, self.height())

    def resizeEvent(self, ev):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        fold_caption(self.caption, self.plot, ev.size().height())

    def showEvent(self, ev):
        super().showEvent(ev)
        try:
            self.refresh()
        except Exception:  # an exception leaving a Qt event handler aborts PySide6 6.11: report it
            import traceback

            traceback.print_exc()
