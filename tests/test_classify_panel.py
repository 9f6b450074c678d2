"""The classification panel: a file classified off the GUI thread, the table, the hand-entry form."""

import threading
import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QMessageBox

from core.classify import classify_frame
from core.dataset import load_csv
from core.model import model_from_training
from core.predictions import write_predictions_csv
from core.split import split
from core.table import read_observations
from core.trainer import TrainConfig, Trainer
from gui.classify import PROB_ROLE, UNTRAINED_TEXT, ClassifyPanel
from gui.waiting import wait_until

BIG_ROWS = 200_000


@pytest.fixture(scope="module")
def model():
    from conftest import PENGUINS

    tr = Trainer(split(load_csv(PENGUINS), 0.3, 0), TrainConfig())
    for _ in range(30):
        tr.train_epoch(snapshot=False)
    return model_from_training(tr)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory, model):
    """200k rows of the four penguin features (plus an ID column), a few cells missing."""
    rng = np.random.default_rng(0)
    mean = np.asarray(model.scaler.mean, dtype=np.float64)
    std = np.asarray(model.scaler.std, dtype=np.float64)
    X = np.round(mean + std * rng.standard_normal((BIG_ROWS, len(mean))), 1)
    df = pd.DataFrame(X, columns=list(model.feature_names))
    df.iloc[::5000, 2] = np.nan
    df.insert(0, "id", np.arange(BIG_ROWS))
    p = tmp_path_factory.mktemp("big") / "big.csv"
    df.to_csv(p, index=False)
    return p


@pytest.fixture
def panel(qtbot, model):
    p = ClassifyPanel()
    qtbot.addWidget(p)
    p.resize(700, 600)
    p.show()
    p.set_model(model, 30)
    yield p
    p.shutdown()


def load(panel, path, timeout=60):
    assert panel.load_file(path)
    assert wait_until(lambda: not panel.busy, timeout), "the load did not finish"


@pytest.fixture
def shuffled(tmp_path, penguins_path):
    df = pd.read_csv(penguins_path)
    out = df[["body_mass_g", "species", "flipper_length_mm", "bill_depth_mm",
              "bill_length_mm"]].assign(note="extra")
    p = tmp_path / "shuffled.csv"
    out.to_csv(p, index=False)
    return p


def gated_classify(monkeypatch, stop_at: int = 3):
    """Make the worker block inside its `stop_at`-th chunk until the returned gate is set."""
    import core.classify as cc

    real = cc.classify_frame
    gate, reached, calls = threading.Event(), threading.Event(), []

    def slow(*a, **k):
        calls.append(1)
        if len(calls) == stop_at:
            reached.set()
            gate.wait(20)
        return real(*a, **k)

    monkeypatch.setattr(cc, "classify_frame", slow)
    return gate, reached, calls


