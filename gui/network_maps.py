"""Pictures in the neurons: every hidden and output neuron of the network view shows, inside its
circle, its value over the plane of two chosen inputs (the others held at their training median),
in the view's diverging colours (blue > 0, orange < 0; probabilities: blue above ½, orange below);
the training points faint on the output pictures; hovering a neuron shows its picture large.

The numbers are core/neuron_maps.py's. Cost: the maps are computed only when the shown epoch
changes, at most MAX_RATE times a second (the last one always drawn), one small matrix product per
layer; a frame of the view draws cached pixmaps only.
"""

from __future__ import annotations

import html
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from core.neuron_maps import GRID, map_plane, neuron_maps, value_range
from gui import theme
from gui.elided import ElidedLabel, ElidingComboBox

MAX_RATE = 4.0  # map computations per second at most (while training plays)
MIN_PX = 14  # pictures smaller than this are not drawn (the hovered one is shown large)
MAX_PX = 64  # the largest neuron circle with a picture inside
BIG = 200  # the hovered picture's side, in px
BIG_GRID = 96
LIGHT = np.array([246.0, 246.0, 244.0])
NOTE = "other inputs held at their median"
TOO_SMALL = (f"Too many neurons, or too little room, for pictures (under {MIN_PX} px): hover a neuron "
             f"to see its picture.")


def picture_rgba(values: np.ndarray, centre: float, half: float) -> np.ndarray:
    """(h, w, 4) uint8: the diverging map of values (row 0 = the lowest y, drawn at the bottom):
    pale at `centre`, full blue at centre + half, full orange at centre − half."""
    t = np.clip((np.asarray(values, dtype=np.float64) - centre) / (half if half > 0 else 1.0), -1, 1)
    pos = np.array(theme.POSITIVE, dtype=np.float64)
    neg = np.array(theme.NEGATIVE, dtype=np.float64)
    a = np.abs(t)[..., None]
    base = np.where(t[..., None] >= 0, pos, neg)
    rgb = LIGHT + (base - LIGHT) * a
    out = np.empty((*t.shape, 4), dtype=np.uint8)
    out[..., :3] = np.clip(np.rint(rgb), 0, 255)[::-1]  # row 0 at the bottom of the image
    out[..., 3] = 255
    return out


def _interpolation(n: int, side: int) -> np.ndarray:
    """(side, n): linear interpolation of n grid values (first and last at the edges) to side px."""
    x = np.linspace(0.0, n - 1.0, side)
    i0 = np.clip(np.floor(x).astype(np.int64), 0, max(n - 2, 0))
    f = x - i0
    m = np.zeros((side, n))
    rows = np.arange(side)
    m[rows, i0] = 1.0 - f
    m[rows, np.minimum(i0 + 1, n - 1)] += f
    return m


def _disc(side: int) -> np.ndarray:
    """(side, side) uint8 alpha: a disc filling the square, its edge antialiased."""
    c = (side - 1) / 2.0
    yy, xx = np.mgrid[:side, :side]
    return np.clip((side / 2.0 - np.hypot(xx - c, yy - c)) * 255 + 0.5, 0, 255).astype(np.uint8)


_LUT = None


def _colours(values: np.ndarray, centre: np.ndarray, half: np.ndarray) -> np.ndarray:
    """(n, h, w, 3) uint8 RGB of n pictures, each with its own centre and half width: the colours
    of picture_rgba, looked up in a table of 255 steps from orange through pale to blue."""
    global _LUT
    if _LUT is None:
        _LUT = picture_rgba(np.linspace(-1.0, 1.0, 255)[None, :], 0.0, 1.0)[0, :, :3].copy()
    half = np.where(half > 0, half, 1.0)
    t = (values - centre[:, None, None]) * (127.0 / half[:, None, None])
    np.clip(t, -127.0, 127.0, out=t)
    t += 127.5
    return _LUT[t.astype(np.uint8)]


def _qimage(rgba: np.ndarray) -> QImage:
    h, w = rgba.shape[:2]
    buf = np.ascontiguousarray(rgba)
    return QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


