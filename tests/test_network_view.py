"""The network view's drawing, checked on its pixels: sign colours, strength widths, the edge cap."""

import numpy as np
import pytest

from core.snapshot import EpochSnapshot
from gui import theme
from gui.network_view import MAX_EDGES, NetworkView


def snapshot(sizes, weights):
    b = tuple(np.zeros(o, np.float32) for o in sizes[1:])
    g = tuple(np.zeros_like(w) for w in weights)
    return EpochSnapshot(epoch=1, train_loss=1.0, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                         weights=weights, biases=b, grad_weights=g, grad_biases=b,
                         delta_weights=g, delta_biases=b, learning_rate=0.01)


@pytest.fixture
def view(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    return v


def pixel_at_edge(view, image, layer, o, i, t=0.5):
    p = view.mapFromScene(view.scene_pos_of_edge(layer, o, i, t))
    c = image.pixelColor(p.x(), p.y())
    return np.array([c.red(), c.green(), c.blue()])


def stroke_width(view, image, layer, o, i) -> int:
    """Pixels differing from the background on a vertical run through the edge's midpoint."""
    p = view.mapFromScene(view.scene_pos_of_edge(layer, o, i, 0.5))
    bg = np.array(theme.BACKGROUND)
    return sum(int(np.abs(np.array(image.pixelColor(p.x(), y).getRgb()[:3]) - bg).max() > 12)
               for y in range(p.y() - 8, p.y() + 9))


def test_edges_drawn_in_their_sign_colour_and_strength_width(view):
    sizes = (2, 2, 2)
    w0 = np.full((2, 2), 0.01, np.float32)
    w0[0, 0], w0[1, 1] = 3.0, -3.0
    w1 = np.full((2, 2), 0.01, np.float32)
    w1[0, 0] = 0.8
    view.set_structure(sizes, ("a", "b"), ("y", "z"), "relu")
    view.show_snapshot(snapshot(sizes, (w0, w1)), animate=False)
    img = view.grab().toImage()
    strong_pos = pixel_at_edge(view, img, 0, 0, 0, 0.25)
    strong_neg = pixel_at_edge(view, img, 0, 1, 1, 0.25)
    # positive weights blue, negative orange, as the legend says
    assert strong_pos[2] > strong_pos[0] + 60, strong_pos
    assert strong_neg[0] > strong_neg[2] + 60, strong_neg
    # a strong edge is wider than a weaker one (both horizontal, so a vertical run measures the pen)
    assert stroke_width(view, img, 0, 0, 0) > stroke_width(view, img, 1, 0, 0) >= 1


def test_only_the_strongest_edges_are_drawn_past_the_cap(view):
    sizes = (80, 60, 2)
    rng = np.random.default_rng(0)
    weights = tuple(rng.standard_normal(shape).astype(np.float32) for shape in ((60, 80), (2, 60)))
    counts = []
    view.shownChanged.connect(lambda drawn, total: counts.append((drawn, total)))
    view.set_structure(sizes, (), (), "relu")
    view.show_snapshot(snapshot(sizes, weights), animate=False)
    assert counts[-1] == (MAX_EDGES, 80 * 60 + 2 * 60)
    every = np.abs(np.concatenate([w.ravel() for w in weights]))
    drawn = every[view._drawn_idx]
    assert drawn.min() >= np.sort(every)[-MAX_EDGES]
    n_segments = view._edges.lines.shape[0]
    assert n_segments == MAX_EDGES
    assert not view._edges.antialias  # thousands of lines: no antialiasing, thinner pens


def test_message_shows_centred_text_until_cleared(view):
    """While no network exists yet (PyTorch starting), the view says so in its middle."""
    before = view.grab().toImage()
    view.set_message("Starting PyTorch in the training process and building the network…")
    assert view.message.startswith("Starting PyTorch")
    img = view.grab().toImage()
    mid = img.height() // 2
    row = [img.pixelColor(x, y) for x in range(img.width()) for y in range(mid - 10, mid + 10)]
    assert any(c.red() < 200 for c in row)  # text pixels across the middle
    view.set_message("")
    assert view.message == "" and view.grab().toImage() == before


# -- issue 17: wording, names at any width, SVG export, no auto-range button ---------------------

WINE_NAMES = ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
              "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
              "od280/od315_of_diluted_wines", "proline")
LONG_CLASSES = ("Adelie Penguin (Pygoscelis adeliae)", "Chinstrap penguin (Pygoscelis antarctica)",
                "Gentoo penguin (Pygoscelis papua)")


def random_snapshot(sizes, seed=0, grads=None):
    rng = np.random.default_rng(seed)
    weights = tuple(rng.standard_normal((sizes[i + 1], sizes[i])).astype(np.float32)
                    for i in range(len(sizes) - 1))
    b = tuple(np.zeros(o, np.float32) for o in sizes[1:])
    g = grads if grads is not None else tuple(np.zeros_like(w) for w in weights)
    return EpochSnapshot(epoch=63, train_loss=1.0, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                         weights=weights, biases=b, grad_weights=g, grad_biases=b,
                         delta_weights=g, delta_biases=b, learning_rate=0.01)


