"""Lessons in the window: File → Open lesson sets the data, the Training dock's settings and the
docks, and shows the notes; Save lesson writes what the window shows; a damaged lesson is a dialog
and changes nothing."""

import json

import numpy as np
import pandas as pd
import pytest

from core import lesson as L
from core.config import TrainConfig
from core.dataset import dataset_from_frame
from gui_helpers import make_window, wait_until

LONG = "a very long feature name that a teacher typed, in millimetres"
NOTES = "# Two clouds\nPress **Play** and watch the line.\nWhy does it bend?"


@pytest.fixture
def win(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.close()


def _small_dataset():
    rng = np.random.default_rng(0)
    n = 60
    y = np.repeat(["left cloud with a long class name", "right cloud"], n // 2)
    x1 = np.where(y == "right cloud", 1.0, -1.0) + 0.3 * rng.normal(size=n)
    return dataset_from_frame(pd.DataFrame({LONG: x1, "x2": rng.normal(size=n), "class": y}), "class")


def _write_lesson(path, **kw):
    config = kw.pop("config", TrainConfig(hidden=(3,), optimizer="sgd", learning_rate=0.2, momentum=0.5,
                                          batch_size=8, seed=7, val_fraction=0.25))
    args = dict(docks=("controls", "loss", "regions"), title="Two clouds", notes=NOTES,
                front=("regions",))
    args.update(kw)
    return L.save_lesson(L.lesson_from_dataset(_small_dataset(), config, args.pop("docks"), **args), path)


def _state(w):
    s = w.session
    return (s.dataset, s.config, s.epoch, s.generation, dict(w.controls.values()),
            {n: d.toggleViewAction().isChecked() for n, d in w.docks.items()},
            w.lessons.current, w.windowTitle())


def test_opening_a_lesson_sets_data_settings_and_docks_and_shows_the_notes(win, tmp_path):
    w, s = win, win.session
    assert not w.docks["lesson"].toggleViewAction().isChecked()  # hidden until a lesson is open
    assert not w.widgets["lesson"].edit_button.isEnabled()
    w.step()
    assert wait_until(lambda: s.epoch == 1 and s._runs == 0, 30)
    asked = []
    w.confirm = lambda text: asked.append(text) or True
    path = _write_lesson(tmp_path / "clouds.lesson.json")
    assert w.lessons.open_lesson(str(path)), w.last_error
    assert asked and "1 epochs" in asked[0]  # the trained network would be lost: asked first
    assert wait_until(lambda: s.ready and s.dataset.source == str(path), 60), w.last_error
    ds = _small_dataset()
    assert s.dataset.feature_names == (LONG, "x2") and s.dataset.class_names == ds.class_names
    assert np.array_equal(s.dataset.X, ds.X) and np.array_equal(s.dataset.y, ds.y)
    assert s.config.hidden == (3,) and s.config.optimizer == "sgd" and s.config.learning_rate == 0.2
    assert (s.config.momentum, s.config.batch_size, s.config.seed, s.config.val_fraction) == (0.5, 8, 7, 0.25)
    v = w.controls.values()
    assert v["hidden"] == (3,) and v["optimizer"] == "sgd" and v["batch_size"] == 8 and v["seed"] == 7
    assert s.latest.layer_sizes == (2, 3, 2) and len(s.data.X_train) + len(s.data.X_val) == 60
    assert 14 <= len(s.data.X_val) <= 16  # a quarter of the rows, per class
    shown = {n for n, d in w.docks.items() if d.toggleViewAction().isChecked()}
    assert shown == {"controls", "loss", "regions", "lesson"}
    assert not w.docks["regions"].visibleRegion().isEmpty()  # in front of its tab group
    notes = w.widgets["lesson"]
    assert notes.title == "Two clouds"
    assert "clouds.lesson.json" in notes.source.text() and "60 rows" in notes.source.text()
    text = notes.browser.toPlainText()
    assert text.startswith("Two clouds\nTwo clouds\n")  # the title, then the notes' heading
    assert "Press Play and watch the line." in text and "**" not in text
    assert notes.browser.isReadOnly() and notes.edit_button.isEnabled()
    assert "clouds.lesson.json" in w.windowTitle()
    w.step()  # it trains
    assert wait_until(lambda: s.epoch == 1 and s._runs == 0, 30)

    # the teacher edits the notes, then saves: the file has the window's data, settings and docks
    w.lessons.set_notes("Two clouds, again", "New notes")
    assert notes.title == "Two clouds, again" and "not saved" in notes.edited.text()
    assert notes.browser.toPlainText().startswith("Two clouds, again\nNew notes")
    w.controls.set_values(dict(learning_rate=0.1))
    w.docks["loss"].hide()
    out = tmp_path / "again"
    assert w.lessons.save_lesson(str(out), *w.lessons._texts()), w.last_error
    saved = L.load_lesson(str(out) + ".lesson.json")
    assert saved.title == "Two clouds, again" and saved.notes == "New notes"
    assert saved.settings["learning_rate"] == 0.1 and saved.settings["hidden"] == [3]
    assert set(saved.docks) == {"controls", "regions"} and "lesson" not in saved.docks
    assert np.array_equal(saved.dataset.X, ds.X) and saved.dataset.class_names == ds.class_names
    assert notes.edited.text() == ""


def test_a_damaged_lesson_is_a_dialog_and_changes_nothing(win, tmp_path):
    w, s = win, win.session
    w.step()
    assert wait_until(lambda: s.epoch == 1 and s._runs == 0, 30)
    good = json.loads(_write_lesson(tmp_path / "good.lesson.json").read_text(encoding="utf-8"))
    bad = {
        "not json": "{ this is not json",
        "wrong format": json.dumps({**good, "format": "other"}),
        "missing key": json.dumps({k: v for k, v in good.items() if k != "settings"}),
        "bad setting": json.dumps({**good, "settings": {**good["settings"], "learning_rate": "x"}}),
        "data unreadable": json.dumps({**good, "data": {"csv": "a,b\n1,2\n"}}),
        # valid for the core, beyond the Training dock: nine hidden layers
        "too many layers": json.dumps({**good, "settings": {**good["settings"], "hidden": [2] * 9}}),
    }
    before = _state(w)
    for name, text in bad.items():
        p = tmp_path / f"{name}.lesson.json"
        p.write_text(text, encoding="utf-8")
        w.last_error = ""
        assert not w.lessons.open_lesson(str(p)), name
        assert w.last_error and p.name in w.last_error and "\n" not in w.last_error, (name, w.last_error)
        assert _state(w) == before, name
    assert not w.docks["lesson"].toggleViewAction().isChecked()
    # a good one, refused at the question: nothing changes either
    w.confirm = lambda text: False
    assert not w.lessons.open_lesson(str(tmp_path / "good.lesson.json"))
    assert _state(w) == before


def test_a_generated_lesson_opens_with_the_generators_rows(win, tmp_path):
    from core.generators import generate

    g = dict(name="xor", rows=80, noise=0.0, seed=2)
    doc = L.Lesson("XOR", "No straight line separates these.", "label", ("x1", "x2"),
                   TrainConfig(hidden=(4,)).to_dict(), ("controls", "regions"), generator=g).to_json()
    p = tmp_path / "xor.lesson.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    w, s = win, win.session
    assert w.lessons.open_lesson(str(p)), w.last_error
    assert wait_until(lambda: s.ready and s.dataset.source == str(p), 60), w.last_error
    assert np.array_equal(s.dataset.X, generate("xor", 80, 0.0, 2)[["x1", "x2"]].to_numpy(np.float32))
    assert "generated xor: 80 rows" in w.widgets["lesson"].source.text()
    # saved again, it keeps the generator's settings, not the rows
    assert w.lessons.save_lesson(str(tmp_path / "again.lesson.json"), "XOR", "n")
    again = json.loads((tmp_path / "again.lesson.json").read_text(encoding="utf-8"))
    assert again["data"] == {"generator": g}


def test_a_new_example_saved_as_a_lesson_keeps_the_generators_settings(win, tmp_path):
    """File → New example… then Save lesson: the lesson holds the settings, and opens to the same rows."""
    from core.dataset import dataset_from_frame
    from core.generators import example_name, generate
    from gui.example_dialog import load_example

    g = dict(name="spiral", rows=120, noise=0.1, seed=5)
    w, s = win, win.session
    w.confirm = lambda text: True
    ds = dataset_from_frame(generate(**g), path=example_name(**g))
    assert load_example(w, ds, g)
    assert wait_until(lambda: s.ready and s.dataset is ds, 60), w.last_error
    assert w.lessons.save_lesson(str(tmp_path / "spiral.lesson.json"), "Spiral", "Two arms.")
    doc = json.loads((tmp_path / "spiral.lesson.json").read_text(encoding="utf-8"))
    assert doc["data"] == {"generator": g}
    assert w.lessons.open_lesson(str(tmp_path / "spiral.lesson.json")), w.last_error
    assert wait_until(lambda: s.ready and s.dataset.source.endswith("spiral.lesson.json"), 60), w.last_error
    assert np.array_equal(s.dataset.X, ds.X) and s.dataset.class_names == ds.class_names
