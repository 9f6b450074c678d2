"""File → Open network on a PyTorch state_dict or a foreign safetensors file, in the window offscreen:
the dialog asks for names, activation and scaling; the network then shows on the open data and
classifies as PyTorch's forward pass of the same weights does."""

from collections import OrderedDict

import numpy as np
import pandas as pd
import torch
from torch import nn

from conftest import PENGUINS
from core.model import model_from_snapshot
from gui_helpers import make_window, ready, wait_until

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


def raw_penguins():
    return pd.read_csv(PENGUINS).dropna()


def train(features, classes, scale=None, steps=20, seed=0):
    """A real nn.Sequential trained a few steps on the penguins, inputs in `features` order."""
    df = raw_penguins()
    X = torch.tensor(df[features].to_numpy(), dtype=torch.float32)
    if scale is not None:
        X = (X - torch.as_tensor(scale[0])) / torch.as_tensor(scale[1])
    y = torch.tensor(df["species"].map(classes.index).to_numpy())
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    return model


def forward(model, X):
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(X, dtype=torch.float32)), 1).numpy()


def open_dialog(w, path):
    w.import_network_dialog = None
    assert w.files.open_network(str(path))
    assert wait_until(lambda: getattr(w, "import_network_dialog", None) is not None
                      and w.import_network_dialog.isVisible(), 60), w.last_error
    return w.import_network_dialog


def test_state_dict_in_another_order_opens_and_classifies_like_pytorch(qtbot, tmp_path):
    feats = FEATURES[::-1]  # the network takes them in another order than the data's columns
    classes = ["Gentoo", "Adelie", "Chinstrap"]
    model = train(feats, classes)
    pt = tmp_path / "my penguins.pt"
    torch.save(model.state_dict(), pt)
    w = make_window(qtbot, tmp_path)
    w.session.play()  # opened while training plays: paused, then read
    dlg = open_dialog(w, pt)
    assert not w.session.playing
    assert dlg.features.text() == ", ".join(FEATURES) and dlg.classes.text() == ", ".join(CLASSES)
    assert "4-6-3" in dlg.intro.text() and "0.weight, 2.weight" in dlg.intro.text()
    dlg.set_values(features=feats, classes=["Gentoo", "Adelie", "Penguin"], activation="tanh")
    dlg.accept()  # a name the data does not have: said in the dialog, which stays open
    assert dlg.isVisible() and "'Penguin' is not one of the open data's classes" in dlg.problem.text()
    dlg.set_values(classes=classes)
    dlg.accept()
    assert not dlg.isVisible()
    assert wait_until(lambda: ready(w) and w.session.data.scaler.std.tolist() == [1, 1, 1, 1], 60), (
        w.last_error, w.session.data.scaler)
    s = w.session
    assert s.epoch == 0 and s.config.activation == "tanh" and s.latest.layer_sizes == (4, 6, 3)
    np.testing.assert_array_equal(s.data.scaler.mean, 0)
    # the data's order: first-layer columns and last-layer rows permuted
    np.testing.assert_array_equal(s.latest.weights[0], model[0].weight.detach().numpy()[:, ::-1])
    df = raw_penguins()
    expected = forward(model, df[feats].to_numpy())[:, [1, 2, 0]]  # Adelie, Chinstrap, Gentoo
    m = model_from_snapshot(s.latest, s.data, s.config)
    np.testing.assert_allclose(m.probabilities(df[FEATURES].to_numpy()), expected, atol=1e-5)
    assert (m.probabilities(df[FEATURES].to_numpy()).argmax(1) == expected.argmax(1)).mean() > 0.99
    # the Classify dock: one observation typed by hand, as PyTorch says
    panel = w.panel("classify")
    panel.refresh(s.latest)
    assert panel.widget.banner.isHidden()  # imported: not "untrained" at epoch 0
    obs = [50.0, 15.0, 225.0, 5500.0]
    panel.widget.set_observation(obs)
    np.testing.assert_allclose(panel.widget.form_probabilities,
                               forward(model, [obs[::-1]])[0, [1, 2, 0]], atol=1e-5)
    w.step()  # it trains on from the imported weights, the scaling kept
    assert wait_until(lambda: s.epoch == 1, 30)
    np.testing.assert_array_equal(s.data.scaler.std, 1)
    w.reset()  # a new network of our own: the scaling fitted on the training rows again
    assert wait_until(lambda: ready(w) and s.epoch == 0 and s.data.scaler.std[3] > 100, 60)
    assert s.fixed_scaler is None
    w.close()