def test_shuffled_columns_classify_like_core_and_flag_missing_rows(panel, model, shuffled):
    load(panel, shuffled)
    pred = panel.predictions
    df, _ = read_observations(shuffled)
    ref = classify_frame(model, df)
    assert np.array_equal(pred.predicted, ref.predicted)
    assert np.array_equal(pred.valid, ref.valid)
    assert np.allclose(pred.probabilities, ref.probabilities, rtol=1e-12, atol=0, equal_nan=True)
    assert np.array_equal(pred.features, ref.features, equal_nan=True)
    m = panel.table_model
    assert panel.proxy.rowCount() == len(df) == 344
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert [h.replace("\n", "") for h in headers] == ["line", *model.feature_names, "predicted", "true",
                                                      "P(Adelie)", "P(Chinstrap)", "P(Gentoo)"]
    assert headers[1] == "bill_\nlength_mm"  # long names on two lines
    # the two rows with missing measurements are shown, tinted and explained, not dropped
    flagged = [r for r in range(m.rowCount()) if not pred.valid[m.table_row(r)]]
    assert [int(m.index(r, 0).data()) for r in flagged] == pred.invalid_rows() == [5, 273]
    assert m.index(flagged[0], m.predicted_column).data() == "— missing value"
    assert m.index(flagged[0], 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "bill_length_mm is missing" in m.index(flagged[0], 0).data(Qt.ItemDataRole.ToolTipRole)
    assert m.index(0, m.predicted_column).data() == ref.predicted[0]
    counts = pred.counts()
    assert all(f"{c}&nbsp;<b>{k:,}</b>" in panel.summary.text() for c, k in counts.items())
    assert "2 flagged" in panel.summary.text()
    assert not panel.stale_banner.isVisible() and not panel.banner.isVisible()


def test_text_and_huge_values_are_flagged_not_dropped(panel, write_csv):
    path = write_csv("bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n"
                     "39.1,18.7,181,3750\n"
                     "abc,18.7,181,3750\n"
                     "39.1,18.7,181,1e40\n")
    load(panel, path)
    m = panel.table_model
    assert [m.index(r, m.predicted_column).data() for r in range(3)] == [
        panel.predictions.predicted[0], "— not a number", "— out of range"]
    assert m.index(1, 1).data() == "abc"  # the cell as the file has it
    assert "bill_length_mm is 'abc'" in m.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "2 flagged" in panel.summary.text()


def test_line_column_names_file_lines_past_blank_lines(panel, write_csv):
    path = write_csv("bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n"
                     "39.1,18.7,181,3750\n"
                     "\n"
                     "abc,18.7,181,3750\n"
                     "40.3,18,195,3250\n")
    load(panel, path)
    m = panel.table_model
    assert [m.index(r, 0).data() for r in range(3)] == ["2", "4", "5"]
    assert panel.predictions.invalid_rows() == [4]
    assert m.index(1, 0).data(Qt.ItemDataRole.ToolTipRole).startswith("Line 4 was not classified")
    assert panel.reclassify() and wait_until(lambda: not panel.busy, 60)
    assert [m.index(r, 0).data() for r in range(3)] == ["2", "4", "5"]  # kept when classified again


def test_a_file_without_header_is_told_so(panel, write_csv):
    load(panel, write_csv("39.1,18.7,181,3750\n40.3,18,195,3250\n"))
    assert "no header line" in panel.last_error and panel.predictions is None


def test_chunked_classification_equals_one_pass(panel, model, penguins_path):
    panel.chunk_rows = 50  # 7 chunks, the last one short
    load(panel, penguins_path)
    ref = classify_frame(model, read_observations(penguins_path)[0])
    assert np.array_equal(panel.predictions.predicted, ref.predicted)
    assert np.allclose(panel.predictions.probabilities, ref.probabilities, rtol=1e-12, equal_nan=True)


def test_hand_form_probabilities_and_penguin_example(panel, model, qtbot):
    seen = []
    panel.observationSelected.connect(seen.append)
    assert [panel.inputs[k].text() for k in range(4)] == [f"{v:.5g}" for v in model.scaler.mean]
    p = panel.form_probabilities
    assert p is not None and len(p) == 3 and abs(p.sum() - 1) < 1e-6
    assert panel.example_button.isVisible()
    panel.example_button.click()
    assert [e.text() for e in panel.inputs] == ["37.3", "16.8", "192", "3000"]
    assert np.array_equal(seen[-1], [37.3, 16.8, 192.0, 3000.0])
    p = panel.form_probabilities
    expected = model.probabilities(np.array([[37.3, 16.8, 192.0, 3000.0]]))[0]
    assert abs(p.sum() - 1) < 1e-6 and np.allclose(p, expected)
    assert model.class_names[int(np.argmax(p))] in panel.form_prediction.text()
    panel.set_observation([50.0, 15.0, 225.0, 5500.0])
    assert np.array_equal(seen[-1], [50.0, 15.0, 225.0, 5500.0])
    assert abs(panel.form_probabilities.sum() - 1) < 1e-6
    panel.inputs[1].setText("")  # a field left empty: no observation, no bars
    assert seen[-1] is None and panel.form_probabilities is None
    panel.inputs[1].setText("15,5")  # a comma decimal mark is read too
    assert np.array_equal(seen[-1], [50.0, 15.5, 225.0, 5500.0])
    panel.inputs[0].clear()
    qtbot.keyClicks(panel.inputs[0], "4x2.5")  # typed: the validator refuses the letter
    assert panel.inputs[0].text() == "42.5"
    assert np.array_equal(seen[-1], [42.5, 15.5, 225.0, 5500.0])


def test_long_values_show_short_and_predict_exactly(panel, model):
    """A row's values such as -0.0018820165277906047 (sklearn's diabetes data) show as their
    float32 text, whole in the field; the prediction is still that of the exact values, as the
    table's; a field edited by hand is read as typed."""
    from gui.classify.form import short_number

    assert short_number(-0.0018820165277906047) == "-0.0018820165"
    assert short_number(37.3) == "37.3" and short_number(3000.0) == "3000"
    assert short_number(1e300) == "1e+300"  # beyond float32: the float64 text
    exact = [43.96512345678901, 17.233333333333334, 200.80999999999999, 4199.812345678901]
    seen = []
    panel.observationSelected.connect(seen.append)
    panel.set_observation(exact)
    assert [e.text() for e in panel.inputs] == [short_number(v) for v in exact]
    assert all(len(e.text()) <= 10 for e in panel.inputs)
    assert all(_field_shows_all(e) for e in panel.inputs)
    assert np.array_equal(seen[-1], exact)
    assert np.array_equal(panel.form_probabilities, model.probabilities(np.array([exact]))[0])
    assert "43.96512345678901" in panel.inputs[0].toolTip()
    panel.inputs[0].setText("44")
    assert seen[-1][0] == 44.0 and np.array_equal(seen[-1][1:], exact[1:])


def test_missing_column_names_it_and_keeps_the_earlier_table(panel, penguins_path, tmp_path):
    load(panel, penguins_path)
    before = panel.predictions
    bad = tmp_path / "no_flipper.csv"
    pd.read_csv(penguins_path).drop(columns=["flipper_length_mm"]).to_csv(bad, index=False)
    load(panel, bad)
    assert "'flipper_length_mm'" in panel.last_error
    assert panel.predictions is before and panel.proxy.rowCount() == 344
    boxes = [b for b in panel.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "'flipper_length_mm'" in boxes[-1].text()


def test_200k_rows_classify_off_the_gui_thread(panel, big_csv):
    ticks, values = [], []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    panel.progress.valueChanged.connect(values.append)
    timer.start()
    for _ in range(2):  # twice: ~200 ticks, so p99 is not just the single worst one
        assert panel.load_file(big_csv)
        assert wait_until(lambda: not panel.busy, 120, poll_ms=10)
    timer.stop()
    late = np.clip(np.diff(ticks) - 0.005, 0, None) * 1000
    p50, p99, worst = np.percentile(late, 50), np.percentile(late, 99), late.max()
    print(f"\nGUI timer lateness over {len(late)} ticks: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {worst:.1f} ms")
    # Behaviour, not speed (figures come from bench/): the GUI thread never froze, it kept ticking
    # through the whole load. A load on the GUI thread would leave a gap of seconds.
    assert worst < 1500, f"the GUI thread froze for {worst:.0f} ms (p99 {p99:.0f} ms)"
    assert len(ticks) > 20
    assert len(panel.predictions.valid) == panel.proxy.rowCount() == BIG_ROWS
    assert panel.predictions.n_invalid == BIG_ROWS // 5000
    assert len({v for v in values if 0 < v < BIG_ROWS}) >= 2, values  # the bar moved on the way
    assert BIG_ROWS in values


def test_export_cancelled_between_chunks_leaves_nothing(panel, penguins_path, tmp_path):
    load(panel, penguins_path)
    cancel = threading.Event()
    done = []

    def progress(n, total):
        done.append(n)
        cancel.set()  # after the first chunk

    out = tmp_path / "p.csv"
    out.write_text("old")
    assert not write_predictions_csv(panel.predictions, out, cancel, progress, chunk_rows=100)
    assert done == [100] and out.read_text() == "old" and [f.name for f in tmp_path.iterdir()] == ["p.csv"]


def test_cancel_midway_keeps_the_earlier_table(panel, penguins_path, big_csv, monkeypatch):
    load(panel, penguins_path)
    before = panel.predictions
    panel.chunk_rows = 10_000
    gate, reached, calls = gated_classify(monkeypatch, stop_at=3)
    acknowledged = []
    panel._worker.cancelled.connect(lambda n: acknowledged.append(n))
    assert panel.load_file(big_csv)
    # the third chunk has started; the second's progress signal is queued before it, but may not
    # have been delivered yet when `reached` is set
    assert wait_until(lambda: reached.is_set() and panel.progress.value() == 20_000, 60)
    assert panel.busy
    panel.cancel_button.click()
    assert not panel.busy and not panel.progress_row.isVisible()
    gate.set()
    assert wait_until(lambda: acknowledged, 20)
    assert len(calls) == 3  # stopped at the next chunk
    assert panel.predictions is before and panel.proxy.rowCount() == 344
    assert panel.last_error is None
    monkeypatch.undo()
    load(panel, penguins_path)  # the thread lives on for the next load
    assert panel.predictions is not before and len(panel.predictions.valid) == 344


def test_reading_shows_progress_and_cancel_stops_it(panel, penguins_path, big_csv, monkeypatch):
    import core.table as table

    load(panel, penguins_path)
    before = panel.predictions
    real = table.read_table
    gate, reached, seen = threading.Event(), threading.Event(), []

    def gated(path, *, progress=None, cancel=None, rows=None):
        def first_block_then_wait(fraction):
            seen.append(fraction)
            progress(fraction)
            if len(seen) == 1:
                reached.set()
                gate.wait(20)
        return real(path, progress=first_block_then_wait, cancel=cancel, rows=rows)

    monkeypatch.setattr(table, "read_table", gated)
    acknowledged = []
    panel._worker.cancelled.connect(lambda n: acknowledged.append(n))
    assert panel.load_file(big_csv)
    assert wait_until(lambda: reached.is_set() and panel.progress_label.text().endswith("%"), 30)
    assert panel.progress_label.text().startswith(f"Reading {big_csv.name}… ")
    assert 0 < seen[0] < 1 and panel.progress.maximum() == 1000
    panel.cancel_button.click()
    gate.set()
    assert wait_until(lambda: acknowledged, 20)  # the read stopped at its next block
    assert len(seen) == 1 and panel.predictions is before and panel.last_error is None


def test_sorting_by_a_probability_column(panel, penguins_path):
    load(panel, penguins_path)
    m, proxy = panel.table_model, panel.proxy
    col = m.first_prob_column + 2  # P(Gentoo)
    panel.select_table_row(10)
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        panel.table.sortByColumn(col, order)
        p = np.array([proxy.index(r, col).data(PROB_ROLE) for r in range(proxy.rowCount())])
        k = int(np.isfinite(p).sum())
        assert k == 342 and np.isnan(p[k:]).all()  # unclassified rows last either way
        step = np.diff(p[:k])
        assert (step <= 0).all() if order == Qt.SortOrder.DescendingOrder else (step >= 0).all()
        assert panel.selected_table_row() == 10  # the selection follows its row
    panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [int(proxy.index(r, 0).data()) for r in range(5)] == [2, 3, 4, 5, 6]


def test_export_writes_to_frame_atomically(panel, penguins_path, tmp_path):
    load(panel, penguins_path)
    out = tmp_path / "out" / "predictions.csv"
    out.parent.mkdir()
    assert panel.export_csv(out)
    back = pd.read_csv(out, keep_default_na=False, na_values=[""])
    expected = panel.predictions.to_frame()
    assert list(back.columns) == list(expected.columns)
    expected["predicted"] = expected["predicted"].replace("", np.nan)  # an empty cell reads back as NaN
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert [f.name for f in out.parent.iterdir()] == ["predictions.csv"]  # no temp file left
    assert out.stat().st_mode & 0o077 == 0o666 & ~_umask() & 0o077  # not left private by mkstemp
    assert not panel.export_csv(tmp_path / "no such folder" / "p.csv")
    assert "no such folder" in panel.last_error
    # the Export button writes in the worker thread, chunk by chunk: the same bytes
    panel.chunk_rows = 50
    seen = []
    panel.exported.connect(seen.append)
    background = out.parent / "background.csv"
    assert panel.start_export(background)
    assert wait_until(lambda: not panel.busy, 30)
    assert seen == [str(background)] and background.read_bytes() == out.read_bytes()
    assert sorted(f.name for f in out.parent.iterdir()) == ["background.csv", "predictions.csv"]


def _umask() -> int:
    import os

    old = os.umask(0)
    os.umask(old)
    return old


def test_untrained_banner_and_stale_predictions(panel, model, penguins_path):
    panel.set_model(model, 0)
    assert panel.banner.isVisible() and panel.banner.text() == UNTRAINED_TEXT
    load(panel, penguins_path)  # still allowed
    assert panel.predictions_epoch == 0 and panel.banner.isVisible()
    panel.set_model(model, 30)
    assert not panel.banner.isVisible() and panel.stale_banner.isVisible()
    assert panel.stale_label.text() == "Predictions from epoch 0"
    assert panel.reclassify_button.text() == "Re-classify with epoch 30"
    panel.reclassify_button.click()
    assert wait_until(lambda: not panel.busy, 30)
    assert panel.predictions_epoch == 30 and not panel.stale_banner.isVisible()


def test_set_model_refreshes_the_form_not_the_table(panel, model, penguins_path):
    load(panel, penguins_path)
    pred = panel.predictions
    before = panel.form_probabilities
    w = [np.array(a) for a in model.weights]
    w[-1] = w[-1] * 0.5
    changed = type(model)(**{**model.__dict__, "weights": tuple(w)})
    for epoch in range(31, 131):
        panel.set_model(changed, epoch)
    assert not panel.busy and panel.predictions is pred
    assert not np.allclose(panel.form_probabilities, before)
    assert panel.stale_label.text() == "Predictions from epoch 30"
    assert panel.reclassify_button.text() == "Re-classify with epoch 130"
    panel.set_model(changed, 30)  # same epoch number, other weights (a reset network, retrained)
    assert panel.stale_label.text() == "Predictions from an earlier network at epoch 30"


def test_row_selection_emits_raw_features(panel, penguins_path):
    load(panel, penguins_path)
    seen = []
    panel.observationSelected.connect(seen.append)
    panel.select_table_row(0)
    assert np.array_equal(seen[-1], panel.predictions.features[0])
    assert np.array_equal(seen[-1], [39.1, 18.7, 181, 3750])
    panel.select_table_row(3)  # line 5: no measurements
    assert seen[-1] is None
    panel.table.selectionModel().clear()
    panel.select_table_row(1)
    panel.table.selectionModel().select(panel.proxy.index(1, 0), QItemSelectionModel.SelectionFlag.Deselect
                                        | QItemSelectionModel.SelectionFlag.Rows)
    assert seen[-1] is None


def test_shutdown_with_a_load_in_flight(panel, big_csv, monkeypatch):
    panel.chunk_rows = 10_000
    gate, reached, calls = gated_classify(monkeypatch, stop_at=2)
    assert panel.load_file(big_csv)
    assert wait_until(reached.is_set, 60)
    threading.Timer(0.2, gate.set).start()  # the worker is inside a chunk when shutdown begins
    panel.shutdown()
    assert not panel.thread_running and not panel.busy and len(calls) == 2
    panel.shutdown()  # twice is fine
    assert not panel.load_file(big_csv) and not panel.busy


def test_destroying_the_panel_mid_load_stops_its_thread(qtbot, model, big_csv, monkeypatch):
    import shiboken6

    p = ClassifyPanel()
    p.set_model(model, 30)
    p.chunk_rows = 10_000
    gate, reached, _ = gated_classify(monkeypatch, stop_at=2)
    assert p.load_file(big_csv)
    assert wait_until(reached.is_set, 60)
    thread = p._thread
    threading.Timer(0.2, gate.set).start()
    shiboken6.delete(p)  # no shutdown(): the destroyed hook stops the thread
    assert not thread.isRunning()


# -- the panel in the 402-px left dock (issue 17, items 8, 9 and 18) -------------------------------

WINE_FEATURES = ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
                 "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                 "od280/od315_of_diluted_wines", "proline")
LONG_CLASSES = {"Adelie": "Adelie Penguin (Pygoscelis adeliae)",
                "Chinstrap": "Chinstrap penguin (Pygoscelis antarctica)",
                "Gentoo": "Gentoo penguin (Pygoscelis papua)"}


def _trained(path, epochs=3):
    tr = Trainer(split(load_csv(path), 0.3, 0), TrainConfig())
    for _ in range(epochs):
        tr.train_epoch(snapshot=False)
    return model_from_training(tr)


@pytest.fixture
def docked(qtbot):
    """A ClassifyPanel in a left dock of the controls' width, the centre taking the rest."""
    from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

    from gui.main_window import CONTROLS_WIDTH

    win = QMainWindow()
    centre = QLabel("centre")
    centre.setMinimumWidth(600)
    win.setCentralWidget(centre)
    dock = QDockWidget("Classify")
    panel = ClassifyPanel()
    dock.setWidget(panel)
    win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    win.resizeDocks([dock], [CONTROLS_WIDTH], Qt.Orientation.Horizontal)
    assert wait_until(lambda: dock.width() == CONTROLS_WIDTH, 5)
    yield panel, dock, CONTROLS_WIDTH
    panel.shutdown()


def _settle():
    from PySide6.QtWidgets import QApplication

    for _ in range(4):
        QApplication.processEvents()


def _field_shows_all(edit) -> bool:
    fm = edit.fontMetrics()
    return edit.width() >= fm.horizontalAdvance(edit.text()) + 8


def test_thirteen_features_fit_the_dock(docked, tmp_path):
    panel, dock, width = docked
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(10, 3, (90, 13)).round(3), columns=list(WINE_FEATURES))
    df["cultivar"] = np.repeat(["class_0", "class_1", "class_2"], 30)
    path = tmp_path / "wine.csv"
    df.to_csv(path, index=False)
    panel.set_model(_trained(path), 3)
    _settle()
    assert dock.width() == width  # the dock never grows for this panel
    form = panel.form
    viewport = form.form_area.viewport()
    assert len(panel.inputs) == 13 and form.form_area.verticalScrollBar().isVisible()  # the rest scroll
    for label, edit, name in zip(form.labels, panel.inputs, WINE_FEATURES, strict=True):
        right = edit.mapTo(viewport, edit.rect().topRight()).x()
        assert edit.width() >= 50 and right <= viewport.width(), name  # the field is there, whole
        assert _field_shows_all(edit), (name, edit.text())
        assert name in label.toolTip() and name in edit.toolTip()
        shown = label.shown_text()
        assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
        assert shown == name or ("…" in shown and shown[0] == name[0] and shown[-1] == name[-1]), shown
    assert form.labels[11].is_elided()  # od280/od315_of_diluted_wines does not fit: elided in the middle


def test_long_class_names_never_widen_the_dock(docked, tmp_path, penguins_path):
    panel, dock, width = docked
    df = pd.read_csv(penguins_path)
    df["species"] = df["species"].map(LONG_CLASSES)
    path = tmp_path / "long.csv"
    df.to_csv(path, index=False)
    model = _trained(path)
    panel.set_model(model, 3)
    load(panel, path)
    panel.set_observation([43.965, 17.233, 200.81, 4199.8])
    panel.set_model(model, 4)  # the stale banner with its Re-classify button
    _settle()
    assert panel.stale_banner.isVisible() and dock.width() == width
    # the form's fields show the whole value
    assert [e.text() for e in panel.inputs] == ["43.965", "17.233", "200.81", "4199.8"]
    assert all(_field_shows_all(e) for e in panel.inputs)
    # bars: each name elided in the middle in the font it is drawn in, its first letter kept
    bars = panel.bars
    bold = QFont(bars.font())
    bold.setBold(True)
    for j, shown, is_bold in bars.shown_names():
        full = model.class_names[j]
        fm = QFontMetrics(bold) if is_bold else bars.fontMetrics()
        assert fm.horizontalAdvance(shown) <= bars.name_width() - 6
        assert shown[0] == full[0] and shown[-1] == full[-1] and full in bars.toolTip()
    assert any(b for _, _, b in bars.shown_names())
    # table headers: P(name) elided in the middle to their column, the tooltip whole
    m, hh = panel.table_model, panel.table.horizontalHeader()
    for j, full in enumerate(model.class_names):
        c = m.first_prob_column + j
        shown = m.headerData(c, Qt.Orientation.Horizontal)
        assert shown.startswith("P(") and shown.endswith(")") and "…" in shown
        assert hh.fontMetrics().horizontalAdvance(shown) <= hh.sectionSize(c)
        assert full in m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    hh.resizeSection(m.first_prob_column, 600)  # widened by hand: the whole name
    assert m.headerData(m.first_prob_column, Qt.Orientation.Horizontal) == f"P({model.class_names[0]})"
    valid = int(np.flatnonzero(panel.predictions.valid)[0])
    right = int(np.flatnonzero(panel.score.correct == 1)[0])  # a wrong row's tooltip says "true: …"
    cell = m.index(right, m.predicted_column)
    assert cell.data(Qt.ItemDataRole.ToolTipRole) in model.class_names
    assert valid >= 0
    # the accuracy line wraps within the dock; the true column has its header
    assert panel.score_box.isVisible() and panel.score_label.width() < width
    assert m.headerData(m.true_column, Qt.Orientation.Horizontal) == "true"


def test_a_value_far_outside_the_training_range_is_pointed_out(panel, model):
    form = panel.form
    lo, hi = model.feature_range
    assert lo[0] < 35 < 55 < hi[0]  # bill length: 32.1-59.6 in the training rows, or near it
    panel.fill_mean()
    assert form.hint.isHidden() and form.far == []
    panel.set_observation([99999, 17.2, 200.8, 4199.8])
    assert not form.hint.isHidden() and form.far == [0]
    text = form.hint.text()
    assert f"bill_length_mm 99999 is far outside the training range {lo[0]:.6g}–{hi[0]:.6g}" in text
    assert form.field_state(0) == "far" and form.field_state(1) == ""
    assert panel.form_probabilities is not None  # still answered, with the warning
    panel.set_observation([hi[0] * 1.05, 17.2, 200.8, 4199.8])  # a little past the range: no alarm
    assert form.hint.isHidden() and form.field_state(0) == ""
    panel.inputs[2].setText("-5000")
    assert form.far == [2] and "flipper_length_mm -5000" in form.hint.text()
    panel.inputs[2].setText("abc")
    assert form.field_state(2) == "bad" and form.hint.isHidden()


# -- a file that carries its labels (issue 13 item 2) ------------------------------------------------
def _wrong_cells(panel) -> list[int]:
    """Table rows whose predicted cell is marked wrong (red), from what the table model shows."""
    from gui.classify.table import WRONG_TINT

    m = panel.table_model
    out = []
    for r in range(m.rowCount()):
        if m.index(r, m.predicted_column).data(Qt.ItemDataRole.BackgroundRole) == WRONG_TINT:
            out.append(m.table_row(r))
    return sorted(out)


def test_the_penguins_file_is_scored_against_its_own_labels(panel, penguins_path):
    load(panel, penguins_path)
    pred, score = panel.predictions, panel.score
    df = pd.read_csv(penguins_path)
    ok = pred.valid  # the two rows with missing measurements are not scored
    predicted = np.asarray(pred.predicted, dtype=object)
    assert score is not None and score.label == "species" and score.scored == int(ok.sum()) == 342
    expected = float(np.mean(predicted[ok] == df["species"].to_numpy()[ok]))
    assert score.report.accuracy == pytest.approx(expected, abs=1e-12)
    assert f"Accuracy {expected:.1%}" in panel.score_label.text()
    assert "2 labelled rows left unclassified are not scored" in panel.score_label.text()
    assert panel.score_box.isVisible()
    wrong = np.flatnonzero(ok & (predicted != df["species"].to_numpy()))
    assert _wrong_cells(panel) == wrong.tolist()
    m = panel.table_model
    assert [m.index(r, m.true_column).data() for r in range(3)] == list(df["species"][:3])


def test_wrong_rows_are_exactly_the_marked_ones_and_unknown_classes_are_named(panel, penguins_path,
                                                                            tmp_path):
    df = pd.read_csv(penguins_path)
    relabel = {0: "Gentoo", 1: "Chinstrap", 160: "Adelie", 300: "Adelie"}  # surely wrong now
    for i, c in relabel.items():
        df.loc[i, "species"] = c
    df.loc[[10, 20, 30], "species"] = "Emperor"
    df.loc[40, "species"] = None
    df = df.rename(columns={"species": " Species "})  # matched as the command line matches it
    path = tmp_path / "labelled.csv"
    df.to_csv(path, index=False)
    load(panel, path)
    pred, score = panel.predictions, panel.score
    labels = df[" Species "].to_numpy(dtype=object)
    predicted = np.asarray(pred.predicted, dtype=object)
    known = np.isin(labels, list(pred.class_names))
    scored = pred.valid & known
    wrong = np.flatnonzero(scored & (predicted != labels))
    assert set(relabel) <= set(wrong.tolist())
    assert _wrong_cells(panel) == wrong.tolist()
    assert score.scored == int(scored.sum()) == 344 - 2 - 3 - 1
    assert score.report.accuracy == pytest.approx(1 - len(wrong) / scored.sum(), abs=1e-12)
    text = panel.score_label.text()
    assert "3 rows labelled 'Emperor', a class this network does not know, are not scored" in text
    assert "1 row without a label is not scored" in text
    assert f"{len(wrong):,}&nbsp;wrong" in text
    # the wrong cell says what the file has; the unknown class's cell says why it is not scored
    m = panel.table_model
    tip = m.index(0, m.predicted_column).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == f"Wrong: predicted {predicted[0]}, true: Gentoo"
    assert m.index(10, m.true_column).data() == "Emperor"
    assert "does not know" in m.index(10, m.true_column).data(Qt.ItemDataRole.ToolTipRole)
    assert m.index(10, m.predicted_column).data(Qt.ItemDataRole.BackgroundRole) is None
    # the confusion matrix and per-class figures, shown on demand
    assert not panel.details.isVisible()
    panel.details_button.setChecked(True)
    assert panel.details.isVisible()
    html = panel.details.text()
    for c, figures in score.report.per_class(pred.class_names).items():
        assert c in html and f"{figures['f1']:.2f}" in html
    assert score.report.confusion.sum() == score.scored
    # the wrong count selects each wrong row in turn
    seen = [panel.select_next_wrong() for _ in range(len(wrong) + 1)]
    assert seen == [*wrong.tolist(), wrong[0]] and panel.selected_table_row() == wrong[0]


def test_the_dock_and_the_command_line_score_alike(panel, model, penguins_path, tmp_path, capsys):
    import json

    from core.cli import main
    from core.model import save_model

    path = tmp_path / "net.pt"
    save_model(model, path)
    assert main(["classify", str(path), str(penguins_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    load(panel, penguins_path)
    assert out["confusion"] == panel.score.report.confusion.tolist()
    assert out["accuracy"] == pytest.approx(panel.score.report.accuracy, abs=1e-6)


def test_a_file_without_the_label_column_shows_no_score(panel, penguins_path, tmp_path):
    load(panel, penguins_path)
    assert panel.score_box.isVisible()
    path = tmp_path / "unlabelled.csv"
    pd.read_csv(penguins_path).drop(columns=["species"]).to_csv(path, index=False)
    load(panel, path)
    m = panel.table_model
    assert panel.score is None and not panel.score_box.isVisible() and m.true_column is None
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert "true" not in headers and headers[m.first_prob_column] == "P(Adelie)"
    assert _wrong_cells(panel) == []
