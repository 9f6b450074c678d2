"""Derived inputs in the window: the Training dock's toggles rebuild the network with the extra
input neurons (asking first when training would be lost), saving keeps them, opening restores them,
the Classify dock and the decision regions apply them."""

import numpy as np
from test_derived import circle_csv

from gui_helpers import make_window, ready, wait_until


def test_toggles_rebuild_save_and_open(qtbot, tmp_path):
    csv = circle_csv(tmp_path / "circle.csv")
    w = make_window(qtbot, tmp_path, data_path=csv)
    c, s = w.controls, w.session
    assert set(c.derived_boxes) == {"squares", "products", "sines"} and c.derived() == ()
    assert w.view.sizes[0] == 2
    # training would be lost: declined, nothing changes and the toggle goes back
    w.step()
    assert wait_until(lambda: s.epoch == 1, 30)
    asked = []
    w.confirm = lambda text: asked.append(text) or False
    c.derived_boxes["squares"].setChecked(True)
    assert len(asked) == 1 and "4-5-5-2" in asked[0], asked
    assert c.derived() == () and s.config.derived == () and s.epoch == 1
    # accepted: a network with x1² and x2² as inputs, drawn like any input
    w.confirm = lambda text: True
    c.derived_boxes["squares"].setChecked(True)
    assert wait_until(lambda: ready(w) and s.config.derived == ("squares",), 30)
    assert w.view.sizes == (4, 5, 5, 2) and w.view._input_names == ["x1", "x2", "x1²", "x2²"]
    assert c.shape_label.text() == "4-5-5-2"
    assert tuple(s.dataset.feature_names) == ("x1", "x2")  # the data stays raw
    # the Classify dock's network takes the raw features and gives the trainer's answer
    for _ in range(3):
        w.step()
        assert wait_until(lambda: s.epoch >= 1 and not s._runs, 30)
    path = tmp_path / "net.safetensors"
    assert w.files.save_network(str(path))
    from core.model import load_model

    m = load_model(path)
    assert m.derived == ("squares",) and m.feature_names == ("x1", "x2")
    from core.network import forward

    raw = s.data.scaler.inverse(s.data.X_train[:5])[:, :2]
    direct = forward(s.latest.weights, s.latest.biases, "relu", s.data.X_train[:5]).probabilities
    np.testing.assert_allclose(m.probabilities(raw), direct, atol=1e-5)
    # lighting a raw observation adds its derived inputs
    s.set_observation(raw[0])
    w.light_observation()
    assert w.forward_pass is not None and np.allclose(w.forward_pass.probabilities[0], direct[0],
                                                      atol=1e-5)
    # the regions: the plane is x1, x2 (the squares follow each point)
    regions = w.panel("regions").widget if hasattr(w, "panel") else None
    if regions is not None and regions.data is not None:
        assert regions.fx.count() == 2
    # all toggles off, then opening the saved network brings squares back
    c.derived_boxes["squares"].setChecked(False)
    assert wait_until(lambda: ready(w) and s.config.derived == (), 30)
    assert w.view.sizes[0] == 2
    assert w.files.open_network(str(path))
    assert wait_until(lambda: ready(w) and s.config.derived == ("squares",), 30)
    assert c.derived() == ("squares",) and w.view.sizes[0] == 4
