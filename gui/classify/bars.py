"""The classes' colours, and ProbabilityBars: one bar per class for the hand-entered observation."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui import theme

_CLASS_RGB = [c for c in theme.LAYER_COLOURS if sum(c) > 60]  # not black: a number must show on it


def class_colour(j: int) -> QColor:
    return QColor(*_CLASS_RGB[j % len(_CLASS_RGB)])


def html_escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ProbabilityBars(QWidget):
    """One bar per class (the 10 most likely when there are more), the predicted class in bold."""

    MAX_SHOWN = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.class_names: tuple[str, ...] = ()
        self.probabilities: np.ndarray | None = None
        self.message = "No network yet."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_values(self, class_names, probabilities, message: str = ""):
        class_names = tuple(class_names)
        same = (class_names == self.class_names and message == self.message and (
            (probabilities is None and self.probabilities is None) or (
                probabilities is not None and self.probabilities is not None
                and np.array_equal(probabilities, self.probabilities))))
        if same:
            return
        resize = len(class_names) != len(self.class_names)
        self.class_names = class_names
        self.probabilities = None if probabilities is None else np.array(probabilities, dtype=np.float64)
        self.message = message
        if resize:
            self.setMinimumHeight(self.sizeHint().height())
            self.updateGeometry()
        # the names are elided to fit: the tooltip has them whole
        tip = "\n".join(f"{c}: {'—' if self.probabilities is None else f'{self.probabilities[j]:.3f}'}"
                         for j, c in enumerate(class_names[:50]))
        if self.toolTip() != tip:
            self.setToolTip(tip)
        self.update()

    def _rows(self) -> list[int]:
        n = len(self.class_names)
        if n <= self.MAX_SHOWN or self.probabilities is None:
            return list(range(min(n, self.MAX_SHOWN)))
        return list(np.argsort(-self.probabilities, kind="stable")[:self.MAX_SHOWN])

    def sizeHint(self):
        h = self.fontMetrics().height() + 8
        return QSize(240, max(2, min(len(self.class_names), self.MAX_SHOWN) + 1) * h + 6)

    def minimumSizeHint(self):
        return QSize(110, self.fontMetrics().height() * 3)

    def _fonts(self):
        bold = QFont(self.font())
        bold.setBold(True)
        return bold, QFontMetrics(bold)

    def name_width(self) -> int:
        """Width of the names' column: the longest name in bold, at most half the widget."""
        _, bold_fm = self._fonts()
        return min(max([bold_fm.horizontalAdvance(c) for c in self.class_names] + [40]) + 12,
                   int(self.width() * 0.5))

    def shown_names(self) -> list[tuple[int, str, bool]]:
        """(class, the name as drawn, bold) for each row: elided in the middle with the metrics of
        the font it is drawn in (the bold predicted class lost its first letter when elided with the
        plain font's)."""
        _, bold_fm = self._fonts()
        fm = self.fontMetrics()
        best = int(np.argmax(self.probabilities)) if self.probabilities is not None and len(
            self.probabilities) else -1
        room = self.name_width() - 6
        middle = Qt.TextElideMode.ElideMiddle
        return [(j, (bold_fm if j == best else fm).elidedText(self.class_names[j], middle, room), j == best)
                for j in self._rows()]

    def paintEvent(self, _ev):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        fm = self.fontMetrics()
        h = fm.height() + 8
        w = self.width()
        text = QColor(*theme.TEXT)
        rows = self._rows()
        bold, _ = self._fonts()
        name_w = self.name_width()
        num_w = fm.horizontalAdvance("0.000") + 10
        best = -1
        if self.probabilities is not None and len(self.probabilities):
            best = int(np.argmax(self.probabilities))
        y = 2
        for j, name, is_bold in self.shown_names():
            p.setFont(bold if is_bold else self.font())
            p.setPen(text)
            p.drawText(QRectF(0, y, name_w - 6, h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            bar = QRectF(name_w, y + 4, max(10, w - name_w - num_w), h - 8)
            c = class_colour(j)
            track = QColor(c)
            track.setAlpha(30)
            p.fillRect(bar, track)
            if self.probabilities is not None:
                v = float(self.probabilities[j])
                c.setAlpha(210 if j == best else 140)
                p.fillRect(QRectF(bar.x(), bar.y(), bar.width() * max(0.0, min(1.0, v)), bar.height()), c)
                p.setPen(text)
                p.drawText(QRectF(bar.right() + 4, y, num_w - 4, h),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{v:.3f}")
            y += h
        p.setFont(self.font())
        if self.message:
            p.setPen(QColor(120, 120, 120))
            p.drawText(QRectF(4, y, w - 8, h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(self.message, Qt.TextElideMode.ElideRight, w - 8))
        elif len(self.class_names) > len(rows):
            p.setPen(QColor(120, 120, 120))
            p.drawText(QRectF(name_w, y, w - name_w, h), Qt.AlignmentFlag.AlignVCenter,
                       f"… {len(self.class_names) - len(rows)} less likely classes")
        p.end()
