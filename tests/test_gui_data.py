"""Your own data in the window: import dialog choices, bad files, save/load, exports."""

import numpy as np

from gui_helpers import make_window, ready, wait_until


def test_import_dialog_choices_shape_the_network(qtbot, tmp_path):
    from conftest import DATA

    w = make_window(qtbot, tmp_path)
    dlg = w.import_file(str(DATA / "penguins_raw.csv"))
    assert dlg is not None and dlg.label() == "Species"
    for name, box in dlg.feature_boxes.items():
        box.setChecked(name in ("Culmen Length (mm)", "Flipper Length (mm)", "Body Mass (g)"))
    assert dlg.dataset().n_features == 3
    gen = w.session.generation
    dlg.accept()
    assert wait_until(lambda: ready(w) and w.session.generation == gen + 1, 30)
    assert w.view.sizes == (3, 5, 5, 3)
    assert w.session.data.feature_names == ("Culmen Length (mm)", "Flipper Length (mm)", "Body Mass (g)")
    assert str(DATA / "penguins_raw.csv") in w.recent_files()
    w.close()


def test_bad_file_gives_a_dialog_and_loses_nothing(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    for _ in range(3):
        w.step()
    assert wait_until(lambda: w.session.epoch == 3, 30)
    trained = w.session.latest.weights[0].copy()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02garbage" * 100)
    assert w.import_file(str(bad)) is None
    assert "binary" in w.last_error
    one_class = tmp_path / "one.csv"
    one_class.write_text("a,b,label\n" + "1,2,x\n" * 20)
    w.load_data(str(one_class))  # straight to the engine (as `python main.py one.csv` would)
    assert wait_until(lambda: "single class" in w.last_error, 30)
    assert wait_until(lambda: ready(w), 10)
    assert w.session.epoch == 3 and np.array_equal(w.session.latest.weights[0], trained)
    assert w.session.data.feature_names[0] == "bill_length_mm"
    w.step()
    assert wait_until(lambda: w.session.epoch == 4, 30)
    w.close()


def test_save_load_network_gives_identical_predictions(qtbot, tmp_path):
    from core.classify import classify_file
    from core.model import load_model

    w = make_window(qtbot, tmp_path)
    for _ in range(10):
        w.step()
    assert wait_until(lambda: w.session.epoch == 10, 30)
    path = str(tmp_path / "my net é.safetensors")
    assert w.files.save_network(path)
    from conftest import PENGUINS

    before = classify_file(load_model(path), PENGUINS).probabilities
    w.reset()
    assert wait_until(lambda: ready(w) and w.session.epoch == 0, 30)
    assert w.files.open_network(path)
    assert wait_until(lambda: ready(w) and w.session.epoch == 10, 30)
    assert np.allclose(w.session.latest.weights[0], load_model(path).weights[0])
    assert w.files.save_network(str(tmp_path / "again.safetensors"))
    after = classify_file(load_model(str(tmp_path / "again.safetensors")), PENGUINS).probabilities
    assert np.allclose(before, after, equal_nan=True)
    w.step()  # it continues training
    assert wait_until(lambda: w.session.epoch == 11, 30)
    w.close()


def test_mismatched_network_is_refused(qtbot, tmp_path):
    from core.dataset import load_csv
    from core.model import model_from_training, save_model
    from core.split import split
    from core.trainer import TrainConfig, Trainer

    w = make_window(qtbot, tmp_path)
    csv = tmp_path / "other.csv"
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f},{b:.3f},{'pq'[int(a > 0)]}\n" for a, b in rng.normal(size=(40, 2)))
    csv.write_text("u,v,label\n" + rows)
    t = Trainer(split(load_csv(csv), 0.3, 0), TrainConfig())
    save_model(model_from_training(t), tmp_path / "other.safetensors")
    assert not w.files.open_network(str(tmp_path / "other.safetensors"))
    assert "features u, v" in w.last_error
    w.close()


def test_exports(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    for _ in range(4):
        w.step()
    assert wait_until(lambda: w.session.epoch == 4, 30)
    w._draw()
    assert w.files.export_view(str(tmp_path / "net.png")) and (tmp_path / "net.png").stat().st_size > 5000
    assert w.files.export_view(str(tmp_path / "net.svg"))
    svg = (tmp_path / "net.svg").read_text(encoding="utf-8")
    assert "<svg" in svg[:2000]
    # the names, titles and every edge made it into the vector file
    assert "bill_length_mm" in svg and "hidden 1" in svg and "relu (5)" in svg and "Gentoo" in svg
    assert svg.count("<polyline") + svg.count("<line") + svg.count("<path") >= 12
    assert "<image" not in svg  # neurons as vector circles, not the scatter plot's pixmap atlas
    assert w.files.export_loss(str(tmp_path / "loss.csv"))
    lines = (tmp_path / "loss.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,train_loss") and lines[0].endswith(",penalty") and len(lines) == 6
    w.close()


def test_classify_panel_selection_lights_the_forward_pass(qtbot, tmp_path):
    from conftest import PENGUINS

    w = make_window(qtbot, tmp_path)
    for _ in range(5):
        w.step()
    assert wait_until(lambda: w.session.epoch == 5, 30)
    w._draw()
    panel = w.widgets["classify"]
    assert panel.load_file(str(PENGUINS))
    assert wait_until(lambda: not panel.busy and panel.predictions is not None, 60)
    panel.select_table_row(0)
    assert w.session.observation is not None and np.allclose(w.session.observation, [39.1, 18.7, 181, 3750])
    assert np.isclose(w.forward_pass.probabilities[0].sum(), 1)
    assert np.allclose(w.forward_pass.probabilities[0], panel.predictions.probabilities[0], atol=1e-5)
    # the form shows the same row and the same probabilities as the table and the network view
    assert np.allclose(panel.form_values(), [39.1, 18.7, 181, 3750])
    assert np.allclose(panel.form_probabilities, panel.predictions.probabilities[0], atol=1e-5)
    panel.fill_example()
    assert np.allclose(w.session.observation, [37.3, 16.8, 192, 3000])
    w.close()
