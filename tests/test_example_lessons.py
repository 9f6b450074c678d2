"""The lessons shipped in resources/lessons (Teach → Lessons): the files are what
core/example_lessons.py makes, each opens, and each teaches what its notes say (real training)."""

import json
from dataclasses import replace

import numpy as np
import pytest

from core import example_lessons as E
from core.derived import with_derived
from core.lesson import load_lesson
from core.split import split
from core.trainer import Trainer
from gui_helpers import make_window, ready, wait_until

CIRCLE, ZEROS, XOR = ("circle-without-hidden-layers.lesson.json", "zero-initial-weights.lesson.json",
                      "xor-one-hidden-layer.lesson.json")


@pytest.fixture(scope="module")
def made():
    return E.lessons()


def _train(lesson, epochs=40, **changes):
    cfg = replace(lesson.config(), **changes)
    tr = Trainer(split(with_derived(lesson.dataset, cfg.derived), cfg.val_fraction, cfg.seed), cfg)
    for _ in range(epochs):
        r = tr.train_epoch(snapshot=False)
    return r["val_accuracy"], tr


def test_the_shipped_files_are_what_the_module_makes(made):
    files = {p.name: p for _, p in E.shipped()}
    assert set(files) == set(made) == {CIRCLE, ZEROS, XOR}
    for name, lesson in made.items():
        on_disk = json.loads(files[name].read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(lesson.to_json())), f"{name}: python -m core.example_lessons"
        back = load_lesson(files[name])
        assert back.generator == lesson.generator and np.array_equal(back.dataset.X, lesson.dataset.X)
    titles = [t for t, _ in E.shipped()]
    assert "A circle without hidden layers" in titles and "Why not start every weight at zero?" in titles


def test_circle_lesson_squares_rescue_a_linear_model(made):
    lesson = made[CIRCLE]
    assert lesson.config().hidden == () and lesson.config().derived == ("squares",)
    with_squares, _ = _train(lesson)
    without, _ = _train(lesson, derived=())
    assert with_squares >= 0.95 and without <= 0.7, (with_squares, without)


def test_zeros_lesson_keeps_each_layers_neurons_equal_and_default_learns(made):
    lesson = made[ZEROS]
    acc, tr = _train(lesson, epochs=20)
    weights, _ = tr.weights_numpy()
    for w in weights[:-1]:  # the hidden layers: every row (neuron) the same
        assert np.allclose(w, w[0], atol=1e-7)
    assert acc <= 0.7
    learnt, _ = _train(lesson, init="default")
    assert learnt >= 0.9, learnt


def test_xor_lesson_needs_a_hidden_layer_or_the_product(made):
    lesson = made[XOR]
    hidden, _ = _train(lesson)
    linear, _ = _train(lesson, hidden=())
    product, _ = _train(lesson, hidden=(), derived=("products",))
    assert hidden >= 0.9 and linear <= 0.7 and product >= 0.95, (hidden, linear, product)


def test_shipped_lists_a_damaged_file_by_name(tmp_path):
    (tmp_path / "b.lesson.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "a.lesson.json").write_text(json.dumps({"title": "Hello"}), encoding="utf-8")
    assert [(t, p.name) for t, p in E.shipped(tmp_path)] == [("Hello", "a.lesson.json"),
                                                           ("b.lesson.json", "b.lesson.json")]


def test_teach_menu_opens_the_circle_lesson(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    try:
        w.lessons_menu.aboutToShow.emit()
        actions = {a.text(): a for a in w.lessons_menu.actions()}
        assert "A circle without hidden layers" in actions, list(actions)
        actions["A circle without hidden layers"].trigger()
        s = w.session
        assert wait_until(lambda: ready(w) and s.config.derived == ("squares",), 60), w.last_error
        assert w.view.sizes == (4, 2) and w.controls.derived() == ("squares",)
        assert "x1² + x2²" in w.widgets["lesson"].browser.toPlainText()
        assert w.docks["lesson"].toggleViewAction().isChecked()
        assert w.docks["regions"].toggleViewAction().isChecked()
    finally:
        w.close()


def test_lessons_one_after_another_keep_the_regions_dock_in_step(qtbot, tmp_path):
    """circle (4 inputs, regions shown) → zeros (2 inputs, regions hidden) → XOR (regions shown
    again): the regions view once drew the circle's snapshot over the new data on showing, and the
    exception leaving showEvent crashed the process."""
    w = make_window(qtbot, tmp_path)
    try:
        w.lessons_menu.aboutToShow.emit()
        actions = {a.text(): a for a in w.lessons_menu.actions()}
        for title, sizes in (("A circle without hidden layers", (4, 2)),
                             ("Why not start every weight at zero?", (2, 4, 4, 2)),
                             ("XOR: one hidden layer bends the boundary", (2, 4, 2))):
            actions[title].trigger()
            assert wait_until(lambda s=sizes: ready(w) and w.view.sizes == s, 60), w.last_error
            w.step()
            assert wait_until(lambda: w.session.epoch == 1 and not w.session._runs, 60), w.last_error
        regions = w.widgets["regions"]
        assert w.docks["regions"].isVisible() and regions.rgb is not None
        assert regions.snapshot.weights[0].shape == (4, 2)  # XOR's network, not the circle's
    finally:
        w.close()
