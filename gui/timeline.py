"""The timeline toolbar: scrub through every kept epoch; the views follow; branch from the past."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSlider, QToolBar, QToolButton


class TimelineBar(QToolBar):
    def __init__(self, session, parent=None):
        super().__init__("Timeline", parent)
        self.session = session
        self.setObjectName("toolbar_timeline")
        self.setMovable(False)
        self.addWidget(QLabel(" Timeline "))
        self.back = QToolButton(text="◀")
        self.back.setToolTip("One kept epoch back (Ctrl+Left)")
        self.fwd = QToolButton(text="▶")
        self.fwd.setToolTip("One kept epoch forward (Ctrl+Right)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through training history: the network view, plots and "
                               "panels show the chosen epoch. The right end follows training live.")
        self.slider.setRange(0, 0)
        self.label = QLabel("live")
        self.label.setMinimumWidth(150)
        self.cont = QToolButton(text="Continue from here")
        self.cont.setToolTip("Branch training from the chosen epoch's weights (the old branch "
                             "stays on the loss plot, in grey). The optimizer's state restarts.")
        self.cont.setEnabled(False)
        for w in (self.back, self.slider, self.fwd, self.label, self.cont):
            self.addWidget(w)
        self.slider.valueChanged.connect(self._moved)
        self.back.clicked.connect(lambda: self.scrub(-1))
        self.fwd.clicked.connect(lambda: self.scrub(+1))

    def scrub(self, delta: int):
        s = self.slider
        s.setValue(max(0, min(s.maximum(), s.value() + delta)))

    def _moved(self, i: int):
        kept = self.session.kept_epochs()
        if kept:
            self.session.view_epoch(None if i >= len(kept) - 1 else kept[i])

    def sync(self):
        import numpy as np

        s, kept, viewing = self.slider, self.session.kept_epochs(), self.session.viewing
        s.blockSignals(True)
        s.setRange(0, max(0, len(kept) - 1))
        s.setValue(s.maximum() if viewing is None else int(np.searchsorted(kept, viewing)))
        s.blockSignals(False)
        epoch = self.session.epoch
        self.label.setText(f"live: epoch {epoch}" if viewing is None else
                           f"viewing epoch {viewing} of {epoch}")
        self.cont.setEnabled(viewing is not None and not self.session.playing)