class _Points:
    """The training points in the plane's unit square (0-1, y up), and which class each is."""

    def __init__(self, X_raw, y, fx, fy, extent):
        x0, x1, y0, y1 = extent
        self.u = (X_raw[:, fx] - x0) / max(x1 - x0, 1e-12)
        self.v = (X_raw[:, fy] - y0) / max(y1 - y0, 1e-12)
        self.y = np.asarray(y).ravel()

    def draw(self, p: QPainter, rect: QRectF, own: int | None, radius: float, strong: bool = False):
        """Own class (or all, own None) as faint dark dots, the others as fainter pale ones."""
        xs = rect.left() + self.u * rect.width()
        ys = rect.bottom() - self.v * rect.height()
        mine = np.ones(self.u.shape, dtype=bool) if own is None else self.y == own
        p.setPen(Qt.PenStyle.NoPen)
        for sel, colour in ((~mine, QColor(255, 255, 255, 150 if strong else 110)),
                            (mine, QColor(30, 30, 30, 170 if strong else 120))):
            p.setBrush(colour)
            for x, y in zip(xs[sel], ys[sel], strict=True):
                p.drawEllipse(QPointF(float(x), float(y)), radius, radius)


class PictureItem(pg.GraphicsObject):
    """Draws one cached round pixmap per neuron at its centre, in device pixels."""

    def __init__(self):
        super().__init__()
        self.pixmaps: list[tuple[float, float, QImage]] = []  # view x, view y, round picture
        self.diameter = 0.0
        self._bounds = QRectF(-1, -1.2, 10, 2.4)
        self.setZValue(25)  # over the neurons' fills (20), under the names (30)

    def set_bounds(self, rect: QRectF):
        self.prepareGeometryChange()
        self._bounds = rect

    def boundingRect(self):
        return self._bounds

    def paint(self, p, *args):
        if not self.pixmaps or self.diameter <= 0:
            return
        t = p.transform()
        d = self.diameter
        p.save()
        p.resetTransform()
        for x, y, img in self.pixmaps:
            c = t.map(QPointF(x, y))
            p.drawImage(QPointF(round(c.x() - d / 2), round(c.y() - d / 2)), img)
        p.restore()


class PictureBar(QWidget):
    """Under the network view's header: the two inputs of the pictures, and what is held."""

    def __init__(self, parent=None):
        super().__init__(parent)
        tip = "; the other inputs are held at their training median."
        self.fx = ElidingComboBox("Pictures in neurons: the input on each picture's horizontal axis"
                                  + tip)
        self.fy = ElidingComboBox("Pictures in neurons: the input on each picture's vertical axis"
                                  + tip)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 8, 0)
        lay.setSpacing(4)
        for c in (self.fx, self.fy):
            c.setMinimumContentsLength(3)
        lay.addWidget(self.fx, 2)
        lay.addWidget(QLabel("×"))
        lay.addWidget(self.fy, 2)
        self.note = ElidedLabel(NOTE, auto_tooltip=True)
        self.note.setStyleSheet("color: #666;")
        lay.addWidget(self.note, 3)

    def set_note(self, held: bool):
        """Say what is held (with more than two inputs)."""
        self.note.setText(NOTE if held else "")


