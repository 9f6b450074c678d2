"""The Residuals dock (regression): predicted against true with the diagonal, and the residuals
(predicted - true) against the prediction, for the epoch shown on the timeline. The points come from
core.residuals; this panel only draws them."""

from __future__ import annotations

from gui.panels.base import RIGHT, Panel

CLASS_ONLY = ("Applies to regression: this network sorts rows into classes. Predicted-against-true "
              "and residuals are drawn when the label is a number to predict.")


class ResidualsPanel(Panel):
    name, title, area, tab_with = "residuals", "Predicted vs true", RIGHT, "loss"

    def create(self):
        import pyqtgraph as pg
        from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

        from gui import theme
        from gui.plots import elide_axis_labels, plot_title

        self.widget = QStackedWidget()
        self.note = QLabel(CLASS_ONLY)
        self.note.setWordWrap(True)
        self.note.setMargin(12)
        class Page(QWidget):  # a short dock: the residuals give the scatter their room
            def resizeEvent(page, ev):  # noqa: N805
                super().resizeEvent(ev)
                self._fit(ev.size().height())

        page = Page()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        self.caption = plot_title("Predicted against true")
        self.scatter_plot = pg.PlotWidget(background=None)
        self.resid_plot = pg.PlotWidget(background=None)
        for p in (self.scatter_plot, self.resid_plot):
            p.showGrid(x=True, y=True, alpha=0.2)
            p.setMinimumSize(120, 40)  # never widen the dock at the network view's cost
            elide_axis_labels(p)
        self.diagonal = self.scatter_plot.plot(pen=pg.mkPen(theme.TEXT, width=1,
                                                            style=pg.QtCore.Qt.PenStyle.DashLine))
        self.zero = self.resid_plot.plot(pen=pg.mkPen(theme.TEXT, width=1,
                                                      style=pg.QtCore.Qt.PenStyle.DashLine))
        self.train_pts = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(theme.TRAIN))
        self.val_pts = pg.ScatterPlotItem(size=6, pen=pg.mkPen(theme.VALID), brush=None,
                                          symbol="o")
        self.train_res = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(theme.TRAIN))
        self.val_res = pg.ScatterPlotItem(size=6, pen=pg.mkPen(theme.VALID), brush=None)
        for item in (self.train_pts, self.val_pts):
            self.scatter_plot.addItem(item)
        for item in (self.train_res, self.val_res):
            self.resid_plot.addItem(item)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        lay.addWidget(self.caption)
        lay.addWidget(self.legend)
        lay.addWidget(self.scatter_plot, 3)
        lay.addWidget(self.resid_plot, 2)
        self.widget.addWidget(self.note)
        self.widget.addWidget(page)
        return self.widget

    RESIDUALS_FROM = 330  # px of dock height: below it the residuals plot hides

    def _fit(self, height: int):
        show = height >= self.RESIDUALS_FROM
        if show != self.resid_plot.isVisibleTo(self.resid_plot.parentWidget()):
            self.resid_plot.setVisible(show)
        self.scatter_plot.setToolTip("" if show else "The residuals plot (predicted − true against "
                                     "predicted) shows when the dock is taller: drag its edge or "
                                     "float it.")

    def network_ready(self, snap, info):
        data = self.session.data
        regression = getattr(data, "task", "") == "regression"
        self.widget.setCurrentIndex(1 if regression else 0)
        if regression:
            label = data.label_name
            self.scatter_plot.setLabel("bottom", f"true {label}")
            self.scatter_plot.setLabel("left", f"predicted {label}")
            self.resid_plot.setLabel("bottom", f"predicted {label}")
            self.resid_plot.setLabel("left", "residual (predicted − true)")

    def refresh(self, snap):
        data = self.session.data
        if getattr(data, "task", "") != "regression" or snap is None:
            return
        from core.residuals import residual_points
        from gui import theme

        r = residual_points(snap, data, self.session.config.activation)
        lo, hi = r.limits()
        self.diagonal.setData([lo, hi], [lo, hi])
        self.train_pts.setData(r.train_true, r.train_pred)
        self.val_pts.setData(r.val_true, r.val_pred)
        self.train_res.setData(r.train_pred, r.train_pred - r.train_true)
        self.val_res.setData(r.val_pred, r.val_pred - r.val_true)
        self.zero.setData([lo, hi], [0, 0])
        f = r.figures
        # short lines: in a 900x600 window the words took the room of the scatter (the label's
        # name is on the axes, whole in their tooltips)
        self.caption.setText(f"Predicted vs true, epoch {snap.epoch} (dashed: perfect)")
        self.caption.setToolTip(f"Predicted against true {data.label_name}, epoch {snap.epoch}. "
                                f"The dashed line is perfect prediction.")
        train_c, val_c = theme.hex_colour(theme.TRAIN), theme.hex_colour(theme.VALID)
        val = (f"<span style='color:{val_c}'>○</span> validation: R² {f['val_r2']:.3f}, RMSE "
               f"{f['val_rmse']:.4g}, MAE {f['val_mae']:.4g}" if len(r.val_true)
               else "no validation rows")
        self.legend.setText(f"<span style='color:{train_c}'>●</span> training: R² {f['train_r2']:.3f}, "
                            f"RMSE {f['train_rmse']:.4g}, MAE {f['train_mae']:.4g}<br>{val}")
