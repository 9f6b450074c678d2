"""A window with the overfitting demonstration's four validation-loss curves."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

from core import overfit_demo as od
from gui import theme
from gui.plots import demo_plot, legend_html, legend_label

# Okabe-Ito: distinct for colour-blind readers; no cure in the validation curves' orange
COLOURS = {"no cure": (213, 94, 0), "L2": (0, 114, 178), "dropout": (0, 158, 115),
           "early stopping": (204, 121, 167)}
SWATCH = {"no cure": "━━", "L2": "╍╍", "dropout": "┅┅", "early stopping": "━━"}
STYLES = {"no cure": Qt.PenStyle.SolidLine, "L2": Qt.PenStyle.DashLine,
          "dropout": Qt.PenStyle.DashDotLine, "early stopping": Qt.PenStyle.SolidLine}


def start(window, *_):
    """Menu entry: run the demonstration in the engine; the window's result handler shows it."""
    from core.engine_server import overfit_demo_job

    window.run_demo(overfit_demo_job, "Training four copies of one network on a small training share…")


class OverfittingDemo(QDialog):
    def __init__(self, runs, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Overfitting: no cure, L2, dropout, early stopping")
        self.resize(760, 540)
        plot = demo_plot("validation loss")
        p = plot.getPlotItem()
        self.plot = plot
        plot.setMinimumHeight(220)
        self.curves = {}
        self.stop_marks = {}
        items, lines = [], []
        plain = next((r for r in runs if r.label == "no cure"), None)
        top = 0.0
        for r in runs:
            col = COLOURS.get(r.label, theme.TEXT)
            ep = np.arange(len(r.val_loss))
            name = r.label + (f" ({r.setting})" if r.setting else "")
            self.curves[r.label] = p.plot(ep, r.val_loss, connect="finite", pen=pg.mkPen(
                col, width=2.5, style=STYLES.get(r.label, Qt.PenStyle.SolidLine)))
            if r.stopped_at is not None:  # the stop, and the epoch whose network it keeps
                mark = pg.ScatterPlotItem([r.stopped_at], [r.val_loss[r.stopped_at]], size=13,
                                          symbol="x", pen=pg.mkPen(col, width=2.5), brush=None)
                p.addItem(mark)
                self.stop_marks[r.label] = mark
                if r.best_epoch is not None:
                    p.addItem(pg.ScatterPlotItem([r.best_epoch], [r.val_loss[r.best_epoch]], size=10,
                                                 symbol="o", pen=pg.mkPen(col, width=2),
                                                 brush=pg.mkBrush(theme.BACKGROUND)))
                text = pg.TextItem(f"stopped at epoch {r.stopped_at}", color=col, anchor=(0, 1.6))
                text.setPos(r.stopped_at, r.val_loss[r.stopped_at])
                p.addItem(text)
                name += f", stopped at epoch {r.stopped_at}"
            items.append((SWATCH.get(r.label, "━━"), col, name))
            lines.append(od.summary(r, plain))
            fin = r.val_loss[1:][np.isfinite(r.val_loss[1:])]
            if fin.size:
                top = max(top, float(fin.max()))
        above = ""
        start = runs[0].val_loss[0] if runs and len(runs[0].val_loss) else np.nan
        if top > 0 and np.isfinite(start) and start > top * 1.15:
            # the untrained network's loss is far above the rest: the story is below it
            p.setYRange(0, top * 1.15, padding=0)
            above = f" All four start at validation loss {start:.3f} (epoch 0, above the plot)."
        rows = (f"{runs[0].train_rows} training rows, {od.TRAIN_SHARE:.0%} of the data; "
                f"validation on {runs[0].val_rows} rows") if runs else ""
        note = QLabel(
            f"The same starting network ({od.HIDDEN[0]} and {od.HIDDEN[1]} hidden neurons, "
            f"{od.OPTIMIZER} at {od.LEARNING_RATE:g}), trained on "
            f"only {rows}, so it can learn the training rows by heart: its "
            f"validation loss falls, then rises again. That is overfitting. L2 keeps the weights "
            f"small, dropout switches off random neurons while training, early stopping stops after "
            f"{od.PATIENCE} epochs without a new lowest validation loss and keeps that epoch's "
            f"network (○; × marks the stop). Which cure helps, and how much, depends on the data "
            f"and the network: compare the figures below.{above}<br>" + "<br>".join(lines))
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.RichText)
        self.note = note
        self.legend = legend_label(legend_html(items))
        lay = QVBoxLayout(self)
        lay.addWidget(self.legend)
        lay.addWidget(plot, 1)
        lay.addWidget(note)
