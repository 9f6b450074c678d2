"""ElidedLabel: a one-line label that gives way in a narrow dock (long feature and file names)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """A one-line label that never asks for more width than a few letters: its text is elided in
    the middle to fit, and its tooltip then has it whole (long feature names in a narrow dock)."""

    def __init__(self, text: str = "", parent=None, auto_tooltip: bool = False):
        super().__init__(text, parent)
        self.auto_tooltip = auto_tooltip  # the tooltip follows the text (else set it yourself)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        if auto_tooltip:
            self.setToolTip(text)

    def setText(self, text: str):
        super().setText(text)
        if self.auto_tooltip:
            self.setToolTip(text)

    def minimumSizeHint(self):
        return QSize(self.fontMetrics().horizontalAdvance("Wi…m") + 2, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        """The text as painted at the current width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, width)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, _ev):
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
        p.end()
