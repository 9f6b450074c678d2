"""The status bar's permanent fields: device, epoch, train and validation figures, speed; and the
progress bar with Cancel shown while the engine reads a CSV."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

COMPACT_BELOW = 1150  # a status bar narrower than this shows its fields in fewer words


class FittingStatusBar(QStatusBar):
    """A status bar whose messages fit left of its permanent fields: a long one (a data warning,
    a path) is elided in the middle, the whole of it in the bar's tooltip while it shows. Qt cut
    such a message off at the first field, mid-word."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._base_tip = ""  # the bar's own tooltip (about the data), shown when no message is cut
        self._cut = False
        self._full = ""  # the message as asked, re-fitted when the fields beside it change width
        self._expire = QTimer(self)
        self._expire.setSingleShot(True)
        self._expire.timeout.connect(self.clearMessage)
        self.messageChanged.connect(self._message_changed)

    def setToolTip(self, tip: str):  # noqa: N802 - Qt's name
        self._base_tip = tip
        if not self._cut:
            super().setToolTip(tip)

    def _message_changed(self, text: str):
        if not text:
            self._full = ""
            self._expire.stop()
            if self._cut:
                self._cut = False
                super().setToolTip(self._base_tip)

    def room(self) -> int:
        right = min((c.x() for c in self.findChildren(QWidget) if c.isVisible()
                     and c.parentWidget() is self and c.width() > 0 and c.x() > 0
                     and type(c).__name__ != "QSizeGrip"), default=self.width())
        return right - 10  # the bar's left margin and the gap to the first field

    def _fitted(self, full: str) -> str:
        room = self.room()
        if room > 40 and self.fontMetrics().horizontalAdvance(full) > room:
            return self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideMiddle, room)
        return full

    def showMessage(self, text: str, timeout: int = 0):  # noqa: N802 - Qt's name
        full = str(text)
        shown = self._fitted(full)
        cut = shown != full
        super().showMessage(shown)  # the timeout is ours: a re-fitted message keeps its time
        self._full, self._cut = full, cut
        super().setToolTip(full if cut else self._base_tip)
        if timeout > 0:
            self._expire.start(timeout)
        else:
            self._expire.stop()

    def _refit(self):
        if not self._full:
            return
        shown = self._fitted(self._full)
        if shown != self.currentMessage():
            full, remaining = self._full, self._expire.remainingTime() if self._expire.isActive() else 0
            self.showMessage(full, max(remaining, 1) if self._expire.isActive() else 0)

    def event(self, ev):
        done = super().event(ev)
        if ev.type() == QEvent.Type.LayoutRequest:  # a field beside the message changed width
            self._refit()
        return done

    def resizeEvent(self, ev):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self._refit()


class StatusFields:
    def __init__(self, bar, session, cancel):
        self.bar, self.session = bar, session
        self.device = QLabel("device: starting…")
        self.epoch = QLabel("epoch 0")
        self.train = QLabel("train: –")
        self.val = QLabel("validation: –")
        self.rate = QLabel("")
        self.device.setToolTip("Where the network trains, and why auto picked it")
        self._device_text = "starting…"
        self.train.setToolTip("Training rows: loss · accuracy (R² for a number) of the epoch shown, "
                              "the mean over its batches as the weights moved (the loss along one "
                              "weight is computed with the weights at the epoch's end)")
        self.val.setToolTip("Validation rows (never trained on): loss · accuracy (R² for a number) "
                            "with the weights at the end of the epoch shown")
        for w in (self.device, self.epoch, self.train, self.val, self.rate):
            bar.addPermanentWidget(w)
        self.load = QProgressBar()
        self.load.setRange(0, 1000)
        self.load.setFixedWidth(160)
        self.load.setFormat("reading %p%")
        self.load_cancel = QToolButton()
        self.load_cancel.setText("Cancel")
        self.load_cancel.setToolTip("Stop reading this file; the current data and network stay (Esc)")
        self.load_cancel.clicked.connect(cancel)
        for w in (self.load, self.load_cancel):
            bar.addWidget(w)
            w.hide()
        session.loadProgress.connect(self.progress)

    def progress(self, fraction: float):
        self.load.setValue(int(fraction * 1000))
        self.show_loading(fraction < 1.0)

    def show_loading(self, on: bool):
        self.load.setVisible(on)
        self.load_cancel.setVisible(on)

    def compact(self) -> bool:
        return self.bar.width() < COMPACT_BELOW

    def set_device(self, text: str | None = None):
        self._device_text = text = text if text is not None else self._device_text
        short = text.split(" (")[0]
        self.device.setText(short if self.compact() else f"device: {short}")
        self.device.setToolTip(f"Where the network trains: {text}")

    def update(self):
        """The figures of the epoch shown: the live one, or the one viewed on the timeline."""
        s = self.session
        if s.latest is None:
            return
        row = None
        if s.viewing is not None:
            m = s.history.metrics()
            hit = m[m[:, 0] == s.viewing]
            row = hit[0] if len(hit) else None
        if row is None:
            e, tl, ta, vl, va = s.latest.epoch, s.latest.train_loss, s.latest.train_accuracy, \
                s.latest.val_loss, s.latest.val_accuracy
            self.epoch.setText(f"epoch {e}")
            self.epoch.setToolTip("")
        else:
            e, tl, ta, vl, va = int(row[0]), *row[1:5]
            self.epoch.setText(f"viewing epoch {e} (live {s.epoch})")
            self.epoch.setToolTip("The figures are those of the epoch viewed on the timeline; drag the "
                                  "timeline to its right end to follow training live.")
        if getattr(s.data, "task", "") == "regression":  # R² in the accuracy slot, RMSE beside it
            self._regression_figures(s, e, tl, ta, vl, va)
        elif self.compact():  # a narrow window: the same figures, fewer words (they are on hover)
            self.train.setText(f"train {tl:.4f} · {ta:.3f}")
            self.val.setText(f"val {vl:.4f} · {va:.3f}" if math.isfinite(vl) else "no validation")
        else:
            self.train.setText(f"train loss {tl:.4f} · acc {ta:.3f}")
            self.val.setText(f"validation loss {vl:.4f} · acc {va:.3f}" if math.isfinite(vl)
                             else "no validation split")
        self.rate.setText(f"{s.epochs_per_second():.1f} epochs/s" if s.playing else "")

    def _regression_figures(self, s, e, tl, ta, vl, va):
        """A regression network: loss, R² and (for the snapshot shown) RMSE in the label's units."""
        snap = s.displayed_snapshot()
        fig = snap.regression if snap is not None and snap.epoch == e and snap.regression else {}
        def rm(prefix):
            v = fig.get(prefix + "rmse")
            return f" · RMSE {v:.4g}" if v is not None and math.isfinite(v) else ""
        if self.compact():
            self.train.setText(f"train {tl:.4f} · R² {ta:.3f}")
            self.val.setText(f"val {vl:.4f} · R² {va:.3f}" if math.isfinite(vl) else "no validation")
        else:
            self.train.setText(f"train loss {tl:.4f} · R² {ta:.3f}{rm('train_')}")
            self.val.setText(f"validation loss {vl:.4f} · R² {va:.3f}{rm('val_')}"
                             if math.isfinite(vl) else "no validation split")
