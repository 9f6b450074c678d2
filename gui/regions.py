"""Decision regions: the predicted class over two chosen features, the others held at one value
(the training median by default; the mean or one training row's values on request).

The computation (which pair separates the classes best, the held values, the grid, how many rows
the slice classifies as the network does for the full row) is core/regions.py's; this is drawing.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from core.regions import best_pair, held_values, region_grid, slice_agreement
from gui import theme
from gui.elided import ElidingComboBox, WrappingLabel
from gui.plots import OpaqueGridAxis, elide_axis_labels, fold_caption

GRID = 140
MISCLASSIFIED = (214, 39, 40)  # the ring around a training point the network gets wrong
HOLD_LABELS = {"median": "median", "mean": "mean", "row": "one row"}


def class_colours(n: int) -> np.ndarray:
    base = theme.LAYER_COLOURS
    return np.array([base[i % len(base)] for i in range(n)], dtype=np.float64)


def region_image(snap, activation: str, scaler, X_raw: np.ndarray, fx: int, fy: int,
                 grid: int = GRID, held: np.ndarray | None = None, derived=()):
    """(rgb (grid, grid, 3) uint8, extent (x0, x1, y0, y1), predicted (grid, grid), confidence)."""
    if held is None:
        held = held_values(X_raw, "median")
    g = region_grid(snap.weights, snap.biases, activation, scaler, X_raw, fx, fy, held, grid, derived)
    n = g.n_classes
    cols = class_colours(n)[g.pred.ravel()]
    # confidence shading: 1/n (a guess) is near white, certainty is the full class colour
    t = np.clip((g.conf.ravel() - 1.0 / n) / (1.0 - 1.0 / n), 0, 1)[:, None] * 0.75 + 0.1
    rgb = (255 * (1 - t) + cols * t).reshape(grid, grid, 3).astype(np.uint8)
    return rgb, g.extent, g.pred, g.conf


def _short(name: str, limit: int = 24) -> str:
    """A class name cut in the middle past `limit` characters."""
    return name if len(name) <= limit else name[:limit // 2 - 1] + "…" + name[-(limit // 2 - 1):]


def _num(v: float) -> str:
    return f"{v:.4g}"


class RegionsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        held = "; the other features are held at the value chosen under 'others at'."
        self.fx = ElidingComboBox("Feature on the horizontal axis" + held)
        self.fy = ElidingComboBox("Feature on the vertical axis" + held)
        for c in (self.fx, self.fy):
            c.currentIndexChanged.connect(lambda _: self.refresh())
        self.hold = QComboBox()
        for key, text in HOLD_LABELS.items():
            self.hold.addItem(text, key)
        self.hold.setToolTip("Where the features not on the axes are held: their training median, "
                             "their training mean, or the values of one training row")
        self.hold.currentIndexChanged.connect(lambda _: self._hold_changed())
        self.hold_row = QSpinBox()
        self.hold_row.setToolTip("The training row whose other features the slice uses")
        self.hold_row.setPrefix("row ")
        self.hold_row.hide()
        self.hold_row.valueChanged.connect(lambda _: self.refresh())
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        row.addWidget(QLabel("x:"))
        row.addWidget(self.fx, 1)
        row.addWidget(QLabel("y:"))
        row.addWidget(self.fy, 1)
        self.hold_box = QWidget()
        hrow = QHBoxLayout(self.hold_box)
        hrow.setContentsMargins(0, 0, 0, 0)
        hrow.addWidget(QLabel("others at:"))
        hrow.addWidget(self.hold)
        hrow.addWidget(self.hold_row)
        hold_line = QHBoxLayout()  # its own line: beside x and y it kept the dock 395 px wide
        hold_line.setContentsMargins(4, 0, 4, 0)
        hold_line.addWidget(self.hold_box)
        hold_line.addStretch(1)
        # OpaqueGridAxis: labelled ticks thinned on a short axis (160-240 in steps of 20 overlapped
        # in a 60 px plot)
        self.plot = pg.PlotWidget(background=theme.BACKGROUND,
                                  axisItems={"left": OpaqueGridAxis("left"),
                                             "bottom": OpaqueGridAxis("bottom")})
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideButtons()
        elide_axis_labels(self.plot)
        for ax in ("left", "bottom"):  # plain numbers: "(x0.001)" scales cut the axis title
            self.plot.getPlotItem().getAxis(ax).enableAutoSIPrefix(False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(40, 40, 40, 160))
        self.plot.addItem(self.points)
        # the training rows the network gets wrong (for their full row): a red ring around them
        self.wrong = pg.ScatterPlotItem(size=11, pen=pg.mkPen(*MISCLASSIFIED, width=2),
                                        brush=pg.mkBrush(0, 0, 0, 0))
        self.plot.addItem(self.wrong)
        self.caption = WrappingLabel()  # what the slice is: the features held and at what
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet("color: #444; padding: 2px 6px;")
        self.legend = WrappingLabel()
        self.legend.setStyleSheet("color: #444; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addLayout(hold_line)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.caption)
        lay.addWidget(self.legend)
        self.snapshot = self.data = self.config = None
        self.X_raw = None
        self.rgb = None
        self.agreement = None
        self.held = None

    def set_data(self, data, config):
        """A new Split: fill the feature choices; by default the pair that separates the classes
        best on the training rows (core.regions.best_pair)."""
        self.data, self.config = data, config
        self.snapshot = None  # the last network's: its inputs may not match the new data
        self.X_raw = data.scaler.inverse(data.X_train)
        names = list(self._raw_names())  # derived inputs follow their raw features on the plane
        fx, fy = best_pair(self.X_raw[:, :len(names)], data.y_train) if len(names) > 2 else \
            (0, min(1, len(names) - 1))
        self.fx.set_choices(names, fx)
        self.fy.set_choices(names, fy)
        self.hold_row.blockSignals(True)
        self.hold_row.setRange(0, max(0, len(data.y_train) - 1))
        self.hold_row.blockSignals(False)
        self.hold_box.setVisible(len(names) > 2)
        cols = class_colours(len(data.class_names))
        # the class colours on the panel (names elided: the whole names are in the tooltip)
        self.legend.setText(" ".join(
            f"<span style='color:{theme.hex_colour(c)}'>●</span>&nbsp;{html.escape(_short(n))}"
            for n, c in zip(data.class_names, cols, strict=True)))
        self.legend.setToolTip(
            "Shading: the class the network predicts at each point of the slice, paler where it is "
            "less sure. Points: the training rows; a red ring: the network gets that row (all its "
            "features) wrong.<br>" + "<br>".join(
                f"<span style='color:{theme.hex_colour(c)}'>●</span> {html.escape(n)}"
                for n, c in zip(data.class_names, cols, strict=True)))
        self.plot.getPlotItem().setLabel("bottom", names[fx])
        self.plot.getPlotItem().setLabel("left", names[fy])
        self.caption.setText("")

    def set_snapshot(self, snap, config=None):
        self.snapshot = snap
        if config is not None:
            self.config = config
        if self.isVisible():
            self.refresh()

    def _hold_changed(self):
        self.hold_row.setVisible(self.hold.currentData() == "row")
        self.refresh()

    def set_hold(self, how: str, row: int = 0):
        """Hold the other features at 'median', 'mean' or training row `row` ('row')."""
        self.hold_row.blockSignals(True)
        self.hold_row.setValue(row)
        self.hold_row.blockSignals(False)
        self.hold.setCurrentIndex(list(HOLD_LABELS).index(how))

    def refresh(self):
        if self.snapshot is None or self.data is None or self.fx.count() == 0:
            return
        fx, fy = self.fx.currentIndex(), self.fy.currentIndex()
        how = self.hold.currentData()
        self.held = held_values(self.X_raw, how, self.hold_row.value())
        act = self.config.activation
        derived = self._derived()
        rgb, (x0, x1, y0, y1), _, _ = region_image(self.snapshot, act, self.data.scaler, self.X_raw,
                                                   fx, fy, held=self.held, derived=derived)
        self.rgb = rgb
        self.image.setImage(np.transpose(rgb, (1, 0, 2)), levels=(0, 255))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        y = self.data.y_train
        cols = class_colours(len(self.data.class_names))[y]
        brushes = [pg.mkBrush(*c) for c in cols]
        self.points.setData(self.X_raw[:, fx], self.X_raw[:, fy], brush=brushes)
        ag = slice_agreement(self.snapshot.weights, self.snapshot.biases, act, self.data.scaler,
                             self.X_raw, y, fx, fy, self.held, derived)
        self.agreement = ag
        bad = ag.misclassified
        self.wrong.setData(self.X_raw[bad, fx], self.X_raw[bad, fy])
        p = self.plot.getPlotItem()
        names = self.data.feature_names
        p.setLabel("bottom", names[fx])
        p.setLabel("left", names[fy])
        self._caption(fx, fy, how, ag)

    def _derived(self) -> tuple[str, ...]:
        return tuple(getattr(self.config, "derived", ()) or ())

    def _raw_names(self) -> tuple[str, ...]:
        """The raw features (the network's inputs less its derived ones, core.derived)."""
        from core.derived import raw_count

        names, derived = tuple(self.data.feature_names), self._derived()
        return names[:raw_count(len(names), derived)] if derived else names

    def _caption(self, fx: int, fy: int, how: str, ag):
        names = self._raw_names()
        others = [k for k in range(len(names)) if k not in (fx, fy)]
        wrong = int(ag.misclassified.sum())
        wrong_text = f"{wrong} of {ag.rows} training rows misclassified (ringed)."
        if self._derived():  # said on hover: the derived inputs follow the point
            wrong_text += (f" The derived inputs ({', '.join(self._derived())}) are computed at every "
                           f"point from its feature values.")
        if not others:
            self.caption.setText(wrong_text)
            self.caption.setToolTip("")
            fold_caption(self.caption, self.plot, self.height())
            return
        at = {"median": "their training median", "mean": "their training mean",
              "row": f"the values of training row {self.hold_row.value()}"}[how]
        n, same = len(others), ag.same
        # short on the panel (a small dock has room for two lines); the whole story on hover
        self.caption.setText(f"Other {n} feature{'s' if n > 1 else ''} held at "
                             f"{at.replace('their training ', '')} (hover). On this slice {same} of "
                             f"{ag.rows} rows get the network's class; {wrong} misclassified (ringed).")
        held = "<br>".join(f"{html.escape(names[k])} = {_num(self.held[k])}" for k in others)
        why = (f"; the other {ag.rows - same} differ from the held values in the other features, so "
               f"their point can lie in another class's region here" if same < ag.rows else "")
        self.caption.setToolTip(
            f"A slice through the input space: the {n} feature{'s' if n > 1 else ''} not on the axes "
            f"held at <b>{at}</b>. The slice gives {same} of {ag.rows} training rows the class the "
            f"network gives their full row{why}. {wrong_text}<br><br>Held values:<br>{held}")
        fold_caption(self.caption, self.plot, self.height())

    def resizeEvent(self, ev):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        fold_caption(self.caption, self.plot, ev.size().height())

    def showEvent(self, ev):
        super().showEvent(ev)
        try:
            self.refresh()
        except Exception:  # an exception leaving a Qt event handler crashes PySide6 6.11: report it
            import traceback

            traceback.print_exc()
