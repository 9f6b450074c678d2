"""Widgets that give way in a narrow dock: their text elided in the middle, whole in the tooltip."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
)


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


class ElidingComboBox(QComboBox):
    """A combo box whose current text is elided in the middle where it does not fit (a long feature
    name in a narrow dock); its tooltip then leads with the text whole, then `tip`."""

    def __init__(self, tip: str = "", parent=None):
        super().__init__(parent)
        self.tip = tip
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(6)
        self.currentTextChanged.connect(self._retip)

    def set_choices(self, names, current: int):
        """Replace the items with `names` (each whole in its item's tooltip) and select `current`,
        without emitting a change (the caller draws once, for the pair)."""
        self.blockSignals(True)
        self.clear()
        self.addItems(names)
        for k, n in enumerate(names):
            self.setItemData(k, n, Qt.ItemDataRole.ToolTipRole)
        self.setCurrentIndex(current)
        self.blockSignals(False)

    def _retip(self, text: str):
        self.setToolTip(f"<b>{html.escape(text)}</b><br>{self.tip}" if text else self.tip)

    def _edit_rect(self):
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        return opt, self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                                QStyle.SubControl.SC_ComboBoxEditField, self)

    def shown_text(self) -> str:
        _, rect = self._edit_rect()
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle,
                                             rect.width() - 4)

    def paintEvent(self, _ev):
        if not self.toolTip().startswith(f"<b>{html.escape(self.currentText())}</b>"):
            self._retip(self.currentText())  # (filled with its signals blocked)
        p = QStylePainter(self)
        opt, _ = self._edit_rect()
        p.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text()
        p.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)


class WrappingLabel(QLabel):
    """A word-wrapped label that keeps the height its text needs at its width: in a dock, a layout
    gives a plain wrapped label the height of its first lines and cuts the rest."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._fit()

    def setText(self, text: str):
        super().setText(text)
        self._fit()

    def _fit(self):
        need = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)
