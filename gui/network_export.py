"""Writing the network view to an SVG file, its neurons drawn as plain circles."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QPainter, QPen


def render_svg(view, path: str, title: str) -> None:
    """Write `view` (a NetworkView) as it is on screen to an SVG file; OSError when it cannot be
    written.

    The neurons are drawn here as plain circles in pixels, not through the scatter item: its
    symbols are unit paths scaled up to the node size with a cosmetic pen, which QSvgGenerator
    writes as a stroke as wide as the node (26 px) marked vector-effect="non-scaling-stroke";
    renderers that ignore that attribute (most outside Qt) painted every neuron a grey disc.
    """
    from PySide6.QtSvg import QSvgGenerator  # loaded when first exporting, not at start-up

    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(view.size())
    gen.setViewBox(QRect(0, 0, view.width(), view.height()))
    gen.setTitle(title)
    painter = QPainter(gen)
    if not painter.isActive():
        raise OSError("the SVG could not be written")
    shown = view._nodes.isVisible()
    view._nodes.hide()
    try:
        view.render(painter)
        paint_nodes(view, painter)
    finally:
        view._nodes.setVisible(shown)
        ok = painter.end()
    if not ok:
        raise OSError("the SVG could not be written")


def paint_nodes(view, painter: QPainter):
    """The view's neurons as circles of the node size, strokes in pixels (no scaled pens)."""
    style = getattr(view, "_node_style", None)
    if style is None:
        return
    brushes, pens = style
    r = view._node_px / 2.0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for c, brush, pen in zip(view.node_centres(), brushes, pens, strict=False):
        p = QPen(pen)
        p.setCosmetic(False)
        painter.setPen(p)
        painter.setBrush(brush)
        painter.drawEllipse(c, r, r)
    painter.restore()
