"""The session and the window's commands around it: nothing the person asks for is lost, nothing
trained is thrown away without asking, and what the status bar shows is the epoch on screen."""

import pytest
from PySide6.QtCore import QSettings

from gui_helpers import make_window, ready, wait_until


@pytest.fixture
def win(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.close()


def _bare_window(qtbot, tmp_path, data_path=None):
    from gui.main_window import MainWindow

    w = MainWindow(data_path=data_path,
                   settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.confirm = lambda text: True
    w.confirm_close = lambda: True
    return w


def test_step_asked_before_the_network_is_ready_runs_once_it_is(qtbot, tmp_path):
    w = _bare_window(qtbot, tmp_path)
    w.step()  # the first frame has not even painted: no engine, no network yet
    assert not w.session.ready and w.session.epoch == 0
    w.show()
    assert wait_until(lambda: ready(w) and w.session.epoch == 1, 60), w.last_error
    w.close()


def test_play_asked_before_ready_starts_and_pause_cancels_it(qtbot, tmp_path):
    w = _bare_window(qtbot, tmp_path)
    w.toggle_play()
    w.toggle_play()  # changed one's mind: nothing runs
    w.show()
    assert wait_until(lambda: ready(w), 60)
    assert not w.session.playing and w.session.epoch == 0
    w.close()


def test_right_on_a_past_epoch_moves_forward_then_trains(win):
    s = win.session
    for _ in range(3):
        win.step()
    assert wait_until(lambda: s.epoch == 3 and s._runs == 0, 30)
    s.view_epoch(1)
    win.step()
    assert s.viewing == 2 and s.epoch == 3  # the next kept epoch, nothing trained
    win.step()
    assert s.viewing is None and s.epoch == 3  # back at the live end
    win.step()
    assert wait_until(lambda: s.epoch == 4, 30)


def test_status_bar_shows_the_viewed_epochs_figures(win):
    s = win.session
    for _ in range(3):
        win.step()
    assert wait_until(lambda: s.epoch == 3 and s._runs == 0, 30)
    win._draw(force=True)
    row = s.history.metrics()[1]
    s.view_epoch(1)
    assert "viewing epoch 1" in win.status.epoch.text()
    assert f"{row[1]:.4f}" in win.status.train.text() and f"{row[3]:.4f}" in win.status.val.text()
    s.view_epoch(None)
    win._draw(force=True)
    assert win.status.epoch.text() == "epoch 3"
    assert f"{s.latest.train_loss:.4f}" in win.status.train.text()


def test_reset_asks_only_when_training_would_be_lost(win, tmp_path):
    asked = []
    win.confirm = lambda text: asked.append(text) or False
    win.reset()  # epoch 0: nothing to lose
    assert asked == []
    assert wait_until(lambda: ready(win), 30)
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    assert win.reset() is False and len(asked) == 1 and "1 epochs" in asked[0]
    assert win.session.epoch == 1  # declined: the network stays
    assert win.files.save_network(str(tmp_path / "net"))  # saved: nothing to lose any more
    assert (tmp_path / "net.safetensors").exists()
    assert win.reset() is True and len(asked) == 1


def test_closing_with_unsaved_training_can_be_declined(win):
    win.step()
    assert wait_until(lambda: win.session.epoch == 1, 30)
    win.confirm_close = lambda: False
    win.close()
    assert win.isVisible() and win.session.worker.is_running()  # still open, still training
    win.confirm_close = lambda: True


def test_the_close_question_is_skipped_when_nothing_is_unsaved(win):
    assert win.session.unsaved_epochs == 0
    assert win._confirm_close_dialog() is True  # no dialog: it would block here


def test_a_bad_file_on_the_command_line_falls_back_to_the_penguins(qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n", encoding="utf-8")
    w = _bare_window(qtbot, tmp_path, data_path=bad)
    w.show()
    assert wait_until(lambda: ready(w), 60), w.last_error
    assert w.session.data.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert "bad.csv" in w.last_error and "penguins example" in w.last_error
    w.close()


def test_a_refused_file_on_the_command_line_offers_its_columns(qtbot, tmp_path):
    """auto-mpg's last column is the car's name (a class per row): the penguins open, and the
    message's "Choose columns…" opens the import dialog, where mpg is chosen and trained on."""
    import numpy as np
    import pandas as pd
    from PySide6.QtWidgets import QMessageBox

    rng = np.random.default_rng(0)
    cars = pd.DataFrame({"mpg": rng.uniform(9, 46, 120).round(1), "cylinders": rng.choice([4, 6, 8], 120),
                         "weight": rng.uniform(1600, 5100, 120).round(0),
                         "car name": [f"car {i}" for i in range(120)]})
    path = tmp_path / "auto-mpg.csv"
    cars.to_csv(path, index=False)
    w = _bare_window(qtbot, tmp_path, data_path=path)
    w.show()
    assert wait_until(lambda: ready(w), 60), w.last_error
    assert w.session.data.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert "'car name'" in w.last_error
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and "Choose the label" in boxes[0].text()
    choose = next(b for b in boxes[0].buttons() if b.text() == "Choose columns…")
    choose.click()
    assert wait_until(lambda: getattr(w, "import_dialog", None) is not None
                      and w.import_dialog.isVisible(), 10)
    dlg = w.import_dialog
    dlg.label_combo.setCurrentText("mpg")
    assert wait_until(lambda: dlg.dataset() is not None, 20)
    assert dlg.dataset().task == "regression"
    dlg.accept()
    assert wait_until(lambda: ready(w) and w.session.data.task == "regression", 60), w.last_error
    assert w.session.data.label_name == "mpg"
    w.close()


def test_exports_add_a_missing_extension(win, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "picture"), ""))
    win.files.export_view_dialog("png")
    assert (tmp_path / "picture.png").stat().st_size > 0
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "loss"), ""))
    win.files.export_loss_dialog()
    assert (tmp_path / "loss.csv").read_text().startswith("epoch,train_loss")
    assert win.files.start_dir() == str(tmp_path)  # the next dialog starts where this one ended


