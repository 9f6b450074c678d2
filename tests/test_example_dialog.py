"""File → New example… (gui/example_dialog.py): settings, live preview, Regenerate, training on it."""

import numpy as np

from core.dataset import dataset_from_frame
from core.generators import CLASS_PROBLEMS as PROBLEMS
from core.generators import classes, generate
from gui_helpers import make_window, ready, wait_ms, wait_until


def test_dialog_previews_what_it_generates(qtbot):
    from gui.example_dialog import OK_TEXT, ExampleDialog

    d = ExampleDialog(None, name="xor", rows=120, noise=0.2, seed=5)
    qtbot.addWidget(d)
    d.show()
    assert d.settings() == dict(name="xor", rows=120, noise=0.2, seed=5)
    assert d.frame.equals(generate("xor", 120, 0.2, 5))
    assert d.shown_points() == {"same sign": 60, "opposite sign": 60}
    assert "same sign (60 rows)" in d.legend.text() and d.ok.text() == OK_TEXT and d.ok.isEnabled()
    before = d.frame
    d.regenerate.click()  # the next seed: new points, same problem
    assert d.seed.value() == 6 and d.frame.equals(generate("xor", 120, 0.2, 6))
    assert not d.frame.equals(before)
    for name in PROBLEMS:  # every problem: its classes in the scatter and the legend
        d.problem.setCurrentIndex(d.problem.findData(name))
        assert set(d.shown_points()) == set(classes(name)) and sum(d.shown_points().values()) == 120
        assert d.description.text().endswith(".")
    from layout_check import check

    for size in ((760, 440), (600, 380)):  # every text fits, at the default size and smaller
        d.resize(*size)
        wait_ms(100)
        assert check(d) == [], size
    d.rows.setValue(20_000)  # a big one: the plot shows a sample, and says so
    assert sum(d.shown_points().values()) == 5_000 and "shows 5,000" in d.summary.text()
    d.noise.setValue(0.0)
    d.problem.setCurrentIndex(d.problem.findData("circle"))
    ds = d.dataset()
    ref = dataset_from_frame(generate("circle", 20_000, 0.0, 6))
    assert np.array_equal(ds.X, ref.X) and np.array_equal(ds.y, ref.y)
    assert ds.source == "circle (20000 rows, noise 0, seed 6)" and ds.class_names == ("inside", "outside")


def test_new_example_trains_in_the_window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    gen = w.session.generation
    w.act_new_example.trigger()
    d = w.example_dialog
    assert d.isVisible()
    d.problem.setCurrentIndex(d.problem.findData("moons"))
    d.rows.setValue(150)
    d.accept()
    assert wait_until(lambda: ready(w) and w.session.generation == gen + 1, 30)
    s = w.session
    assert s.dataset.feature_names == ("x1", "x2") and s.dataset.class_names == ("lower", "upper")
    assert len(s.data.X_train) + len(s.data.X_val) == 150
    assert w.view.sizes == (2, 5, 5, 2)
    assert "moons (150 rows, noise 0.1, seed 0)" in w.windowTitle()
    assert not any("moons" in p for p in w.recent_files())  # not a file: not in Open recent
    for _ in range(3):
        w.step()
    assert wait_until(lambda: s.epoch == 3, 30)
    # after training, a new example asks first; saying no keeps the network
    w.confirm = lambda text: False
    w.act_new_example.trigger()
    w.example_dialog.accept()
    assert s.generation == gen + 1 and s.epoch == 3
    w.close()


def test_a_regression_problem_shows_its_numbers_and_trains_a_regressor(qtbot, tmp_path):
    """bump: the preview colours points by their number, the summary says regression, and OK trains
    a regression network on it (one identity output)."""
    from gui.example_dialog import ExampleDialog, load_example
    from gui_helpers import make_window, wait_until

    w = make_window(qtbot, tmp_path)
    dlg = ExampleDialog(w, name="bump", rows=300, noise=0.05, seed=2)
    qtbot.addWidget(dlg)
    assert dlg.shown_points() == {"label": 300}
    assert "number to predict" in dlg.summary.text() and "regression" in dlg.summary.text()
    s = w.session
    g = s.generation
    assert load_example(w, dlg.dataset(), dlg.settings())
    assert wait_until(lambda: s.ready and s.active_generation > g, 60), w.last_error
    assert s.data.task == "regression" and w.view.sizes[-1] == 1
