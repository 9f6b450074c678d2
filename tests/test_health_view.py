"""The health notes in the window: dead neurons greyed in the network view with their hover text,
and the Gradients dock's health line, for the snapshot shown (gui/panels/gradients.py wires them)."""

import dataclasses
import sys

import numpy as np

from conftest import ROOT
from gui_helpers import make_window

sys.path.insert(0, str(ROOT / "docs"))
import gallery  # noqa: E402


def gradients_panel(w):
    return next(p for p in w.panels if p.name == "gradients")


def killed(snap, layer: int, neurons):
    """`snap` with the given neurons of hidden layer `layer` (1 = first) never active: no incoming
    weights and a negative bias."""
    weights, biases = list(snap.weights), list(snap.biases)
    w, b = weights[layer - 1].copy(), biases[layer - 1].copy()
    for j in neurons:
        w[j] = 0.0
        b[j] = -1.0
    weights[layer - 1], biases[layer - 1] = w, b
    return dataclasses.replace(snap, weights=tuple(weights), biases=tuple(biases))


def test_dead_neurons_greyed_with_hover_and_note(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    gallery.step_epochs(w, 2)
    gallery.show_dock(w, "gradients")
    panel = gradients_panel(w)
    shown = w.session.displayed_snapshot()
    # the real run: the panel computed the health of the snapshot shown, the line says so
    assert panel.health is not None and panel.health.epoch == shown.epoch == 2
    assert panel.health_note.isVisible()
    assert panel.health_note.text().startswith("Health: ")

    snap = killed(shown, 2, [0, 2, 4])
    w.view.show_snapshot(snap, animate=False)
    panel.refresh_health(snap)
    assert panel.health_note.text() == "Health: hidden 2: 3 of 5 neurons dead."
    assert "never active on the 240 training rows" in panel.health_note.toolTip()
    mask = w.view.dead_mask()
    first = 4 + 5  # inputs, then hidden 1: hidden 2 starts here
    assert np.flatnonzero(mask).tolist() == [first, first + 2, first + 4]
    styles = w.view._node_styles
    brushes, pens = w.view._node_style
    assert brushes[first] is styles.dead_brush and pens[first] is styles.dead_pen
    assert brushes[first + 1] is not styles.dead_brush
    tip = w.view.describe_node(2, 0)
    assert "dead" in tip and "never active on the 240 training rows" in tip
    assert "dead" not in w.view.describe_node(2, 1)
    assert "grey&nbsp;dashed&nbsp;=&nbsp;dead" in w.network.legend.text()

    # another snapshot on screen: the greying (computed for `snap`) no longer applies
    w.view.show_snapshot(shown, animate=False)
    assert w.view.dead_mask() is None
    assert w.view._node_style[0][first] is not styles.dead_brush
    assert "dead" not in w.network.legend.text()