def test_default_play_speed_can_be_watched(win):
    from gui.controls import DEFAULT_SPEED

    assert win.controls.epochs_per_second() == DEFAULT_SPEED == 10


def test_data_warnings_reach_the_window_when_no_dialog_showed_them(qtbot, tmp_path):
    """A constant feature in a file opened without the import dialog: a message names it."""
    import pandas as pd

    from conftest import PENGUINS

    df = pd.read_csv(PENGUINS)
    df["station"] = 7.0  # the same on every row
    path = tmp_path / "constant.csv"
    df.to_csv(path, index=False)
    w = _bare_window(qtbot, tmp_path, data_path=path)
    w.show()
    assert wait_until(lambda: ready(w), 60), w.last_error
    assert "station" in w.last_error and "same value" in w.last_error
    assert "station" in w.statusBar().toolTip()
    w.close()


def test_early_stopping_pauses_and_offers_the_best_epoch(win, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from gui.controls import SPEEDS

    s = win.session
    win.controls.set_values(dict(speed_index=len(SPEEDS) - 1, learning_rate=0.05))
    win.controls.early.setValue(2)  # as the person would: applies from the next epoch
    win.controls.lr_spin.setValue(0.05)
    assert s.config.early_stopping == 2
    s.play()
    assert wait_until(lambda: not s.playing and s._runs == 0, 120), "early stopping never paused"
    m = s.history.metrics()
    best = int(m[m[:, 3].argmin(), 0])
    assert s.best_epoch == best and s.epoch - best >= 2  # no new low for the last 2 epochs
    box = win.early_stop_box
    assert f"epoch {best}" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert s.viewing == best or (best == s.epoch and s.viewing is None)
    assert win.files.save_network(str(tmp_path / "best.safetensors"))
    from core.model import load_model

    assert load_model(tmp_path / "best.safetensors").epochs_trained == best  # the epoch on screen


def test_cures_apply_from_the_next_epoch(win):
    s = win.session
    win.controls.l2.setValue(0.01)
    win.controls.dropout.setValue(0.2)
    assert (s.config.l2, s.config.dropout) == (0.01, 0.2)
    win.step()
    assert wait_until(lambda: s.epoch == 1, 30)
    assert s.latest.penalty > 0


def test_a_long_status_message_fits_left_of_the_fields(win):
    """A data warning (digits: three constant pixels) or a long path was cut at the first field,
    mid-word: it is elided in the middle now, whole in the bar's tooltip until it goes."""
    bar = win.statusBar()
    long = ("'pixel_0_0', 'pixel_4_0' and 'pixel_4_7' each have the same value on every usable row "
            "(0; 0; 0): they cannot help tell the classes apart") * 2
    bar.showMessage(long, 5000)
    shown = bar.currentMessage()
    assert "…" in shown and shown[:8] == long[:8] and shown[-8:] == long[-8:]
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.room()
    assert bar.toolTip() == long
    # a field beside it grows (the device's words arrive later): the message is fitted again
    from PySide6.QtWidgets import QApplication

    before = bar.room()
    win.status.rate.setText("a much longer speed figure than before, " * 2)
    for _ in range(5):
        QApplication.processEvents()
    assert bar.room() < before
    assert bar.fontMetrics().horizontalAdvance(bar.currentMessage()) <= bar.room()
    win.status.rate.setText("")
    base = bar._base_tip  # the bar's own tooltip about the data comes back after
    bar.showMessage("Saved", 5000)
    assert bar.currentMessage() == "Saved" and bar.toolTip() == base
    bar.showMessage(long, 5000)
    bar.clearMessage()
    assert bar.toolTip() == base


def test_the_f1_sheet_fits_the_window_and_scrolls(win):
    """The sheet of terms grew past 2,000 px as a message box (no Close button on the screen): it
    is a scrolling window no taller than the main window, with the live numbers and regression's
    figures explained."""
    from PySide6.QtWidgets import QDialogButtonBox, QTextBrowser

    win.show_concepts()
    dlg = win.concepts_box
    assert wait_until(lambda: dlg.isVisible(), 5)
    assert dlg.height() <= win.height() and dlg.width() <= win.width()
    text = dlg.findChild(QTextBrowser)
    plain = text.toPlainText()
    assert "R²" in plain and "RMSE" in plain and "mean over the epoch's mini-batches" in plain
    assert f"{win.session.latest.train_loss:.4f}" in plain
    assert text.verticalScrollBar().maximum() > 0  # more than fits: it scrolls
    box = dlg.findChild(QDialogButtonBox)
    box.button(QDialogButtonBox.StandardButton.Close).click()
    assert wait_until(lambda: not dlg.isVisible(), 5)
