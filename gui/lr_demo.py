"""A window with the learning-rate demonstration's three loss curves."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

from gui.plots import demo_plot, legend_html, legend_label

COLOURS = {"too low": (0, 114, 178), "good": (0, 158, 115), "too high": (213, 94, 0)}


class LearningRateDemo(QDialog):
    def __init__(self, runs, optimizer: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Learning rate: too low, good, too high")
        self.resize(720, 480)
        plot = demo_plot("training loss")
        p = plot.getPlotItem()
        self.curves = {}
        lines = []
        items = []
        for r in runs:
            ep = np.arange(1, len(r.train_loss) + 1)
            name = f"{r.label}: lr = {r.learning_rate:g}"
            if r.diverged_at:
                name += f" (diverged at epoch {r.diverged_at})"
            self.curves[r.label] = p.plot(ep, r.train_loss, pen=pg.mkPen(COLOURS[r.label], width=2.5),
                                          name=name, connect="finite")
            items.append(("━━", COLOURS[r.label], name))
            finite = r.train_loss[np.isfinite(r.train_loss)]
            end = f"{finite[-1]:.4f}" if finite.size else "—"
            lines.append(f"<b>{r.label}</b> (lr {r.learning_rate:g}): final loss {end}"
                         + (f", diverged at epoch {r.diverged_at}" if r.diverged_at else ""))
        note = QLabel(
            f"The same starting network, trained with {optimizer} at three learning rates. Too low: "
            f"tiny steps, the loss creeps down. Good: it falls quickly and settles. Too high: steps "
            f"overshoot the minimum, so the loss jumps around or blows up.<br>" + "<br>".join(lines))
        note.setWordWrap(True)
        # the legend in a row above the plot: inside it, it covered the curves' first epochs
        self.legend = legend_label(legend_html(items))
        lay = QVBoxLayout(self)
        lay.addWidget(self.legend)
        lay.addWidget(plot, 1)
        lay.addWidget(note)
