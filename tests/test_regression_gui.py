"""The window on a regression network (penguin body mass): the Predicted vs true dock, the status
bar and the loss dock show R²/RMSE that agree with the trainer's figures; class-only views say so."""

import pytest

from core.dataset import load_csv, penguins_path
from gui_helpers import make_window, wait_until

MASS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]


def test_window_trains_a_regressor(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    ds = load_csv(penguins_path(), label="body_mass_g", features=MASS)
    g = w.session.generation
    w.session.rebuild(dict(dataset=ds))
    assert wait_until(lambda: w.session.ready and w.session.active_generation > g, 60)
    assert w.session.data.task == "regression"
    for _ in range(5):
        n = w.session.epoch
        w.session.step()
        assert wait_until(lambda n=n: w.session.epoch > n, 30)
    snap = w.session.displayed_snapshot()
    f = snap.regression
    assert f is not None and snap.val_accuracy == f["val_r2"]
    w.docks["residuals"].raise_()
    panel = next(p for p in w.panels if p.name == "residuals")
    assert wait_until(lambda: f"epoch {snap.epoch}" in panel.caption.text(), 10), panel.caption.text()
    assert f"validation: R² {f['val_r2']:.3f}, RMSE {f['val_rmse']:.4g}" in panel.legend.text()
    assert len(panel.val_pts.data) == len(w.session.data.y_val)
    def status():
        return " ".join(lbl.text() for lbl in w.statusBar().findChildren(type(panel.caption)))
    assert wait_until(lambda: f"R² {f['val_r2']:.3f}" in status(), 10), status()
    loss = next(p for p in w.panels if p.name == "loss")
    assert loss.widget.second == "R²"
    w.docks["confusion"].raise_()
    conf = next(p for p in w.panels if p.name == "confusion")
    assert wait_until(lambda: "applies to classification" in conf.widget.summary.toolTip().lower()
                      or "Applies to classification" in conf.widget.summary.text(), 10)
    assert w.session.config.task == "regression" and w.session.config.loss == "mse"
    cls = next(p for p in w.panels if p.name == "classify")
    w.docks["classify"].raise_()
    form = cls.widget.form
    assert wait_until(lambda: "Predicted body_mass_g: <b>" in form.prediction.text(), 10), \
        form.prediction.text()
    assert form.bars.isHidden()  # no class probabilities for a number
    if form.values is not None:  # the shown number is the model's, in grams
        from core.model import model_from_snapshot
        m = model_from_snapshot(w.session.displayed_snapshot(), w.session.data, w.session.config)
        assert f"{m.predict_values(form.values[None, :])[0]:.6g}" in form.prediction.text()
    # the walkthrough: the output is a number and the loss the squared error, in grams too
    wt = next(p for p in w.panels if p.name == "walkthrough").widget
    w.docks["walkthrough"].raise_()
    assert wait_until(lambda: wt.result is not None and wt.result.target is not None, 10)
    kinds = [k for k, _, _ in wt.stages()]
    wt.set_stage(kinds.index("loss"))
    r, d = wt.result, w.session.data
    t = (float(d.y_train[wt.sample.value()]) - d.label_mean) / d.label_std
    assert r.target == pytest.approx(t) and r.loss == pytest.approx((r.probabilities[0] - t) ** 2)
    text = wt.text.toPlainText()
    assert "squared error" in text and f"{r.loss:.4f}" in text, text
    assert wt.truth.name == f"{float(d.y_train[wt.sample.value()]):.6g}"
    wt.set_stage(kinds.index("a", kinds.index("loss") - 1))
    assert "identity" in wt.text.toPlainText() and "softmax" not in wt.text.toPlainText()
    # the network view's output shows this sample's number, not another observation's
    grams = r.probabilities[0] * d.label_std + d.label_mean
    assert w.view._prob_labels[0].text() == f"= {grams:.5g}"
    # the regions dock: the predicted number over two features, in grams, as the model computes it
    regions = next(p for p in w.panels if p.name == "regions")
    w.docks["regions"].raise_()
    vm = regions.value_map
    assert regions.stack.currentWidget() is vm
    assert wait_until(lambda: vm.grid is not None, 10)
    check_value_map(vm, w.session)
    g = w.session.generation  # back to classes: the settings follow the data
    w.session.rebuild(dict(dataset=load_csv(penguins_path())))
    assert wait_until(lambda: w.session.ready and w.session.active_generation > g, 60)
    assert w.session.config.task == "classification"
    assert w.session.config.loss == "cross-entropy"
    assert w.session.displayed_snapshot().regression is None
    assert len(w.session.displayed_snapshot().weights[-1]) == 3


def test_import_dialog_shows_and_switches_the_task(qtbot):
    from gui.import_dialog import ImportDialog

    dlg = ImportDialog(penguins_path())
    qtbot.addWidget(dlg)
    assert "Regression" not in dlg.summary.text()  # species: classes
    dlg.label_combo.setCurrentText("body_mass_g")
    assert wait_until(lambda: dlg.dataset() is not None and dlg.dataset().task == "regression", 10)
    text = dlg.summary.text()
    assert "Regression" in text and "94 distinct whole numbers" in text and "1 output" in text
    dlg.task_combo.setCurrentIndex(dlg.task_combo.findData("classification"))
    assert wait_until(lambda: dlg.dataset() is not None and dlg.dataset().task == "classification", 10)
    assert "--task regression" in dlg.summary.text()  # dozens of classes from a number: a warning
    dlg.grab().save("/tmp/regr/import-classification.png")
    dlg.task_combo.setCurrentIndex(dlg.task_combo.findData("regression"))
    assert wait_until(lambda: dlg.dataset() is not None and dlg.dataset().task == "regression", 10)
    assert "— as asked." in dlg.summary.text() and "Regression" in dlg.summary.text()
    dlg.grab().save("/tmp/regr/import-regression.png")


def test_the_loss_list_follows_the_task_and_a_chosen_loss_is_kept(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    c, s = w.controls, w.session
    items = lambda: [c.loss.itemData(i) for i in range(c.loss.count())]  # noqa: E731
    assert items() == ["cross-entropy", "mse"]
    g = s.generation
    s.rebuild(dict(dataset=load_csv(penguins_path(), label="body_mass_g", features=MASS)))
    assert wait_until(lambda: s.ready and s.active_generation > g, 60)
    assert wait_until(lambda: items() == ["mse", "mae", "huber"], 10), items()
    assert c.loss.currentData() == "mse" and c.values()["task"] == "regression"
    c.loss.setCurrentIndex(c.loss.findData("huber"))
    g = s.generation
    w.rebuild()  # Reset: the loss applies
    assert wait_until(lambda: s.ready and s.active_generation > g, 60)
    assert s.config.loss == "huber" and s.config.task == "regression"
    assert c.loss.currentData() == "huber"
    g = s.generation
    s.rebuild(dict(dataset=load_csv(penguins_path())))
    assert wait_until(lambda: s.ready and s.active_generation > g, 60)
    assert wait_until(lambda: items() == ["cross-entropy", "mse"], 10)
    assert s.config.loss == "cross-entropy" and c.loss.currentData() == "cross-entropy"


def test_a_lit_observation_shows_its_predicted_number_at_the_output(qtbot, tmp_path):
    from core.model import model_from_snapshot

    w = make_window(qtbot, tmp_path)
    s = w.session
    g = s.generation
    s.rebuild(dict(dataset=load_csv(penguins_path(), label="body_mass_g", features=MASS)))
    assert wait_until(lambda: s.ready and s.active_generation > g, 60)
    for _ in range(3):
        n = s.epoch
        s.step()
        assert wait_until(lambda n=n: s.epoch > n, 30)
    raw = s.data.scaler.inverse(s.data.X_val[:1])[0]
    s.set_observation(raw)
    w.light_observation()
    m = model_from_snapshot(s.displayed_snapshot(), s.data, s.config)
    grams = m.predict_values(raw[None, :])[0]
    assert 2000 < grams < 7000
    label = w.view._prob_labels[0].text()
    assert label == f"= {grams:.5g}", label
    tip = w.view.describe_node(len(w.view.sizes) - 1, 0)
    assert "predicted body_mass_g" in tip and f"{grams:.5g}" in tip and "softmax" not in tip


def check_value_map(vm, s):
    """The map's values at a few grid points equal the model's prediction for those rows."""

    from core.model import model_from_snapshot
    from core.regions import plane_points

    fx, fy = vm.fx.currentIndex(), vm.fy.currentIndex()
    assert {vm.fx.currentText(), vm.fy.currentText()} <= set(MASS) and fx != fy
    pts, _ = plane_points(vm.X_raw, fx, fy, vm.held, vm.grid.shape[0])
    m = model_from_snapshot(vm.snapshot, s.data, s.config)
    for k in (0, 517, 4321, pts.shape[0] - 1):
        r, c = divmod(k, vm.grid.shape[0])
        assert abs(vm.grid[r, c] - m.predict_values(pts[k:k + 1])[0]) < 1e-3 * abs(vm.grid[r, c]) + 0.5
    assert "body_mass_g" in vm.caption.text() and "median" in vm.caption.text()
    assert vm.bar.levels()[0] <= s.data.y_train.min() and vm.bar.levels()[1] >= s.data.y_train.max()


def test_the_classify_dock_predicts_and_scores_numbers(qtbot, tmp_path):
    """A labelled file on a regression network: a predicted number per row (the model's), the true
    value and the error per row, and R², RMSE, MAE as the command line computes them."""
    import numpy as np
    import pandas as pd

    from core.model import model_from_snapshot
    from core.regression_predict import predict_file, score_values

    w = make_window(qtbot, tmp_path)
    s = w.session
    g = s.generation
    s.rebuild(dict(dataset=load_csv(penguins_path(), label="body_mass_g", features=MASS)))
    assert wait_until(lambda: s.ready and s.active_generation > g, 60)
    for _ in range(5):
        n = s.epoch
        s.step()
        assert wait_until(lambda n=n: s.epoch > n, 30)
    df = pd.read_csv(penguins_path()).iloc[:40]
    df.loc[3, "body_mass_g"] = np.nan  # a row without a label: predicted, not scored
    csv = tmp_path / "some penguins.csv"
    df.to_csv(csv, index=False)
    panel = next(p for p in w.panels if p.name == "classify").widget
    w.docks["classify"].raise_()
    assert wait_until(lambda: panel.model is not None, 10)
    assert panel.load_file(str(csv))
    assert wait_until(lambda: not panel.busy, 60), panel.last_error
    pred, tm = panel.predictions, panel.table_model
    m = model_from_snapshot(s.displayed_snapshot(), s.data, s.config)
    expect = predict_file(m, csv)
    np.testing.assert_allclose(pred.values, expect.predicted, rtol=1e-6)
    f = len(MASS)
    assert [tm.title(c) for c in range(f + 1, tm.columnCount())] == ["predicted", "true", "error"]
    idx = tm.index(0, f + 1)
    assert tm.data(idx) == f"{expect.predicted[0]:.6g}"
    assert tm.data(tm.index(0, f + 3)) == f"{expect.predicted[0] - df.body_mass_g[0]:.6g}"
    assert tm.data(tm.index(3, f + 2)) == ""
    vs = score_values(expect, "body_mass_g")
    assert vs.rows == 39 and vs.unscored == 1
    assert panel.score_box.isVisible() or not panel.isVisible()
    text = panel.score_label.text()
    assert f"R² <b>{vs.r2:.3f}</b>" in text and f"RMSE <b>{vs.rmse:.4g}</b>" in text, text
    assert "predicted body_mass_g from" in panel.summary.text()
    out = tmp_path / "out.csv"
    assert panel.export_csv(str(out))
    back = pd.read_csv(out)
    np.testing.assert_allclose(back["predicted"], expect.predicted, rtol=1e-6)
