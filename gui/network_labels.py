"""The network view's texts: input and output names, layer titles and probabilities, drawn as
static text in device pixels by one scene item, and the helpers that choose and elide them."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QStaticText, QTextOption, QTransform


class SceneLabel:
    """One text of `SceneLabels`: where it is anchored (view units) and how it is aligned there."""

    def __init__(self, owner: SceneLabels, x: float, y: float, text: str, color: QColor, font: QFont,
                 anchor: tuple[float, float], dx: float = 0.0):
        self.owner, self.x, self.y, self.color, self.font, self.anchor = owner, x, y, color, font, anchor
        self.dx = dx  # px right of the anchor point (beside a neuron, whatever the zoom)
        self.full = text  # the whole name, for the tooltip when the text shown is elided
        self.static = QStaticText()
        self.static.setTextFormat(Qt.TextFormat.PlainText)
        self._text = ""
        self.setText(text)

    def setText(self, text: str):
        if text != self._text:
            self._text = text
            if "\n" in text:  # lines centred on each other (a layer title: name, then activation)
                lines = text.split("\n")
                fm = QFontMetricsF(self.font)
                self.static.setTextFormat(Qt.TextFormat.RichText)
                self.static.setTextWidth(max(fm.horizontalAdvance(t) for t in lines) + 1)
                self.static.setTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
                self.static.setText("<br>".join(html.escape(t) for t in lines))
            else:
                self.static.setTextFormat(Qt.TextFormat.PlainText)
                self.static.setTextWidth(-1)
                self.static.setText(text)
            self.static.prepare(QTransform(), self.font)
            self.owner.changed()

    def text(self) -> str:
        return self._text


class SceneLabels(pg.GraphicsObject):
    """The view's texts (input and output names, layer titles, probabilities) in one scene item.

    Drawn as QStaticText in device pixels: fourteen pyqtgraph TextItems (a QGraphicsTextItem each,
    re-transformed before every paint) cost about a sixth of the 4-5-5-3 network's frame.
    """

    MARGIN = 4.0  # px around each text, as a TextItem's document margin

    def __init__(self):
        super().__init__()
        self.items: list[SceneLabel] = []
        self._rect: QRectF | None = None

    def add(self, x, y, text, color, font, anchor, dx: float = 0.0) -> SceneLabel:
        lbl = SceneLabel(self, float(x), float(y), text, QColor(*color), QFont(font), anchor, float(dx))
        self.items.append(lbl)
        self.changed()
        return lbl

    def clear(self):
        self.items = []
        self.changed()

    def changed(self):
        self.prepareGeometryChange()
        self._rect = None
        self.update()

    def viewTransformChanged(self):  # text keeps its pixel size: its extent in view units changes
        self.changed()

    def boundingRect(self) -> QRectF:
        if self._rect is None:
            if not self.items:
                self._rect = QRectF()
                return self._rect
            xs = [lbl.x for lbl in self.items]
            ys = [lbl.y for lbl in self.items]
            w = max(lbl.static.size().width() + abs(lbl.dx) for lbl in self.items) + 2 * self.MARGIN
            h = max(lbl.static.size().height() for lbl in self.items) + 2 * self.MARGIN
            px, py = self.pixelVectors()
            sx = px.length() if px is not None else 0.01
            sy = py.length() if py is not None else 0.01
            self._rect = QRectF(min(xs) - w * sx, min(ys) - h * sy,
                                max(xs) - min(xs) + 2 * w * sx, max(ys) - min(ys) + 2 * h * sy)
        return self._rect

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        return None, None  # the view's range is set from the network, not from its labels

    def paint(self, p, opt, widget):
        t = p.transform()
        if t.m12() != 0 or t.m21() != 0 or not t.isAffine():
            return
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        m = self.MARGIN
        for lbl in self.items:
            if not lbl._text:
                continue
            size = lbl.static.size()
            dx = lbl.x * t.m11() + t.m31() + lbl.dx - lbl.anchor[0] * (size.width() + 2 * m) + m
            dy = lbl.y * t.m22() + t.m32() - lbl.anchor[1] * (size.height() + 2 * m) + m
            p.setFont(lbl.font)
            p.setPen(lbl.color)
            p.drawStaticText(QPointF(dx, dy), lbl.static)
        p.restore()

    def device_rect(self, lbl: SceneLabel, t: QTransform) -> QRectF:
        """Where `lbl` is painted, in the device pixels of transform t (as paint computes it)."""
        m = self.MARGIN
        size = lbl.static.size()
        x = lbl.x * t.m11() + t.m31() + lbl.dx - lbl.anchor[0] * (size.width() + 2 * m)
        y = lbl.y * t.m22() + t.m32() - lbl.anchor[1] * (size.height() + 2 * m)
        return QRectF(x, y, size.width() + 2 * m, size.height() + 2 * m)


def layer_titles(sizes: tuple[int, ...], activation: str) -> list[tuple[str, str, str]]:
    """Per neuron layer its title: (full, short, tiny), shorter ones for layers that stand close."""
    titles = []
    for i, n in enumerate(sizes):
        if i == 0:
            title = (f"inputs x ({n})", f"x ({n})", "x")
        elif i == len(sizes) - 1 and n == 1:  # one output: a regression network's number
            title = ("output identity (1)", "identity\n(1)", "out")
        elif i == len(sizes) - 1:
            title = (f"outputs softmax ({n})", f"softmax\n({n})", "out")
        else:
            # two short lines: side by side, one-line titles ran into each other
            title = (f"hidden {i}\n{activation} ({n})", f"h{i} ({n})\n{activation}", f"h{i}")
        titles.append(title)
    return titles


def fit_names(labels: list[SceneLabel], fm: QFontMetricsF, cap: float) -> float:
    """Show each label's name whole, or elided to `cap` px (in the middle, or keeping the starts
    when that tells more names apart); return the widest text's width in px."""

    def elide(mode):
        return [lbl.full if fm.horizontalAdvance(lbl.full) <= cap else
                fm.elidedText(lbl.full, mode, cap) for lbl in labels]

    texts = elide(Qt.TextElideMode.ElideMiddle)
    if len(set(texts)) < len(texts):  # two names elided alike: try keeping their starts
        right = elide(Qt.TextElideMode.ElideRight)
        if len(set(right)) > len(set(texts)):
            texts = right
    for lbl, text in zip(labels, texts, strict=True):
        lbl.setText(text)
    return max((fm.horizontalAdvance(t) for t in texts), default=0.0)
