"""Does every text fit its widget? Does a window keep its size? (used by test_layout and the gallery)

check(top) walks every visible QLabel, button (push, tool, check, radio), combo box, line edit
(spin boxes' included), header section and tab of `top` and returns a Finding for each text that
does not fit: its advance (QFontMetrics.horizontalAdvance, per line) wider than the room the widget
gives it, or, for a word-wrapped label, heightForWidth(width) taller than the label (or one word
wider than it). A header section or tab that elides its text is fine when its tooltip holds the
full text: that is eliding on purpose. Texts drawn inside pyqtgraph plots and dock titles are not
widgets and are not checked here.

SizeWatch(window) records the window's size; .grew() says whether it grew by itself since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStatusBar,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionToolButton,
    QTabBar,
    QToolButton,
    QWidget,
)

SLACK = 1  # px: rounding between the metrics and what the style draws


@dataclass(frozen=True)
class Finding:
    widget: str  # class and object name, and where it sits (its parents)
    text: str
    needed: int  # px wide (or high, for a wrapped label: see `what`)
    available: int
    what: str = "width"

    def __str__(self):
        return (f"{self.widget}: {self.text!r} needs {self.needed} px {self.what}, has "
                f"{self.available}")


def describe(w: QWidget) -> str:
    """'QLabel < ClassifyPanel < dock "Classify"': the widget, our own classes above it, its dock."""
    from PySide6.QtWidgets import QDockWidget

    parts = []
    p = w
    while p is not None:
        if isinstance(p, QDockWidget):
            parts.append(f'dock "{p.windowTitle()}"')
            break
        name = type(p).__name__
        if p.objectName() and not p.objectName().startswith("qt_"):
            name += f"#{p.objectName()}"
        if p is w or p.isWindow() or type(p).__module__.split(".")[0] != "PySide6":
            parts.append(name)  # Qt's own containers in between only add noise
        if p.isWindow():
            break
        p = p.parentWidget()
    return " < ".join(parts)


def plain(text: str, rich: bool) -> str:
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _mnemonic(text: str) -> str:
    return re.sub(r"&(.)", r"\1", text)


def _advance(fm: QFontMetrics, text: str) -> int:
    return max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)


def _is_rich(label: QLabel) -> bool:
    f = label.textFormat()
    auto = f == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(label.text())
    return f == Qt.TextFormat.RichText or auto


def _elided_on_purpose(w: QWidget, text: str) -> bool:
    """A widget that paints its text elided (gui/elided.py: it has shown_text()) and whose tooltip
    holds the whole text."""
    return hasattr(w, "shown_text") and _full_text_in(text, w.toolTip())


def _label(label: QLabel):
    text = label.text()
    if _elided_on_purpose(label, text):
        return None
    if not text or label.pixmap() is not None and not label.pixmap().isNull():
        return None
    rich = _is_rich(label)
    cr = label.contentsRect()
    margin = label.margin()
    indent = label.indent() if label.indent() > 0 else 0
    room = cr.width() - 2 * margin - indent
    if label.wordWrap():
        need_h = label.heightForWidth(label.width())
        if need_h > label.height() + SLACK:
            return Finding(describe(label), plain(text, rich), need_h, label.height(), "height")
        words = plain(text, rich).split()
        fm = label.fontMetrics()
        widest = max(words, key=fm.horizontalAdvance, default="")
        if widest and fm.horizontalAdvance(widest) > room + SLACK:
            return Finding(describe(label), widest, fm.horizontalAdvance(widest), room,
                           "width (one word of a wrapped label)")
        return None
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        need = int(doc.idealWidth() + 0.999)
        shown = doc.toPlainText()
    else:
        shown = text
        need = _advance(label.fontMetrics(), text)
    if need > room + SLACK:
        return Finding(describe(label), shown, need, room)
    return None


def _button(b: QAbstractButton):
    text = _mnemonic(b.text())
    if not text:
        return None
    fm = b.fontMetrics()
    need = _advance(fm, text)
    style = b.style()
    if isinstance(b, QToolButton):
        if b.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly and not b.icon().isNull():
            return None
        if not b.icon().isNull() and b.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonTextOnly:
            need += b.iconSize().width() + 4
        # the style's padding around the label is what it adds to the bare text in sizeHint
        bare = QSize(need, fm.height())
        opt = QStyleOptionToolButton()
        b.initStyleOption(opt)
        full = style.sizeFromContents(QStyle.ContentsType.CT_ToolButton, opt, bare, b).width()
        if full > b.width() + SLACK:
            return Finding(describe(b), text, full, b.width(), "width (text and the button's padding)")
        return None
    opt = QStyleOptionButton()
    b.initStyleOption(opt)
    if isinstance(b, (QCheckBox, QRadioButton)):
        element = (QStyle.SubElement.SE_CheckBoxContents if isinstance(b, QCheckBox)
                   else QStyle.SubElement.SE_RadioButtonContents)
        room = style.subElementRect(element, opt, b).width()
    elif isinstance(b, QPushButton):
        room = style.subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, b).width()
        if not b.icon().isNull():
            need += b.iconSize().width() + 4
    else:
        room = b.contentsRect().width()
    if need > room + SLACK:
        return Finding(describe(b), text, need, room)
    return None


def _combo(c: QComboBox):
    text = c.currentText()
    if not text or _elided_on_purpose(c, text):
        return None
    if c.isEditable() and c.lineEdit() is not None:
        return None  # its line edit is checked as one
    opt = QStyleOptionComboBox()
    c.initStyleOption(opt)
    room = c.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                    QStyle.SubControl.SC_ComboBoxEditField, c).width()
    need = _advance(c.fontMetrics(), text)
    if not c.itemIcon(c.currentIndex()).isNull():
        need += c.iconSize().width() + 4
    if need > room + SLACK:
        return Finding(describe(c), text, need, room)
    return None


def _line_edit(e: QLineEdit):
    text = e.text() if e.echoMode() == QLineEdit.EchoMode.Normal else ""
    if not text:
        return None
    m = e.textMargins()
    room = e.contentsRect().width() - m.left() - m.right() - 4  # QLineEdit's 2 px each side
    need = e.fontMetrics().horizontalAdvance(text)
    if need > room + SLACK:
        return Finding(describe(e), text, need, room)
    return None


def _header(h: QHeaderView) -> list[Finding]:
    model = h.model()
    if model is None:
        return []
    out = []
    horizontal = h.orientation() == Qt.Orientation.Horizontal
    margin = h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, h)
    for section in range(h.count()):
        if h.isSectionHidden(section) or h.sectionSize(section) <= 0:
            continue
        text = model.headerData(section, h.orientation(), Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            continue
        text = str(text)
        font = model.headerData(section, h.orientation(), Qt.ItemDataRole.FontRole) or h.font()
        fm = QFontMetrics(font)
        lines = text.split("\n")
        if horizontal:
            room = h.sectionSize(section) - 2 * margin
            if h.isSortIndicatorShown() and h.sortIndicatorSection() == section:
                room -= h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, h) + margin
            need = _advance(fm, text)
            if need <= room + SLACK and len(lines) * fm.lineSpacing() <= h.height() + SLACK:
                continue
            if need <= room + SLACK:
                need, room, what = len(lines) * fm.lineSpacing(), h.height(), "height"
            else:
                what = "width"
        else:
            room = h.width() - 2 * margin
            need = _advance(fm, text)
            what = "width"
            if need <= room + SLACK:
                continue
        tip = model.headerData(section, h.orientation(), Qt.ItemDataRole.ToolTipRole)
        if tip and _full_text_in(text, str(tip)):
            continue  # elided on purpose, the full text in the tooltip
        out.append(Finding(f"{describe(h)} section {section}", text, need, room, what))
    return out


def _full_text_in(text: str, tip: str) -> bool:
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - header texts may break a name in two
    return squash(text.replace("…", "")) in squash(plain(tip, GuiQt.mightBeRichText(tip)))


def _tabs(t: QTabBar) -> list[Finding]:
    out = []
    hspace = t.style().pixelMetric(QStyle.PixelMetric.PM_TabBarTabHSpace, None, t)
    fm = t.fontMetrics()
    for i in range(t.count()):
        text = _mnemonic(t.tabText(i))
        if not text or not t.isTabVisible(i):
            continue
        room = t.tabRect(i).width() - hspace
        need = _advance(fm, text)
        if need <= room + SLACK:
            continue
        if t.elideMode() != Qt.TextElideMode.ElideNone and _full_text_in(text, t.tabToolTip(i)):
            continue
        out.append(Finding(f"{describe(t)} tab {i}", text, need, room))
    return out


def _status_message(bar: QStatusBar):
    """The temporary message is drawn by the bar itself, left of the permanent widgets."""
    text = bar.currentMessage()
    if not text:
        return None
    right = min((c.x() for c in bar.findChildren(QWidget) if c.isVisible() and c.parentWidget() is bar
                 and c.width() > 0 and type(c).__name__ != "QSizeGrip" and c.x() > 0),
                default=bar.width())
    room = right - 6  # the bar's left margin and the gap to the first permanent widget
    need = bar.fontMetrics().horizontalAdvance(text)
    if need > room + SLACK:
        return Finding(describe(bar) + " message", text, need, room)
    return None


def _shown(w: QWidget) -> bool:
    """Visible and not in a dock behind another dock's tab (such a dock counts as visible, but its
    visible region is empty). (Not the widget's own region: a scroll area's viewport covers it.)"""
    from PySide6.QtWidgets import QDockWidget

    if not w.isVisible() or w.width() <= 0 or w.height() <= 0:
        return False
    p = w
    while p is not None and not p.isWindow():
        if isinstance(p, QDockWidget):
            return not p.visibleRegion().isEmpty()
        p = p.parentWidget()
    return True


def check(top: QWidget) -> list[Finding]:
    """Every text in `top` (and its visible children) that does not fit its widget."""
    found: list[Finding] = []
    for w in [top, *top.findChildren(QWidget)]:
        if not _shown(w):
            continue
        if isinstance(w, QLabel):
            f = _label(w)
        elif isinstance(w, QAbstractButton):
            f = _button(w)
        elif isinstance(w, QComboBox):
            f = _combo(w)
        elif isinstance(w, QLineEdit):
            f = _line_edit(w)
        elif isinstance(w, QHeaderView):
            found += _header(w)
            continue
        elif isinstance(w, QTabBar):
            found += _tabs(w)
            continue
        elif isinstance(w, QStatusBar):
            f = _status_message(w)
        else:
            continue
        if f is not None:
            found.append(f)
    return found


class SizeWatch:
    """The window's size now; grew() reports whether it has become larger by itself since."""

    def __init__(self, window: QWidget, size: QSize | tuple[int, int] | None = None):
        """`size`: the size asked for (default: the size now); a minimum size above it counts as
        growing too, from the first frame."""
        self.window = window
        self.size = QSize(*size) if isinstance(size, tuple) else (size or window.size())

    def grew(self) -> str | None:
        now = self.window.size()
        if now.width() > self.size.width() or now.height() > self.size.height():
            return (f"the window grew by itself from {self.size.width()}x{self.size.height()} to "
                    f"{now.width()}x{now.height()}")
        return None
