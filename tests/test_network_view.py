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
