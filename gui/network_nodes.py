"""The network view's neurons: fill colours for their values and outlines for a lit forward pass,
from shared QBrush/QPen objects (no drawing here: the view's scatter item draws them)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui import theme

NODE_LEVELS = 16  # fill colours per sign for neurons
PEN_LEVELS = 9  # outline widths for a lit forward pass


class NodeStyles:
    """The shared brushes and pens, and which of them each neuron gets.

    pyqtgraph's symbol atlas keys its cache on the pen and brush objects' ids: shared objects
    render each distinct symbol once, a fresh mkBrush/mkPen per node re-renders every node every
    frame.
    """

    def __init__(self):
        L = NODE_LEVELS
        self.brushes = [pg.mkBrush(*theme.signed_rgb(sign * (lvl + 0.5) / L, 1.0))
                        for sign in (1, -1) for lvl in range(L)]
        self.input_brush = pg.mkBrush(255, 255, 255)
        self.pens = [pg.mkPen((90, 90, 90), width=1.0), pg.mkPen((170, 170, 170), width=1.0)] + \
            [pg.mkPen((0, 158, 115), width=1.0 + 4.0 * lvl / (PEN_LEVELS - 1))
             for lvl in range(PEN_LEVELS)]
        # a dead neuron (never active on the training rows): a pale grey fill, a dashed grey outline
        self.dead_brush = pg.mkBrush(214, 214, 214)
        self.dead_pen = pg.mkPen((120, 120, 120), width=1.3, style=Qt.PenStyle.DashLine)

    def mark_dead(self, brushes: list, pens: list, dead: np.ndarray) -> tuple[list, list]:
        """The brushes and pens with every neuron flagged in `dead` (one flag per neuron, inputs
        included) greyed."""
        idx = np.flatnonzero(dead)
        if idx.size:
            brushes, pens = list(brushes), list(pens)
            for i in idx:
                brushes[i], pens[i] = self.dead_brush, self.dead_pen
        return brushes, pens

    def fills(self, sizes: tuple[int, ...], nodes: list[np.ndarray], scale: float) -> list:
        """Per neuron its brush: white for inputs, else its value's sign and share of `scale`."""
        vals = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in nodes]) if nodes \
            else np.zeros(0)
        scale = scale if scale > 0 else 1.0
        t = np.clip(np.abs(vals) / scale, 0.0, 1.0)
        lv = np.minimum((t * NODE_LEVELS).astype(np.int64), NODE_LEVELS - 1)
        k = np.where(vals >= 0, lv, lv + NODE_LEVELS)
        nb = self.brushes
        return [self.input_brush] * sizes[0] + [nb[i] for i in k]

    def outlines(self, sizes: tuple[int, ...], act: list[np.ndarray] | None) -> list | None:
        """Per neuron its pen for a lit forward pass (width from |activation|); None when unlit."""
        if act is None:
            return None  # None: the plain outline on every node
        amax = max((float(np.abs(a).max()) for a in act[:-1]), default=1.0)
        last = len(sizes) - 1
        ta = np.concatenate([np.minimum(1.0, np.abs(a) / (1.0 if i == last else max(amax, 1e-9)))
                             for i, a in enumerate(act)])
        pl = np.where(ta > 0.02, 2 + np.rint(ta * (PEN_LEVELS - 1)).astype(np.int64), 1)
        return [self.pens[i] for i in pl]