def test_foreign_safetensors_with_the_datas_scaling(qtbot, tmp_path):
    from safetensors.torch import save_file

    from core.dataset import load_csv
    from core.torch_import import data_scaling

    mean, std = data_scaling(load_csv(PENGUINS).X)
    model = train(FEATURES, CLASSES, scale=(mean, std), seed=2)
    path = tmp_path / "net.safetensors"
    save_file({f"layers.{k}": v.contiguous() for k, v in model.state_dict().items()}, str(path))
    w = make_window(qtbot, tmp_path)
    dlg = open_dialog(w, path)
    dlg.set_values(activation="tanh", scaling="data")
    dlg.accept()
    assert wait_until(lambda: ready(w) and np.array_equal(w.session.data.scaler.mean, mean), 60)
    s = w.session
    X = raw_penguins()[FEATURES].to_numpy()
    expected = forward(model, (X - mean) / std)
    P = model_from_snapshot(s.latest, s.data, s.config).probabilities(X)
    np.testing.assert_allclose(P, expected, atol=1e-5)
    assert (P.argmax(1) == raw_penguins()["species"].map(CLASSES.index).to_numpy()).mean() > 0.9
    w.close()


def drop(w, path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    w.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_refusals_in_the_window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    whole = tmp_path / "whole.pt"
    torch.save(train(FEATURES, CLASSES, steps=1), whole)  # a pickled module, not a state_dict
    drop(w, whole)  # dropped on the window: opened as a network, not read as data
    assert wait_until(lambda: "state_dict()" in w.last_error, 60), w.last_error
    assert "refused" in w.last_error and "\n" not in w.last_error
    five = tmp_path / "five.pt"
    torch.save(nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)).state_dict(), five)
    assert w.files.open_network(str(five))
    assert wait_until(lambda: "takes 5 inputs and gives 2 classes" in w.last_error, 60), w.last_error
    bad = tmp_path / "bad.pt"
    torch.save(OrderedDict([("a.weight", torch.zeros(6, 4)), ("b.weight", torch.zeros(3, 5))]), bad)
    assert w.files.open_network(str(bad))
    assert wait_until(lambda: "'b.weight' has shape (3, 5)" in w.last_error, 60), w.last_error
    assert w.session.latest.layer_sizes == (4, 5, 5, 3)  # the network shown is kept
    w.close()


def test_the_window_process_imports_no_torch_to_open_one(tmp_path):
    """The .pt file is read in the engine; the window's process never imports torch."""
    import os
    import subprocess
    import sys
    import textwrap

    from safetensors.torch import save_file

    from conftest import ROOT

    model = train(FEATURES, CLASSES, steps=3)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    save_file(dict(model.state_dict()), str(tmp_path / "m.safetensors"))
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        from gui.main_window import MainWindow
        from gui.waiting import wait_until

        def main():
            app = QApplication([])
            w = MainWindow(settings=QSettings({str(tmp_path / 's.ini')!r},
                                              QSettings.Format.IniFormat))
            w.confirm_close = lambda: True
            w.confirm = lambda text: True
            w.show()
            ok = wait_until(lambda: w.session.ready, 60)
            for name in ("m.pt", "m.safetensors"):
                w.import_network_dialog = None
                w.files.open_network({str(tmp_path)!r} + "/" + name)
                ok = ok and wait_until(lambda: w.import_network_dialog is not None, 60)
                w.import_network_dialog.accept()
                ok = ok and wait_until(lambda: w.session.ready and w.session.data.scaler.std[0] == 1, 60)
            print("ok" if ok else "not ready: " + w.last_error,
                  sorted(m for m in sys.modules if m == "torch"))
            w.close()

        if __name__ == "__main__":
            main()
    """))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=180, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == "ok []", out.stdout + out.stderr[-2000:]


def test_dialog_shows_long_names_whole(qtbot, tmp_path):
    import layout_check

    long = {"Adelie": "Adelie Penguin (Pygoscelis adeliae)",
            "Chinstrap": "Chinstrap penguin (Pygoscelis antarctica)",
            "Gentoo": "Gentoo penguin (Pygoscelis papua)"}
    df = pd.read_csv(PENGUINS)
    df["species"] = df["species"].map(long)
    csv = tmp_path / "field notes.csv"
    df.to_csv(csv, index=False)
    path = tmp_path / "net.safetensors"
    from safetensors.torch import save_file

    save_file(dict(train(FEATURES, CLASSES, steps=2).state_dict()), str(path))
    w = make_window(qtbot, tmp_path, data_path=str(csv))
    dlg = open_dialog(w, path)
    assert dlg.classes.text() == ", ".join(long.values())
    assert layout_check.check(dlg) == []
    assert dlg.width() <= 900
    dlg.reject()
    w.close()