def test_edge_tooltip_says_what_gradient_descent_does_to_w(view):
    """w = -1.446 with dL/dw = +2.09e-4: descent moves w down, so |w| grows (it said 'shrink')."""
    sizes = (2, 2, 3)
    w = (np.array([[0.5, -0.2], [0.3, 0.1]], np.float32), np.array([[-1.44632, 0.2], [0.1, 0.4],
                                                                      [0.2, 0.3]], np.float32))
    g = (np.zeros((2, 2), np.float32), np.zeros((3, 2), np.float32))
    g[1][0, 0] = 2.090e-4
    g[1][1, 0] = -3.0e-4  # w = +0.1 with a negative gradient: up, |w| grows
    g[1][2, 0] = 5.0e-3  # w = +0.2, positive gradient: down, |w| shrinks
    snap = EpochSnapshot(epoch=63, train_loss=1.0, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                         weights=w, biases=(np.zeros(2, np.float32), np.zeros(3, np.float32)),
                         grad_weights=g, grad_biases=(np.zeros(2, np.float32), np.zeros(3, np.float32)),
                         delta_weights=g, delta_biases=(np.zeros(2, np.float32), np.zeros(3, np.float32)),
                         learning_rate=0.01)
    view.set_structure(sizes, ("a", "b"), ("Adelie", "Chinstrap", "Gentoo"), "relu")
    view.show_snapshot(snap, animate=False)
    t = view.describe_edge(1, 0, 0)
    assert "shrink" not in t and "moves w down" in t and "|w| grows" in t
    t = view.describe_edge(1, 1, 0)
    assert "moves w up" in t and "|w| grows" in t
    t = view.describe_edge(1, 2, 0)
    assert "moves w down" in t and "|w| shrinks" in t
    t = view.describe_edge(0, 0, 0)  # a zero gradient moves nothing
    assert "≈ 0" in t and "grow" not in t and "shrink" not in t and "moves w" not in t


def test_no_auto_range_button(view):
    view.set_structure((2, 2), ("a", "b"), ("y", "z"), "relu")
    item = view.getPlotItem()
    item.mouseHovering = True  # pyqtgraph shows "A" on hover once the range is not automatic
    item.updateButtons()
    assert not item.autoBtn.isVisible()


@pytest.mark.parametrize("names,classes", [(WINE_NAMES, ("class_0", "class_1", "class_2")),
                                           (("Culmen Length (mm)", "Culmen Depth (mm)",
                                             "Flipper Length (mm) measured at the field station",
                                             "Body Mass (g)"), LONG_CLASSES)])
@pytest.mark.parametrize("width", [300, 500, 900])
def test_names_never_cut_by_the_view_edge(qtbot, names, classes, width):
    from PySide6.QtCore import QPointF

    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(width, 450)
    v.show()
    qtbot.waitExposed(v)
    sizes = (len(names), 5, 5, len(classes))
    v.set_structure(sizes, names, classes, "relu")
    v.show_snapshot(random_snapshot(sizes), animate=False)
    qtbot.waitUntil(lambda: abs(v.getViewBox().width() - v._layout_width) < 1)
    v.grab()  # lay out and paint at this size
    t = v._labels.deviceTransform(v.viewportTransform())
    area = v.viewport().rect()
    labels = v._in_labels + v._out_labels
    assert [lbl.full for lbl in labels] == [*names, *classes]
    shown = [lbl.text() for lbl in labels]
    assert len(set(shown)) == len(shown)  # elided, still told apart
    for lbl in labels + v._titles:
        r = v._labels.device_rect(lbl, t)
        assert r.left() >= -0.5 and r.right() <= area.width() + 0.5, (lbl.text(), r, width)
        if lbl in labels:
            assert lbl.text() == lbl.full or "…" in lbl.text()
    # hovering an elided name tells the whole name
    cut = [lbl for lbl in labels if lbl.text() != lbl.full]
    if width == 300:
        assert cut  # something had to be elided
    for lbl in cut:
        c = v._labels.device_rect(lbl, t).center()
        assert v.label_at(QPointF(c.x(), c.y())) is lbl


def test_svg_export_draws_neurons_without_scaled_strokes(view, tmp_path):
    import re

    sizes = (4, 5, 3)
    view.set_structure(sizes, ("a", "b", "c", "d"), ("p", "q", "r"), "relu")
    view.show_snapshot(random_snapshot(sizes), animate=False)
    path = tmp_path / "net.svg"
    view.render_svg(str(path))
    text = path.read_text()
    widths = [float(w) for w in re.findall(r'stroke-width="([0-9.]+)"', text)]
    assert widths and max(widths) <= 6  # node outlines are pixels wide, not the node's 26 px size
    # each neuron is one ellipse (circle) element or path of its own fill colour
    assert len(re.findall(r"<ellipse|<circle", text)) >= sum(sizes)
    assert view._nodes.isVisible()  # the scatter item is back for the screen
