"""Pictures in the neurons, in the window (gui/network_maps.py): shown inside the circles, following
the epoch shown (steps and the timeline), the too-many-neurons case, the hovered picture large, and
the setting kept between sessions."""

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPointF

from core.neuron_maps import map_plane, neuron_maps
from core.regions import best_pair
from gui.waiting import wait_ms
from gui_helpers import make_window, ready, wait_until


def step(w, n):
    target = w.session.epoch + n
    for _ in range(n):
        w.step()
    assert wait_until(lambda: w.session.epoch >= target and w.session._runs == 0, 60)
    w._draw(force=True)
    w.view.finish_animation()


def shown(w):
    pic = w.network.pictures
    assert wait_until(lambda: pic.snapshot is w.view.snapshot, 10)
    return pic


@pytest.fixture
def win(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.act_pictures.trigger()  # View → Pictures in neurons
    assert w.network.pictures.enabled and w.network.pictures_button.isChecked()
    return w


def test_heatmap_pictures_drawn_in_every_neuron_and_follow_the_epoch(win, tmp_path):
    w = win
    step(w, 3)
    pic = shown(w)
    sizes = w.view.sizes
    assert len(pic.item.pixmaps) == sum(sizes) and pic.item.isVisible()
    assert not pic.too_small and w.view._node_px > 26  # larger circles with pictures inside
    assert not pic.notice.isVisible()
    # the pictures' numbers: core's maps of the shown snapshot, over the regions dock's pair
    d = w.session.data
    X = d.scaler.inverse(d.X_train)
    assert pic.pair() == best_pair(X, d.y_train)
    want = neuron_maps(map_plane(d.scaler, X, *pic.pair()), w.view.snapshot.weights,
                       w.view.snapshot.biases, w.session.config.activation)
    for a, b in zip(pic.maps.layers, want.layers, strict=True):
        np.testing.assert_allclose(a, b)
    assert pic.bar.isVisible() and "held at their median" in pic.bar.note.text()
    first = [m.copy() for m in pic.maps.layers]
    step(w, 5)
    pic = shown(w)
    assert any(not np.allclose(a, b) for a, b in zip(first, pic.maps.layers, strict=True))
    # the timeline: back to an earlier epoch, the pictures are that epoch's
    later = pic.snapshot
    w.timeline.scrub(-3)
    pic = shown(w)
    assert pic.snapshot is not later and pic.snapshot.epoch < later.epoch
    # the pixels: a hidden neuron's centre is the picture's colour, not the plain fill
    c = w.view.node_centres()[sizes[0]]
    img = w.view.grab().toImage()
    on = img.pixelColor(int(c.x()), int(c.y())).getRgb()
    w.network.set_pictures(False)
    assert not w.act_pictures.isChecked() and not pic.item.isVisible() and not pic.bar.isVisible()
    wait_ms(50)
    c = w.view.node_centres()[sizes[0]]
    off = w.view.grab().toImage().pixelColor(int(c.x()), int(c.y())).getRgb()
    assert on != off
    # another pair of inputs: new pictures
    w.network.set_pictures(True)
    before = [m.copy() for m in shown(w).maps.layers]
    pic.set_pair(2, 3)
    pic = shown(w)
    assert pic.plane.fx == 2 and pic.plane.fy == 3
    assert not np.allclose(before[0], pic.maps.layers[0])


def test_heatmap_hover_shows_the_picture_large(win):
    w = win
    step(w, 2)
    pic = shown(w)
    vb = w.view.getViewBox()
    x, y = w.view._pos[2][1]
    w.view._hover(vb.mapViewToScene(QPointF(float(x), float(y))))
    assert pic.popup.isVisible() and pic.hovered == (2, 1)
    assert pic.popup.pixmap().width() >= 200 and pic.popup.pixmap().height() >= 200
    big = pic.big_picture(2, 1)
    assert big.shape == (96, 96)
    # the big picture is the same function on a finer grid: its corners are the small one's
    small = pic.picture_of(2, 1)
    np.testing.assert_allclose(big[[0, 0, -1, -1], [0, -1, 0, -1]],
                               small[[0, 0, -1, -1], [0, -1, 0, -1]], rtol=1e-9, atol=1e-12)
    x, y = w.view._pos[0][0]  # an input: what it is over the plane (standardised)
    w.view._hover(vb.mapViewToScene(QPointF(float(x), float(y))))
    assert pic.popup.isVisible() and pic.hovered == (0, 0)
    w.view._hover(vb.mapViewToScene(QPointF(0.5, 0.99)))  # nowhere: the picture goes
    assert not pic.popup.isVisible()
    pic.hover((1, 0))
    assert pic.popup.isVisible()
    QCoreApplication.sendEvent(w.view.viewport(), QEvent(QEvent.Type.Leave))  # the mouse leaves
    assert not pic.popup.isVisible()


def test_heatmap_too_many_neurons_says_so_and_shows_the_hovered_one(win):
    w = win
    w.controls.set_values(dict(hidden=(60,)))
    w.reset()
    assert wait_until(lambda: ready(w) and w.view.sizes[1] == 60, 60)
    step(w, 1)
    pic = shown(w)
    assert pic.too_small and pic.item.pixmaps == []
    assert pic.notice.isVisible() and "Too many neurons" in pic.notice.text()
    pic.hover((1, 30))
    assert pic.popup.isVisible() and pic.popup.pixmap().width() >= 200


def test_heatmap_setting_kept(win):
    w = win
    w.save_settings()
    assert str(w.settings.value("neuron_pictures")).lower() == "true"
    w.act_pictures.trigger()
    assert not w.network.pictures.enabled and not w.network.pictures_button.isChecked()
    w.save_settings()
    assert str(w.settings.value("neuron_pictures")).lower() == "false"
