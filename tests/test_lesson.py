"""Lessons (core/lesson.py): one JSON file with the data, settings, docks and a teacher's notes.

Saving then loading gives the same lesson and the same Dataset bit for bit; every kind of damage is a
UserError of one line naming the file; a generated problem's lesson keeps core.generators' settings
and rebuilds the same rows."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from core import lesson as L
from core.config import TrainConfig
from core.dataset import load_csv, penguins_path
from core.errors import UserError


@pytest.fixture(scope="module")
def penguins():
    return load_csv(penguins_path())


def _lesson(ds, **kw):
    args = dict(docks=["controls", "loss", "regions"], title="Penguins", notes="# Look\n*here*")
    args.update(kw)
    config = args.pop("config", TrainConfig(hidden=(3,), optimizer="sgd", learning_rate=0.05, momentum=0.5))
    return L.lesson_from_dataset(ds, config, args.pop("docks"), **args)


def _recording_generators(monkeypatch, calls):
    """core.generators.generate, the real one, noting each call."""
    from core import generators

    real = generators.generate

    def generate(name, rows=200, noise=0.1, seed=0):
        calls.append((name, rows, noise, seed))
        return real(name, rows=rows, noise=noise, seed=seed)

    monkeypatch.setattr(generators, "generate", generate)
    return real


# -- round trips --------------------------------------------------------------------------------------

def test_inline_lesson_round_trip_gives_the_same_lesson_and_data(penguins, tmp_path):
    lesson = _lesson(penguins, front=["regions"])
    path = L.save_lesson(lesson, tmp_path / "p.lesson.json")
    back = L.load_lesson(path)
    assert back == lesson
    assert back.config() == TrainConfig(hidden=(3,), optimizer="sgd", learning_rate=0.05, momentum=0.5)
    ds = back.dataset
    assert np.array_equal(ds.X, penguins.X) and ds.X.dtype == penguins.X.dtype
    assert np.array_equal(ds.y, penguins.y)
    assert ds.feature_names == penguins.feature_names and ds.class_names == penguins.class_names
    assert ds.label_name == penguins.label_name and ds.source == str(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == L.FORMAT and doc["version"] == L.VERSION
    assert doc["data"]["name"] == "penguins.csv" and doc["data"]["csv"].startswith(
        ",".join(penguins.feature_names) + "," + penguins.label_name + "\n")
    assert doc["docks"] == ["controls", "loss", "regions"] and doc["front"] == ["regions"]


def test_unicode_commas_and_quotes_in_names_survive(tmp_path):
    df = pd.DataFrame({"Länge, in \"mm\"": np.linspace(0, 1, 12), "β": np.arange(12.0) ** 2,
                       "Art": ["Pingüino, \"rey\"", "Möwe"] * 6})
    from core.dataset import dataset_from_frame

    ds = dataset_from_frame(df, "Art")
    lesson = _lesson(ds, notes="Ünïcode ✓\nzweite Zeile")
    back = L.load_lesson(L.save_lesson(lesson, tmp_path / "u.lesson.json"))
    assert back == lesson and back.dataset.class_names == ds.class_names
    assert np.array_equal(back.dataset.X, ds.X) and np.array_equal(back.dataset.y, ds.y)


def test_generator_lesson_keeps_the_settings_not_the_rows(monkeypatch, tmp_path):
    calls = []
    real = _recording_generators(monkeypatch, calls)
    g = dict(name="circle", rows=150, noise=0.05, seed=3)
    ds = L._with_dataset(L.Lesson("", "", "label", ("x1", "x2"), TrainConfig().to_dict(), (),
                                  generator=g), tmp_path / "x").dataset
    lesson = _lesson(ds, generator=g)
    assert lesson.csv is None
    path = L.save_lesson(lesson, tmp_path / "g.lesson.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["data"] == {"generator": g}
    back = L.load_lesson(path)
    assert back == lesson and calls[-1] == ("circle", 150, 0.05, 3)
    assert np.array_equal(back.dataset.X, np.asarray(real("circle", 150, 0.05, 3)[["x1", "x2"]],
                                                     dtype=np.float32))
    assert back.dataset.class_names == ("inside", "outside")


# -- damage -------------------------------------------------------------------------------------------

def _write(tmp_path, doc, name="bad.lesson.json") -> "Path":  # noqa: F821
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return p


def _good_doc(penguins) -> dict:
    return _lesson(penguins).to_json()


def _generator_doc() -> dict:
    doc = L.Lesson("t", "n", "label", ("x1", "x2"), TrainConfig().to_dict(), ("loss",),
                   generator=dict(name="circle", rows=100, noise=0.1, seed=0)).to_json()
    return doc


def _assert_clear(path, *words):
    before = path.read_bytes()
    with pytest.raises(UserError) as e:
        L.load_lesson(path)
    msg = str(e.value)
    assert "\n" not in msg and path.name in msg, msg
    for w in words:
        assert w in msg, msg
    assert "Traceback" not in msg
    assert path.read_bytes() == before  # opening changes nothing
    return msg


def _damaged(penguins):
    """(name, change(doc) -> doc or text, words the message must hold)."""
    def setting(key, value):
        def f(doc):
            doc["settings"][key] = value
            return doc
        return f

    def drop(key):
        def f(doc):
            del doc[key]
            return doc
        return f

    def put(key, value):
        def f(doc):
            doc[key] = value
            return doc
        return f

    def csv(text):
        def f(doc):
            doc["data"]["csv"] = text
            return doc
        return f

    good = json.dumps(_good_doc(penguins))
    cases = [
        ("binary", lambda d: "\x00\x01PK\x03\x04", ["not JSON"]),
        ("cut short", lambda d: good[: len(good) // 2], ["not JSON"]),
        ("empty", lambda d: "", ["not JSON"]),
        ("a pickle", None, ["not JSON"]),
        ("NaN", lambda d: good.replace('"learning_rate": 0.05', '"learning_rate": NaN'), ["not JSON"]),
        ("deep", lambda d: "[" * 100000 + "]" * 100000, ["not JSON"]),
        ("a list", lambda d: [1, 2], ["not a lesson"]),
        ("other format", put("format", "something-else"), ["not a lesson"]),
        ("newer", put("version", 99), ["newer", "update"]),
        ("bad version", put("version", "one"), ["version"]),
        ("title not text", put("title", 5), ["title", "text"]),
        ("features empty", put("features", []), ["features"]),
        ("features not names", put("features", [1, 2]), ["features"]),
        ("docks not a list", put("docks", "loss"), ["docks"]),
        ("data not an object", put("data", "x"), ["data"]),
        ("no csv", put("data", {"name": "x"}), ["data"]),
        ("settings not object", put("settings", [1]), ["settings"]),
        ("lr text", setting("learning_rate", "fast"), ["learning_rate", "number"]),
        ("lr negative", setting("learning_rate", -1), ["learning rate"]),
        ("hidden zero", setting("hidden", [0]), ["at least one neuron"]),
        ("hidden text", setting("hidden", "5,5"), ["hidden", "list"]),
        ("batch float", setting("batch_size", 1.5), ["batch_size", "whole number"]),
        ("batch bool", setting("batch_size", True), ["batch_size"]),
        ("activation", setting("activation", "magic"), ["activation must be one of"]),
        ("dropout 1", setting("dropout", 1.0), ["dropout"]),
        ("csv no label", csv("a,b\n1,2\n3,4\n"), ["species"]),
        ("csv too few rows", csv(good and "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,"
                                 "species\n1,2,3,4,A\n"), ["usable row"]),
        ("csv text feature", csv("bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,species\n"
                                 + "x,2,3,4,A\n" * 10), ["not numeric"]),
        ("csv empty", csv(""), ["data"]),
        ("generator no rows", put("data", {"generator": {"name": "circle", "noise": 0.1, "seed": 0}}),
         ["rows"]),
        ("generator rows huge", put("data", {"generator": {"name": "circle", "rows": 10**9, "noise": 0.1,
                                                           "seed": 0}}), ["rows"]),
        ("generator noise", put("data", {"generator": {"name": "circle", "rows": 10, "noise": "x",
                                                       "seed": 0}}), ["noise"]),
    ]
    cases += [(f"no {k}", drop(k), [f'"{k}"']) for k in L.REQUIRED if k not in ("format",)]
    return cases


def test_every_kind_of_damage_is_one_clear_line(penguins, tmp_path, monkeypatch):
    for name, change, words in _damaged(penguins):
        p = tmp_path / "bad.lesson.json"
        if change is None:
            p.write_bytes(pickle.dumps(_good_doc(penguins)))
        else:
            out = change(_good_doc(penguins))
            p.write_text(out if isinstance(out, str) else json.dumps(out), encoding="utf-8")
        try:
            _assert_clear(p, *words)
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}") from None


def test_an_unknown_problem_and_a_missing_file_and_a_folder(tmp_path, monkeypatch):
    doc = _generator_doc()
    doc["data"]["generator"]["name"] = "hexagon"
    _assert_clear(_write(tmp_path, doc), "generator", "hexagon")
    with pytest.raises(UserError, match="no such file"):
        L.load_lesson(tmp_path / "missing.lesson.json")
    (tmp_path / "dir.lesson.json").mkdir()
    with pytest.raises(UserError, match="folder"):
        L.load_lesson(tmp_path / "dir.lesson.json")


def test_too_big_to_open_and_to_save_and_a_failed_save_keeps_the_old_file(penguins, tmp_path,
                                                                          monkeypatch):
    path = L.save_lesson(_lesson(penguins), tmp_path / "p.lesson.json")
    before = path.read_bytes()
    with pytest.raises(UserError, match="cannot be written"):
        L.save_lesson(_lesson(penguins), tmp_path / "no-such-folder" / "x.lesson.json")
    monkeypatch.setattr(L, "MAX_LESSON_BYTES", 1000)
    _assert_clear(path, "KB", "too big")
    with pytest.raises(UserError, match="sample"):
        L.save_lesson(_lesson(penguins, title="another"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.lesson.json"]  # no temporary file left


def test_missing_settings_take_their_defaults_and_unknown_ones_are_ignored(penguins, tmp_path):
    doc = _good_doc(penguins)
    doc["settings"] = {"hidden": [4], "a_setting_from_a_newer_version": 1}
    back = L.load_lesson(_write(tmp_path, doc, "ok.lesson.json"))
    assert back.config() == TrainConfig(hidden=(4,))


def test_randomly_damaged_lessons_are_user_errors_or_open(penguins, tmp_path):
    """Bytes changed, cut out or put in at random: a UserError of one line, or a lesson that opens."""
    import random

    path = L.save_lesson(_lesson(penguins), tmp_path / "f.lesson.json")
    raw = path.read_bytes()
    rng = random.Random(1)
    outcomes = set()
    for _ in range(150):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            j, op = rng.randrange(len(b)), rng.random()
            if op < 0.4:
                b[j] = rng.choice(b'",:{}[]0123456789.-eE\\nabc ')
            elif op < 0.7:
                del b[j:j + rng.randint(1, 20)]
            else:
                b[j:j] = bytes(rng.choice(b'",:{}[]0123456789.-nN ') for _ in range(rng.randint(1, 5)))
        path.write_bytes(bytes(b))
        try:
            L.load_lesson(path)
            outcomes.add("opened")
        except UserError as e:
            assert "\n" not in str(e) and path.name in str(e), str(e)
            outcomes.add("refused")
    assert outcomes == {"opened", "refused"}


def test_notes_markdown_keeps_line_breaks_and_shows_headings_at_text_size():
    from gui.lesson_notes import notes_markdown

    assert notes_markdown("# A\none\ntwo\n\n- x\n### B") == "#### A  \none  \ntwo  \n\n- x  \n#### B  "
    assert notes_markdown("```\n# code\n```").splitlines()[1] == "# code"


def test_notes_are_shown_without_html_or_loading_files(qtbot, tmp_path):
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    from gui.lesson_notes import NotesBrowser

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    b = NotesBrowser()
    qtbot.addWidget(b)
    b.set_notes(f"**bold** <b>tag</b> <script>x()</script>\n![pic]({secret.as_uri()})")
    b.resize(300, 200)
    b.show()
    b.grab()  # laid out and painted: the image would be asked for now
    text = b.toPlainText()
    assert "**" not in text and "bold" in text  # Markdown is shown as such
    assert "<b>tag</b> <script>x()</script>" in text  # HTML is shown as written, not interpreted
    url = QUrl(secret.as_uri())
    assert b.loadResource(int(QTextDocument.ResourceType.ImageResource.value), url) is None
    res = b.document().resource(int(QTextDocument.ResourceType.ImageResource.value), url)
    assert res is None or getattr(res, "isNull", lambda: True)()


def test_the_title_is_shown_as_written_above_the_notes(qtbot):
    from gui.lesson_notes import NotesBrowser

    b = NotesBrowser()
    qtbot.addWidget(b)
    b.set_notes("*notes*", "1. Why *stars* and [brackets](x) #3 <b>?")
    assert b.toPlainText() == "1. Why *stars* and [brackets](x) #3 <b>?\nnotes"