class NeuronPictures(QObject):
    """The pictures of one network view: its data, the maps of the shown snapshot, the drawing."""

    toggled = Signal(bool)

    def __init__(self, view, bar: PictureBar):
        super().__init__(view)
        self.view, self.bar = view, bar
        self.enabled = False
        self.item = PictureItem()
        self.item.hide()
        view.addItem(self.item)
        self.popup = QLabel(view.viewport())
        self.popup.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.popup.setStyleSheet("background: #fbfbfa; border: 1px solid #b8b5ae;")
        self.popup.hide()
        self.notice = QLabel(TOO_SMALL, view.viewport())  # where the pictures would be too small
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.notice.setStyleSheet("color: #8a5a00; background: rgba(252, 252, 250, 220);")
        self.notice.hide()
        self.data = self.config = None
        self._dot_cache: dict = {}
        self.plane = self.maps = self.points = None
        self.snapshot = None  # the one maps were computed for
        self._pending = None
        self._last = -1e9
        self.updates = 0  # maps computed (tests, bench)
        self.too_small = False
        self.hovered = None  # (layer, j) whose big picture shows
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._compute_later)
        bar.fx.currentIndexChanged.connect(self._pair_changed)
        bar.fy.currentIndexChanged.connect(self._pair_changed)
        bar.setVisible(False)
        view.viewport().installEventFilter(self)  # the mouse leaving the view: the big picture goes
        view.maps = self

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Leave and self.popup.isVisible():
            self.hide_popup()
        return False

    # -- settings -------------------------------------------------------------------------------
    def set_enabled(self, on: bool):
        on = bool(on)
        if on == self.enabled:
            return
        self.enabled = on
        self.bar.setVisible(on)
        self.item.setVisible(on)
        if not on:
            self.hide_popup()
            self.item.pixmaps = []
            self.snapshot = None
        self.resized()
        if on and self.view.snapshot is not None:
            self.snapshot_shown(self.view.snapshot, now=True)
        self.toggled.emit(on)

    def set_data(self, data, config):
        """A new network: the inputs offered, by default the regions dock's pair (core.regions)."""
        from core.derived import raw_count
        from core.regions import best_pair, best_pair_for_number

        self.data, self.config = data, config
        self.X_raw = data.scaler.inverse(data.X_train)
        derived = self._derived()
        names = list(data.feature_names)
        names = names[:raw_count(len(names), derived)] if derived else names
        if len(names) > 2:
            pick = best_pair_for_number if self.regression else best_pair
            fx, fy = pick(self.X_raw[:, :len(names)], data.y_train)
        else:
            fx, fy = 0, min(1, len(names) - 1)
        self.bar.fx.set_choices(names, fx)
        self.bar.fy.set_choices(names, fy)
        self._held_note = len(names) > 2
        self.bar.set_note(self._held_note)
        self._new_plane()

    @property
    def regression(self) -> bool:
        return getattr(self.data, "task", "") == "regression"

    def _derived(self) -> tuple[str, ...]:
        return tuple(getattr(self.config, "derived", ()) or ())

    def pair(self) -> tuple[int, int]:
        return self.bar.fx.currentIndex(), self.bar.fy.currentIndex()

    def set_pair(self, fx: int, fy: int):
        self.bar.fx.setCurrentIndex(fx)
        self.bar.fy.setCurrentIndex(fy)

    def _pair_changed(self, *_):
        self._new_plane()
        if self.view.snapshot is not None:
            self.snapshot_shown(self.view.snapshot, now=True)

    def _new_plane(self):
        self.plane = self.maps = self.points = None
        self.snapshot = None
        self._big = None
        if self.data is None or self.bar.fx.count() == 0:
            return
        fx, fy = self.pair()
        self.plane = map_plane(self.data.scaler, self.X_raw, fx, fy, GRID, self._derived())
        self.points = _Points(self.X_raw, self.data.y_train, fx, fy, self.plane.extent)

    # -- hooks from the view --------------------------------------------------------------------
    def structure_changed(self):
        """set_structure: a new network (its data follows in set_data)."""
        self.item.pixmaps = []
        self.snapshot = self.maps = None
        self.hide_popup()
        ys = np.concatenate([pos[:, 1] for pos in self.view._pos])
        self.item.set_bounds(QRectF(-0.5, float(ys.min()) - 0.5, len(self.view.sizes),
                                    float(ys.max() - ys.min()) + 1.0))
        self.resized()

    def node_px(self, default: float) -> float:
        """The neurons' diameter: larger with pictures on, as the view's room allows."""
        self.too_small = False
        if not self.enabled or not self.view.sizes:
            return default
        vb = self.view.getViewBox()
        h = float(vb.height()) if vb.height() > 10 else float(max(self.view.height(), 200))
        w = float(vb.width()) if vb.width() > 10 else float(max(self.view.width(), 200))
        largest = max(self.view.sizes[1:])
        spacing = min(0.34, 1.7 / max(largest, 1))
        span = max(len(self.view.sizes) - 1, 1)
        vr = vb.viewRect()  # px between layers, as laid out (else a guess from the width)
        unit = w / vr.width() if vr.width() > 0 and vb.width() > 10 else 0.4 * w / span
        room = min(0.86 * spacing * h / 2.1, 0.42 * unit, MAX_PX)  # (circles far enough apart)
        self.too_small = room - 2 * self._rim(room) < MIN_PX
        return default if self.too_small else max(default, float(int(room)))

    @staticmethod
    def _rim(px: float) -> float:
        return max(2.0, round(px * 0.07))

    def resized(self):
        """The view's size changed (or pictures went on or off): the neurons' size follows."""
        v = self.view
        if not v.sizes:
            return
        base = float(np.clip(260 / max(v.sizes), 3, 26))
        for _ in range(2):  # the layout's room between layers depends on the neurons' size
            px = self.node_px(base)
            if abs(px - v._node_px) < 1:
                break
            v.set_node_px(px)
        self.notice.setVisible(self.enabled and self.too_small)
        if self.notice.isVisible():
            vp = v.viewport()
            width = max(120, vp.width() - 16)
            self.notice.setFixedSize(width, self.notice.heightForWidth(width))
            self.notice.move(8, max(0, vp.height() - self.notice.height() - 6))
        if self.enabled and self.maps is not None:
            self._make_pixmaps()

    def snapshot_shown(self, snap, now: bool = False):
        """show_snapshot: new maps when the epoch shown changed, at most MAX_RATE a second."""
        if not self.enabled or self.plane is None or snap is self.snapshot:
            return
        self._pending = snap
        wait = self._last + 1.0 / MAX_RATE - time.perf_counter()
        if now or wait <= 0:
            self._timer.stop()
            self._compute_pending()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _compute_later(self):
        try:
            self._compute_pending()
        except Exception:  # an exception leaving a Qt slot ends PySide6 6.11: report it, go on
            import traceback

            traceback.print_exc()

    def _compute_pending(self):
        snap, self._pending = self._pending, None
        if snap is None or self.plane is None or not self.enabled:
            return
        if tuple(snap.layer_sizes) != tuple(self.view.sizes) or \
                snap.layer_sizes[0] != self.plane.scaled_t.shape[0]:
            return
        self._last = time.perf_counter()
        self.maps = neuron_maps(self.plane, snap.weights, snap.biases, self.config.activation,
                                self.regression)
        self.snapshot = snap
        self._big = None
        self.updates += 1
        self._make_pixmaps()
        if self.hovered is not None:
            self._show_popup(*self.hovered)

    # -- drawing --------------------------------------------------------------------------------
    def _scale(self, layer: int, values: np.ndarray) -> tuple[float, float]:
        if layer == 0 and self.maps is not None:  # one scale for every input: a held one is pale
            values = self.maps.inputs
        return value_range(self.config.activation, layer, len(self.view.sizes), values,
                           self.regression)

    def _make_pixmaps(self):
        v = self.view
        if self.maps is None or self.too_small:
            self.item.pixmaps = []
            self.item.update()
            return
        px = v._node_px
        side = int(np.ceil(px - 2 * self._rim(px)))
        out = []
        n_layers = len(v.sizes)
        # in numpy, a layer at a time: each picture interpolated to `side` px, coloured, its training
        # dots blended in (outputs), cut to a disc (the painter's clip and smoothing cost 4x more)
        up = _interpolation(self.plane.grid, side)
        disc = _disc(side)
        for layer in range(n_layers):  # the inputs too: what each one is over the plane
            values = self.maps.inputs if layer == 0 else self.maps.layers[layer - 1]
            scales = np.array([self._scale(layer, values[j]) for j in range(values.shape[0])])
            big = (up @ values @ up.T)[:, ::-1]  # row 0 at the bottom
            rgba = np.empty((*big.shape, 4), dtype=np.uint8)
            rgba[..., :3] = _colours(big, scales[:, 0], scales[:, 1])
            if layer == n_layers - 1 and self.points is not None and side >= 20:
                for j in range(values.shape[0]):
                    dots = self._dots(None if self.regression else j, side)  # premultiplied
                    c = rgba[j, ..., :3] * (1.0 - dots[..., 3:]) + dots[..., :3]
                    rgba[j, ..., :3] = np.clip(c + 0.5, 0, 255)
            rgba[..., 3] = disc
            for j in range(values.shape[0]):
                x, y = v._pos[layer][j]
                out.append((float(x), float(y), _qimage(rgba[j])))
        self.item.diameter = float(side)
        self.item.pixmaps = out
        self.item.update()

    def _dots(self, own: int | None, side: int) -> np.ndarray:
        """The training points of an output's picture as premultiplied RGBA floats (side, side, 4),
        drawn once per pair and size (they do not change with the epoch)."""
        key = (own, side, id(self.points))
        dots = self._dot_cache.get(key)
        if dots is None:
            img = QImage(side, side, QImage.Format.Format_RGBA8888_Premultiplied)
            img.fill(Qt.GlobalColor.transparent)
            p = QPainter(img)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self.points.draw(p, QRectF(0, 0, side, side), own, max(0.6, side / 60))
            p.end()
            raw = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
            dots = raw.reshape(side, img.bytesPerLine() // 4, 4)[:, :side].astype(np.float64)
            dots[..., 3] /= 255.0
            if len(self._dot_cache) > 64:
                self._dot_cache.clear()
            self._dot_cache[key] = dots
        return dots

    def picture_of(self, layer: int, j: int) -> np.ndarray | None:
        """The shown picture's values of neuron j of neuron layer `layer` (0 = inputs)."""
        return None if self.maps is None else self.maps.picture(layer, j)

    # -- hover ----------------------------------------------------------------------------------
    def hover(self, node):
        """The view's hover: a neuron (layer, j) or None."""
        if not self.enabled or node is None or self.snapshot is None:
            self.hide_popup()
            return
        if node != self.hovered or not self.popup.isVisible():
            self._show_popup(*node)

    def hide_popup(self):
        self.hovered = None
        self.popup.hide()

    def big_picture(self, layer: int, j: int) -> np.ndarray:
        """Neuron j's values over a finer grid (BIG_GRID²) for the hovered picture."""
        key = (self.snapshot, self.pair())
        if getattr(self, "_big", None) is None or self._big[0] != key:
            fx, fy = self.pair()
            plane = map_plane(self.data.scaler, self.X_raw, fx, fy, BIG_GRID, self._derived())
            self._big = (key, neuron_maps(plane, self.snapshot.weights, self.snapshot.biases,
                                          self.config.activation, self.regression))
        return self._big[1].picture(layer, j)

    def _show_popup(self, layer: int, j: int):
        self.hovered = (layer, j)
        values = self.big_picture(layer, j)
        centre, half = self._scale(layer, self.maps.picture(layer, j))
        pix = self._popup_pixmap(layer, j, values, centre, half)
        top = self.view.window()  # over the whole window: a narrow view has no room for it
        if self.popup.parentWidget() is not top:
            self.popup.setParent(top)
        self.popup.setPixmap(pix)
        self.popup.resize(pix.size())
        k = sum(self.view.sizes[:layer]) + j
        c = self.view.mapTo(top, self.view.node_centres()[k].toPoint())
        cx, cy = c.x(), c.y()
        gap = self.view._node_px / 2 + 10
        w, h = pix.width(), pix.height()
        x = cx - gap - w if cx - gap - w >= 4 else cx + gap
        x = min(max(4, x), max(4, top.width() - w - 4))
        y = min(max(4, cy - h / 2), max(4, top.height() - h - 4))
        self.popup.move(int(x), int(y))
        self.popup.show()
        self.popup.raise_()

    def _popup_pixmap(self, layer, j, values, centre, half) -> QPixmap:
        v = self.view
        names = [self.bar.fx.itemText(i) for i in range(self.bar.fx.count())]
        fx, fy = self.pair()
        x0, x1, y0, y1 = self.plane.extent
        font = QFont()
        font.setPointSizeF(8.5)
        bold = QFont(font)
        bold.setBold(True)
        left, top, w = 30, 24, 300
        h = top + BIG + 72  # three lines of caption under the axis
        pix = QPixmap(w, h)
        pix.fill(QColor(*theme.BACKGROUND))
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.setPen(QColor(*theme.TEXT))
        p.setFont(bold)
        last = layer == len(v.sizes) - 1
        title = v.neuron_name(layer, j)
        title += (" — probability" if not self.regression else " — output") if last else \
            " — standardised input" if layer == 0 else f" — {self.config.activation}(w·a + b)"
        p.drawText(QRectF(6, 2, w - 12, 20), Qt.AlignmentFlag.AlignVCenter,
                   p.fontMetrics().elidedText(title, Qt.TextElideMode.ElideMiddle, w - 12))
        rect = QRectF(left, top, BIG, BIG)
        p.drawImage(rect, _qimage(picture_rgba(values, centre, half)))
        if last and self.points is not None:
            self.points.draw(p, rect, None if self.regression else j, 1.6, strong=True)
        p.setPen(QPen(QColor(150, 150, 150), 1))
        p.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        p.drawRect(rect)
        p.setFont(font)
        p.setPen(QColor(*theme.TEXT))
        fm = p.fontMetrics()
        # the axes: the inputs' names and ranges
        xname = fm.elidedText(names[fx], Qt.TextElideMode.ElideMiddle, BIG - 80)
        p.drawText(QRectF(left, top + BIG + 2, BIG, 16), Qt.AlignmentFlag.AlignHCenter, xname)
        p.drawText(QRectF(left, top + BIG + 2, BIG, 16), Qt.AlignmentFlag.AlignLeft, f"{x0:.3g}")
        p.drawText(QRectF(left, top + BIG + 2, BIG, 16), Qt.AlignmentFlag.AlignRight, f"{x1:.3g}")
        p.save()
        p.translate(left - 4, top + BIG)
        p.rotate(-90)
        yname = fm.elidedText(names[fy], Qt.TextElideMode.ElideMiddle, BIG - 80)
        for align, text in ((Qt.AlignmentFlag.AlignHCenter, yname),
                            (Qt.AlignmentFlag.AlignLeft, f"{y0:.3g}"),
                            (Qt.AlignmentFlag.AlignRight, f"{y1:.3g}")):
            p.drawText(QRectF(0, -16, BIG, 16), align | Qt.AlignmentFlag.AlignBottom, text)
        p.restore()
        # the colour scale
        sx = left + BIG + 14
        bar = picture_rgba(np.linspace(centre - half, centre + half, 64)[:, None], centre, half)
        p.drawImage(QRectF(sx, top, 12, BIG), _qimage(bar))
        p.setPen(QPen(QColor(150, 150, 150), 1))
        p.drawRect(QRectF(sx, top, 12, BIG))
        p.setPen(QColor(*theme.TEXT))
        for frac, val in ((0.0, centre + half), (0.5, centre), (1.0, centre - half)):
            p.drawText(QRectF(sx + 16, top + frac * BIG - 8, w - sx - 16, 16),
                       Qt.AlignmentFlag.AlignVCenter, f"{val:.3g}")
        lo, hi = float(values.min()), float(values.max())
        p.setPen(QColor(90, 90, 90))
        what = "p" if last and not self.regression else "value"
        if last and self.regression:  # the number predicted, in the label's units
            d = self.data
            what = "standardised output"
            held_units = f" ({d.label_name} {lo * float(d.label_std) + float(d.label_mean):.4g} to " \
                f"{hi * float(d.label_std) + float(d.label_mean):.4g})"
        else:
            held_units = ""
        dots = "; dots: the training rows" + ("" if self.regression else ", dark: this class") \
            if last else ""
        held = f"; {NOTE}" if len(names) > 2 else ""
        p.drawText(QRectF(6, top + BIG + 20, w - 12, 50),
                   Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                   f"{what} from {lo:.3g} to {hi:.3g}{held_units}{dots}{held}")
        p.end()
        return pix

    def describe(self) -> str:
        """One line for tooltips and tests: what the pictures show."""
        if self.data is None:
            return ""
        names = [self.bar.fx.itemText(i) for i in range(self.bar.fx.count())]
        fx, fy = self.pair()
        return html.escape(f"{names[fx]} × {names[fy]}; {NOTE}")
